"""Numbers as a paper or an analysis prints them, normalised for comparison.

One tokenizer reads both sides, so ``5e-5`` = ``0.00005`` = ``5×10⁻⁵``,
``10−5`` (a flattened superscript) = ``1e-5``, ``9.28K`` = ``9,280``,
``20 percent`` = ``20%``, ``1 200`` (thin space) = ``1200`` and ``−3.2`` =
``3.2`` (signs are ignored: "drops by 3.2" quotes "−3.2"). Each number carries
its unit or counted noun when one follows it within its clause (``%``, epochs,
GPUs, GPU-hours, layers, parameters, points, ×, hours…); both ends of a range
("4%-6%", "4-6 %") get the unit. :class:`NumberIndex` holds the paper's
numbers (and number words, "ten participants") with the units printed near
each: a number with a unit is only supported by the same number with the same
unit near it in the paper.
"""

from __future__ import annotations

import bisect
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")
_DIGITS = r"\d{1,3}(?:(?:,|\u2009|\u202f|\u00a0)\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_EXPONENT = (
    r"(?:[eE](?P<e1>[-+−]?\d{1,3})(?![\w.])"
    r"|\s?[×x*·]\s?10\s?(?:\^|\*\*)?\s?\{?\s?(?P<e2>[-+−⁻⁺]?\s?[\d⁰¹²³⁴⁵⁶⁷⁸⁹]{1,3})\}?)"
)
_SCALE_WORD = r"thousand|million|billion|trillion|bn|[kKMBT](?![A-Za-z])|万|亿"
NUMBER = re.compile(
    rf"(?<![A-Za-z\u00c0-\u024f\u0370-\u03ff0-9_.,\u2009\u202f])(?<![A-Za-z]-)(?P<value>{_DIGITS})(?:{_EXPONENT})?"
    rf"(?:[\s-]?(?P<scale>{_SCALE_WORD}))?"
)
SCALE = {
    "thousand": 3, "k": 3, "K": 3, "million": 6, "M": 6, "billion": 9, "bn": 9, "B": 9,
    "trillion": 12, "T": 12, "万": 4, "亿": 8,
}  # fmt: skip
# (canonical unit, pattern); symbols must follow the number directly, nouns may follow
# within a few words ("8 NVIDIA A100 GPUs"). Longer names come first ("GPU-hours").
_SYMBOLS: tuple[tuple[str, str], ...] = (
    ("%", r"%|％|percent\b|per\s?cent\b|个百分比"),
    ("point", r"pp\b|p\.p\.|percentage[- ]points?\b|个百分点|百分点|points?\b|pts?\b"),
    ("x", r"[×x](?![A-Za-z0-9])|times\b|-?fold\b|倍"),
    ("hour", r"h(?![A-Za-z0-9])|hrs?\b"),
    ("ms", r"ms\b|毫秒"),
)
_NOUNS: tuple[tuple[str, str], ...] = (
    ("gpu-hour", r"(?:GPU|TPU|accelerator)[- ]?(?:hours?|hrs?|小时)"),
    ("gpu-day", r"(?:GPU|TPU|accelerator)[- ]?(?:days?|天)"),
    ("gpu", r"GPUs?\b|TPUs?\b|(?:块|张|个)\s?(?:GPU|显卡|卡)|显卡"),
    ("epoch", r"epochs?\b|(?:个\s?)?epoch|轮"),
    ("step", r"steps?\b|iterations?\b|updates\b|步"),
    ("layer", r"layers?\b|层"),
    ("parameter", r"param(?:eter)?s?\b|参数"),
    ("hour", r"hours?\b|小时"),
    ("day", r"days?\b|天"),
    ("minute", r"minutes?\b|mins?\b|分钟"),
    ("second", r"seconds?\b|secs?\b|秒"),
    ("sample", r"samples?\b|examples\b|instances?\b|样本|条数据"),
    ("token", r"tokens?\b|(?:个\s?)?token"),
    ("demonstration", r"demonstrations?\b|demos?\b|trajector(?:y|ies)\b|示教|演示|轨迹"),
    ("participant", r"participants?\b|users?\b|subjects?\b|annotators?\b|参与者|受试者|名用户"),
    ("task", r"tasks?\b|(?:个)?任务"),
    ("image", r"images?\b|frames?\b|张图|帧"),
    ("question", r"questions?\b|queries\b|问题"),
    ("passage", r"passages?\b|documents?\b|段落|文档"),
    ("head", r"(?:attention )?heads?\b|个头"),
    ("word", r"words?\b|个词"),
    ("run", r"runs?\b|trials?\b|seeds?\b|episodes?\b|次试验|次运行"),
)
_SYMBOL = re.compile("|".join(f"(?P<s{i}>{p})" for i, (_, p) in enumerate(_SYMBOLS)), re.I)
_NOUN = re.compile("|".join(f"(?P<n{i}>{p})" for i, (_, p) in enumerate(_NOUNS)), re.I)
_RANGE_END = re.compile(rf"^\s?(?:[-–—~～]|to\b|至|到)\s?(?:{_DIGITS})")
_SENTENCE_STOP = re.compile(r"[.;!?。；！？\n](?:\s|$)|[:：()（）\[\]]")
_CLAUSE_STOP = re.compile(r"[.;!?。；！？\n,，、](?:\s|$)|[:：()（）\[\]，、]")
_CLASSIFIERS = re.compile(r"[个块张条名次位台种项轮组层]")
_CJK_WORD = re.compile("[\u4e00-\u9fff]")
NOUN_WINDOW = 40
SYMBOL_GAP = 2  # spaces allowed between a number and its symbol


@dataclass(frozen=True)
class Number:
    """One printed number: where it is, its normalised values and its unit."""

    start: int
    end: int
    values: frozenset[Decimal]
    unit: str | None
    scaled: bool

    def shown(self, text: str) -> str:
        return text[self.start : self.end]


# "10−5" as PDF text extraction flattens 10^{-5}: a power of ten, not a range.
_FLAT_POWER = re.compile(
    r"(?<![\w.,])(?<![×x*·]\s)(?<![×x*·])10(?:\^|\*\*)?\{?(?:−|⁻)([\d⁰¹²³⁴⁵⁶⁷⁸⁹]{1,2})\}?(?![\d.])"
)


def numbers(text: str) -> Iterator[Number]:
    """Every number in ``text`` with its normalised values and unit."""
    powers = list(_FLAT_POWER.finditer(text))
    for power in powers:
        value = normal(Decimal(1).scaleb(-int(power.group(1).translate(_SUPERSCRIPTS))))
        yield Number(power.start(), power.end(), frozenset({value}), None, False)
    if powers:
        text = _blank(text, powers)
    for match in NUMBER.finditer(text):
        values = _values(match)
        if not values:
            continue
        after = match.end()
        unit, unit_start, unit_end = unit_after(text, after)
        adjacent = unit is not None and not text[after:unit_start].strip(" \u00a0-个")
        end = unit_end if adjacent else after
        yield Number(match.start(), end, values, unit, bool(match.group("scale")))


def _blank(text: str, matches: list[re.Match[str]]) -> str:
    chars = list(text)
    for match in matches:
        chars[match.start() : match.end()] = " " * (match.end() - match.start())
    return "".join(chars)


def unit_after(text: str, position: int) -> tuple[str | None, int, int]:
    """The unit right after ``position`` (a symbol) or within a few words (a noun).

    Returns the canonical unit and where its match starts and ends, or None.
    The end of a range ("-6%") is skipped first, so both ends share the unit.
    """
    rest = text[position : position + NOUN_WINDOW + 20]
    skipped = _RANGE_END.match(rest)
    offset = skipped.end() if skipped else 0
    stop = _CLAUSE_STOP.search(rest, offset)
    window = rest[offset : stop.start() if stop else len(rest)]
    symbol = _SYMBOL.match(window.lstrip(" \u00a0"))
    if symbol is not None and len(window) - len(window.lstrip(" \u00a0")) <= SYMBOL_GAP:
        lead = len(window) - len(window.lstrip(" \u00a0"))
        start = position + offset + lead
        return _name(symbol, _SYMBOLS, "s"), start + symbol.start(), start + symbol.end()
    noun = _first_noun(window[:NOUN_WINDOW])
    if noun is None:
        return None, position, position
    start = position + offset
    return _name(noun, _NOUNS, "n"), start + noun.start(), start + noun.end()


def _first_noun(window: str) -> re.Match[str] | None:
    """The first counted noun among the next three words; in Chinese, right after a classifier."""
    match = _NOUN.search(window)
    if match is None:
        return None
    between = window[: match.start()]
    if len(between.split()) > 3 or NUMBER.search(between):
        return None
    if _CJK_WORD.search(_CLASSIFIERS.sub("", between)):
        return None
    return match


def units_near(text: str, start: int, end: int) -> set[str]:
    """Counted nouns within the sentence around ``text[start:end]`` (symbols excluded)."""
    before = text[max(0, start - NOUN_WINDOW) : start]
    stops = list(_SENTENCE_STOP.finditer(before))
    before = before[stops[-1].end() :] if stops else before
    after = text[end : end + NOUN_WINDOW + 20]
    stop = _SENTENCE_STOP.search(after)
    after = after[: stop.start() if stop else len(after)]
    return {_name(m, _NOUNS, "n") for m in _NOUN.finditer(f"{before} {after}")}


def _name(match: re.Match[str], table: tuple[tuple[str, str], ...], prefix: str) -> str:
    index = next(int(k[1:]) for k, v in match.groupdict().items() if v is not None)
    return table[index][0]


def _values(match: re.Match[str]) -> frozenset[Decimal]:
    """The value, and with a scale word both the scaled and the printed value."""
    value = to_decimal(match.group("value"))
    if value is None:
        return frozenset()
    exponent = match.group("e1") or match.group("e2")
    if exponent is not None:
        power = exponent.translate(_SUPERSCRIPTS).replace("−", "-").replace(" ", "")
        value = normal(value.scaleb(int(power)))
    found = {value}
    scale = match.group("scale")
    if scale:
        found.add(normal(value.scaleb(SCALE[scale if scale in SCALE else scale.lower()])))
    return frozenset(found)


def to_decimal(text: str) -> Decimal | None:
    cleaned = re.sub(r"[,\u2009\u202f\u00a0]", "", text)
    try:
        return normal(Decimal(cleaned))
    except InvalidOperation:
        return None


def normal(value: Decimal) -> Decimal:
    return Decimal(format(abs(value).normalize(), "f"))


def candidates(number: Number) -> set[Decimal]:
    """Values under which ``number`` may appear in the paper (1.3B as 1300M or 1.3)."""
    found = set(number.values)
    if number.scaled:
        total = max(number.values)
        found |= {normal(total.scaleb(-power)) for power in (3, 6, 9)}
    return found


# Units a paper may print for the same quantity: percentage points are often written "%".
_SAME_UNIT = {"point": {"point", "%"}, "%": {"%", "point"}}
# A table column "Accuracy (%)" prints its percentages as bare numbers.
_PERCENT_COLUMN = re.compile(r"\(\s*%\s*\)|\[\s*%\s*\]|\bin %|（%）")


_WORD_VALUES = {
    word: index + 1
    for index, word in enumerate(
        [
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
            "twenty",
        ]
    )
} | {"thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "hundred": 100}
_NUMBER_WORD = re.compile(rf"\b({'|'.join(_WORD_VALUES)})\b", re.IGNORECASE)
_SAMPLE_SIZE = re.compile(r"\b[Nn]\s*=\s*$")


class NumberIndex:
    """The numbers of a paper's evidence text, with the units printed near each.

    The paper's number words count too ("ten participants" supports "10
    participants"), and a sample size "N=10" counts as participants or samples.
    """

    def __init__(self, text: str) -> None:
        self.units: defaultdict[Decimal, set[str]] = defaultdict(set)
        for number in numbers(text):
            near = units_near(text, number.start, number.end)
            if number.unit:
                near.add(number.unit)
            if _SAMPLE_SIZE.search(text[max(0, number.start - 4) : number.start]):
                near |= {"participant", "sample"}
            for value in number.values:
                self.units[value] |= near
        for word in _NUMBER_WORD.finditer(text):
            value = Decimal(_WORD_VALUES[word.group(1).lower()])
            unit, _, _ = unit_after(text, word.end())
            near = units_near(text, word.start(), word.end()) | ({unit} if unit else set())
            self.units[value] |= near
        self.sorted = sorted(self.units)
        self.percent_columns = bool(_PERCENT_COLUMN.search(text))

    def supports(self, number: Number) -> bool:
        """Whether the paper prints this value (with this unit, if it has one).

        A percentage is also supported by the bare value when the paper has a
        percent column ("Accuracy (%)"), as tables print such values without "%".
        """
        found = [value for value in candidates(number) if value in self.units]
        if number.unit is None:
            return bool(found)
        accepted = _SAME_UNIT.get(number.unit, {number.unit})
        if any(accepted & self.units[value] for value in found):
            return True
        return number.unit in _SAME_UNIT and self.percent_columns and bool(found)

    def has_value(self, number: Number) -> bool:
        return any(value in self.units for value in candidates(number))

    def derivable(self, number: Number) -> bool:
        """Whether the value is a difference, ratio or relative change of two printed values."""
        target = max(number.values)
        if target == 0:
            return False
        half = Decimal(5).scaleb(target.as_tuple().exponent - 1)  # type: ignore[operator]
        for value in self.sorted:
            if value - target in self.units or value + target in self.units:
                return True
            if self._between(value / (target + half), value / max(target - half, half)):
                return True
            if self._between(
                value / (1 + (target + half) / 100), value / (1 + (target - half) / 100)
            ):
                return True
        return False

    def _between(self, low: Decimal, high: Decimal) -> bool:
        index = bisect.bisect_left(self.sorted, low)
        return index < len(self.sorted) and self.sorted[index] <= high and self.sorted[index] > 0
