"""The extractive engine: the analysis structure filled with the paper's own sentences.

No model, no key, no invention: every item is a unit of the paper (a sentence
or a whole numbered list), chosen from the sections whose role
(:mod:`analysis.roles`) fits the field and followed by where it comes from.
Sentences stay in the paper's language; references and labels follow the output
language (``§3.2`` / ``第3.2节``), and the renderer says these are excerpts.

- overview: the abstract (its problem, approach and result sentences), then the
  headline results of the body (outcome sentences with numbers);
- motivation: problem and gap sentences of the introduction;
- contributions: the introduction's enumerated list, else its "we propose" sentences;
- method: the proposed system's own sections, found by its name (title,
  abstract), before the other method sections; baselines' sections never;
- experiments: datasets, metrics, baselines and setup by name (:mod:`.experiments`);
- limitations: the limitations sections (a subsection "5.7 Limitations of …"
  counts), then the authors' own limitation statements in the closing sections;
- future work: the authors' own future-work statements only (no release notes).

No sentence is quoted twice; captions, footnotes, affiliations and sentences
that cannot stand alone are never quoted. A Document without sections
(abstract-only analysis) is analysed from its abstract.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence

from analysis.choices import EXTRACTIVE_LABEL, EXTRACTIVE_VERSION, EngineKind
from analysis.document import Caption, Document, Section
from analysis.engines.extractive import experiments as ex
from analysis.engines.extractive.cues import (
    CONTRIBUTION,
    CONTRIBUTION_LIST,
    FOOTNOTE,
    FUTURE,
    GAP,
    LIMITATION,
    OTHERS,
    OWN,
    RELEASE,
    RESULT,
)
from analysis.engines.extractive.sentences import (
    Passage,
    Pool,
    Sentence,
    readable,
    sentences,
    split_sentences,
)
from analysis.roles import Role, document_roles, method_name
from analysis.schema import (
    Contribution,
    EngineResult,
    Experiments,
    FutureWork,
    Limitations,
    LlmAnswer,
    Subject,
    Usage,
)

__all__ = ["EXTRACTIVE_VERSION", "ExtractiveEngine", "extract_analysis", "split_sentences"]

MAX_OVERVIEW_SENTENCES = 6
MAX_METHOD_PASSAGES = 6
MAX_LIMITATIONS = 4
MAX_RESULT_ROWS = 3
MAX_ROWS_PER_TABLE = 1
MAX_PER_LIMITATION_SECTION = 2
_ENUMERATOR = re.compile(r"(?:^|\s)(?:\((?:\d{1,2}|[ivx]{1,4}|[a-h])\)|(?<!\w)\d{1,2}\)|•|◦|▪)\s+")
_LEADING_FILLER = re.compile(r"^\W*(?:that\s+)?(?:(?:a|an|the)\s+)?", re.IGNORECASE)
_CLAUSE_BREAK = re.compile(r"(?<=[,;:，；：])\s+|(?<=\.)\s+")
_PREPOSITION = re.compile(r"(with|by|in|on|for|using|through|via|to|from|under)\b", re.I)
_SECTION_MENTION = re.compile(r"\((?:§|Sec(?:tion|\.)\s*)(\d+(?:\.\d+)*)\)")
_NUMBER = re.compile(r"\d")
_CLOSING = (Role.LIMITATIONS, Role.DISCUSSION, Role.CONCLUSION, Role.FUTURE_WORK)
_BASELINE_TITLE = re.compile(r"baseline|related|prior|background|compar", re.I)


class ExtractiveEngine:
    """The engine used without an LLM key; deterministic and fast."""

    label = EXTRACTIVE_LABEL
    kind = EngineKind.EXTRACTIVE
    version = EXTRACTIVE_VERSION

    async def analyze(self, document: Document, subject: Subject) -> EngineResult:
        started = time.monotonic()
        answer = extract_analysis(document, subject.language)
        return EngineResult(answer, Usage(seconds=time.monotonic() - started))


def extract_analysis(document: Document, language: str) -> LlmAnswer:
    """The analysis of ``document`` built from its own sentences."""
    return _Extractor(document, _Refs(language)).answer()


class _Extractor:
    """One extraction: the paper's passages by role and the pool of unused sentences."""

    def __init__(self, document: Document, refs: _Refs) -> None:
        self.document = document
        self.refs = refs
        self.pool = Pool()
        self.name = method_name(document)
        abstract = Passage(Role.INTRODUCTION, "Abstract", refs.abstract(), document.abstract, 1)
        self.abstract = abstract
        self.passages = _passages(document, refs)
        self.captions = sentences(_caption_passage(c, refs) for c in document.captions)

    def answer(self) -> LlmAnswer:
        overview = self._overview()
        contributions = self._contributions()
        motivation = self._motivation()
        method = self._method()
        experiments = self._experiments()
        return LlmAnswer(
            overview=overview,
            motivation=motivation,
            contributions=contributions,
            method=method,
            experiments=experiments,
            limitations=Limitations(acknowledged=self._limitations(), potential=[]),
            future_work=self._future_work(),
        )

    # selections -------------------------------------------------------------

    def _roles(self, *roles: Role, appendix: bool = False) -> list[Passage]:
        return [p for p in self.passages if p.role in roles and (appendix or not p.appendix)]

    def _experimental(self) -> list[Sentence]:
        passages = self._roles(*ex.EXPERIMENTAL, appendix=True)
        return sentences(passages) if passages else sentences([self.abstract])

    # fields -------------------------------------------------------------------

    def _overview(self) -> str:
        abstract = split_sentences(self.document.abstract)
        if not abstract and self.passages:
            abstract = split_sentences(self.passages[0].text)
        chosen = _abstract_sentences(abstract)
        self.pool.take(chosen)
        if not self.document.sections:
            return chosen
        found = ex.results(self.pool, self._experimental(), self.name, 3)
        rows = [f"{row}{self.refs.inline(ref)}" for ref, row in self._result_rows()]
        if not found and not rows:
            return chosen
        results = " ".join([self._cited(found), *rows]).strip()
        return f"{chosen}\n\n**{self.refs.words('results')}**{self.refs.colon}{results}"

    def _result_rows(self) -> list[tuple[str, str]]:
        """Table rows naming the proposed system with numbers, with their table."""
        if not self.name:
            return []
        rows = []
        for table in self.document.tables:
            ref = self.refs.caption(Caption("table", table.label, "", 0))
            rows += [
                (ref, " ".join(line.split()))
                for line in table.text.splitlines()
                if self.name in line and _NUMBER.search(line)
            ][:MAX_ROWS_PER_TABLE]
        return rows[:MAX_RESULT_ROWS]

    def _motivation(self) -> str:
        intro = sentences(self._roles(Role.INTRODUCTION)) or sentences([self.abstract])
        picked = self.pool.pick(intro, lambda s: _gap_score(s), 4)
        return self._cited(picked or self.pool.pick(intro, lambda s: 1.0 / (1 + s.position), 2))

    def _contributions(self) -> list[Contribution]:
        intro = self._roles(Role.INTRODUCTION)
        listed = _listed_contributions(intro, self.refs)
        if listed:
            return listed

        def score(sentence: Sentence) -> float:
            return float(len(CONTRIBUTION.findall(sentence.text)))

        # The abstract is already the overview: its claims are quoted again only when
        # the introduction states none.
        stated = self.pool.pick(sentences(intro), score, 4) if intro else []
        stated = stated or _best(sentences([self.abstract]), score, 4)
        return [Contribution(title=_title(s.text), detail=s.text, refs=[s.ref]) for s in stated]

    def _method(self) -> str:
        paragraphs = []
        for passage in _method_passages(self.passages, self.name)[:MAX_METHOD_PASSAGES]:
            found = sentences([passage])
            opening = self.pool.pick(found, lambda s: _method_score(s, self.name), 2)
            if opening:
                label = f"**{passage.label}**{self.refs.inline(passage.ref)}"
                paragraphs.append(f"{label}{self.refs.colon}{' '.join(s.text for s in opening)}")
        return "\n\n".join(paragraphs)

    def _experiments(self) -> Experiments:
        found = self._experimental()
        with_captions = [*found, *self.captions]
        systems = ex.compared_names(found) | {self.name or ""}
        names = [n for n in ex.dataset_names(found, self.captions) if n not in systems]
        setup = ex.setup(self.pool, found, 5)
        datasets = ex.by_names(self.pool, with_captions, names, 5)
        metrics = ex.metrics(self.pool, with_captions, 4)
        baselines = ex.baselines(self.pool, found, self.name, 4)
        return Experiments(
            metrics=[self._named(n) for n in metrics],
            datasets=[self._named(n) for n in datasets],
            baselines=[self._named(n) for n in baselines],
            setup=[self.refs.item(s) for s in setup],
        )

    def _limitations(self) -> list[str]:
        """At most two sentences per limitations section, sections titled so first."""
        sections = self._roles(Role.LIMITATIONS, appendix=True)
        sections.sort(key=lambda p: not LIMITATION.search(p.label))
        picked: list[Sentence] = []
        for passage in sections:
            room = min(MAX_PER_LIMITATION_SECTION, MAX_LIMITATIONS - len(picked))
            picked += self.pool.pick(sentences([passage]), _stated_limitation_score, room)
        if len(picked) < 2:
            closing = sentences(self._roles(Role.DISCUSSION, Role.CONCLUSION, Role.FUTURE_WORK))
            picked += self.pool.pick(closing, _own_limitation_score, MAX_LIMITATIONS - len(picked))
        return [self.refs.item(s) for s in picked]

    def _future_work(self) -> list[FutureWork]:
        closing = sentences(self._roles(*_CLOSING, appendix=True))
        picked = self.pool.pick(closing, _future_score, 3)
        return [FutureWork(suggestion=self.refs.item(s), feasibility="") for s in picked]

    # rendering helpers --------------------------------------------------------

    def _cited(self, chosen: Sequence[Sentence]) -> str:
        """Sentences joined, each run from one place followed by its reference."""
        parts: list[str] = []
        for index, sentence in enumerate(chosen):
            last = index + 1 == len(chosen) or chosen[index + 1].ref != sentence.ref
            parts.append(sentence.text + (self.refs.inline(sentence.ref) if last else ""))
        return " ".join(parts)

    def _named(self, named: ex.Named) -> str:
        names = self.refs.separator.join(named.names)
        prefix = f"{names}{self.refs.colon}" if names else ""
        return prefix + self.refs.item(named.sentence)


# scores ---------------------------------------------------------------------------


def _gap_score(sentence: Sentence) -> float:
    return float(len(GAP.findall(sentence.text)))


def _method_score(sentence: Sentence, name: str | None) -> float:
    """Opening sentences first; those naming the system or "our/we" rank higher."""
    named = 3 if name and name in sentence.text else 0
    own = 1 if OWN.search(sentence.text) else 0
    return named + own + 4 / (1 + sentence.position % 1000)


def _own_limitation_score(sentence: Sentence) -> float:
    """The authors' own limitation, not prior work's weakness and not a positive result."""
    if OTHERS.search(sentence.text) or (
        RESULT.search(sentence.text) and not LIMITATION.search(sentence.text)
    ):
        return 0
    cues = len(LIMITATION.findall(sentence.text))
    return cues * 2 + (1 if OWN.search(sentence.text) else 0) if cues else 0


def _stated_limitation_score(sentence: Sentence) -> float:
    """In a limitations section: limitation cues first; future directions are left to future work.

    In a section titled only "Limitations" any sentence may be quoted; in a mixed one
    ("Limitations and future work", "Ethical implications") only those with a cue.
    """
    cues = _own_limitation_score(sentence)
    if FUTURE.search(sentence.text) and not LIMITATION.search(sentence.text):
        return 0
    only_limitations = LIMITATION.search(sentence.label) and not FUTURE.search(sentence.label)
    if not only_limitations and not cues:
        return 0
    return 1 + (3 if only_limitations else 0) + cues


def _future_score(sentence: Sentence) -> float:
    if RELEASE.search(sentence.text) or OTHERS.search(sentence.text):
        return 0
    cues = len(FUTURE.findall(sentence.text))
    bonus = 1 if sentence.role in (Role.FUTURE_WORK, Role.LIMITATIONS) else 0
    return cues * 2 + bonus if cues else 0


def _best(
    candidates: Sequence[Sentence], score: Callable[[Sentence], float], limit: int
) -> list[Sentence]:
    """The ``limit`` best-scoring candidates (score > 0), in reading order."""
    scored = [(s, score(s)) for s in candidates]
    ranked = sorted((p for p in scored if p[1] > 0), key=lambda p: (-p[1], p[0].position))
    return sorted((s for s, _ in ranked[:limit]), key=lambda s: s.position)


def _abstract_sentences(abstract: Sequence[str]) -> str:
    """The abstract, or its opening, contribution and result sentences when it is long."""
    if len(abstract) <= MAX_OVERVIEW_SENTENCES:
        return " ".join(abstract)
    keep = {0, 1}
    keep |= {i for i, s in enumerate(abstract) if CONTRIBUTION.search(s)}
    keep |= {i for i, s in enumerate(abstract) if _NUMBER.search(s) or RESULT.search(s)}
    ordered = sorted(keep, key=lambda i: (i > 1, not _NUMBER.search(abstract[i]), i))
    return " ".join(abstract[i] for i in sorted(ordered[:MAX_OVERVIEW_SENTENCES]))


# passages ---------------------------------------------------------------------


class _Refs:
    """References and connective words in the output language."""

    def __init__(self, language: str) -> None:
        self.zh = language == "zh"
        self.colon = "：" if self.zh else ": "
        self.separator = "、" if self.zh else ", "

    def words(self, key: str) -> str:
        return {"results": "主要结果（原文摘录）" if self.zh else "Headline results (excerpts)"}[
            key
        ]

    def abstract(self) -> str:
        return "摘要" if self.zh else "Abstract"

    def section(self, section: Section, appendix: bool = False) -> str:
        if section.number:
            if appendix and not self.zh:
                return f"Appendix {section.number}"
            if appendix:
                return f"附录{section.number}"
            return f"第{section.number}节" if self.zh else f"§{section.number}"
        return f"“{section.title}”一节" if self.zh else f"section “{section.title}”"

    def section_number(self, number: str) -> str:
        return f"第{number}节" if self.zh else f"§{number}"

    def caption(self, caption: Caption) -> str:
        if caption.kind == "table":
            return f"表{caption.label}" if self.zh else f"Table {caption.label}"
        return f"图{caption.label}" if self.zh else f"Fig. {caption.label}"

    def inline(self, ref: str) -> str:
        return f"（{ref}）" if self.zh else f" ({ref})"

    def item(self, sentence: Sentence) -> str:
        return sentence.text + self.inline(sentence.ref)


def _passages(document: Document, refs: _Refs) -> list[Passage]:
    """Sections as passages; an unnumbered heading is cited by its numbered parent."""
    passages = []
    numbered: Section | None = None
    for roled in document_roles(document):
        section = roled.section
        if section.number:
            numbered = section
        cited = section if section.number or numbered is None else numbered
        if roled.role != Role.BACK_MATTER and section.text.strip():
            ref = refs.section(cited, roled.appendix)
            passages.append(
                Passage(roled.role, section.label, ref, section.text, section.level, roled.appendix)
            )
    return passages


def _caption_passage(caption: Caption, refs: _Refs) -> Passage:
    return Passage(Role.RESULTS, caption.label, refs.caption(caption), caption.text, 9)


def _method_passages(passages: Sequence[Passage], name: str | None) -> list[Passage]:
    """The system's own sections first (by name), then the other body method sections.

    Sections about baselines, related or prior work are never the method.
    """
    body = [
        p
        for p in passages
        if p.role == Role.METHOD and not p.appendix and not _BASELINE_TITLE.search(p.label)
    ]
    if not name:
        return body
    key = name.lower()
    own = [p for p in body if key in p.label.lower()]
    own_numbers = tuple(p.label.split()[0] + "." for p in own if p.label[:1].isdigit())
    children = [p for p in body if p not in own and p.label.startswith(own_numbers or ("\0",))]
    about = [p for p in body if p not in own + children and p.text.count(name) >= 2]
    rest = [p for p in body if p not in own + children + about]
    return [*own, *children, *about, *rest]


def _listed_contributions(intro: Sequence[Passage], refs: _Refs) -> list[Contribution]:
    """Items of a "This paper contributes: (1) … (2) …" list in the introduction."""
    for passage in intro:
        flat = " ".join(passage.text.split())
        anchor = CONTRIBUTION_LIST.search(flat)
        if anchor is None:
            continue
        items = [item.strip() for item in _ENUMERATOR.split(flat[anchor.end() :])[1:]]
        found = [_listed(item, passage.ref, refs) for item in items if len(item.split()) >= 4]
        if len(found) >= 2:
            return found[:6]
    return []


def _listed(item: str, where: str, refs: _Refs) -> Contribution:
    """One list item, whole: its sentences up to the end of the item (never cut with "…")."""
    parts = [p for p in split_sentences(item) if not FOOTNOTE.search(p)] or [item]
    parts = parts[:1] + [p for p in parts[1:4] if readable(p)]
    mentioned = [refs.section_number(n) for n in _SECTION_MENTION.findall(item)]
    return Contribution(
        title=_title(parts[0]), detail=" ".join(parts[:4]), refs=mentioned or [where]
    )


def _title(sentence: str, max_words: int = 8) -> str:
    """A short name from the paper's words: the clause after "we propose …", cut short.

    A clause that opens with a preposition ("with the proper setup, …") gives way to
    the next one; a clause under four words runs on into the next.
    """
    match = CONTRIBUTION.search(sentence)
    rest = sentence[match.end() :] if match else sentence
    rest = _LEADING_FILLER.sub("", rest.strip())
    clauses = [c.strip() for c in _CLAUSE_BREAK.split(rest) if c.strip()]
    if len(clauses) > 1 and _PREPOSITION.match(clauses[0]):
        clauses = clauses[1:]
    words: list[str] = []
    for clause in clauses:
        words += clause.split()
        if len(words) >= 4:
            break
    short = " ".join(words[:max_words]).rstrip(" .,;:") + (" …" if len(words) > max_words else "")
    return short[:1].upper() + short[1:] if short else sentence[:60]
