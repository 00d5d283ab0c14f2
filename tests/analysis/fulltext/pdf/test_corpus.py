"""Extraction on the shared corpus of real papers and broken files.

The expected headings were read off each PDF page by page with PyMuPDF's
``get_text()``; a test is skipped when the shared corpus is not present.
"""

from __future__ import annotations

import functools

import pytest

from analysis.document import Document
from analysis.fulltext.pdf.extract import extract_document
from bot.kernel.errors import PdfError
from tests.support.corpus import corpus_file


@functools.cache
def _extract(name: str) -> Document:
    return extract_document(corpus_file(f"pdfs/{name}"))


def extracted(name: str) -> Document:
    """The document for corpus PDF ``name`` (parsed once per test session)."""
    corpus_file(f"pdfs/{name}")  # skips the test when the corpus is absent
    return _extract(name)


def headings(sections: tuple) -> list[tuple[str | None, str]]:
    return [(s.number, s.title) for s in sections]


def assert_sound_paper(document: Document, *, stamp: str | None, reference: str) -> None:
    """Checks every real paper passes: usable text, references split off, no stamp."""
    assert document.quality.usable, document.quality
    assert document.quality.reason is None
    assert len(document.references) > 10
    assert any(reference in entry for entry in document.references)
    assert reference not in document.all_text()
    if stamp:
        assert stamp not in document.all_text()
        assert stamp not in " ".join(document.references)


def test_revtex_two_column_physics_paper() -> None:
    document = extracted("1111.2011v2_QuantumCriticality_BetheLattice_REVTeX_2col.pdf")
    assert document.title == (
        "Quantum Criticality for Extended Nodes on a Bethe Lattice in the Large Connectivity Limit"
    )
    assert document.abstract.startswith("Theoretical description of anisotropic systems, such")
    assert headings(document.sections) == [
        ("I", "INTRODUCTION"),
        ("II", "SELF-CONSISTENT ACTION IN THE LARGE z LIMIT"),
        ("II.A", "Ordered Phase"),
        ("II.B", "Disordered phase"),
        ("III", "CRITICAL POINT IN N →∞LIMIT"),
        ("IV", "CORRECTIONS AT FINITE N"),
        ("V", "DISCUSSION"),
        (None, "ACKNOWLEDGMENTS"),
    ]
    assert document.appendix == ()
    # The bibliography has no heading: it is found by its numbered small print.
    assert len(document.references) == 20
    assert document.references[0] == "1 D. C. Johnston, Adv. Phys. 59, 803 (2010)."
    assert document.caption_labels("figure") == ("1", "2", "3")
    assert_sound_paper(document, stamp="arXiv:1111.2011v2", reference="Adv. Phys. 59, 803")


def test_jmlr_single_column_paper() -> None:
    document = extracted("1708.05894v1_MGP-RNN_MLHC_JMLR_1col.pdf")
    assert document.title == (
        "An Improved Multi-Output Gaussian Process RNN with Real-Time Validation for "
        "Early Sepsis Detection"
    )
    assert document.abstract.startswith("Sepsis is a poorly understood and potentially")
    assert headings(document.sections) == [
        ("1", "Introduction"),
        ("2", "Related Works"),
        ("3", "Proposed Method"),
        ("3.1", "The MGP-RNN Classifier"),
        ("3.2", "Increasing Flexibility of the Multitask Gaussian Process"),
        ("3.3", "Improving the RNN Classifier"),
        ("4", "Experiments"),
        ("4.1", "Data Description"),
        ("4.2", "Experimental Setup"),
        ("4.3", "Evaluation Schemes and Results"),
        ("5", "Conclusions and Clinical Significance"),
    ]
    assert [s.level for s in document.sections[:4]] == [1, 1, 1, 2]
    assert len(document.references) == 32
    assert_sound_paper(
        document, stamp="arXiv:1708.05894v1", reference="Kernels for vector valued functions"
    )


def test_emnlp_two_column_paper_with_appendix() -> None:
    document = extracted("2004.04906v3_DensePassageRetrieval_EMNLP_2col.pdf")
    assert document.title == "Dense Passage Retrieval for Open-Domain Question Answering"
    assert document.abstract.startswith(
        "Open-domain question answering relies on efficient passage retrieval"
    )
    assert headings(document.sections) == [
        ("1", "Introduction"),
        ("2", "Background"),
        ("3", "Dense Passage Retriever (DPR)"),
        ("3.1", "Overview"),
        ("3.2", "Training"),
        ("4", "Experimental Setup"),
        ("4.1", "Wikipedia Data Pre-processing"),
        ("4.2", "Question Answering Datasets"),
        ("5", "Experiments: Passage Retrieval"),
        ("5.1", "Main Results"),
        ("5.2", "Ablation Study on Model Training"),
        ("5.3", "Qualitative Analysis"),
        ("5.4", "Run-time Efficiency"),
        ("6", "Experiments: Question Answering"),
        ("6.1", "End-to-end QA System"),
        ("6.2", "Results"),
        ("7", "Related Work"),
        ("8", "Conclusion"),
        (None, "Acknowledgments"),
    ]
    assert headings(document.appendix) == [
        ("A", "Distant Supervision"),
        ("B", "Alternative Similarity Functions & Triplet Loss"),
        ("C", "Qualitative Analysis"),
        ("D", "Joint Training of Retriever and Reader"),
    ]
    section = document.find_section("3.1")
    assert section is not None
    assert section.page == 2
    assert document.caption_labels("table") == ("1", "2", "3", "4", "5", "6", "7")
    assert "the original training examples in the dataset" in document.captions[0].text
    assert len(document.references) == 48
    assert_sound_paper(
        document,
        stamp="arXiv:2004.04906v3",
        reference="Learning to retrieve reasoning paths over Wikipedia graph",
    )


def test_acm_journal_paper_with_long_appendix() -> None:
    document = extracted("2203.00130v1_PaperPlain_ACM_long_appendix.pdf")
    assert document.pages == 39
    assert document.title == (
        "Paper Plain: Making Medical Research Papers Approachable to Healthcare Consumers "
        "with Natural Language Processing"
    )
    # No "Abstract" heading: the abstract is the long paragraph under the authors.
    assert document.abstract.startswith("When seeking information not covered in patient-friendly")
    assert "CCS Concepts" not in document.abstract
    assert headings(document.sections)[:8] == [
        ("1", "INTRODUCTION"),
        ("2", "BACKGROUND AND RELATED WORK"),
        ("2.1", "Healthcare consumers reading medical research"),
        ("2.2", "Interactive reading interfaces"),
        ("2.3", "AI for scientific text processing"),
        ("3", "OBSERVATIONS OF NON-EXPERT READERS"),
        ("4", "PAPER PLAIN: READING SUPPORT FOR MEDICAL RESEARCH PAPERS"),
        ("4.1", "Paper Plain design"),
    ]
    assert document.section_numbers()[:26] == (
        *("1", "2", "2.1", "2.2", "2.3", "3", "4", "4.1", "5", "5.1", "5.2", "5.3", "6"),
        *("6.1", "7", "7.1", "7.2", "7.3", "8", "8.1", "8.2", "8.3", "8.4", "8.5", "9"),
        "A",
    )
    seven_two = document.find_section("7.2")
    assert seven_two is not None
    assert seven_two.title == (
        "How does Paper Plain affect participants’ self-reported reading difficulty, "
        "understanding, and ability to identify relevant information?"
    )
    assert headings(document.appendix) == [
        ("A", "INTERVIEWS WITH HEALTHCARE CONSUMERS AND PROVIDERS"),
        ("B", "ITERATIVE DESIGN"),
        ("C", "PAPER PLAIN IMPLEMENTATION"),
        ("C.1", "GPT-3 Simplification"),
        ("D", "STATISTICAL ANALYSIS"),
        ("D.1", "Modeling Mixed-Effects in Repeated Measures Studies"),
        ("D.2", "F-Tests for Significant Effect of Interface"),
        ("D.3", "Tests for Pairwise Differences in Fixed-Effects between Interfaces"),
        ("D.4", "Ordinal Regression for Likert-Scale Variables"),
    ]
    assert len(document.references) == 111
    assert document.references[-1].startswith("[111] Alesia A. Zuccala. 2010.")
    assert_sound_paper(
        document,
        stamp="arXiv:2203.00130v1",
        reference="A question-entailment approach to question answering",
    )


def test_acm_chi_two_column_paper() -> None:
    document = extracted("2302.07302v1_CiteSee_CHI_ACM_2col.pdf")
    assert document.title == (
        "CiteSee: Augmenting Citations in Scientific Papers with Persistent and "
        "Personalized Historical Context"
    )
    assert document.abstract.startswith("When reading a scholarly article, inline citations")
    assert headings(document.sections) == [
        ("1", "INTRODUCTION"),
        ("2", "RELATED WORK"),
        ("2.1", "Scientific Paper Reading Interfaces"),
        ("2.2", "Paper Recommendation and Exploration"),
        ("3", "PRELIMINARY INTERVIEWS"),
        ("3.1", "Fear of Overlooking Important Citations"),
        ("3.2", "Progress Tracking and Loss of Context"),
        ("3.3", "DESIGN GOALS"),
        ("4", "SYSTEM DESIGN"),
        ("4.1", "Overview of Citation Augmentation Types"),
        ("4.2", "Example User Scenario"),
        ("4.3", "[D1] Discover Relevant Citations"),
        ("4.4", "[D2] Surfacing Familiar Papers"),
        ("4.5", "[D3] Paper Cards with Personalized Context"),
        ("4.6", "Implementation Details"),
        ("5", "STUDY 1: DISCOVER RELEVANT CITATIONS"),
        ("5.1", "Study 1 Limitations"),
        ("5.2", "Study 1 Results"),
        ("6", "STUDY 2: FIELD DEPLOYMENT"),
        ("6.1", "Study 2 Results"),
        ("7", "LIMITATIONS AND FUTURE WORK"),
        ("8", "CONCLUSION"),
        (None, "ACKNOWLEDGMENTS"),
    ]
    assert document.caption_labels("table") == ("1", "2")
    assert document.captions[-1].text.startswith("Usage statistics from the field study")
    assert len(document.references) == 65
    assert_sound_paper(
        document,
        stamp="arXiv:2302.07302v1",
        reference="Elastic Documents: Coupling Text and Tables",
    )


def test_four_page_short_paper() -> None:
    document = extracted("2304.02623v1_BeyondSummarization_short_4p.pdf")
    assert document.title == (
        "Beyond Summarization: Designing AI Support for Real-World Expository Writing Tasks"
    )
    assert document.abstract.startswith("Large language models have introduced exciting")
    assert document.abstract.endswith("discuss considerations for future research.")
    assert headings(document.sections) == [
        ("1", "INTRODUCTION"),
        ("2", "CHARACTERIZING EXPOSITORY WRITING"),
        ("3", "DESIGNING AI SUPPORTS FOR EXPOSITORY WRITING"),
        ("4", "CONCLUSION"),
        (None, "ACKNOWLEDGMENTS"),
    ]
    # The two reference columns of the last page must not be interleaved.
    assert [entry.split("]")[0] + "]" for entry in document.references] == [
        f"[{number}]" for number in range(1, 36)
    ]
    assert_sound_paper(
        document, stamp="arXiv:2304.02623v1", reference="Working memory. Science 255"
    )


def test_french_paper() -> None:
    document = extracted("French_OLAP_query_logs_paper_nonASCII.pdf")
    assert document.title == "Résumés et interrogations de logs de requêtes OLAP"
    assert document.abstract.startswith(
        "Une façon d’assister l’analyse d’entrepôt de données repose sur l’exploitation"
    )
    assert headings(document.sections) == [
        ("1", "Introduction"),
        ("2", "Motivation et présentation intuitive"),
        ("3", "Le langage QSL"),
        ("3.1", "Définitions préliminaires"),
        ("3.2", "Les opérateurs de QSL"),
        ("3.3", "Propriétés des opérateurs de QSL"),
        ("4", "Mesure de qualité d’un résumé"),
        ("4.1", "Intuition"),
        ("4.2", "Définitions et propriétés"),
        ("5", "Résumé d’un log"),
        ("5.1", "Algorithmes de résumé"),
        ("5.2", "Propriétés des résumés"),
        ("6", "Interrogation d’un log"),
        ("7", "Implémentation et tests"),
        ("8", "Travaux existants et perspectives"),
    ]
    # The English summary printed after the references is appendix material.
    assert headings(document.appendix) == [(None, "Summary")]
    assert document.caption_labels("figure") == ("1", "2", "3", "4")
    assert len(document.references) == 17
    running_header = "Résumés et interrogations de logs de requêtes OLAP"
    assert running_header not in document.body_text()
    assert_sound_paper(
        document, stamp=None, reference="A framework for summarizing a log of OLAP queries"
    )


def test_corrupt_streams_give_a_document_with_little_text() -> None:
    document = extracted("BROKEN_zen_of_python_corrupted.pdf")
    assert document.pages == 1
    assert "Beautiful is better than ugly." in document.all_text()
    assert not document.quality.usable
    assert document.quality.reason == "too_little_text"


def test_broken_font_mapping_is_flagged_as_garbled() -> None:
    document = extracted("GARBLED_font_encoding_1page.pdf")
    assert not document.quality.usable
    assert document.quality.reason == "garbled_text"
    assert document.quality.dictionary_ratio < 0.3


def test_scanned_book_has_no_text_layer() -> None:
    document = extracted("SCANNED_image_only_Chinese_book_8p.pdf")
    assert document.pages == 8
    assert document.quality.text_pages == 0
    assert not document.quality.usable
    assert document.quality.reason == "no_text_layer"


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("ENCRYPTED_password_protected.pdf", "encrypted"),
        ("TRUNCATED_2004.04906v3_first55pct_DERIVED.pdf", "unreadable"),
    ],
)
def test_unopenable_corpus_files_raise(name: str, reason: str) -> None:
    path = corpus_file(f"pdfs/{name}")
    with pytest.raises(PdfError) as raised:
        extract_document(path)
    assert raised.value.reason == reason
    assert raised.value.user_message.endswith("cannot be read.")


# cleaning: what the engines read is prose -------------------------------------------------
# The strings are figure text, table rows, running heads and footnotes seen on these pages.


def prose(document: Document) -> str:
    return "\n".join(s.text for s in (*document.sections, *document.appendix))


def test_short_paper_figure_text_and_footnotes_leave_the_introduction() -> None:
    document = extracted("2304.02623v1_BeyondSummarization_short_4p.pdf")
    text = prose(document)
    # Figure 1 draws an annotated paragraph with the labels Summarizing, Grouping...
    assert "Several studies have shown that pre-trained models usually" not in text
    assert "Summarizing" not in text
    assert "Contrasting" not in text
    assert "Shen, et al." not in text  # the running head of the even pages
    intro = document.find_section("1")
    assert intro is not None
    # The footnote marks raised after words are gone; the notes form a list of their own.
    assert "AI-assisted writing. The language understanding" in intro.text.replace("\n", " ")
    assert "prompt. As a result" in intro.text
    assert "https://platform.openai.com/examples" in document.footnotes
    assert document.footnotes[0].startswith("In the remainder of this work")
    assert "In the remainder of this work" not in text
    # The sentence cut by Figure 1 joins up across it.
    assert "Many realistic expository writing tasks require domain experts" in intro.text
    assert document.quality.removed["figure_text"] >= 10


def test_emnlp_tables_become_blocks_and_footnotes_a_list() -> None:
    document = extracted("2004.04906v3_DensePassageRetrieval_EMNLP_2col.pdf")
    text = prose(document)
    for row in (
        "None BM25 59.1 66.9 55.0 70.9",
        "Natural Questions 79,168 58,880",
        "Training Retriever Top-20 Top-100",
        "Random 7 47.0 64.3 77.8",
    ):
        assert row not in text
    tables = {table.label: table for table in document.tables}
    assert "Natural Questions | 79,168 | 58,880 | 8,757 | 3,610" in tables["1"].text.splitlines()
    assert tables["1"].caption.startswith("Number of questions in each QA dataset")
    assert "None | BM25 | 59.1 | 66.9 | 55.0 | 70.9 | 68.8" in tables["2"].text
    assert "k: # of retrieved passages" not in text  # Figure 1's axis title
    assert "Equal contribution" in document.footnotes
    assert "Equal contribution" not in text
    assert any(
        note.startswith("The code and trained models have been released")
        for note in document.footnotes
    )


def test_acm_paper_running_heads_and_result_tables_are_out() -> None:
    document = extracted("2203.00130v1_PaperPlain_ACM_long_appendix.pdf")
    text = prose(document)
    assert "Paper Plain: Making Medical Research Papers Approachable to Healthcare" not in text
    assert "Reading Difficulty (1–5) -0.344 0.7481" not in text
    cells = (t.text.replace(" | ", " ") for t in document.tables)
    assert any("Reading Difficulty (1–5) -0.344 0.7481" in text for text in cells)
    assert document.quality.removed["running_heads"] >= 30
