"""The extractive engine: real sentences from the right sections, with references."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from analysis.document import Document, Quality, Section, Table
from analysis.engines.extractive import ExtractiveEngine, extract_analysis, split_sentences
from analysis.fulltext.pdf.extract import extract_document
from analysis.render import render_markdown
from analysis.roles import Role, document_roles
from analysis.schema import Analysis, Experiments, LlmAnswer, Subject
from analysis.verify import verify
from tests.support.corpus import corpus_file
from tests.support.cue_paper import (
    ABSTRACT,
    BASELINES,
    DATASETS,
    EXPERIMENTAL,
    FUTURE,
    INTRODUCTION,
    LIMITATION,
    METRICS,
    SETUP,
    cue_paper,
)


@pytest.fixture(scope="module")
def cue_document(tmp_path_factory: pytest.TempPathFactory) -> Document:
    return extract_document(cue_paper(tmp_path_factory.mktemp("pdf")))


def test_each_field_takes_the_statements_of_its_section(cue_document: Document) -> None:
    answer = extract_analysis(cue_document, "en")
    assert answer.overview == ABSTRACT
    assert INTRODUCTION[1] in answer.motivation
    assert answer.motivation.endswith("(§1)")
    assert [c.title for c in answer.contributions] == [
        "Compact dual encoder for passage retrieval trained with …",
        "Evaluation protocol that measures retrieval and answer accuracy …",
        "Released index of 21 million passages for others …",
    ]
    assert all(c.refs == ["§1"] for c in answer.contributions)
    assert answer.method.startswith("**3 Method** (§3): DenseLite encodes questions")
    experiments = answer.experiments
    assert experiments.datasets == [f"Natural Questions, TriviaQA, SQuAD: {DATASETS} (§4.1)"]
    assert experiments.metrics == [f"top-100 retrieval accuracy, exact match: {METRICS} (§4.1)"]
    assert experiments.baselines == [f"BM25, ORQA: {BASELINES} (§4.2)"]
    assert experiments.setup == [f"{SETUP} (§4.2)"]
    assert answer.limitations.acknowledged == [f"{LIMITATION} (§5)"]
    assert [f.suggestion for f in answer.future_work] == [f"{FUTURE} (§6)"]


def test_references_follow_the_output_language(cue_document: Document) -> None:
    answer = extract_analysis(cue_document, "zh")
    assert answer.motivation.endswith("（第1节）")
    assert answer.contributions[0].refs == ["第1节"]
    assert answer.method.startswith("**3 Method**（第3节）：")
    assert f"{SETUP}（第4.2节）" in answer.experiments.setup
    assert answer.experiments.datasets[0].startswith("Natural Questions、TriviaQA、SQuAD：")
    assert answer.overview == ABSTRACT  # the paper's own sentences stay as they are


def test_related_work_and_references_are_never_quoted(cue_document: Document) -> None:
    text = extract_analysis(cue_document, "en").model_dump_json()
    assert "long history" not in text
    assert "Paper number" not in text


def test_an_abstract_only_document_is_analysed_from_its_abstract() -> None:
    quality = Quality(len(ABSTRACT), 40, 1.0, 0, usable=True, reason=None)
    document = Document("DenseLite", ABSTRACT, 0, (), (), (), (), quality)
    answer = extract_analysis(document, "en")
    assert answer.overview == ABSTRACT
    assert [c.detail for c in answer.contributions] == [
        "We propose DenseLite, a small dual encoder trained on few examples."
    ]
    assert answer.contributions[0].refs == ["Abstract"]
    assert answer.method == ""
    assert answer.experiments == Experiments(metrics=[], datasets=[], baselines=[], setup=[])


async def test_the_engine_is_labelled_extractive_and_spends_no_tokens(
    cue_document: Document,
) -> None:
    engine = ExtractiveEngine()
    result = await engine.analyse(cue_document, Subject("2401.01234", "DenseLite", "en"))
    assert engine.label == "extractive"
    assert result.usage.input_tokens == result.usage.output_tokens == 0
    assert result.answer == extract_analysis(cue_document, "en")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "We follow Lee et al. (2019) and use e.g. BM25. The results in Fig. 3 agree.",
            ["We follow Lee et al. (2019) and use e.g. BM25.", "The results in Fig. 3 agree."],
        ),
        (
            "See Section 3.2 for details. A. Smith wrote it.\nIt continues here.",
            ["See Section 3.2 for details.", "A. Smith wrote it.", "It continues here."],
        ),
        ("我们提出了一种方法。实验表明它有效！", ["我们提出了一种方法。", "实验表明它有效！"]),
        ("It works well.2 The next sentence.", ["It works well.", "The next sentence."]),
    ],
)
def test_sentences_are_split_around_abbreviations(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


CORPUS = [
    "pdfs/2004.04906v3_DensePassageRetrieval_EMNLP_2col.pdf",
    "pdfs/2203.00130v1_PaperPlain_ACM_long_appendix.pdf",
    "pdfs/2302.07302v1_CiteSee_CHI_ACM_2col.pdf",
    "pdfs/1708.05894v1_MGP-RNN_MLHC_JMLR_1col.pdf",
]


@pytest.fixture(scope="module", params=CORPUS)
def corpus_document(request: pytest.FixtureRequest) -> Document:
    return extract_document(corpus_file(request.param))


def refs_of(items: list[str]) -> set[str]:
    return {item.rsplit(" (", 1)[1].rstrip(")") for item in items}


def test_corpus_papers_get_every_field_from_the_right_sections(corpus_document: Document) -> None:
    answer = extract_analysis(corpus_document, "en")
    roles = {
        f"{'Appendix ' if r.appendix else '§'}{r.section.number}": r.role
        for r in document_roles(corpus_document)
    }
    assert answer.overview.startswith(" ".join(corpus_document.abstract.split()[:8]))
    assert answer.motivation
    assert roles[answer.motivation.rsplit(" (", 1)[1].rstrip(")")] == Role.INTRODUCTION
    assert answer.contributions
    assert answer.method
    experiments = answer.experiments
    filled = [items for items in vars(experiments).values() if items]
    assert len(filled) >= 3
    for items in filled:
        for ref in refs_of(items):
            assert ref.startswith(("Table", "Fig.")) or roles[ref] in EXPERIMENTAL, ref
    assert answer.limitations.acknowledged or answer.future_work
    closing = {Role.LIMITATIONS, Role.DISCUSSION, Role.CONCLUSION, Role.FUTURE_WORK}
    for ref in refs_of(
        answer.limitations.acknowledged + [f.suggestion for f in answer.future_work]
    ):
        assert roles[ref] in closing, ref


def quoted(answer: LlmAnswer) -> list[str]:
    """Every quoted unit of every field, without its reference or name prefix."""
    items = [*answer.experiments.metrics, *answer.experiments.datasets]
    items += [*answer.experiments.baselines, *answer.experiments.setup]
    items += [*answer.limitations.acknowledged, *(f.suggestion for f in answer.future_work)]
    units = [re.sub(r" \([^()]*\)$", "", item).split(": ", 1)[-1] for item in items]
    units += [c.detail for c in answer.contributions]
    for paragraph in answer.method.split("\n\n"):
        units += split_sentences(paragraph.split("): ", 1)[-1])
    return units


def test_corpus_extracts_repeat_no_sentence_and_quote_no_footnote(
    corpus_document: Document,
) -> None:
    answer = extract_analysis(corpus_document, "en")
    units = [u for u in quoted(answer) if len(u) > 40]
    assert len(units) == len(set(units))
    text = answer.model_dump_json()
    for footnote in ("@", "Work done", "internship", "Equal contribution", "University of"):
        assert footnote not in text
    assert not any(unit.endswith("…") for unit in quoted(answer))  # nothing is cut short


FACTS = {
    "pdfs/2004.04906v3_DensePassageRetrieval_EMNLP_2col.pdf": {
        "method": "**3 Dense Passage Retriever (DPR)**",
        "datasets": ("Natural Questions", "WebQuestions", "CuratedTREC", "TriviaQA", "SQuAD"),
        "headline": ("§5", "§6"),
        "setup": "40 epochs",
        "closing": "§8",
    },
    "pdfs/2203.00130v1_PaperPlain_ACM_long_appendix.pdf": {
        "method": "**4 PAPER PLAIN: READING SUPPORT FOR MEDICAL RESEARCH PAPERS**",
        "limitations": "§8.4",
        "future": "§8.4",
        "headline": ("§7",),
        "setup": "US$15",
    },
    "pdfs/2302.07302v1_CiteSee_CHI_ACM_2col.pdf": {
        "method": "**4 SYSTEM DESIGN**",
        "limitations": "§5.1",
        "future": "§7",
        "datasets": ("SciERC",),
        "setup": "$35 USD",
    },
    "pdfs/1708.05894v1_MGP-RNN_MLHC_JMLR_1col.pdf": {
        "method": "**3 Proposed Method**",
        "setup": "learning rate of 0.001",
        "future": "§5",
    },
}


@pytest.mark.parametrize("name", list(FACTS))
def test_corpus_key_facts_land_in_their_fields(name: str) -> None:
    facts = FACTS[name]
    answer = extract_analysis(extract_document(corpus_file(name)), "en")
    experiments = answer.experiments
    assert answer.method.startswith(str(facts["method"]))
    datasets = facts.get("datasets", ())
    named = [d for d in datasets if d in " ".join(experiments.datasets)]
    assert len(named) >= max(len(datasets) - 1, min(len(datasets), 1)), named  # one may be missed
    if "headline" in facts:
        results = answer.overview.split("**Headline results (excerpts)**: ", 1)[1]
        assert re.search(r"\d", results)
        assert any(f"({ref}" in results for ref in facts["headline"])
    assert str(facts["setup"]) in " ".join(experiments.setup)
    if "limitations" in facts:
        assert any(f"({facts['limitations']})" in item for item in answer.limitations.acknowledged)
    if "future" in facts:
        assert any(f"({facts['future']})" in f.suggestion for f in answer.future_work)
    assert all(not re.search(r"\brelease|available at", f.suggestion) for f in answer.future_work)


def test_chinese_extracts_have_chinese_labels_and_say_they_are_untranslated_excerpts(
    cue_document: Document,
) -> None:
    answer = extract_analysis(cue_document, "zh")
    analysis = Analysis(
        **answer.model_dump(), arxiv_id="2401.01234", version=1, title="DenseLite",
        language="zh", engine="extractive", source="full_text",
    )  # fmt: skip
    markdown = render_markdown(analysis)
    assert "原文摘录" in markdown.split("### 论文概要")[0]
    assert "**作者提出的未来工作（原文摘录）**" in markdown
    assert "**评估指标**：" in markdown
    english = render_markdown(analysis, "en")
    assert "Excerpts" in english.split("### Overview")[0]


def test_corpus_extracts_pass_verification_untouched(corpus_document: Document) -> None:
    answer = extract_analysis(corpus_document, "zh")
    analysis = Analysis(
        **answer.model_dump(),
        arxiv_id="0000.00000",
        version=1,
        title=corpus_document.title,
        language="zh",
        engine="extractive",
        source="full_text",
    )
    verified = verify(analysis, corpus_document)
    assert verified.warnings == []
    assert (
        LlmAnswer.model_validate(verified.model_dump(include=set(LlmAnswer.model_fields))) == answer
    )


def issue_paper() -> Document:
    """A paper with the traps the issue lists: each field must avoid them."""
    intro = (
        "Motion generation for humanoids remains difficult because existing methods suffer from "
        "jitter. ∗Work done during an internship at Example Labs. "
        "Our contributions are as follows: 1) We propose GaitNet, a diffusion policy for gait. "
        "2) We collect the StrideBench benchmark with 1,200 walking sequences. "
        "3) We evaluate GaitNet against three baselines."
    )
    sections = (
        Section("1", "Introduction", 1, 1, intro),
        Section(
            "2",
            "Related Work",
            1,
            1,
            "ERD produced human motion was non-smooth and it "
            "fails on long sequences, as prior work by Smith et al. showed.",
        ),
        Section(
            "3",
            "GaitNet",
            1,
            2,
            "GaitNet denoises joint trajectories with a transformer "
            "conditioned on the terrain. These are then smoothed by a filter.",
        ),
        Section(
            "3.1",
            "Baseline policies",
            2,
            2,
            "The baseline policies use a plain MLP that "
            "maps states to joint targets without any terrain input.",
        ),
        Section(
            "5",
            "Experiments",
            1,
            3,
            "We evaluate on the StrideBench benchmark and the "
            "Human3.6M dataset. GaitNet reaches a success rate of 91.4% on StrideBench, "
            "compared with 82.7% for the MLP baseline. There was no difference between "
            "the two benchmarks in our pilot.",
        ),
        Section(
            "5.7",
            "Limitations of the gait model",
            2,
            3,
            "GaitNet does not handle stairs and only works on flat terrain in our tests.",
        ),
        Section(
            "6",
            "Conclusion",
            1,
            4,
            "We release our model checkpoints and code. "
            "In future work we plan to extend GaitNet to stairs and uneven terrain.",
        ),
    )
    quality = Quality(3_000, 400, 0.95, 4, usable=True, reason=None)
    abstract = "We propose GaitNet, a diffusion policy for humanoid gait."
    return Document("GaitNet: Diffusion Gaits", abstract, 6, sections, (), (), (), quality)


def test_the_issue_s_traps_are_avoided() -> None:
    answer = extract_analysis(issue_paper(), "en")
    assert answer.method.startswith("**3 GaitNet** (§3): GaitNet denoises joint trajectories")
    assert "These are then smoothed" not in answer.method  # a dangling "these" opener
    assert "3.1 Baseline policies" not in answer.method  # baselines are not the method
    assert [c.detail for c in answer.contributions] == [
        "We propose GaitNet, a diffusion policy for gait.",
        "We collect the StrideBench benchmark with 1,200 walking sequences.",
        "We evaluate GaitNet against three baselines.",
    ]
    assert "internship" not in answer.model_dump_json()
    datasets = " ".join(answer.experiments.datasets)
    assert "StrideBench" in datasets
    assert "Human3.6M" in datasets
    assert "ERD" not in datasets
    assert not any("no difference" in m for m in answer.experiments.metrics)
    assert "91.4%" in answer.overview.split("Headline results (excerpts)", 1)[1]
    assert answer.limitations.acknowledged == [
        "GaitNet does not handle stairs and only works on flat terrain in our tests. (§5.7)"
    ]
    assert [f.suggestion for f in answer.future_work] == [
        "In future work we plan to extend GaitNet to stairs and uneven terrain. (§6)"
    ]


def test_headline_results_include_the_systems_table_rows_when_the_document_has_tables() -> None:
    rows = "Model | StrideBench | Human3.6M\nMLP | 82.7 | 61.0\nGaitNet | 91.4 | 70.2"
    document = replace(issue_paper(), tables=(Table("2", "", rows, 1),))
    results = extract_analysis(document, "en").overview.split("**Headline results (excerpts)**")[1]
    assert results.endswith("GaitNet | 91.4 | 70.2 (Table 2)")
    zh = extract_analysis(document, "zh").overview
    assert zh.endswith("GaitNet | 91.4 | 70.2（表2）")
