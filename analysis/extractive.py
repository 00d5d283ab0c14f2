"""The extractive engine: the analysis structure filled with the paper's own sentences.

No model, no key, no invention: every item is a sentence (or caption) of the
paper, chosen by cue words from the section where such statements belong, and
followed by its section/table/figure reference. Sentences stay in the paper's
language; references follow the output language (``§3.2`` / ``第3.2节``).

- overview: the abstract;
- motivation: problem and gap sentences of the introduction ("however",
  "remains", "challenge", "limited", "lack", "existing methods"…);
- contributions: the introduction's enumerated contribution list, else its
  (and the abstract's) "we propose / we introduce / this paper presents" sentences;
- method: the opening sentences of the sections between the introduction and
  the experiments;
- experiments: metric, dataset, baseline and setup cues in experiment sections
  and captions;
- limitations and future work: cue sentences of the limitations, discussion and
  conclusion sections.

A Document without sections (abstract-only analysis) is analysed from its abstract.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from analysis.document import Caption, Document, Section
from analysis.roles import Role, section_roles
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

EXTRACTIVE_VERSION = "extractive-1"
MAX_SENTENCE_CHARS = 400
MAX_OVERVIEW_SENTENCES = 6

_ABBREVIATIONS = re.compile(
    r"(?:\b(?:e\.g|i\.e|et al|etc|Figs?|Eqs?|Secs?|Tab|vs|cf|resp|approx|No|Refs?|Dr|Mr|Ms)\.|"
    r"\b[A-Z]\.)$"
)
_SPLIT = re.compile(
    r"(?:(?<=[.!?])|(?<=[.!?][\"”’)]))\s+(?=[\"“(\[∗*†‡]?[A-Z0-9])"  # end, space, capital
    r"|(?<=[a-z][.!?])\d{1,2}\s+(?=[A-Z])"  # a footnote mark after the full stop
    r"|(?<=[。！？])"
)
_FOOTNOTE_AT_END = re.compile(r"(?<=[a-z][.!?])\d{1,2}$")
_CJK = re.compile("[\u4e00-\u9fff]")
_ENUMERATOR = re.compile(r"(?:^|\s)(?:\((?:\d{1,2}|[ivx]{1,4}|[a-h])\)|•|◦|▪)\s+")
_ITEM_MARK = re.compile(r"^(?:\(?\d{1,2}\)|\(?[ivx]{1,4}\)|[•◦▪\-–])\s+")
_WORD = re.compile(r"[^\W\d_]{2,}")
# a URL, a footnote marker glued to the next word ("5However", "1The code"), or a run
# of bare numbers (axis labels of a chart)
_NOISE = re.compile(r"https?://|www\.|(?<![\w.])\d{1,2}[A-Z][a-z]{2,}|(?:\b\d+\s+){5}")
_LEADING_FILLER = re.compile(r"^\W*(?:that\s+)?(?:(?:a|an|the)\s+)?", re.IGNORECASE)
_CLAUSE_BREAK = re.compile(r"(?<=[,;:，；：])\s+|(?<=\.)\s+")
_PREPOSITION = re.compile(r"(with|by|in|on|for|using|through|via|to|from|under)\b", re.I)
_SECTION_MENTION = re.compile(r"\((?:§|Sec(?:tion|\.)\s*)(\d+(?:\.\d+)*)\)")


def _cues(*words: str) -> re.Pattern[str]:
    return re.compile("|".join(words), re.IGNORECASE)


GAP = _cues(
    r"\bhowever\b",
    r"\bremains?\b",
    r"\bchalleng",
    r"\blimited\b",
    r"\blimitations?\b",
    r"\black",
    r"\bexisting (methods|approaches|work|systems|models)",
    r"\bprior work",
    r"\bstruggle",
    r"\bfails?\b",
    r"\bsuffers?\b",
    r"\bbottleneck",
    r"\bdifficult",
    r"\bexpensive\b",
    r"\bcostly\b",
    r"\binsufficient",
    r"\bgap\b",
    r"\bunclear\b",
    r"\bproblem\b",
    r"\bneeds?\b",
    r"\bbarriers?\b",
    r"然而",
    r"挑战",
    r"不足",
    r"缺乏",
    r"局限",
)
CONTRIBUTION = _cues(
    r"\bwe (propose|introduce|present|develop|design|describe|build|release|contribute|"
    r"show|demonstrate|offer|construct|argue|explore|outline|identify|characteri[sz]e|envision|"
    r"investigate|study)\b",
    r"\bour (main )?contributions?\b",
    r"\bthis (paper|work) (contributes|proposes|introduces|presents|describes|argues|explores)",
    r"\bin this (paper|work), we\b",
    r"\bnous (proposons|présentons|introduisons|décrivons|définissons)\b",
    r"\bcet article (propose|présente)",
    r"我们提出",
    r"本文提出",
)
CONTRIBUTION_LIST = _cues(
    r"contributes?:",
    r"contributions (are|include)",
    r"following contributions",
    r"contributions? (of this|of our) (paper|work)",
    r"本文的贡献",
)
METRIC = _cues(
    r"\baccuracy\b",
    r"\bprecision\b",
    r"\brecall\b",
    r"\bF1\b",
    r"\bF-(1|score|measure)",
    r"\bBLEU\b",
    r"\bROUGE",
    r"\bMETEOR\b",
    r"\bperplexity\b",
    r"\bAUC\b",
    r"\bAUROC\b",
    r"\bAUPRC\b",
    r"\bmAP\b",
    r"\bIoU\b",
    r"\bexact match",
    r"\btop-?(k|\d+)\b",
    r"\bsuccess rates?\b",
    r"\berror rates?\b",
    r"\bRMSE\b",
    r"\bMAE\b",
    r"\bMSE\b",
    r"\bMAPE\b",
    r"\blatency\b",
    r"\bthroughput\b",
    r"\bmetrics?\b",
    r"\bmeasured? (as|by)",
    r"\bLikert\b",
    r"\bscores?\b",
    r"\bwin rate",
    r"\bpass@",
    r"指标",
    r"准确率",
)
DATASET = _cues(
    r"\bdatasets?\b",
    r"\bbenchmarks?\b",
    r"\bcorp(us|ora)\b",
    r"\btraining (set|data)\b",
    r"\btest(ing)? (set|data)\b",
    r"\bdevelopment set\b",
    r"\bvalidation set\b",
    r"\bsplits?\b",
    r"\bparticipants\b",
    r"\brecruited\b",
    r"\bcohort\b",
    r"\bexamples\b",
    r"数据集",
    r"基准",
)
BASELINE = _cues(
    r"\bbaselines?\b",
    r"\bcompared? (with|to|against)\b",
    r"\bcomparison\b",
    r"\boutperforms?\b",
    r"\bstate[- ]of[- ]the[- ]art\b",
    r"\bSOTA\b",
    r"\bversus\b",
    r"\bvs\.",
    r"\bablation",
    r"对比",
    r"基线",
)
SETUP = _cues(
    r"\bGPUs?\b",
    r"\bTPUs?\b",
    r"\b[AHV]100\b",
    r"\bRTX\b",
    r"\bCPUs?\b",
    r"\bhours?\b",
    r"\bdays?\b",
    r"\bbatch size",
    r"\blearning rate",
    r"\bepochs?\b",
    r"\boptimi[sz]er\b",
    r"\bAdamW?\b",
    r"\btrained (for|on|with)\b",
    r"\bfine-?tun",
    r"\bimplemented (in|with|using)",
    r"\bPyTorch\b",
    r"\bTensorFlow\b",
    r"\bhyper-?parameters?\b",
    r"\bwarm-?up\b",
    r"\bsteps\b",
    r"\bseeds?\b",
    r"\bLucene\b",
    r"\bFAISS\b",
    r"显卡",
    r"训练",
)
LIMITATION = _cues(
    r"\blimitations?\b",
    r"\blimited (to|by|in)\b",
    r"\bdrawbacks?\b",
    r"\bshortcomings?\b",
    r"\bweakness",
    r"\bfails? to\b",
    r"\bdoes not\b",
    r"\bdo not\b",
    r"\bcannot\b",
    r"\bonly (works|applies|considers|evaluated)",
    r"\brestricted to\b",
    r"\bcaveats?\b",
    r"\bthreats?\b",
    r"\bbias(ed)?\b",
    r"局限",
    r"不足",
)
FUTURE = _cues(
    r"\bfuture (work|research|directions?|studies|versions?)\b",
    r"\bin the future\b",
    r"\bwe (plan|intend|hope) to\b",
    r"\bcould be extended\b",
    r"\bextend (this|our)\b",
    r"\bfurther (research|work|investigation|study)\b",
    r"\bremains? to be\b",
    r"\bopen (question|problem)s?\b",
    r"\bleave .{0,40}\bfor future\b",
    r"未来",
    r"今后",
)
_EXPERIMENT_CUES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("metrics", METRIC),
    ("datasets", DATASET),
    ("baselines", BASELINE),
    ("setup", SETUP),
)


_EXPERIMENTAL = (
    Role.EXPERIMENTS, Role.DATASETS, Role.SETUP, Role.COMPUTE, Role.RESULTS, Role.ABLATION,
)  # fmt: skip
_CLOSING = (Role.LIMITATIONS, Role.DISCUSSION, Role.CONCLUSION, Role.FUTURE_WORK)


@dataclass(frozen=True)
class Sentence:
    """A sentence of the paper, where it is, and its place in reading order."""

    text: str
    ref: str
    label: str
    position: int


@dataclass(frozen=True)
class Passage:
    """A section (or the abstract, or a caption) as the extractor sees it."""

    role: Role
    label: str
    ref: str
    text: str
    level: int


class ExtractiveEngine:
    """The engine used without an LLM key; deterministic and fast."""

    label = "extractive"
    version = EXTRACTIVE_VERSION

    async def analyse(self, document: Document, subject: Subject) -> EngineResult:
        started = time.monotonic()
        answer = extract_analysis(document, subject.language)
        return EngineResult(answer, Usage(seconds=time.monotonic() - started))


def extract_analysis(document: Document, language: str) -> LlmAnswer:
    """The analysis of ``document`` built from its own sentences."""
    refs = _Refs(language)
    abstract = Passage(Role.INTRODUCTION, "Abstract", refs.abstract(), document.abstract, 1)
    passages = _passages(document, refs)
    captions = [_caption_passage(caption, refs) for caption in document.captions]
    intro = _with_roles(passages, Role.INTRODUCTION) or [abstract]
    experiments = _with_roles(passages, *_EXPERIMENTAL) or [abstract]
    closing = _with_roles(passages, *_CLOSING)
    closing_sentences = _sentences(closing or passages)
    return LlmAnswer(
        overview=_overview(document, passages),
        motivation=_motivation(intro, refs),
        contributions=_contributions(intro, abstract, refs),
        method=_method(passages, refs),
        experiments=_experiments([*experiments, *captions], refs),
        limitations=Limitations(
            acknowledged=[refs.item(s) for s in _pick(closing_sentences, LIMITATION, 4)],
            potential=[],
        ),
        future_work=[
            FutureWork(suggestion=refs.item(s), feasibility="")
            for s in _pick(closing_sentences, FUTURE, 3)
        ],
    )


# passages -----------------------------------------------------------------------


class _Refs:
    """References in the output language."""

    def __init__(self, language: str) -> None:
        self.zh = language == "zh"

    def abstract(self) -> str:
        return "摘要" if self.zh else "Abstract"

    def section(self, section: Section) -> str:
        if section.number:
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
    roles = section_roles(document.sections)
    return [
        Passage(role, section.label, refs.section(section), section.text, section.level)
        for section, role in zip(document.sections, roles, strict=True)
        if role != Role.BACK_MATTER and section.text.strip()
    ]


def _caption_passage(caption: Caption, refs: _Refs) -> Passage:
    return Passage(Role.EXPERIMENTS, caption.label, refs.caption(caption), caption.text, 9)


def _with_roles(passages: Sequence[Passage], *roles: Role) -> list[Passage]:
    return [p for p in passages if p.role in roles]


# sentences ----------------------------------------------------------------------


def _sentences(passages: Iterable[Passage]) -> list[Sentence]:
    found: list[Sentence] = []
    seen: set[str] = set()
    for passage in passages:
        for raw in split_sentences(passage.text):
            text = _ITEM_MARK.sub("", raw)
            key = text.lower()[:80]
            if key in seen or not _readable(text):
                continue
            seen.add(key)
            found.append(Sentence(_clip(text), passage.ref, passage.label, len(found)))
    return found


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text``, lines joined, abbreviations and initials kept intact."""
    flat = " ".join(text.split())
    merged: list[str] = []
    for piece in _SPLIT.split(flat):
        if merged and _ABBREVIATIONS.search(merged[-1]):
            merged[-1] = f"{merged[-1]} {piece}"
        elif piece.strip():
            merged.append(piece.strip())
    return [_FOOTNOTE_AT_END.sub("", sentence) for sentence in merged]


def _readable(sentence: str) -> bool:
    """A real sentence, not a footnote, figure residue or fragment."""
    if _CJK.search(sentence):
        return len(sentence) >= 12
    words = sentence.split()
    letters = sum(ch.isalpha() for ch in sentence)
    visible = sum(not ch.isspace() for ch in sentence)
    wordlike = sum(1 for word in words if _WORD.search(word))
    return (
        6 <= len(words) <= 90
        and letters >= 0.7 * visible
        and wordlike >= 0.6 * len(words)
        and sentence[0].isalnum()
        and not sentence[0].islower()
        and not _NOISE.search(sentence)
        and sentence.rstrip('"”’)').endswith((".", "!", "?", ":"))
    )


def _clip(sentence: str) -> str:
    if len(sentence) <= MAX_SENTENCE_CHARS:
        return sentence
    return sentence[:MAX_SENTENCE_CHARS].rsplit(" ", 1)[0] + " …"


def _score(sentence: Sentence, cues: re.Pattern[str]) -> int:
    """Two per cue in the sentence, plus one if its section's heading has the cue.

    A sentence in a "Limitations" section counts even without cue words, but
    sentences that state the cue themselves rank first.
    """
    return 2 * len(cues.findall(sentence.text)) + (1 if cues.search(sentence.label) else 0)


def _pick(sentences: Sequence[Sentence], cues: re.Pattern[str], limit: int) -> list[Sentence]:
    """The ``limit`` sentences with most cue matches, in reading order."""
    scored = [(s, _score(s, cues)) for s in sentences]
    best = sorted((p for p in scored if p[1] > 0), key=lambda p: (-p[1], p[0].position))
    return sorted((s for s, _ in best[:limit]), key=lambda s: s.position)


def _cited(sentences: Sequence[Sentence], refs: _Refs) -> str:
    """Sentences joined, each run from one place followed by its reference."""
    parts: list[str] = []
    for index, sentence in enumerate(sentences):
        last_of_run = index + 1 == len(sentences) or sentences[index + 1].ref != sentence.ref
        parts.append(sentence.text + (refs.inline(sentence.ref) if last_of_run else ""))
    return " ".join(parts)


# fields ---------------------------------------------------------------------------


def _overview(document: Document, passages: Sequence[Passage]) -> str:
    source = document.abstract or (passages[0].text if passages else "")
    sentences = [s for s in split_sentences(source) if s]
    return " ".join(sentences[:MAX_OVERVIEW_SENTENCES])


def _motivation(intro: Sequence[Passage], refs: _Refs) -> str:
    """Gap sentences of the introduction, else its opening (which states the problem)."""
    sentences = _sentences(intro)
    return _cited(_pick(sentences, GAP, 4) or sentences[:2], refs)


def _contributions(intro: Sequence[Passage], abstract: Passage, refs: _Refs) -> list[Contribution]:
    listed = _listed_contributions(intro, refs)
    if listed:
        return listed
    stated = _pick(_sentences([abstract, *intro]), CONTRIBUTION, 4)
    return [Contribution(title=_title(s.text), detail=s.text, refs=[s.ref]) for s in stated]


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
    sentences = split_sentences(item)
    detail = _clip(" ".join(sentences[:3]))
    mentioned = [refs.section_number(n) for n in _SECTION_MENTION.findall(item)]
    return Contribution(title=_title(sentences[0]), detail=detail, refs=mentioned or [where])


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


def _method(passages: Sequence[Passage], refs: _Refs) -> str:
    """Opening sentences of each method section (at most six, down to subsections)."""
    chosen = _method_passages(passages)
    paragraphs = []
    for passage in chosen[:6]:
        opening = [s.text for s in _sentences([passage])][:2]
        if opening:
            label = f"**{passage.label}**{refs.inline(passage.ref)}"
            paragraphs.append(f"{label}{'：' if refs.zh else ': '}{' '.join(opening)}")
    return "\n\n".join(paragraphs)


def _method_passages(passages: Sequence[Passage]) -> list[Passage]:
    """Sections after the introduction and before the experiments, else METHOD sections."""
    roles = [p.role for p in passages]
    start = roles.index(Role.INTRODUCTION) + 1 if Role.INTRODUCTION in roles else 0
    later = [i for i, role in enumerate(roles) if i >= start and role in _EXPERIMENTAL]
    end = later[0] if later else len(roles)
    between = [
        p for p in passages[start:end] if p.role in (Role.METHOD, Role.OTHER) and p.level <= 2
    ]
    return between or [p for p in passages if p.role == Role.METHOD]


def _experiments(passages: Sequence[Passage], refs: _Refs) -> Experiments:
    """Each cue sentence goes to the field whose cues it matches most (ties: first field)."""
    sentences = _sentences(passages)
    best: dict[str, list[Sentence]] = {name: [] for name, _ in _EXPERIMENT_CUES}
    for sentence in sentences:
        scores = [(_score(sentence, cues), name) for name, cues in _EXPERIMENT_CUES]
        top = max(score for score, _ in scores)
        if top:
            best[next(name for score, name in scores if score == top)].append(sentence)
    chosen = {name: _pick(best[name], cues, 4) for name, cues in _EXPERIMENT_CUES}
    return Experiments(**{name: [refs.item(s) for s in picked] for name, picked in chosen.items()})
