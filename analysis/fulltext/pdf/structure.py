"""Rows in reading order to a :class:`Document`: title, abstract, sections, references."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace

from analysis.document import Caption, Document, Section, Table
from analysis.fulltext.pdf.floats import Float
from analysis.fulltext.pdf.headings import (
    ABSTRACT,
    APPENDIX,
    CAPTION,
    FRONT,
    REFERENCES,
    Heading,
    find_headings,
)
from analysis.fulltext.pdf.layout import PageRows, Row, body_font_size
from analysis.fulltext.pdf.margins import FOOTNOTE_MARK, mark_footnotes
from analysis.fulltext.pdf.text import TextJoiner, split_references
from analysis.fulltext.quality import MIN_PAGE_CHARS, assess

_INLINE_ABSTRACT = re.compile(r"^(?:abstract|résumé|summary)\s*[.:—–-]\s*(?P<text>\S.*)$", re.I)
_FRONT_LABEL = re.compile(
    r"^(?:ccs concepts|additional key words|key\s?words|index terms|acm reference format"
    r"|general terms|mots[- ]clés|permission to make)\b",
    re.IGNORECASE,
)
_HEADLESS_ENTRY = re.compile(r"^\[?(\d{1,3})[\].]?\s+\S")
_BAD_METADATA_TITLE = re.compile(r"\.(?:pdf|tex|dvi|docx?|txt)$|^microsoft word|^untitled", re.I)

_MIN_TITLE_CHARS = 8
_MAX_TITLE_ROWS = 4
_TITLE_PREFIX_SIZE = 0.7
_MIN_ABSTRACT_CHARS = 200
_MAX_DEBRIS_CHARS = 80
_LINK_LIKE = re.compile(r"[/@]|\.\w|\d")
_SENTENCE_END = re.compile(r"[.!?][\"”’)]?(?=\s|$)")
_HEADLESS_MIN_ENTRIES = 5
FULL_TEXT_TITLE = "Full text"


def build_document(
    pages: list[PageRows],
    *,
    page_count: int,
    metadata_title: str,
    floats: Sequence[Float] = (),
    removed: Counter[str] | None = None,
) -> Document:
    """Assemble a :class:`Document` from cleaned ``pages`` of rows.

    ``floats`` are the figures and tables taken out of the pages (tables become
    table blocks); ``removed`` counts what the cleaning steps took out.
    """
    removed = Counter(removed or {})
    rows = [row for page in pages for row in page.rows]
    size = body_font_size(rows)
    mark_footnotes(pages, size)
    joiner = TextJoiner(rows)
    captions, caption_rows = _captions(rows, joiner)
    headings = find_headings(rows, size, caption_rows)
    headless = _headless_references(rows, headings, size)
    first_body = next((h.index for h in headings if h.kind not in (ABSTRACT, FRONT)), len(rows))
    title, title_end = _title(rows[:first_body], size, joiner, metadata_title)
    sections, appendix, reference_rows = _sections(rows, headings, caption_rows, headless, joiner)
    in_references = {id(row) for row in reference_rows}
    footnotes = _footnotes(
        [row for row in rows if row.footnote and id(row) not in in_references], joiner
    )
    tables = _tables(floats, captions)
    removed["footnotes"] += len(footnotes)
    removed["figure_text"] += sum(len(f.rows) for f in floats if f.kind == "figure")
    removed["table_rows"] += sum(len(f.rows) for f in floats if f.kind == "table")
    if not sections and not appendix:
        rest = [r for i, r in enumerate(rows[title_end:], title_end) if i not in caption_rows]
        if rest:
            sections = [Section(None, FULL_TEXT_TITLE, 1, rest[0].page, joiner.join(rest))]
    text_pages = sum(1 for page in pages if sum(len(r.text) for r in page.rows) >= MIN_PAGE_CHARS)
    return Document(
        title=title,
        abstract=_abstract(rows, headings, first_body, title_end, joiner),
        pages=page_count,
        sections=tuple(sections),
        appendix=tuple(appendix),
        captions=tuple(captions),
        references=tuple(split_references(reference_rows, joiner)),
        quality=assess(
            "\n".join(r.text for r in rows),
            pages=page_count,
            text_pages=text_pages,
            removed={key: count for key, count in sorted(removed.items()) if count},
        ),
        tables=tuple(tables),
        footnotes=tuple(footnotes),
    )


def _tables(floats: Sequence[Float], captions: list[Caption]) -> list[Table]:
    """Table blocks: one line per row of each table area, cells split at wide gaps by " | "."""
    texts = {(c.kind, c.label): c.text for c in captions}
    return [
        Table(f.label, texts.get(("table", f.label), ""), _grid(f.rows), f.page)
        for f in floats
        if f.kind == "table"
    ]


def _grid(rows: list[Row]) -> str:
    return "\n".join(" | ".join(row.cells) if len(row.cells) > 1 else row.text for row in rows)


def _footnotes(rows: list[Row], joiner: TextJoiner) -> list[str]:
    """Footnote texts, one per mark, the mark itself stripped ("4Following…" → "Following…")."""
    notes: list[list[Row]] = []
    for row in rows:
        mark = FOOTNOTE_MARK.match(row.text)
        if mark or not notes:
            notes.append(
                [replace(row, text=row.text[mark.end("mark") :].lstrip()) if mark else row]
            )
        else:
            notes[-1].append(row)
    return [text for note in notes if (text := joiner.join(note).replace("\n", " ").strip())]


def _captions(rows: list[Row], joiner: TextJoiner) -> tuple[list[Caption], set[int]]:
    """Figure and table captions and the rows they cover.

    A caption row starts a block or changes style from the row before (a
    caption under a table); its paragraph goes on while the style holds.
    """
    captions: dict[tuple[str, str], Caption] = {}
    covered: set[int] = set()
    for index, row in enumerate(rows):
        if index and not _style_break(rows[index - 1], row):
            continue
        match = CAPTION.match(row.text)
        if match is None:
            continue
        text = match.group("text")
        covered.add(index)
        following = index + 1
        while following < len(rows) and not _style_break(rows[following - 1], rows[following]):
            text = joiner.glue(text, rows[following].text) if text else rows[following].text
            covered.add(following)
            following += 1
        kind = "figure" if match.group("kind").lower().startswith("f") else "table"
        caption = Caption(kind, match.group("label"), text, row.page)
        captions.setdefault((kind, caption.label), caption)
    return list(captions.values()), covered


def _style_break(previous: Row, row: Row) -> bool:
    """Whether ``row`` starts a new block or differs in font size or weight."""
    return (
        previous.block != row.block
        or abs(previous.size - row.size) > 0.3
        or previous.bold != row.bold
    )


def _headless_references(rows: list[Row], headings: list[Heading], body_size: float) -> set[int]:
    """Rows of a bibliography printed without a heading (REVTeX), if there is no References.

    It starts at a small-print entry "1" followed by "2"... after the last
    numbered top-level heading, and takes the small print from there on.
    """
    if any(h.kind == REFERENCES for h in headings):
        return set()
    tops = [h.index for h in headings if h.level == 1 and h.number]
    start = tops[-1] if tops else 0
    entries: list[int] = []
    for index in range(start, len(rows)):
        row = rows[index]
        match = _HEADLESS_ENTRY.match(row.text)
        if row.size < body_size - 0.4 and match and int(match.group(1)) == len(entries) + 1:
            entries.append(index)
            if len(entries) == _HEADLESS_MIN_ENTRIES:
                break
    if len(entries) < _HEADLESS_MIN_ENTRIES:
        return set()
    return {i for i in range(entries[0], len(rows)) if rows[i].size < body_size - 0.4}


def _title(
    front: list[Row], body_size: float, joiner: TextJoiner, metadata_title: str
) -> tuple[str, int]:
    """The largest bold or large text on page 1 (else a sane metadata title) and its end."""
    candidates = [
        (i, r)
        for i, r in enumerate(front)
        if r.page == 1
        and (r.bold or r.size >= body_size + 1)
        and sum(c.isalpha() for c in r.text) >= 3
    ]
    title, end = "", 0
    if candidates:
        top = max(row.size for _, row in candidates)
        picked = [(i, r) for i, r in candidates if r.size >= top - 0.3][:_MAX_TITLE_ROWS]
        run = [picked[0]]
        for index, row in picked[1:]:
            if index != run[-1][0] + 1:
                break
            run.append((index, row))
        run = _title_prefix(front, run, top) + run
        title = run[0][1].text
        for _, row in run[1:]:
            title = joiner.glue(title, row.text)
        end = run[-1][0] + 1
    if len(title) < _MIN_TITLE_CHARS and _sane_metadata_title(metadata_title):
        title = metadata_title.strip()
    return title, end


def _title_prefix(
    front: list[Row], run: list[tuple[int, Row]], top: float
) -> list[tuple[int, Row]]:
    """Rows of the title's own block just before it in a smaller size ("olmOCR 2:" above
    "Unit Test Rewards…"): part of the title, not of the authors."""
    prefix: list[tuple[int, Row]] = []
    index, first = run[0]
    while index > 0:
        row = front[index - 1]
        if row.block != first.block or row.page != 1 or row.size < _TITLE_PREFIX_SIZE * top:
            break
        index -= 1
        prefix.insert(0, (index, row))
    return prefix


def _sane_metadata_title(title: str) -> bool:
    title = title.strip()
    return len(title) >= _MIN_TITLE_CHARS and " " in title and not _BAD_METADATA_TITLE.search(title)


def _abstract(
    rows: list[Row], headings: list[Heading], first_body: int, title_end: int, joiner: TextJoiner
) -> str:
    """Text under an Abstract heading, after an inline label, or the longest front paragraph."""
    for position, heading in enumerate(headings):
        if heading.kind == ABSTRACT and heading.index < first_body:
            end = headings[position + 1].index if position + 1 < len(headings) else first_body
            return _front_text(rows[heading.index + heading.span : end], joiner)
    for index in range(title_end, first_body):
        match = _INLINE_ABSTRACT.match(rows[index].text)
        if match:
            rest = rows[index + 1 : _next_heading(headings, index, first_body)]
            return _front_text([replace(rows[index], text=match.group("text")), *rest], joiner)
    paragraphs = _paragraphs([row for row in rows[title_end:first_body] if row.page == 1])
    best = max(paragraphs, key=lambda rows: sum(len(r.text) for r in rows), default=[])
    text = _front_text(best, joiner)
    return text if len(text) >= _MIN_ABSTRACT_CHARS else ""


def _front_text(rows: list[Row], joiner: TextJoiner) -> str:
    """Rows up to the first front-matter label (Keywords, CCS Concepts...) as one paragraph."""
    kept: list[Row] = []
    for row in rows:
        if _FRONT_LABEL.match(row.text):
            break
        kept.append(row)
    return _without_trailing_debris(joiner.join(kept).replace("\n", " ").strip())


def _without_trailing_debris(text: str) -> str:
    """Drop a short tail after the last sentence that is no sentence itself (link boxes such
    as "Code allenai/olmocr Demo" under an abstract)."""
    ends = list(_SENTENCE_END.finditer(text))
    if not ends:
        return text
    tail = text[ends[-1].end() :].strip()
    words = tail.split()
    labels = sum(1 for word in words if word[:1].isupper() or _LINK_LIKE.search(word))
    if words and len(tail) < _MAX_DEBRIS_CHARS and labels > 0.6 * len(words):
        return text[: ends[-1].end()].strip()
    return text


def _next_heading(headings: list[Heading], index: int, default: int) -> int:
    return next((h.index for h in headings if h.index > index), default)


def _paragraphs(rows: list[Row]) -> list[list[Row]]:
    """Runs of rows in one font size without a paragraph-sized vertical gap."""
    groups: list[list[Row]] = []
    for row in rows:
        last = groups[-1][-1] if groups else None
        if (
            last is not None
            and abs(last.size - row.size) <= 0.3
            and -0.5 * row.size < row.y0 - last.y1 < 0.9 * row.size
            and not _FRONT_LABEL.match(row.text)
        ):
            groups[-1].append(row)
        else:
            groups.append([row])
    return groups


def _sections(
    rows: list[Row],
    headings: list[Heading],
    caption_rows: set[int],
    headless: set[int],
    joiner: TextJoiner,
) -> tuple[list[Section], list[Section], list[Row]]:
    """Body sections, appendix sections and bibliography rows, split at the headings.

    ``headless`` rows belong to a bibliography that has no heading of its own.
    Footnotes are left out: they form the document's footnote list.
    """
    sections: list[Section] = []
    appendix: list[Section] = []
    references = [rows[i] for i in sorted(headless)]
    after_body = False
    for position, heading in enumerate(headings):
        end = headings[position + 1].index if position + 1 < len(headings) else len(rows)
        span = range(heading.index + heading.span, end)
        content = [rows[i] for i in span if i not in caption_rows and i not in headless]
        if heading.kind == REFERENCES:
            references.extend(content)
            after_body = True
        elif heading.kind not in (ABSTRACT, FRONT):
            after_body = after_body or heading.kind == APPENDIX
            section = Section(
                number=heading.number,
                title=heading.title,
                level=heading.level,
                page=rows[heading.index].page,
                text=joiner.join([row for row in content if not row.footnote]),
            )
            (appendix if after_body else sections).append(section)
    return sections, appendix, references
