"""Which text of a paper is sent to the LLM, within a token budget.

Priorities, highest first: title and abstract; the core sections (introduction,
method, experiments, discussion, limitations, conclusion and any section not
recognised as secondary); figure and table captions, then the tables themselves
(up to :data:`TABLES_TOKENS`). Related work and appendix
sections are always reduced to their opening paragraph; acknowledgements and
similar back matter and the references are never sent. If that is still over the
budget, the appendix openings go first, then the related-work openings. A paper
whose core alone is over the budget is split into chunks for map-reduce
(:meth:`PaperText.chunks`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from analysis.document import Caption, Document, Section, Table
from analysis.tokens import count_tokens

LEAD_TOKENS = 120
TABLES_TOKENS = 2000  # about four results tables; the rest is cut
MAX_CHUNKS = 8


class Role(StrEnum):
    """What a section is for, judged from its title (subsections inherit)."""

    INTRODUCTION = "introduction"
    RELATED = "related"
    METHOD = "method"
    EXPERIMENTS = "experiments"
    DISCUSSION = "discussion"
    LIMITATIONS = "limitations"
    CONCLUSION = "conclusion"
    BACK_MATTER = "back_matter"
    OTHER = "other"


# Checked in this order: the first match wins ("Experimental setup of the model" is
# experiments, "Conclusion and future work" is a conclusion).
_ROLE_PATTERNS: tuple[tuple[Role, str], ...] = (
    (Role.BACK_MATTER, r"acknowledg|funding|author contributions?|competing interests|致谢"),
    (
        Role.RELATED,
        r"related (work|research|literature)|background|prior work|previous work|"
        r"literature|state of the art|travaux|état de l.art|相关工作|研究现状",
    ),
    (Role.INTRODUCTION, r"introduction|引言|绪论|前言"),
    (Role.LIMITATIONS, r"limitation|threats? to validity|broader impact|局限"),
    (
        Role.EXPERIMENTS,
        r"experiment|evaluation|results?\b|benchmark|empirical|ablation|user stud|"
        r"implementation details|datasets?\b|analysis|expérim|évaluation|实验|评估|结果",
    ),
    (Role.DISCUSSION, r"discussion|讨论"),
    (Role.CONCLUSION, r"conclu|summary|future work|outlook|总结|结论|展望"),
    (
        Role.METHOD,
        r"method|approach|model|framework|architecture|algorithm|design|system|proposed|"
        r"formulation|preliminar|problem|overview|méthod|方法|模型|框架|算法",
    ),
)
_SECONDARY = frozenset({Role.RELATED})
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s+")


def classify(title: str) -> Role:
    """The role a heading names, or OTHER."""
    lowered = title.lower()
    for role, pattern in _ROLE_PATTERNS:
        if re.search(pattern, lowered):
            return role
    return Role.OTHER


def section_roles(sections: Sequence[Section]) -> list[Role]:
    """The role of each section; a subsection takes its parent's unless the parent is OTHER."""
    roles: list[Role] = []
    parents: list[tuple[Section, Role]] = []
    for section in sections:
        while parents and not _is_child(section, parents[-1][0]):
            parents.pop()
        own = classify(section.title)
        inherited = parents[-1][1] if parents else Role.OTHER
        role = own if inherited == Role.OTHER else inherited
        roles.append(role)
        parents.append((section, role))
    return roles


def _is_child(section: Section, parent: Section) -> bool:
    if section.number and parent.number:
        return section.number.startswith(parent.number + ".")
    return section.level > parent.level


@dataclass(frozen=True)
class Block:
    """One piece of the text sent: a heading line and its text."""

    label: str
    text: str
    tokens: int
    core: bool


def _block(label: str, text: str, *, core: bool) -> Block:
    return Block(label, text, count_tokens(text), core)


@dataclass(frozen=True)
class PaperText:
    """The selected text, in paper order, and what was condensed or left out."""

    blocks: tuple[Block, ...]
    naive_tokens: int
    condensed: tuple[str, ...]
    omitted: tuple[str, ...]

    @property
    def tokens(self) -> int:
        return sum(block.tokens for block in self.blocks) + 2 * max(len(self.blocks) - 1, 0)

    def text(self) -> str:
        return "\n\n".join(block.text for block in self.blocks)

    def chunks(self, limit: int) -> tuple[list[str], list[str]]:
        """The text cut into at most MAX_CHUNKS pieces of at most ``limit`` tokens.

        Returns the chunks and the labels of core blocks that did not fit in
        MAX_CHUNKS pieces (normally none).
        """
        pieces = [piece for block in self.blocks for piece in _split_block(block, limit)]
        chunks: list[list[Block]] = [[]]
        for piece in pieces:
            if chunks[-1] and sum(p.tokens + 2 for p in chunks[-1]) + piece.tokens > limit:
                chunks.append([])
            chunks[-1].append(piece)
        kept, cut = chunks[:MAX_CHUNKS], chunks[MAX_CHUNKS:]
        lost = list(dict.fromkeys(p.label for chunk in cut for p in chunk if p.core))
        return ["\n\n".join(p.text for p in chunk) for chunk in kept], lost


def naive_text(document: Document) -> str:
    """Everything extracted, references included: what a naive client would send."""
    return "\n\n".join([document.title, document.all_text(), *document.references])


def select_text(document: Document, budget: int) -> PaperText:
    """The prioritised text of ``document``, shrunk towards ``budget`` tokens."""
    roles = section_roles(document.sections)
    front_text = f"Title: {document.title}\n\nAbstract: {document.abstract}"
    front = _block("Abstract", front_text, core=True)
    body: list[Block] = []
    condensed: list[str] = []
    omitted: list[str] = []
    for section, role in zip(document.sections, roles, strict=True):
        if role == Role.BACK_MATTER:
            omitted.append(section.label)
        elif role in _SECONDARY:
            body.append(_condensed_block(section))
            condensed.append(section.label)
        else:
            body.append(_block(section.label, _section_text(section), core=True))
    captions = _captions_block(document.captions) + _tables_block(document.tables)
    appendix = [_condensed_block(section, appendix=True) for section in document.appendix]
    condensed += [section.label for section in document.appendix]
    selected = PaperText(
        (front, *body, *captions, *appendix),
        count_tokens(naive_text(document)),
        tuple(condensed),
        tuple(omitted),
    )
    return _shrink(selected, budget)


def _shrink(selected: PaperText, budget: int) -> PaperText:
    """Drop condensed appendix openings, then related-work openings, until it fits."""
    for prefix in ("Appendix ", ""):
        while selected.tokens > budget:
            victims = [b for b in selected.blocks if not b.core and b.label.startswith(prefix)]
            if not victims:
                break
            victim = victims[-1]
            selected = replace(
                selected,
                blocks=tuple(b for b in selected.blocks if b is not victim),
                omitted=(*selected.omitted, victim.label),
            )
    return selected


def _section_text(section: Section) -> str:
    return f"## {section.label}\n{section.text}".strip()


def _condensed_block(section: Section, *, appendix: bool = False) -> Block:
    label = f"Appendix {section.label}" if appendix else section.label
    text = f"## {label} [opening paragraph only]\n{lead(section.text)}".strip()
    return _block(label, text, core=False)


def _captions_block(captions: Sequence[Caption]) -> list[Block]:
    if not captions:
        return []
    lines = [f"{c.kind.title()} {c.label}: {c.text}" for c in captions]
    return [_block("Captions", "## Figure and table captions\n" + "\n".join(lines), core=True)]


def _tables_block(tables: Sequence[Table]) -> list[Block]:
    """The tables (results live there), kept apart from the prose and cut at a token cap."""
    if not tables:
        return []
    text = "## Tables\n" + "\n\n".join(f"Table {t.label}\n{t.text}" for t in tables)
    if count_tokens(text) > TABLES_TOKENS:
        text = text[: TABLES_TOKENS * 4].rsplit("\n", 1)[0] + "\n[tables cut]"
    return [_block("Tables", text, core=True)]


def lead(text: str, max_tokens: int = LEAD_TOKENS) -> str:
    """The first paragraph of ``text``, cut at a sentence end to fit ``max_tokens``."""
    paragraph = _PARAGRAPH_BREAK.split(text.strip(), maxsplit=1)[0]
    if count_tokens(paragraph) <= max_tokens:
        return paragraph
    kept = ""
    for sentence in _SENTENCE_END.split(paragraph):
        candidate = f"{kept} {sentence}".strip()
        if count_tokens(candidate) > max_tokens:
            break
        kept = candidate
    return kept or _cut(paragraph, max_tokens)


def _cut(text: str, max_tokens: int) -> str:
    """The longest prefix of ``text`` within ``max_tokens`` (binary search on length)."""
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if count_tokens(text[:middle]) <= max_tokens:
            low = middle
        else:
            high = middle - 1
    return text[:low]


def _split_block(block: Block, limit: int) -> list[Block]:
    """``block`` as pieces of at most ``limit`` tokens, cut at paragraphs or sentences.

    Token counts of joined units are summed plus one per line break: exact or high
    for the estimate and close for BPE encodings.
    """
    if block.tokens <= limit:
        return [block]
    pieces: list[Block] = []
    current: list[str] = []
    used = 0
    for unit in _units(block.text, limit):
        tokens = count_tokens(unit)
        if current and used + 1 + tokens > limit:
            pieces.append(Block(block.label, "\n".join(current), used, block.core))
            current, used = [], 0
        used += tokens + (1 if current else 0)
        current.append(unit)
    if current:
        pieces.append(Block(block.label, "\n".join(current), used, block.core))
    return pieces


def _units(text: str, limit: int) -> list[str]:
    """Paragraphs, sentences of over-long paragraphs, hard cuts of over-long sentences."""
    units: list[str] = []
    for paragraph in _PARAGRAPH_BREAK.split(text):
        if count_tokens(paragraph) <= limit:
            units.append(paragraph)
            continue
        for sentence in _SENTENCE_END.split(paragraph):
            while count_tokens(sentence) > limit:
                head = _cut(sentence, limit)
                units.append(head)
                sentence = sentence[len(head) :]
            units.append(sentence)
    return [unit for unit in units if unit.strip()]
