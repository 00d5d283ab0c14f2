"""What text of a paper is sent to the LLM: priorities, trimming, chunks."""

from __future__ import annotations

from pathlib import Path

import pymupdf
import pytest

from analysis.budget import MAX_CHUNKS, Role, classify, lead, naive_text, section_roles, select_text
from analysis.document import Caption, Document, Quality, Section
from analysis.fulltext.pdf.extract import extract_document
from analysis.tokens import count_tokens
from tests.corpus import corpus_file

QUALITY = Quality(10_000, 2_000, 0.9, 3, usable=True, reason=None)


def words(tag: str, count: int) -> str:
    """``count`` distinct sentences mentioning ``tag``, as two paragraphs."""
    sentences = [f"The {tag} sentence number {i} explains one more detail." for i in range(count)]
    half = count // 2
    return " ".join(sentences[:half]) + "\n\n" + " ".join(sentences[half:])


def paper(body_sentences: int = 40) -> Document:
    sections = (
        Section("1", "Introduction", 1, 1, words("intro", body_sentences)),
        Section("2", "Related Work", 1, 2, words("related", body_sentences)),
        Section("2.1", "Dense retrieval", 2, 2, words("related-dense", body_sentences)),
        Section("3", "Method", 1, 3, words("method", body_sentences)),
        Section("4", "Experiments", 1, 4, words("experiment", body_sentences)),
        Section("5", "Conclusion", 1, 5, words("conclusion", body_sentences)),
        Section(None, "Acknowledgments", 1, 5, "We thank the funding agency for support."),
    )
    appendix = (Section("A", "Proofs", 1, 7, words("appendix", body_sentences)),)
    captions = (Caption("table", "1", "Top-20 accuracy on five datasets.", 4),)
    references = tuple(f"[{i}] Author. A cited paper title {i}. Venue 2020." for i in range(60))
    return Document(
        "A Paper", "We propose a method.", 7, sections, appendix, captions, references, QUALITY
    )


@pytest.mark.parametrize(
    ("title", "role"),
    [
        ("Introduction", Role.INTRODUCTION),
        ("INTRODUCTION", Role.INTRODUCTION),
        ("Related Work", Role.RELATED),
        ("Background and Related Work", Role.RELATED),
        ("Proposed Method", Role.METHOD),
        ("Model Architecture", Role.METHOD),
        ("Experimental Setup", Role.EXPERIMENTS),
        ("Results and Discussion", Role.EXPERIMENTS),
        ("Limitations", Role.LIMITATIONS),
        ("Conclusion and Future Work", Role.CONCLUSION),
        ("Acknowledgments", Role.BACK_MATTER),
        ("引言", Role.INTRODUCTION),
        ("相关工作", Role.RELATED),
        ("Observations of readers", Role.OTHER),
    ],
)
def test_headings_are_classified(title: str, role: Role) -> None:
    assert classify(title) == role


def test_subsections_inherit_their_parents_role_unless_it_is_other() -> None:
    sections = [
        Section("2", "Related Work", 1, 1, ""),
        Section("2.1", "Models for retrieval", 2, 1, ""),
        Section("3", "Dense Passage Retriever", 1, 2, ""),
        Section("3.1", "Training", 2, 2, ""),
        Section("3.2", "Evaluation", 2, 2, ""),
        Section("4", "Study", 1, 3, ""),
    ]
    roles = section_roles(sections)
    assert roles == [
        Role.RELATED, Role.RELATED, Role.OTHER, Role.OTHER, Role.EXPERIMENTS, Role.OTHER,
    ]  # fmt: skip


def test_core_sections_are_sent_whole_and_secondary_ones_condensed() -> None:
    document = paper()
    selected = select_text(document, budget=60_000)
    text = selected.text()
    for tag in ("intro", "method", "experiment", "conclusion"):
        assert f"The {tag} sentence number 39 explains" in text  # the very end of the section
    assert "The related sentence number 0" in text  # opening paragraph kept…
    assert "The related sentence number 39" not in text  # …the rest trimmed
    assert "The appendix sentence number 0" in text
    assert "The appendix sentence number 39" not in text
    assert "Table 1: Top-20 accuracy on five datasets." in text
    assert "cited paper title" not in text  # references are never sent
    assert "funding agency" not in text
    assert selected.omitted == ("Acknowledgments",)
    assert set(selected.condensed) == {"2 Related Work", "2.1 Dense retrieval", "A Proofs"}
    assert selected.tokens <= 0.7 * count_tokens(naive_text(document))


def test_a_tight_budget_drops_the_appendix_before_related_work_and_never_the_core() -> None:
    document = paper()
    full = select_text(document, budget=60_000)
    appendix = next(b for b in full.blocks if b.label == "Appendix A Proofs")
    related = [b for b in full.blocks if b.label.startswith("2")]

    without_appendix = select_text(document, budget=full.tokens - appendix.tokens)
    assert "Appendix A Proofs" in without_appendix.omitted
    assert {b.label for b in related} <= {b.label for b in without_appendix.blocks}

    core_only = select_text(document, budget=1)
    assert {b.label for b in core_only.blocks} == {
        "Abstract", "1 Introduction", "3 Method", "4 Experiments", "5 Conclusion", "Captions",
    }  # fmt: skip
    assert core_only.tokens > 1  # the core is never cut to fit: it goes to map-reduce


def test_chunks_respect_the_limit_and_keep_all_text_in_order() -> None:
    selected = select_text(paper(body_sentences=200), budget=60_000)
    limit = 3_000
    chunks, lost = selected.chunks(limit)
    assert lost == []
    assert len(chunks) > 3
    assert all(count_tokens(chunk) <= limit for chunk in chunks)
    joined = "\n".join(chunks)
    assert joined.split() == selected.text().split()


def test_chunks_beyond_the_maximum_report_the_core_sections_left_out() -> None:
    selected = select_text(paper(body_sentences=100), budget=60_000)
    chunks, lost = selected.chunks(800)
    assert len(chunks) == MAX_CHUNKS
    assert "5 Conclusion" in lost
    assert "1 Introduction" not in lost


def test_lead_is_the_first_paragraph_cut_at_a_sentence_end() -> None:
    text = "First sentence here. Second sentence here.\n\nAnother paragraph."
    assert lead(text) == "First sentence here. Second sentence here."
    long = " ".join(f"Sentence {i} of a long opening paragraph." for i in range(200))
    cut = lead(long, max_tokens=50)
    assert cut.endswith(".")
    assert count_tokens(cut) <= 50
    assert long.startswith(cut)


@pytest.mark.parametrize(
    "name",
    [
        "pdfs/2203.00130v1_PaperPlain_ACM_long_appendix.pdf",
        "pdfs/2004.04906v3_DensePassageRetrieval_EMNLP_2col.pdf",
    ],
)
def test_long_corpus_papers_send_at_most_70_percent_with_the_core_kept(name: str) -> None:
    path = corpus_file(name)
    document = extract_document(path)
    with pymupdf.open(path) as pdf:
        raw = "\n".join(pdf[number].get_text() for number in range(pdf.page_count))
    selected = select_text(document, budget=60_000)
    assert selected.tokens <= 0.7 * count_tokens(raw)
    labels = [s.label for s in document.sections]
    roles = dict(zip(labels, section_roles(document.sections), strict=True))
    text = selected.text()
    for section in document.sections:
        if roles[section.label] in (Role.INTRODUCTION, Role.METHOD, Role.EXPERIMENTS,
                                    Role.CONCLUSION) and section.text:  # fmt: skip
            assert section.text in text, section.label
        if roles[section.label] == Role.RELATED and len(section.text) > 2000:
            assert section.text not in text, section.label
    for section in document.appendix:
        if len(section.text) > 2000:
            assert section.text not in text, section.label
    assert not any(
        reference in text for reference in document.references[:20] if len(reference) > 40
    )


def test_corpus_document_naive_text_includes_the_references() -> None:
    document = extract_document(
        Path(corpus_file("pdfs/2004.04906v3_DensePassageRetrieval_EMNLP_2col.pdf"))
    )
    assert all(reference in naive_text(document) for reference in document.references)


def test_tables_reach_the_model_in_their_own_block() -> None:
    from analysis.budget import select_text
    from analysis.fulltext.html.parse import parse_html
    from tests.html_factory import latexml_page

    document = parse_html(latexml_page())
    blocks = {block.label: block.text for block in select_text(document, 50_000).blocks}
    assert blocks["Tables"].splitlines()[:3] == [
        "## Tables",
        "Table 1",
        "| Retriever | NQ | TriviaQA |",
    ]
    assert "| BM25 | 59.1 | 66.9 |" not in blocks["4.2 Results"]
