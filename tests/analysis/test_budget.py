"""What text of a paper is sent to the LLM: priorities, trimming, chunks."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from analysis.budget import MAX_CHUNKS, Fate, PaperText, explain, lead, naive_text, select_text
from analysis.document import Caption, Document, Quality, Section, Table
from analysis.fulltext.pdf.extract import extract_document
from analysis.roles import Role, document_roles
from analysis.tokens import count_tokens
from tests.support.corpus import corpus_file

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


def test_everything_but_back_matter_and_references_goes_whole_when_it_fits() -> None:
    document = paper()
    selected = select_text(document, budget=60_000)
    text = selected.text()
    for tag in ("intro", "related", "related-dense", "method", "experiment", "conclusion"):
        assert f"The {tag} sentence number 39 explains" in text  # the very end of the section
    assert "The appendix sentence number 39" in text
    assert "Table 1: Top-20 accuracy on five datasets." in text
    assert "cited paper title" not in text  # references are never sent
    assert "funding agency" not in text
    assert selected.omitted == ("Acknowledgments",)
    assert selected.condensed == ()
    assert selected.tokens <= 0.9 * count_tokens(naive_text(document))


def tiered_paper() -> Document:
    body = (
        Section("1", "Introduction", 1, 1, words("intro", 40)),
        Section("2", "Related Work", 1, 2, words("related", 40)),
        Section("3", "Method", 1, 3, words("method", 40)),
        Section("4", "Experiments", 1, 4, words("experiment", 40)),
        Section("5", "Conclusion", 1, 5, words("conclusion", 40)),
    )
    appendix = (
        Section("A", "Proof of Theorem 1", 1, 7, words("proof", 40)),
        Section("B", "Limitations and Broader Impacts", 1, 8, words("limitation", 40)),
        Section("C", "Hyper-parameters", 1, 9, words("hyper", 40)),
    )
    captions = (Caption("table", "1", "Top-20 accuracy on five datasets.", 4),)
    return Document("A Paper", "We propose a method.", 9, body, appendix, captions, (), QUALITY)


def fate(selected: PaperText, label: str) -> Fate:
    return next(s.fate for s in selected.report if s.label == label)


def test_the_lowest_tier_is_trimmed_by_paragraphs_then_left_out_first() -> None:
    document = tiered_paper()
    full = select_text(document, budget=60_000)
    proof = next(b for b in full.blocks if b.label == "Appendix A Proof of Theorem 1")

    # a little short: the proofs (tier 5) lose their last paragraph, nothing else changes
    tight = select_text(document, budget=full.tokens - proof.tokens // 3)
    assert fate(tight, "Appendix A Proof of Theorem 1") == Fate.TRIMMED
    assert "The proof sentence number 0 " in tight.text()
    assert "The proof sentence number 39" not in tight.text()
    assert [s.label for s in tight.report if s.fate == Fate.TRIMMED] == [
        "Appendix A Proof of Theorem 1"
    ]
    assert tight.tokens <= full.tokens - proof.tokens // 3

    # much shorter: proofs out, related work (tier 4) trimmed, appendix details kept whole
    core = sum(b.tokens + 2 for b in full.blocks if b.core)
    details = sum(b.tokens + 2 for b in full.blocks if b.tier == 2)
    shorter = select_text(document, budget=core + details + 200)
    assert fate(shorter, "Appendix A Proof of Theorem 1") == Fate.OMITTED
    assert fate(shorter, "Appendix B Limitations and Broader Impacts") == Fate.WHOLE
    assert fate(shorter, "Appendix C Hyper-parameters") == Fate.WHOLE
    assert fate(shorter, "2 Related Work") in (Fate.TRIMMED, Fate.OMITTED)
    assert "The limitation sentence number 39 explains one more detail." in shorter.text()


def test_trimming_never_cuts_a_sentence() -> None:
    document = tiered_paper()
    full = select_text(document, budget=60_000)
    for budget in range(full.tokens - 1500, full.tokens, 97):
        for block in select_text(document, budget=budget).blocks:
            assert block.text.rstrip().endswith((".", "]")), block.text[-40:]


def test_the_core_is_never_trimmed_only_chunked() -> None:
    core_only = select_text(tiered_paper(), budget=1)
    assert {b.label for b in core_only.blocks} == {
        "Abstract", "1 Introduction", "3 Method", "4 Experiments", "5 Conclusion",
    }  # fmt: skip
    assert core_only.tokens > 1  # the core is never cut to fit: it goes to map-reduce


def test_explain_lists_every_section_with_its_fate_and_the_role_shares() -> None:
    selected = select_text(tiered_paper(), budget=3_000)
    table = explain(selected, 3_000)
    for sent in selected.report:
        assert sent.label[:40] in table
    assert "left out" in table
    assert "whole" in table
    assert "Share by role: " in table
    assert sum(selected.role_tokens().values()) == sum(b.tokens for b in selected.blocks)


def test_chunks_respect_the_limit_and_keep_all_text_in_order() -> None:
    selected = select_text(paper(body_sentences=200), budget=60_000)
    limit = 4_000
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


def test_the_long_corpus_paper_sends_its_limitations_and_appendix_details_first() -> None:
    document = extract_document(corpus_file("pdfs/2203.00130v1_PaperPlain_ACM_long_appendix.pdf"))
    whole = select_text(document, budget=60_000)
    assert whole.condensed == ()  # 39 pages fit: everything goes, references excepted
    assert not any(ref in whole.text() for ref in document.references[:20] if len(ref) > 40)
    core = sum(b.tokens + 2 for b in whole.blocks if b.core)
    details = sum(b.tokens + 2 for b in whole.blocks if b.tier == 2)
    tight = select_text(document, budget=core + details + 800)
    text = tight.text()
    for roled in document_roles(document):
        if roled.role in (Role.LIMITATIONS, Role.SETUP) and roled.section.text:
            assert roled.section.text in text, roled.section.label  # 8.4, 8.3, 5.x, C.1
    assert fate(tight, "Appendix D.4 Ordinal Regression for Likert-Scale Variables") != Fate.WHOLE
    assert tight.tokens <= core + details + 800


def test_corpus_document_naive_text_includes_the_references() -> None:
    document = extract_document(
        Path(corpus_file("pdfs/2004.04906v3_DensePassageRetrieval_EMNLP_2col.pdf"))
    )
    assert all(reference in naive_text(document) for reference in document.references)


def test_tables_are_sent_as_text_apart_from_the_prose_when_the_document_has_them() -> None:
    base = tiered_paper()
    cells = "Model | NQ | TQA\nBM25 | 59.1 | 66.9\nOurs | 78.4 | 79.4"
    document = replace(base, tables=(Table("1", "Top-20 accuracy.", cells, 5),))
    selected = select_text(document, budget=60_000)
    tables = next(b for b in selected.blocks if b.label == "Tables and figure captions")
    assert tables.text.startswith("## Tables and figure captions\nTable 1: Model | NQ | TQA")
    assert "Top-20 accuracy on five datasets." not in tables.text  # the table replaces it
    assert tables.tier == 3
    assert selected.text().index("Tables and figure captions") > selected.text().index(
        "5 Conclusion"
    )


def test_html_tables_reach_the_model_apart_from_the_prose() -> None:
    from analysis.fulltext.html.parse import parse_html
    from tests.support.html_factory import latexml_page

    document = parse_html(latexml_page())
    blocks = {block.label: block.text for block in select_text(document, 50_000).blocks}
    tables = blocks["Tables and figure captions"].splitlines()
    assert "Table 1: | Retriever | NQ | TriviaQA |" in tables
    assert "| BM25 | 59.1 | 66.9 |" in tables
    assert "| BM25 | 59.1 | 66.9 |" not in blocks["4.2 Results"]
