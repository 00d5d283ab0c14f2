"""An answer to a question about a paper as Block Kit messages.

The question comes first (bold), then the answer and its sources
(:func:`analysis.ask.render.render_answer`, Markdown made safe there and escaped
again as mrkdwn here), then the engine, the paper version and any notes in small
print (a context block each).
"""

from __future__ import annotations

from analysis.ask.render import render_answer
from analysis.ask.types import Answer
from handlers.slack.blocks import (
    MAX_FALLBACK_CHARS,
    MAX_SECTION_CHARS,
    Block,
    Message,
    context,
    pack,
    section,
    split_text,
)
from handlers.slack.escape import cap, escape_inline, mrkdwn_from_markdown

QUESTION_CHARS = 500
NOTE_CHARS = 2900  # a context element holds at most 3,000 characters
LABEL = {"zh": "回答", "en": "Answer"}


def answer_messages(answer: Answer) -> list[Message]:
    """The answer in as many messages as Slack's limits need (nearly always one)."""
    body, notes = _parts(render_answer(answer))
    text = (
        "❓ *" + escape_inline(answer.question, QUESTION_CHARS) + "*\n" + mrkdwn_from_markdown(body)
    )
    blocks: list[Block] = [section(chunk) for chunk in split_text(text, MAX_SECTION_CHARS)]
    blocks += [context(cap(mrkdwn_from_markdown(note), NOTE_CHARS)) for note in notes]
    label = LABEL.get(answer.language, LABEL["en"])
    fallback = escape_inline(f"{label}: {answer.question}", MAX_FALLBACK_CHARS)
    return [Message(fallback, page) for page in pack(blocks)]


def _parts(markdown: str) -> tuple[str, list[str]]:
    """The answer and sources, and the status lines (the last paragraph, ``> `` lines)."""
    main, _, last = markdown.strip().rpartition("\n\n")
    lines = last.splitlines()
    if not main or not all(line.startswith("> ") for line in lines):
        return markdown, []
    return main, [line.removeprefix("> ") for line in lines]
