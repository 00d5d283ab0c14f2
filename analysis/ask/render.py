"""An answer as platform-neutral Markdown that is safe to post.

Everything in an answer is untrusted (the question, the paper's text, the
model's output): invisible characters go, Markdown links become ``text (url)``,
HTML tags and mass mentions (``@everyone``, ``<@U1>``, ``<!here>``) are
defused (:func:`bot.commonmark.block`), and every URL is shown as code, which no
client turns into a link, and listed in a warning (:mod:`bot.links`).
"""

from __future__ import annotations

from analysis.ask.types import Answer, Citation
from bot.commonmark import block, inline
from bot.links import foreign_urls, inert_urls
from bot.sanitize import strip_invisible

MAX_LISTED_URLS = 3
FILE_PREFIX = "file:"  # the arxiv_id of an answer about a local file: "file:<name>"
_LABELS = {  # sources heading, engine, note, excerpts engine name, links warning
    "zh": ("出处", "引擎", "注意", "原文摘录（无 LLM）", "回答中的链接不可点击，访问前请核实：{}"),
    "en": (
        "Sources",
        "Engine",
        "Note",
        "excerpts (no LLM)",
        "links in the answer are not clickable; check before visiting: {}",
    ),
}


def render_answer(answer: Answer) -> str:
    """The answer, its sources (LLM answers: the excerpts carry their own) and notes."""
    heading, engine_word, note, excerpts, links = _LABELS[answer.language]
    colon = "：" if answer.language == "zh" else ": "
    parts = [_safe(answer.answer)]
    if answer.engine != "extractive" and answer.citations:
        lines = [_source_line(citation, colon) for citation in answer.citations]
        parts.append(f"**{heading}**\n" + "\n".join(lines))
    engine = excerpts if answer.engine == "extractive" else answer.engine
    status = [f"{engine_word}{colon}{engine} · {_paper(answer)}"]
    urls = _urls(answer)
    warnings = [*answer.warnings, *([links.format(", ".join(urls))] if urls else [])]
    status += [f"⚠️ {note}{colon}{warning}" for warning in warnings]
    parts.append("\n".join(f"> {inert_urls(inline(line))}" for line in status))
    return "\n\n".join(part for part in parts if part) + "\n"


def _paper(answer: Answer) -> str:
    if answer.arxiv_id.startswith(FILE_PREFIX):
        return answer.arxiv_id.removeprefix(FILE_PREFIX)
    return f"arXiv {answer.arxiv_id}v{answer.version}"


def _safe(markdown: str) -> str:
    return inert_urls(block(markdown.strip()))


def _source_line(citation: Citation, colon: str) -> str:
    quote = " ".join(citation.quote.split())
    return f"- {inert_urls(inline(citation.section))}{colon}“{inert_urls(inline(quote))}”"


def _urls(answer: Answer) -> list[str]:
    text = "\n".join([answer.answer, *(c.quote for c in answer.citations)])
    found = foreign_urls(strip_invisible(text))
    listed = [url[:80] for url in found[:MAX_LISTED_URLS]]
    more = f" (+{len(found) - MAX_LISTED_URLS})" if len(found) > MAX_LISTED_URLS else ""
    return [*listed[:-1], listed[-1] + more] if listed else []
