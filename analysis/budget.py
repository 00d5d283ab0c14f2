"""Which text of a paper is sent to the LLM: the budget filled by priority.

Every section gets a role (:mod:`analysis.roles`) and, from it, a priority tier:

1. the title and abstract, and the core of the body: introduction, method,
   experiments, results, discussion, conclusion, and the body's limitations,
   setup, compute, dataset and ablation sections (and any unrecognised ones);
2. appendix sections whose role is limitations, setup/hyper-parameters,
   compute/cost, datasets or ablations;
3. the tables, as text apart from the prose (their cells, and the captions of
   figures and of tables whose cells were not read);
4. related work and the other appendix sections (results, method, other);
5. appendix proofs and examples.

Everything goes in whole when it fits. Otherwise the lowest tier is trimmed
first, its last block first, by paragraphs (a block keeps at least its opening
paragraph, itself cut only at a sentence end), then its blocks are left out;
then the next tier up. The core is never trimmed: a paper whose core alone is
over the budget is split into chunks for map-reduce (:meth:`PaperText.chunks`).
Back matter (acknowledgements…) and the reference list are never sent.
:attr:`PaperText.report` says for each section whether it went whole, trimmed
or was left out.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from analysis.document import Caption, Document
from analysis.roles import Role, RoledSection, document_roles
from analysis.tokens import count_tokens

LEAD_TOKENS = 120
MAX_CHUNKS = 8
CORE_TIER = 1
TABLES_LABEL = "Tables and figure captions"
_DETAIL_ROLES = frozenset(
    {Role.LIMITATIONS, Role.SETUP, Role.COMPUTE, Role.DATASETS, Role.ABLATION, Role.FUTURE_WORK}
)
_LOW_APPENDIX_ROLES = frozenset({Role.PROOFS, Role.EXAMPLES})
TABLES_TIER = 3
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s+")


class Fate(StrEnum):
    WHOLE = "whole"
    TRIMMED = "trimmed"
    OMITTED = "left out"


def tier(roled: RoledSection) -> int | None:
    """The priority tier of a section (1 is kept first), or None if it is never sent."""
    if roled.role == Role.BACK_MATTER:
        return None
    if not roled.appendix:
        return 4 if roled.role == Role.RELATED else CORE_TIER
    if roled.role in _DETAIL_ROLES:
        return 2
    return 5 if roled.role in _LOW_APPENDIX_ROLES else 4


@dataclass(frozen=True)
class Block:
    """One piece of the text sent: a heading line and its text."""

    label: str
    text: str
    tokens: int
    tier: int
    role: str
    full_tokens: int = 0

    @property
    def core(self) -> bool:
        return self.tier <= CORE_TIER


def _block(label: str, text: str, tier: int, role: str) -> Block:
    tokens = count_tokens(text)
    return Block(label, text, tokens, tier, role, tokens)


@dataclass(frozen=True)
class Sent:
    """What happened to one section: sent whole, trimmed or left out, and its tokens."""

    label: str
    role: str
    tier: int | None
    fate: Fate
    tokens: int
    full_tokens: int


@dataclass(frozen=True)
class PaperText:
    """The selected text, in paper order, and what happened to every section."""

    blocks: tuple[Block, ...]
    naive_tokens: int
    report: tuple[Sent, ...] = ()

    @property
    def tokens(self) -> int:
        return sum(block.tokens for block in self.blocks) + 2 * max(len(self.blocks) - 1, 0)

    @property
    def condensed(self) -> tuple[str, ...]:
        """Labels of the sections that were trimmed."""
        return tuple(s.label for s in self.report if s.fate == Fate.TRIMMED)

    @property
    def omitted(self) -> tuple[str, ...]:
        """Labels of the sections that were left out (back matter included)."""
        return tuple(s.label for s in self.report if s.fate == Fate.OMITTED)

    def role_tokens(self) -> Counter[str]:
        """Tokens sent per section role."""
        shares: Counter[str] = Counter()
        for block in self.blocks:
            shares[block.role] += block.tokens
        return shares

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


def table_blocks(document: Document) -> list[tuple[str, str]]:
    """(label, text) per table (its cells when the document has them) and per caption."""
    tables = [table for table in document.tables if table.text.strip()]
    found = [(f"Table {t.label}", f"Table {t.label}: {t.text}") for t in tables]
    have = {label for label, _ in found}
    for caption in document.captions:
        label = f"{caption.kind.title()} {caption.label}"
        if label not in have:
            found.append((label, _caption_line(caption)))
    return found


def _caption_line(caption: Caption) -> str:
    return f"{caption.kind.title()} {caption.label}: {caption.text}"


def select_text(document: Document, budget: int) -> PaperText:
    """The text of ``document`` filled into ``budget`` tokens by priority."""
    front = _block(
        "Abstract", f"Title: {document.title}\n\nAbstract: {document.abstract}", 0, "abstract"
    )
    blocks: list[Block] = [front]
    skipped: list[Sent] = []
    for roled in document_roles(document):
        level = tier(roled)
        label = f"Appendix {roled.section.label}" if roled.appendix else roled.section.label
        if level is None:
            skipped.append(Sent(label, roled.role.value, None, Fate.OMITTED, 0, 0))
            continue
        text = f"## {label}\n{roled.section.text}".strip()
        blocks.append(_block(label, text, level, roled.role.value))
    tables = table_blocks(document)
    if tables:
        text = "## " + TABLES_LABEL + "\n" + "\n\n".join(line for _, line in tables)
        blocks.append(_block(TABLES_LABEL, text, TABLES_TIER, "tables"))
    fitted = _fit(blocks, budget)
    return PaperText(
        tuple(b for b in fitted if b.tokens),
        count_tokens(naive_text(document)),
        tuple(_report(blocks, fitted)) + tuple(skipped),
    )


def _fit(blocks: list[Block], budget: int) -> list[Block]:
    """Trim, then leave out, the lowest tiers until the blocks fit ``budget``."""
    fitted = list(blocks)
    for level in sorted({b.tier for b in blocks if not b.core}, reverse=True):
        victims = [i for i, b in enumerate(fitted) if b.tier == level]
        for index in reversed(victims):
            if _total(fitted) <= budget:
                return fitted
            fitted[index] = _trimmed(fitted[index], _total(fitted) - budget)
        for index in reversed(victims):
            if _total(fitted) <= budget:
                return fitted
            fitted[index] = replace(fitted[index], text="", tokens=0)
    return fitted


def _total(blocks: Sequence[Block]) -> int:
    sent = [b for b in blocks if b.tokens]
    return sum(b.tokens for b in sent) + 2 * max(len(sent) - 1, 0)


def _trimmed(block: Block, excess: int) -> Block:
    """``block`` without its last paragraphs, keeping at least its opening paragraph.

    An opening paragraph still too long is cut at a sentence end (to at least
    LEAD_TOKENS); a block that cannot shrink that way is returned unchanged.
    """
    heading, _, body = block.text.partition("\n")
    heading = f"{heading} [trimmed]"
    paragraphs = [p for p in _PARAGRAPH_BREAK.split(body) if p.strip()]
    target = max(block.tokens - excess, LEAD_TOKENS)
    kept = paragraphs[:1]
    for paragraph in paragraphs[1:]:
        if count_tokens("\n\n".join([heading, *kept, paragraph])) > target:
            break
        kept.append(paragraph)
    if kept and count_tokens(f"{heading}\n{kept[0]}") > target:
        kept[0] = lead(kept[0], target)
    text = "\n".join([heading, "\n\n".join(kept)])
    tokens = count_tokens(text)
    return block if tokens >= block.tokens else replace(block, text=text, tokens=tokens)


def _report(blocks: Sequence[Block], fitted: Sequence[Block]) -> list[Sent]:
    report = []
    for before, after in zip(blocks[1:], fitted[1:], strict=True):
        fate = Fate.WHOLE if after.text == before.text else Fate.TRIMMED
        if not after.tokens:
            fate = Fate.OMITTED
        report.append(
            Sent(before.label, before.role, before.tier, fate, after.tokens, before.tokens)
        )
    return report


def explain(selected: PaperText, budget: int) -> str:
    """A table of every section: role, tier, fate and tokens, then the share of each role."""
    lines = [
        f"Sent {selected.tokens:,} of {selected.naive_tokens:,} tokens (budget {budget:,}).",
        f"{'section':<48} {'role':<13} {'tier':>4}  {'fate':<9} {'sent':>7} {'full':>7}",
    ]
    for sent in selected.report:
        level = "-" if sent.tier is None else str(sent.tier)
        lines.append(
            f"{sent.label[:48]:<48} {sent.role:<13} {level:>4}  {sent.fate.value:<9} "
            f"{sent.tokens:>7,} {sent.full_tokens:>7,}"
        )
    shares = selected.role_tokens()
    total = sum(shares.values()) or 1
    lines.append(
        "Share by role: "
        + ", ".join(f"{role} {tokens / total:.0%}" for role, tokens in shares.most_common())
    )
    return "\n".join(lines)


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
            pieces.append(replace(block, text="\n".join(current), tokens=used))
            current, used = [], 0
        used += tokens + (1 if current else 0)
        current.append(unit)
    if current:
        pieces.append(replace(block, text="\n".join(current), tokens=used))
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
