"""Verification: invented references are removed, invented numbers are marked."""

from __future__ import annotations

import re

import pytest

from analysis.document import Caption, Document, Quality, Section
from analysis.verify import find_references, verify
from tests.support.analyses import analysis

QUALITY = Quality(5_000, 800, 0.95, 9, usable=True, reason=None)


def document() -> Document:
    sections = (
        Section("1", "Introduction", 1, 1, "Bimanual data is scarce; we train on 1,200 demos."),
        Section("3", "Method", 1, 3, "The loss is the flow matching objective\nL = |v - u| (1)"),
        Section("3.2", "Joint attention", 2, 4, "Joint attention lets each arm see the other."),
        Section("III-A", "Setup", 2, 5, "We use 25 H100 GPU-days and a 1.3 B parameter model."),
        Section(
            "4", "Experiments", 1, 6, "Success rate rises to 34.8 % on RoboTwin; see Section 7.1."
        ),
    )
    appendix = (Section("C.3", "Batch size", 2, 12, "A batch of 8 fits on one 40GB GPU."),)
    captions = (
        Caption("table", "II", "Success rates on 50 tasks.", 7),
        Caption("figure", "3", "Joint attention mask.", 4),
    )
    return Document(
        "TwinVLA", "TwinVLA costs 311.98 dollars and uses 4.1 million frames.", 12,
        sections, appendix, captions, ("[1] Black et al. 2024. pi0.",), QUALITY,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("如第4.2节所述", [("section", "4.2")]),
        ("（第III-A节，表II）", [("section", "III-A"), ("table", "II")]),
        ("见图3a与公式(1)", [("figure", "3"), ("equation", "1")]),
        ("见附录C.3和式（2）", [("appendix", "C.3"), ("equation", "2")]),
        ("Section 3.2, Sec. 4, §5.1", [("section", "3.2"), ("section", "4"), ("section", "5.1")]),
        ("Table 2, Tab. IV, Fig. 3b", [("table", "2"), ("table", "IV"), ("figure", "3")]),
        ("Figure 10(a), Eq. (3)", [("figure", "10"), ("equation", "3")]),
        ("Equation 4 and Appendix B.", [("equation", "4"), ("appendix", "B")]),
        ("图像、表现与 section is fine", []),
        ("Sec. III.A, App. B and Algorithm 2", [("section", "III.A"), ("appendix", "B"),
                                                ("algorithm", "2")]),
        ("见公式4、算法1与第III-A节", [("equation", "4"), ("algorithm", "1"),
                                      ("section", "III-A")]),
    ],
)  # fmt: skip
def test_references_are_recognised_in_both_languages(
    text: str, found: list[tuple[str, str]]
) -> None:
    assert [(r.kind, r.label) for r in find_references(text)] == found


def test_existing_references_are_kept_and_invented_ones_removed_with_their_clause() -> None:
    draft = analysis(
        method="联合注意力（第3.2节，图3a）使用公式(1)；见第9节与表7。",
        motivation="As in Section III-A and Appendix C.3 (Table II), not Fig. 5 or Eq. (4).",
        contributions=[
            {
                "title": "联合注意力",
                "detail": "细节（第7.1节）。",
                "refs": ["第3.2节", "第8节", "附录C.3"],
            },
            {"title": "虚构", "detail": "无出处。", "refs": ["表9"]},
            {"title": "摘要", "detail": "来自摘要。", "refs": ["摘要"]},
        ],
    )  # fmt: skip
    verified = verify(draft, document())
    assert verified.method == "联合注意力（第3.2节，图3a）使用公式(1)。"
    assert verified.motivation == "As in Section III-A and Appendix C.3 (Table II)."
    assert verified.contributions[0].detail == "细节（第7.1节）。"  # the paper itself cites §7.1
    assert verified.contributions[0].refs == ["第3.2节", "附录C.3"]
    assert verified.contributions[1].refs == []
    assert verified.contributions[2].refs == ["摘要"]
    assert verified.warnings == [
        "已删除论文中不存在的引用（连同所在分句）：Fig. 5、Eq. (4)、第9节、表7、第8节、表9"
    ]


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("As shown in Table 9, the model wins.", "The model wins."),
        ("The model wins (see Table 9).", "The model wins."),
        ("The model wins. See Fig. 7.", "The model wins."),
        ("Table 9 shows that the model wins.", "[unverified: Table 9] shows that the model wins."),
        ("Details are in §3.4 (see Table 7).", "Details are in [unverified: §3.4]."),
        ("Joint attention is in Section III.A and Sec. 3.1.", None),
        ("It appears in App. C and Appendix C.3.", None),
    ],
)
def test_corrections_never_leave_a_broken_sentence(written: str, expected: str | None) -> None:
    verified = verify(analysis("en", overview=written), document())
    assert verified.overview == (written if expected is None else expected)
    assert not re.search(r"\b(in|with|see|and|of|or)\s*[.,;)]", verified.overview)
    marks = re.findall(r"\[unverified: ([^\]]+)\]", verified.overview)
    assert all(any(mark in warning for warning in verified.warnings) for mark in marks)


def test_structure_the_extractor_may_have_missed_is_marked_not_deleted() -> None:
    draft = analysis(
        method="细节见第3.2.1节，消融见表2与图2。",
        experiments={
            "metrics": [], "datasets": [], "baselines": [],
            "setup": ["算法1的步骤（附录B）"],
        },
    )  # fmt: skip
    verified = verify(draft, document())
    assert (
        verified.method == "细节见〔未核实：第3.2.1节〕，消融见表2与〔未核实：图2〕。"
    )  # 表II = 表2
    # no appendix B at all: removed with its brackets; algorithm 1 carries the clause: marked
    assert verified.experiments.setup == ["〔未核实：算法1〕的步骤"]
    assert verified.warnings[0].endswith("：附录B")
    assert verified.warnings[1].endswith(
        "：第3.2.1节、图2、算法1"
    )  # figure 2 < 3: a missed caption?


def test_numbers_must_occur_in_the_paper_after_normalisation() -> None:
    draft = analysis(
        overview="成本311.98美元，使用410万帧、1200条示教与1.3B参数模型。",
        experiments={
            "metrics": ["成功率34.8%，提升45%"],
            "datasets": ["RoboTwin 2.0（50个任务）"],
            "baselines": ["π0（3.3B参数）"],
            "setup": ["25 H100 GPU天，批次大小8（附录C.3）", "训练1440 GPU天"],
        },
    )
    verified = verify(draft, document())
    assert verified.overview == draft.overview
    assert verified.experiments.metrics == ["成功率34.8%，提升〔未核实：45%〕"]
    assert verified.experiments.datasets == ["RoboTwin 〔未核实：2.0〕（50个任务）"]
    assert verified.experiments.baselines == ["π0（〔未核实：3.3B参数〕）"]
    assert verified.experiments.setup == [
        "25 H100 GPU天，批次大小8（附录C.3）",
        "训练〔未核实：1440 GPU天〕",
    ]
    assert verified.warnings == [
        "以下数字未在论文中找到，已标注为未核实：45%、2.0、3.3B参数、1440 GPU天"
    ]


def test_english_analyses_are_marked_in_english() -> None:
    draft = analysis(
        "en", overview="It reaches 34.8% with 1,200 demos, and 91.4% on LIBERO (Table 9)."
    )
    verified = verify(draft, document())
    assert (
        verified.overview == "It reaches 34.8% with 1,200 demos, and [unverified: 91.4%] on LIBERO."
    )
    assert verified.warnings == [
        "Removed references not found in the paper (with their clause): Table 9",
        "Numbers not found in the paper (marked unverified): 91.4%",
    ]


def test_verification_is_idempotent() -> None:
    once = verify(analysis(overview="提升45%（表7）。"), document())
    twice = verify(once.model_copy(update={"warnings": []}), document())
    assert twice.overview == once.overview == "提升〔未核实：45%〕。"
    assert twice.warnings == []


def test_an_abstract_only_analysis_is_checked_against_the_abstract() -> None:
    quality = Quality(60, 10, 1.0, 0, usable=True, reason=None)
    abstract_only = Document("TwinVLA", "It costs 311.98 dollars.", 0, (), (), (), (), quality)
    draft = analysis(
        "en", overview="It costs 311.98 dollars and trains in 25 GPU-days (Section 4)."
    )
    verified = verify(draft, abstract_only)
    assert verified.overview == "It costs 311.98 dollars and trains in [unverified: 25 GPU-days]."


def test_existing_warnings_are_kept_first() -> None:
    draft = analysis("en", overview="See Table 9.").model_copy(update={"warnings": ["Too long."]})
    assert verify(draft, document()).warnings[0] == "Too long."
