"""The experiments field and the headline results, by name rather than by cue word alone.

- datasets: sentences that *name* a dataset: a capitalised name followed by
  dataset/benchmark/corpus, a name listed after "datasets:"/"such as", or a
  name (CamelCase, acronym) in a datasets section or a table caption;
- metrics: sentences naming a metric from the lexicon, preferring those that
  say how the paper measures ("measured as", "we report");
- baselines: comparison sentences that name the compared systems;
- setup: hardware, epochs, learning rate, budget, participants… with a number;
- results: sentences with numbers that state an outcome, from result sections.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from analysis.engines.extractive.cues import (
    BASELINE,
    DATASET_NOUN,
    METRIC_NAMES,
    METRIC_USE,
    RESULT,
    SETUP,
)
from analysis.engines.extractive.sentences import Pool, Sentence
from analysis.roles import Role

_NAME = r"[A-Z][\w\-.+]*[\w+]|[A-Z]"
_NAMED_DATASET = re.compile(
    rf"\b((?:{_NAME}|\d[\w.]*)(?:[ ](?:{_NAME}|v?\d[\w.]*)){{0,3}})[ ](?i:{DATASET_NOUN})\b"
)
_LISTED = re.compile(
    rf"(?i:{DATASET_NOUN})[^.:;]{{0,60}}?(?::|\bsuch as\b|\bincluding\b|\bnamely\b)\s+([^.;]+)"
)
# Names that look like a dataset's without a noun: CamelCase (TriviaQA, FinPile), mixed
# capitals (SQuAD) or letters with digits (C4, CIFAR-10); bare acronyms (US, SEC) are not.
_PROPER = re.compile(
    r"\b(?:[A-Z][a-z]+[A-Z][\w-]*|[A-Z]{2,}[a-z]+[\w-]*|[A-Z][A-Za-z]*-?\d[\w-]*)\b(?<!s)"
)
_COMPARED = re.compile(
    r"(?i:compared? (?:with|to|against)|outperforms?|baselines?(?: include| are|:)?|versus|vs\.)"
    r"\s+(?:the |a |an |our )?((?:[A-Z][\w\-+.]*\w)(?:[ /-](?:[A-Z0-9][\w\-+.]*\w)){0,3})"
)
_DATASET_CAPTION = re.compile(rf"^(?:Table|表)?.{{0,80}}(?i:{DATASET_NOUN})", re.DOTALL)
_TWO_WORD_NAME = re.compile(r"\b([A-Z][a-z]+ [A-Z][a-z]+) \([A-Z]{2,}\)")  # Natural Questions (NQ)
_NAMED_BASELINE = re.compile(r"\b([A-Z][\w\-+.]*\w) baselines?\b")
_MEASURED = re.compile(r"\d\.\d|\d\s?%")  # a measured value: a decimal or a percentage
_NUMBER = re.compile(r"\d")
_NUMBER_WORD = re.compile(r"\b(?:one|two|three|four|five|six|seven|eight|nine|ten|twelve)\b", re.I)
_STOP = frozenset(
    [
        "We",
        "Our",
        "The",
        "This",
        "These",
        "In",
        "For",
        "All",
        "Each",
        "Both",
        "Table",
        "Figure",
        "Section",
        "Appendix",
        "It",
        "Test",
        "Training",
        "Train",
        "Dev",
        "Development",
        "Validation",
        "Evaluation",
        "Experiments",
        "Results",
        "Data",
        "Dataset",
        "Datasets",
        "Benchmark",
        "Benchmarks",
        "Corpus",
        "Question",
        "Answering",
        "QA",
        "First",
        "Second",
        "Finally",
        "However",
    ]
)
_NOT_A_DATASET = re.compile(r"^(?:top-?\d+|[A-Z]?\d+[A-Za-z]?)$", re.IGNORECASE)
SETUP_ROLES = frozenset({Role.SETUP, Role.COMPUTE})
EXPERIMENTAL = frozenset(
    {Role.EXPERIMENTS, Role.DATASETS, Role.SETUP, Role.COMPUTE, Role.RESULTS, Role.ABLATION}
)


@dataclass(frozen=True)
class Named:
    """A sentence and the names (datasets, metrics, systems) it is quoted for."""

    sentence: Sentence
    names: tuple[str, ...]


def dataset_names(sentences: Sequence[Sentence], captions: Sequence[Sentence]) -> list[str]:
    """Dataset names, most evidence first.

    A name followed by "dataset"/"benchmark" or listed after "datasets:" counts
    twice; a name merely capitalised in a datasets section or a dataset caption
    counts once, and is kept only with a second mention.
    """
    counts: dict[str, int] = {}
    for sentence in [*sentences, *captions]:
        if sentence.ref.startswith(("Fig.", "图")):
            continue  # figure captions describe pictures, not data
        strong = [m.group(1) for m in _NAMED_DATASET.finditer(sentence.text)]
        for listed in _LISTED.finditer(sentence.text):
            strong += _list_items(listed.group(1))
        weak: list[str] = []
        table = sentence.ref.startswith(("Table", "表"))
        if sentence.role == Role.DATASETS or (table and _DATASET_CAPTION.search(sentence.text)):
            weak += _PROPER.findall(sentence.text) + _TWO_WORD_NAME.findall(sentence.text)
        for name, weight in [*((n, 2) for n in strong), *((n, 1) for n in weak)]:
            cleaned = _clean_name(name)
            if cleaned:
                counts[cleaned] = counts.get(cleaned, 0) + weight
    texts = [s.text for s in [*sentences, *captions]]

    def evidence(name: str) -> int:
        return counts[name] if counts[name] >= 2 else sum(name in text for text in texts)

    return sorted((n for n in counts if evidence(n) >= 2), key=lambda n: -counts[n])


def _list_items(text: str) -> list[str]:
    items = re.split(r",\s*|\s+and\s+|\s+or\s+", text)
    return [item for item in items if item[:1].isupper() and len(item.split()) <= 4]


def _clean_name(name: str) -> str | None:
    words = [w for w in name.strip(" ,.()").split() if w not in _STOP]
    cleaned = " ".join(words).strip(" ,.()")
    if len(cleaned) < 2 or not any(ch.isupper() for ch in cleaned) or cleaned.isdigit():
        return None
    if METRIC_NAMES.fullmatch(cleaned) or _NOT_A_DATASET.match(cleaned):
        return None
    return cleaned


def compared_names(sentences: Sequence[Sentence]) -> set[str]:
    """Names the paper compares against (baselines): never datasets."""
    found = {
        _clean_name(m.group(1))
        for s in sentences
        for pattern in (_COMPARED, _NAMED_BASELINE)
        for m in pattern.finditer(s.text)
    }
    return {name for name in found if name}


def by_names(
    pool: Pool, sentences: Sequence[Sentence], names: Sequence[str], limit: int
) -> list[Named]:
    """Sentences that name the most not-yet-covered names, each name covered once if possible."""
    patterns = {name: re.compile(rf"(?<!\w){re.escape(name)}(?!\w)") for name in names[:20]}
    covered: set[str] = set()

    def named(sentence: Sentence) -> tuple[str, ...]:
        found = [(m.start(), n) for n, p in patterns.items() if (m := p.search(sentence.text))]
        return tuple(name for _, name in sorted(found))

    chosen: list[Named] = []

    def score(sentence: Sentence) -> float:
        return _coverage(named(sentence), covered, sentence)

    for _ in range(limit):
        picked = pool.pick(sentences, score, 1)
        if not picked:
            break
        best = picked[0]
        chosen.append(Named(best, named(best)))
        covered |= set(named(best))
    return sorted(chosen, key=lambda n: n.sentence.position)


def _coverage(names: tuple[str, ...], covered: set[str], sentence: Sentence) -> float:
    new = [n for n in names if n not in covered]
    if not new:
        return 0
    bonus = 3.0 if sentence.role == Role.DATASETS else 0.0  # where datasets are described
    return len(new) + bonus


def metrics(pool: Pool, sentences: Sequence[Sentence], limit: int) -> list[Named]:
    """Sentences naming the metrics the paper measures with, each metric once if possible."""
    names = list(
        dict.fromkeys(m.group(0).lower() for s in sentences for m in METRIC_NAMES.finditer(s.text))
    )
    usable = [
        s for s in sentences if METRIC_USE.search(s.text) or s.ref.startswith(("Table", "表"))
    ]
    found = by_names(pool, usable, names, limit)
    return [Named(n.sentence, _metric_names(n.sentence.text)) for n in found]


def _metric_names(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(m.group(0) for m in METRIC_NAMES.finditer(text)))


def baselines(
    pool: Pool, sentences: Sequence[Sentence], method: str | None, limit: int
) -> list[Named]:
    """Comparison sentences that name the systems compared against."""

    def names(sentence: Sentence) -> tuple[str, ...]:
        matches = [*_COMPARED.finditer(sentence.text), *_NAMED_BASELINE.finditer(sentence.text)]
        found = [_clean_name(m.group(1)) for m in sorted(matches, key=lambda m: m.start())]
        return tuple(dict.fromkeys(n for n in found if n and n != method))

    picked = pool.pick(
        sentences,
        lambda s: len(names(s)) * 2 + len(BASELINE.findall(s.text)) if names(s) else 0,
        limit,
    )
    return [Named(s, names(s)) for s in picked]


def setup(pool: Pool, sentences: Sequence[Sentence], limit: int) -> list[Sentence]:
    """Setup facts: sentences with setup cues and a number."""

    def score(sentence: Sentence) -> float:
        if not (_NUMBER.search(sentence.text) or _NUMBER_WORD.search(sentence.text)):
            return 0
        cues = len(SETUP.findall(sentence.text))
        return cues * 2 + (2 if sentence.role in SETUP_ROLES else 0) if cues else 0

    return pool.pick(sentences, score, limit)


def results(
    pool: Pool, sentences: Sequence[Sentence], method: str | None, limit: int
) -> list[Sentence]:
    """Headline results: outcome sentences with numbers, from result sections first."""

    def score(sentence: Sentence) -> float:
        numbers = len(_NUMBER.findall(sentence.text))
        cues = len(RESULT.findall(sentence.text))
        if not numbers or not cues or sentence.role not in EXPERIMENTAL:
            return 0
        named = 2 if method and method in sentence.text else 0
        reported = sentence.role in (Role.RESULTS, Role.ABLATION)
        measured = bool(_MEASURED.search(sentence.text))
        if not reported and cues < 2 and not measured:
            return 0
        return min(numbers, 6) + 2 * cues + named + (3 if reported else 0)

    return pool.pick(sentences, score, limit)
