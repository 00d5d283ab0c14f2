"""Plain-text paper cards: for ``poll --dry-run``, logs and chat fallbacks."""

from __future__ import annotations

from bot.kernel.models import Paper

MAX_AUTHORS = 3
ANNOUNCE_BADGES = {
    "new": "new",
    "cross": "cross-list",
    "replace": "replaced",
    "replace-cross": "replaced cross-list",
}


def short_authors(authors: tuple[str, ...], limit: int = MAX_AUTHORS) -> str:
    """The first ``limit`` authors, then "et al."."""
    if len(authors) <= limit:
        return ", ".join(authors)
    return ", ".join(authors[:limit]) + " et al."


def shorten(text: str, limit: int) -> str:
    """Cut ``text`` at a word boundary to at most ``limit`` characters, with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:.")
    return cut + "…"


def text_card(
    paper: Paper, keywords: tuple[str, ...], abs_url: str, abstract_chars: int = 300
) -> str:
    """A few lines describing ``paper`` for a terminal or a log."""
    badge = ANNOUNCE_BADGES.get(paper.announce_type, paper.announce_type or "paper")
    day = paper.published.date().isoformat() if paper.published else ""
    meta = " · ".join(part for part in (", ".join(paper.categories), day) if part)
    lines = [
        f"[{badge}] {paper.title} ({paper.versioned_id})",
        f"  {short_authors(paper.authors)} · {meta}",
    ]
    if keywords:
        lines.append(f"  matched: {', '.join(k.strip() for k in keywords)}")
    lines += [
        f"  {shorten(paper.abstract, abstract_chars)}",
        f"  {abs_url.format(id=paper.arxiv_id)}",
    ]
    return "\n".join(lines)
