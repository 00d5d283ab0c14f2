"""The papers a monitor's config declares: ``interests`` IDs and the ``interests_file``.

The file is a BibTeX export (Zotero, Better BibTeX, JabRef…) when it has an entry
line such as ``@article{``, else a plain list of arXiv IDs or URLs, one a line
(``#`` starts a comment). Entries without an arXiv ID still count, by their title
and abstract.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from bot.kernel.config import MonitorConfig
from bot.kernel.errors import InvalidArxivIdError
from bot.kernel.ids import ArxivId, parse_arxiv_id
from bot.watch.ranking.bibtex import BibEntry, arxiv_id_of, parse_bibtex
from bot.watch.ranking.latex import latex_to_text

_BIBTEX = re.compile(r"^[ \t]*@[ \t]*[A-Za-z]+[ \t]*[{(]", re.MULTILINE)
_YEAR = re.compile(r"(1[89]|20)\d\d")


@dataclass(frozen=True)
class DeclaredPaper:
    """A paper the config names; ``title``/``abstract`` empty until looked up on arXiv."""

    key: str  # the arXiv ID, or "bib:<citation key>" for an entry without one
    arxiv_id: str | None
    title: str
    abstract: str
    when: str  # ISO date (or year) for "most recent first"; "" when unknown
    source: str  # "config" or the file name


@dataclass(frozen=True)
class Declared:
    papers: tuple[DeclaredPaper, ...]
    warnings: tuple[str, ...]


def declared_papers(monitor: MonitorConfig) -> Declared:
    """``monitor.interests`` then its ``interests_file``; each paper once, warnings named."""
    papers = [_from_id(parse_arxiv_id(text), "config") for text in monitor.interests]
    warnings: list[str] = []
    if monitor.interests_file:
        found, problems = read_interests_file(Path(monitor.interests_file))
        papers.extend(found)
        warnings.extend(f"{monitor.interests_file}: {problem}" for problem in problems)
    unique: dict[str, DeclaredPaper] = {}
    for paper in papers:
        unique.setdefault(paper.key, paper)
    return Declared(tuple(unique.values()), tuple(warnings))


def read_interests_file(path: Path) -> tuple[list[DeclaredPaper], list[str]]:
    """The papers of a BibTeX or ID-list file, and warnings (an unreadable file is one).

    The file is parsed again only when its size or modification time changes.
    """
    try:
        stat = path.stat()
        papers, warnings = _read(str(path), stat.st_mtime_ns, stat.st_size)
    except OSError as exc:
        return [], [f"cannot read the file: {exc.strerror or exc}"]
    return list(papers), list(warnings)


@lru_cache(maxsize=16)
def _read(path: str, mtime_ns: int, size: int) -> tuple[tuple[DeclaredPaper, ...], tuple[str, ...]]:
    text = Path(path).read_text(encoding="utf-8-sig", errors="replace")
    name = Path(path).name
    papers, warnings = (
        _from_bibtex(text, name) if _BIBTEX.search(text) else (_from_id_list(text, name))
    )
    return tuple(papers), tuple(warnings)


def _from_bibtex(text: str, source: str) -> tuple[list[DeclaredPaper], list[str]]:
    parsed = parse_bibtex(text)
    papers, warnings = [], list(parsed.warnings)
    for entry in parsed.entries:
        paper = _from_entry(entry, source)
        if paper is None:
            warnings.append(f"line {entry.line}: entry {entry.key!r} has no title or arXiv ID")
        else:
            papers.append(paper)
    return papers, warnings


def _from_entry(entry: BibEntry, source: str) -> DeclaredPaper | None:
    arxiv = arxiv_id_of(entry)
    title = latex_to_text(entry.fields.get("title", ""))
    if arxiv is None and not title:
        return None
    year = _YEAR.search(entry.fields.get("date", "") or entry.fields.get("year", ""))
    when = year.group() if year else (_id_date(arxiv) if arxiv else "")
    return DeclaredPaper(
        key=arxiv.id if arxiv else f"bib:{entry.key}",
        arxiv_id=arxiv.id if arxiv else None,
        title=title,
        abstract=latex_to_text(entry.fields.get("abstract", "")),
        when=when,
        source=source,
    )


def _from_id_list(text: str, source: str) -> tuple[list[DeclaredPaper], list[str]]:
    papers, warnings = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        words = line.split("#", 1)[0].split()
        if not words:
            continue
        try:
            papers.append(_from_id(parse_arxiv_id(words[0]), source))
        except InvalidArxivIdError:
            shown = words[0][:60]
            warnings.append(f"line {number}: {shown!r} is not an arXiv ID or URL, skipped")
    return papers, warnings


def _from_id(arxiv: ArxivId, source: str) -> DeclaredPaper:
    return DeclaredPaper(arxiv.id, arxiv.id, "", "", _id_date(arxiv), source)


def _id_date(arxiv: ArxivId) -> str:
    """The month an arXiv ID was issued (``2212.04356`` -> ``2022-12``)."""
    digits = arxiv.id.split("/")[-1][:4] if "/" in arxiv.id else arxiv.id[:4]
    century = "19" if int(digits[:2]) >= 91 else "20"
    return f"{century}{digits[:2]}-{digits[2:4]}"
