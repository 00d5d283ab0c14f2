"""Numbers: one normal form for every spelling, units checked near the number."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from analysis.document import Document, Quality, Section, Table
from analysis.verify import verify
from analysis.verify.numbers import numbers
from tests.support.analyses import analysis

QUALITY = Quality(5_000, 800, 0.95, 9, usable=True, reason=None)
BODY = (
    "We fine-tune with a learning rate of 5e-5 and a weight decay of 5 × 10−5 for 3 epochs. "
    "The encoder has 12 layers and the corpus holds 9.28K samples, 1,200 of them labelled. "
    "Accuracy rises from 82.7% to 91.4%, while 20 percent of the answers change. "
    "The loss changes by −3.2 and gains are 4%-6% across tasks. "
    "Training takes 240 GPU-hours on 8 NVIDIA A100 GPUs. Labels come from five annotators."
)


AUTHORS = "Authors' addresses: A. Author, a@uni.edu, 4242 Campus Road, Springfield."


def paper() -> Document:
    sections = (Section("1", "Experiments", 1, 1, BODY + "\n" + AUTHORS),)
    references = ("[1] A. Author. 2019. A paper with 7,777 trajectories and 314 citations.",)
    return Document("A Paper", "We study retrieval.", 3, sections, (), (), references, QUALITY)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("5e-5", "0.00005"), ("5E-5", "0.00005"), ("0.00005", "0.00005"),
        ("5×10⁻⁵", "0.00005"), ("5 × 10^-5", "0.00005"), ("5 x 10−5", "0.00005"),
        ("10−5", "0.00001"), ("1e-5", "0.00001"), ("10⁻⁵", "0.00001"),
        ("9.28K", "9280"), ("9,280", "9280"), ("9\u2009280", "9280"), ("1.3 B", "1300000000"),
        ("410万", "4100000"), ("−3.2", "3.2"), ("34.80%", "34.8"),
    ],
)  # fmt: skip
def test_every_spelling_has_one_normal_form(text: str, value: str) -> None:
    found = list(numbers(text))
    assert len(found) == 1
    assert Decimal(value) in found[0].values


@pytest.mark.parametrize(
    ("text", "unit"),
    [
        ("20 percent", "%"), ("20%", "%"), ("20 ％", "%"), ("3 epochs", "epoch"),
        ("训练3个epoch", "epoch"), ("8 NVIDIA A100 GPUs", "gpu"), ("240 GPU-hours", "gpu-hour"),
        ("25 H100 GPU天", "gpu-day"), ("2.5× faster", "x"), ("4 points", "point"),
        ("12层", "layer"), ("1.3B parameters", "parameter"), ("batch size 8", None),
        ("批次大小为128，采用批内负样本", None), ("为2100万个段落", "passage"),
        ("8 epochs, 12 layers", "epoch"), ("共8块GPU", "gpu"),
    ],
)  # fmt: skip
def test_units_and_counted_nouns_are_read(text: str, unit: str | None) -> None:
    assert next(numbers(text)).unit == unit


@pytest.mark.parametrize(
    "claim",
    [
        "The learning rate is 0.00005.",
        "Weight decay is 5e-5 and the learning rate 5×10⁻⁵.",
        "It uses 9,280 samples (1200 labelled) and 12 layers.",
        "About 20% of the answers change; accuracy reaches 91.4 percent.",
        "Gains range from 4% to 6%; the loss falls by 3.2.",
        "It trains 3 epochs for 240 GPU hours on 8 A100 GPUs.",
        "训练3个epoch，学习率5e-5，共12层，9.28K个样本。",
        "Like prior work (Smith et al., 2019; Lee and Kim 2021), it uses 12 layers.",
        "It has 5 annotators and runs on 8 GPUs.",  # the paper: "five annotators", "N=5"
    ],
)
def test_what_the_paper_prints_is_kept_in_any_spelling(claim: str) -> None:
    language = "zh" if "训练" in claim else "en"
    verified = verify(analysis(language, overview=claim), paper())
    assert verified.overview == claim
    assert verified.warnings == []


@pytest.mark.parametrize(
    ("claim", "flagged"),
    [
        ("It trains for 12 epochs.", "12 epochs"),  # 12 is printed, but as layers
        ("It runs on 3 GPUs.", "3 GPUs"),  # 3 is printed, but as epochs
        ("It has 82.7 layers.", "82.7 layers"),  # 82.7 is printed, but as a percentage
        ("It was built from 7,777 trajectories.", "7,777 trajectories"),  # references only
        ("It is cited 314 times.", "314 times"),
        ("The lab is at number 4242.", "4242"),  # only in the author block
        ("Accuracy reaches 93.1%.", "93.1%"),
    ],
)
def test_a_number_is_flagged_unless_printed_with_its_unit_outside_the_references(
    claim: str, flagged: str
) -> None:
    verified = verify(analysis("en", overview=claim), paper())
    assert f"[unverified: {flagged}]" in verified.overview
    assert verified.warnings == [f"Numbers not found in the paper (marked unverified): {flagged}"]


def test_percentages_match_points_and_bare_values_in_a_percent_column() -> None:
    assert verify(analysis("en", overview="Gains are 4 points."), paper()).warnings == []
    table = Section("2", "Results", 1, 2, "Accuracy (%) of each model: 77.5 and 80.1.")
    with_table = replace(paper(), sections=(*paper().sections, table))
    assert verify(analysis("en", overview="It reaches 80.1%."), with_table).warnings == []
    assert verify(analysis("en", overview="It reaches 80.1%."), paper()).warnings != []


def test_a_derived_difference_is_marked_as_derived_not_as_the_papers() -> None:
    verified = verify(analysis("en", overview="Accuracy improves by 8.7 points."), paper())
    assert verified.overview == (
        "Accuracy improves by [derived, not printed in the paper: 8.7 points]."
    )
    assert verified.warnings == [
        "Numbers derived from the paper's figures, not printed in it (marked derived): 8.7 points"
    ]
    zh = verify(analysis("zh", overview="准确率提升了8.7个百分点。"), paper())
    assert zh.overview == "准确率提升了〔推算值，非论文原文：8.7个百分点〕。"


def test_an_invented_difference_is_not_passed_off_as_derived() -> None:
    verified = verify(analysis("en", overview="Accuracy improves by 0.123 points."), paper())
    assert "[unverified: 0.123 points]" in verified.overview


def test_numbers_in_tables_are_evidence_when_the_document_has_tables() -> None:
    claim = analysis("en", overview="Ours reaches 79.4 on TQA.")
    assert verify(claim, paper()).warnings != []
    with_table = replace(paper(), tables=(Table("1", "", "Ours | 78.4 | 79.4", 1),))
    assert verify(claim, with_table).warnings == []
