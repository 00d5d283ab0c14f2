"""Section roles from titles, parents, content and place; the paper's own system name."""

from __future__ import annotations

import pytest

from analysis.document import Document, Quality, Section
from analysis.fulltext.pdf.extract import extract_document
from analysis.roles import Role, classify, document_roles, method_name, section_roles
from tests.support.corpus import corpus_file

QUALITY = Quality(10_000, 2_000, 0.9, 3, usable=True, reason=None)


@pytest.mark.parametrize(
    ("title", "role"),
    [
        ("Introduction", Role.INTRODUCTION), ("INTRODUCTION", Role.INTRODUCTION),
        ("Related Work", Role.RELATED), ("Background and Related Work", Role.RELATED),
        ("Proposed Method", Role.METHOD), ("Model Architecture", Role.METHOD),
        ("Experimental Setup", Role.SETUP), ("Implementation Details", Role.SETUP),
        ("Hyper-parameters", Role.SETUP), ("Training details", Role.SETUP),
        ("Computational Cost", Role.COMPUTE), ("Run-time Efficiency", Role.COMPUTE),
        ("Question Answering Datasets", Role.DATASETS), ("Data Description", Role.DATASETS),
        ("Results and Discussion", Role.RESULTS), ("Main Results", Role.RESULTS),
        ("Ablation Study on Model Training", Role.ABLATION), ("Experiments", Role.EXPERIMENTS),
        ("Limitations", Role.LIMITATIONS), ("Limitations and Broader Impacts", Role.LIMITATIONS),
        ("5.7 Limitations of the probe", Role.LIMITATIONS),
        ("Conclusion and Future Work", Role.CONCLUSION), ("Future directions", Role.FUTURE_WORK),
        ("Acknowledgments", Role.BACK_MATTER), ("Proof of Theorem 2", Role.PROOFS),
        ("Prompt examples", Role.EXAMPLES), ("引言", Role.INTRODUCTION),
        ("相关工作", Role.RELATED), ("实验设置", Role.SETUP),
        ("Implémentation et tests", Role.SETUP), ("Résultats expérimentaux", Role.RESULTS),
        ("Observations of readers", Role.OTHER),
    ],
)  # fmt: skip
def test_headings_are_classified(title: str, role: Role) -> None:
    assert classify(title) == role


def test_own_titles_win_and_untitled_subsections_inherit() -> None:
    sections = [
        Section("1", "Introduction", 1, 1, "Intro."),
        Section("2", "Related Work", 1, 1, ""),
        Section("2.1", "Models for retrieval", 2, 1, ""),
        Section("3", "Dense Passage Retriever (DPR)", 1, 2, ""),
        Section("3.1", "Overview", 2, 2, ""),
        Section("3.2", "Encoders", 2, 2, ""),
        Section("5", "Experiments", 1, 3, ""),
        Section("5.1", "Main numbers", 2, 3, ""),
        Section("5.7", "Limitations of the probe", 2, 3, ""),
        Section("6", "User study", 1, 4, ""),
        Section("6.1", "Method", 2, 4, ""),
    ]
    assert section_roles(sections, name="DPR") == [
        Role.INTRODUCTION, Role.RELATED, Role.RELATED, Role.METHOD, Role.METHOD, Role.METHOD,
        Role.EXPERIMENTS, Role.EXPERIMENTS, Role.LIMITATIONS, Role.EXPERIMENTS, Role.EXPERIMENTS,
    ]  # fmt: skip


def test_an_untitled_section_is_judged_by_content_then_place() -> None:
    related = "Smith et al. studied it. Jones et al. extended it. Prior work by Li et al. too."
    sections = [
        Section("1", "Opening", 1, 1, "We study retrieval."),
        Section("2", "Landscape", 1, 1, related),
        Section("3", "The encoder", 1, 2, "It encodes text."),
    ]
    assert section_roles(sections) == [Role.INTRODUCTION, Role.RELATED, Role.METHOD]


def test_the_system_name_comes_from_the_title_or_abstract_when_the_body_uses_it() -> None:
    body = (
        Section("1", "Introduction", 1, 1, "DenseLite is small. DenseLite is fast. DenseLite."),
    )
    named = Document("DenseLite: Small Retrieval", "We propose it.", 1, body, (), (), (), QUALITY)
    assert method_name(named) == "DenseLite"
    introduced = Document("Small retrieval", "We propose DenseLite, a dual encoder.", 1, body,
                          (), (), (), QUALITY)  # fmt: skip
    assert method_name(introduced) == "DenseLite"
    unused = Document("Beyond Words: A Study", "We study words.", 1, body, (), (), (), QUALITY)
    assert method_name(unused) is None


@pytest.mark.parametrize(
    ("name", "system", "expected"),
    [
        ("pdfs/2004.04906v3_DensePassageRetrieval_EMNLP_2col.pdf", "DPR", {
            "3 Dense Passage Retriever (DPR)": Role.METHOD, "4.2 Question Answering Datasets":
            Role.DATASETS, "5.2 Ablation Study on Model Training": Role.ABLATION,
            "5.4 Run-time Efficiency": Role.COMPUTE, "7 Related Work": Role.RELATED,
        }),
        ("pdfs/2203.00130v1_PaperPlain_ACM_long_appendix.pdf", "Paper Plain", {
            "4 PAPER PLAIN: READING SUPPORT FOR MEDICAL RESEARCH PAPERS": Role.METHOD,
            "6.1 Method": Role.EXPERIMENTS, "8.4 Limitations": Role.LIMITATIONS,
            "8.5 Future directions": Role.FUTURE_WORK, "C.1 GPT-3 Simplification": Role.SETUP,
        }),
        ("pdfs/2302.07302v1_CiteSee_CHI_ACM_2col.pdf", "CiteSee", {
            "5.1 Study 1 Limitations": Role.LIMITATIONS, "4.6 Implementation Details": Role.SETUP,
            "7 LIMITATIONS AND FUTURE WORK": Role.LIMITATIONS,
        }),
    ],
)  # fmt: skip
def test_corpus_sections_get_their_roles(name: str, system: str, expected: dict[str, Role]) -> None:
    document = extract_document(corpus_file(name))
    assert method_name(document) == system
    roles = {r.section.label: r.role for r in document_roles(document)}
    assert {label: roles[label] for label in expected} == expected


def test_run_in_headings_are_topics_of_their_section_unless_they_name_limitations() -> None:
    sections = [
        Section("1", "Introduction", 1, 1, "Intro."),
        Section(None, "Evaluation.", 3, 1, "We evaluate on finance tasks."),
        Section("3", "Training configuration", 1, 2, ""),
        Section(None, "Hardware stack.", 3, 2, "We use 64 nodes."),
        Section("5", "Results", 1, 3, ""),
        Section(None, "Limitations.", 3, 3, "It does not handle tables."),
    ]
    assert section_roles(sections) == [
        Role.INTRODUCTION, Role.INTRODUCTION, Role.SETUP, Role.SETUP, Role.RESULTS,
        Role.LIMITATIONS,
    ]  # fmt: skip
