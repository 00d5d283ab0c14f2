"""PDF extraction on small generated PDFs, and the worker process that isolates it."""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from analysis.document import Document
from analysis.fulltext.pdf.extract import extract_document
from analysis.fulltext.pdf.parse import parse_pdf
from analysis.fulltext.quality import assess
from analysis.fulltext.worker import (
    WorkerError,
    forking_this_process,
    run_in_worker,
    start_worker,
)
from bot.kernel.errors import PdfError
from tests.support import pdf_factory


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pdfs")


@pytest.fixture(scope="module")
def numbered(folder: Path) -> Document:
    return parse_pdf(pdf_factory.numbered_paper(folder))


def outline(sections: tuple) -> list[tuple[str | None, str, int, int]]:
    return [(s.number, s.title, s.level, s.page) for s in sections]


def test_numbered_headings_become_sections_with_levels_and_pages(numbered: Document) -> None:
    assert outline(numbered.sections) == [
        ("1", "Introduction", 1, 1),
        ("2", "Method", 1, 1),
        ("2.1", "Data", 2, 1),
        ("2.2", "Model", 2, 1),
        ("3", "Results", 1, 2),
        (None, "Acknowledgments", 1, 2),
    ]
    assert outline(numbered.appendix) == [("A", "Proofs", 1, 2), ("A.1", "Lemma", 2, 2)]


def test_title_and_abstract_come_from_the_front_matter(numbered: Document) -> None:
    assert numbered.title == "Careful Retrieval for Small Data"
    assert numbered.abstract.startswith("We present a careful study of retrieval.")
    assert numbered.abstract.endswith("the choice of model.")
    assert numbered.pages == 2


def test_list_items_and_table_rows_are_not_headings(numbered: Document) -> None:
    intro = numbered.find_section("1")
    model = numbered.find_section("2.2")
    assert intro is not None
    assert "1. we list an item" in intro.text
    assert model is not None
    assert "2 Baseline 13.5 14.2 15.0" in model.text


def test_running_header_page_numbers_and_arxiv_stamp_are_removed(numbered: Document) -> None:
    text = numbered.all_text()
    assert pdf_factory.HEADER not in text
    assert "arXiv" not in text
    assert not [line for line in text.splitlines() if line.strip().isdigit()]


def test_review_line_numbers_are_removed(folder: Path) -> None:
    document = parse_pdf(pdf_factory.review_copy(folder))
    assert [s.label for s in document.sections] == ["1 Introduction", "2 Method"]
    assert document.sections[0].text.startswith("We study how retrieval models behave")
    assert not re.search(r"\b0\d\d\b", document.all_text())


def test_end_of_line_hyphenation_is_repaired_but_real_hyphens_stay(numbered: Document) -> None:
    intro = numbered.sections[0].text
    assert "We propose a new representation of documents that is state-of-the-art" in intro
    assert "builds on Lucene-BM25 as a baseline." in intro
    assert "represen-" not in intro


def test_footnotes_leave_the_text_for_a_list_without_their_marks(folder: Path) -> None:
    document = parse_pdf(pdf_factory.footnote_paper(folder))
    intro = document.sections[0]
    assert intro.text.endswith("considered in this paper.")
    assert "We release" not in intro.text
    assert document.footnotes == ("We release our code and data.",)
    assert document.quality.removed["footnotes"] == 1
    assert [s.label for s in document.sections] == ["1 Introduction", "2 Method"]


def test_references_are_split_off_and_left_out_of_the_body(numbered: Document) -> None:
    assert len(numbered.references) == 12
    assert numbered.references[0] == "[1] A. Author and B. Author. 2020. Paper number 1."
    assert numbered.references[11].startswith("[12] ")
    assert "Paper number" not in numbered.all_text()


def test_captions_are_collected_and_left_out_of_the_body(numbered: Document) -> None:
    assert [(c.kind, c.label, c.page) for c in numbered.captions] == [
        ("figure", "1", 1),
        ("table", "1", 2),
    ]
    assert numbered.captions[0].text == "Overview of the retrieval pipeline."
    assert numbered.caption_labels("table") == ("1",)
    assert "Overview of the retrieval pipeline" not in numbered.body_text()
    assert "Figure 1: Overview of the retrieval pipeline." in numbered.all_text()


def test_verification_helpers(numbered: Document) -> None:
    assert numbered.section_numbers() == ("1", "2", "2.1", "2.2", "3", "A", "A.1")
    assert numbered.equation_numbers() == ("1",)
    assert numbered.body_text().startswith("1 Introduction\nWe study how retrieval")


@pytest.mark.parametrize(
    ("ref", "title"),
    [
        ("2.1", "Data"),
        ("Section 2.1", "Data"),
        ("§2", "Method"),
        ("第2.1节", "Data"),
        ("a.1", "Lemma"),
        ("Appendix A", "Proofs"),
    ],
)
def test_find_section_accepts_common_spellings(numbered: Document, ref: str, title: str) -> None:
    section = numbered.find_section(ref)
    assert section is not None
    assert section.title == title


def test_find_section_returns_none_for_missing_numbers(numbered: Document) -> None:
    assert numbered.find_section("9") is None
    assert numbered.find_section("the method") is None


def test_document_round_trips_through_plain_data(numbered: Document) -> None:
    assert Document.from_dict(numbered.to_dict()) == numbered
    summary = numbered.to_json()
    assert summary["references_count"] == 12
    assert summary["sections"][2] == {
        "number": "2.1",
        "title": "Data",
        "level": 2,
        "page": 1,
        "chars": numbered.sections[2].chars,
        "text": numbered.sections[2].text,
    }
    assert summary["text_source"] == "pdf"
    assert summary["captions"][0]["text"] == "Overview of the retrieval pipeline."
    assert summary["quality"]["usable"] is True


def test_text_dump_lists_sections_and_counts(numbered: Document) -> None:
    text = numbered.to_text()
    assert text.startswith("# Careful Retrieval for Small Data\n2 pages · text from PDF\n")
    assert "### 2.1 Data  (p. 1)" in text
    assert "[figure 1, p. 1] Overview of the retrieval pipeline." in text
    assert text.endswith("12 references\n")


def test_roman_sections_with_lettered_subsections(folder: Path) -> None:
    document = parse_pdf(pdf_factory.roman_paper(folder))
    assert outline(document.sections) == [
        ("I", "INTRODUCTION", 1, 1),
        ("II", "METHOD", 1, 1),
        ("II.A", "Setup", 2, 1),
        ("II.B", "Training", 2, 1),
        ("III", "RESULTS", 1, 1),
    ]
    assert document.abstract.startswith("We show how IEEE papers number their sections.")
    assert [(c.kind, c.label, c.text) for c in document.captions] == [
        ("table", "I", "ACCURACY ON THE TEST SET")
    ]
    assert len(document.references) == 11
    section = document.find_section("II-B")
    assert section is not None
    assert section.title == "Training"


def test_two_columns_are_read_one_after_the_other(folder: Path) -> None:
    document = parse_pdf(pdf_factory.two_column_paper(folder))
    assert [s.label for s in document.sections] == ["1 Introduction", "2 Method"]
    assert document.sections[0].text.startswith("LEFT-COLUMN We study how retrieval")
    assert "RIGHT-COLUMN" not in document.sections[0].text
    assert document.sections[1].text.startswith("RIGHT-COLUMN We describe the data")


def test_page_with_only_vertical_text_is_read_in_its_own_frame(folder: Path) -> None:
    document = parse_pdf(pdf_factory.sideways_page(folder))
    assert document.title == ""
    assert [s.title for s in document.sections] == ["Full text"]
    assert document.sections[0].text.startswith("FIRST-LINE We study how retrieval")
    assert document.sections[0].text.endswith("considered in this paper. LAST-LINE")
    assert document.quality.usable


def test_unnumbered_bold_headings(folder: Path) -> None:
    document = parse_pdf(pdf_factory.unnumbered_paper(folder))
    assert outline(document.sections) == [
        (None, "Introduction", 1, 1),
        (None, "Study Design", 1, 1),
        (None, "Findings", 1, 1),
        (None, "Conclusion", 1, 1),
    ]


def test_garbled_text_is_returned_but_flagged(folder: Path) -> None:
    document = parse_pdf(pdf_factory.garbled_paper(folder))
    assert not document.quality.usable
    assert document.quality.reason == "garbled_text"
    assert document.quality.dictionary_ratio < 0.5


def test_pages_without_text_are_flagged_as_a_scan(folder: Path) -> None:
    document = parse_pdf(pdf_factory.image_only_pdf(folder))
    assert document.pages == 3
    quality = document.quality.to_json()
    assert not any(quality.pop("removed").values())
    assert quality == {
        "chars": 0,
        "words": 0,
        "dictionary_ratio": 0.0,
        "text_pages": 0,
        "usable": False,
        "reason": "no_text_layer",
    }


def test_french_prose_is_not_mistaken_for_garbage() -> None:
    french = (
        "Dans cet article, nous proposons une méthode pour résumer et interroger des "
        "logs de requêtes. Les propriétés des résumés sont étudiées et nous montrons "
        "comment elles peuvent être utilisées pour interroger un log efficacement. "
    ) * 8
    quality = assess(french, pages=1, text_pages=1)
    assert quality.usable, quality


@pytest.mark.parametrize(
    ("build", "reason", "message"),
    [
        (pdf_factory.encrypted_pdf, "encrypted", "password-protected"),
        (pdf_factory.html_as_pdf, "not_pdf", "error.pdf is not a PDF (the server sent"),
        (pdf_factory.truncated_pdf, "unreadable", "incomplete (the download was probably cut"),
    ],
)
def test_unusable_files_raise_pdf_errors(
    tmp_path: Path, build: Callable[[Path], Path], reason: str, message: str
) -> None:
    path = build(tmp_path)
    with pytest.raises(PdfError) as raised:
        extract_document(path)
    assert raised.value.reason == reason
    assert message in raised.value.user_message


def test_too_many_pages(tmp_path: Path) -> None:
    with pytest.raises(PdfError) as raised:
        extract_document(pdf_factory.long_paper(tmp_path, 4), max_pages=3)
    assert raised.value.reason == "too_many_pages"
    assert raised.value.user_message == (
        "The PDF has 4 pages; papers longer than 3 pages are not analysed."
    )


def test_worker_extraction_equals_in_process_extraction(folder: Path, numbered: Document) -> None:
    assert extract_document(folder / "numbered.pdf") == numbered


def test_concurrent_extractions_from_threads(folder: Path, numbered: Document) -> None:
    path = folder / "numbered.pdf"
    with ThreadPoolExecutor(max_workers=4) as pool:
        documents = list(pool.map(lambda _: extract_document(path), range(8)))
    assert documents == [numbered] * 8


def test_extraction_past_its_deadline_is_stopped(folder: Path) -> None:
    with pytest.raises(PdfError) as raised:
        extract_document(folder / "numbered.pdf", timeout_s=0.001)
    assert raised.value.reason == "timeout"
    assert raised.value.user_message == (
        "Reading the PDF took longer than 0.001 seconds and was stopped."
    )


# Targets for the worker: module-level so the child process can import them.


def double(value: int) -> dict[str, int]:
    return {"value": value * 2}


def sleep_forever(pid_file: str) -> None:
    Path(pid_file).write_text(str(os.getpid()))
    time.sleep(3600)


def abort() -> None:
    os.abort()


def allocate(megabytes: int) -> int:
    return len(bytearray(megabytes * 1024 * 1024))


def fail() -> None:
    raise ValueError("no such page")


def pids() -> tuple[int, int]:
    return os.getpid(), os.getppid()


def loaded(module: str) -> bool:
    return module in sys.modules


def test_worker_returns_the_result() -> None:
    assert run_in_worker(double, 21, timeout_s=30, memory_mb=256) == {"value": 42}


def test_worker_that_hangs_is_killed_at_the_deadline(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    with pytest.raises(WorkerError) as raised:
        run_in_worker(sleep_forever, str(pid_file), timeout_s=1.5, memory_mb=256)
    assert raised.value.reason == "timeout"
    with pytest.raises(ProcessLookupError):
        os.kill(int(pid_file.read_text()), 0)


def test_worker_that_crashes_is_reported() -> None:
    with pytest.raises(WorkerError) as raised:
        run_in_worker(abort, timeout_s=30, memory_mb=256)
    assert raised.value.reason == "crashed"
    assert raised.value.detail == "exit code -6"


def test_worker_over_its_memory_cap_is_reported() -> None:
    with pytest.raises(WorkerError) as raised:
        run_in_worker(allocate, 4096, timeout_s=30, memory_mb=256)
    assert raised.value.reason == "memory"


def test_worker_exception_comes_back_as_text() -> None:
    with pytest.raises(WorkerError) as raised:
        run_in_worker(fail, timeout_s=30, memory_mb=256)
    assert raised.value.reason == "raised"
    assert raised.value.detail == "ValueError: no such page"


@pytest.fixture(scope="module")
def messy(tmp_path_factory: pytest.TempPathFactory) -> Document:
    return parse_pdf(pdf_factory.messy_paper(tmp_path_factory.mktemp("messy")))


def test_figure_and_table_text_leave_the_prose(messy: Document) -> None:
    body = messy.body_text()
    for word in pdf_factory.FIGURE_WORDS:
        assert word not in body
    for cell in (*pdf_factory.TABLE_HEADER, *pdf_factory.TABLE_BODY[0]):
        assert cell not in body
    [table] = messy.tables
    assert table.label == "I"
    assert table.caption == "Accuracy of both models on the test set."
    assert table.text.splitlines() == [
        "Model | GPT2 Medium | GPT2 Large",
        "Baseline | 71.2 | 74.9",
        "Ours | 78.4 | 80.1",
    ]
    assert messy.quality.removed["figure_text"] == 1  # one row holding the three words
    assert messy.quality.removed["table_rows"] == 3


def test_table_header_rows_are_never_headings_and_italic_subsections_are(messy: Document) -> None:
    assert outline(messy.sections) == [
        ("I", "INTRODUCTION", 1, 1),
        ("II", "METHOD", 1, 1),
        ("II.A", "Two-Pass Spatial Cost Aggregation", 2, 1),
        ("II.B", "Refinement", 2, 1),
        ("III", "RESULTS", 1, 2),
    ]
    assert messy.find_section("Section II-A") is not None


def test_notices_ligatures_and_unmapped_glyphs(messy: Document) -> None:
    text = messy.all_text()
    assert pdf_factory.COPYRIGHT not in text
    assert "$31.00" not in text
    assert pdf_factory.UNDER_REVIEW not in text
    assert "Artificial Intelligence (www.aaai.org)" not in text  # a whole notice block goes
    assert "the authors of this test paper" not in text
    assert "We thank the reviewers for their efforts and off-the-shelf advice." in text
    assert "↵" not in text
    assert "\ufffd" not in text
    assert messy.footnotes == (
        "Following prior work, we tune the learning rate on the validation set.",
    )
    removed = messy.quality.removed
    assert (removed["notices"], removed["ligatures_repaired"], removed["unmapped_glyphs"]) == (
        5,
        2,
        1,
    )


def test_a_figure_in_one_column_takes_nothing_from_the_other(folder: Path) -> None:
    document = parse_pdf(pdf_factory.column_figure_paper(folder))
    text = document.body_text()
    for word in pdf_factory.FIGURE_WORDS:
        assert word not in text
    # Every sentence of the right column, also those beside the box, is still there.
    right_column = " ".join(pdf_factory.wrap(pdf_factory.filler(30, start=2), 220, 10.0))
    assert right_column in " ".join(text.split())
    assert document.caption_labels("figure") == ("1",)
    assert "The result is a novelty for the field." in text  # joined across the figure


def test_title_keeps_its_smaller_prefix_and_abstract_drops_link_labels(folder: Path) -> None:
    document = parse_pdf(pdf_factory.prefixed_title_paper(folder))
    assert document.title == " ".join(pdf_factory.PREFIXED_TITLE)
    assert document.abstract.endswith(pdf_factory.SENTENCES[3])
    assert "allenai/olmocr" not in document.abstract
    assert [s.label for s in document.sections] == ["1 Introduction", "2 Method"]


def test_raised_footnote_marks_leave_the_text_and_exponents_stay(folder: Path) -> None:
    document = parse_pdf(pdf_factory.raised_marks_paper(folder))
    intro = document.sections[0].text
    assert "We use a learning rate of 5e-5. Following prior work, we stop early." in intro
    assert "5e-5.4" not in intro
    assert "The loss grows with x2 for every input we tried." in intro
    assert document.footnotes == ("We tune it on the validation set.",)


def test_a_worker_that_answered_serves_the_next_call_with_a_fresh_memory_cap() -> None:
    first, _ = run_in_worker(pids, timeout_s=30, memory_mb=256)
    assert run_in_worker(allocate, 200, timeout_s=30, memory_mb=256) == 200 * 1024 * 1024
    assert run_in_worker(allocate, 200, timeout_s=30, memory_mb=256) == 200 * 1024 * 1024
    assert run_in_worker(pids, timeout_s=30, memory_mb=256)[0] == first
    with pytest.raises(WorkerError):
        run_in_worker(allocate, 4096, timeout_s=30, memory_mb=256)


def test_a_worker_that_failed_is_never_reused() -> None:
    first, _ = run_in_worker(pids, timeout_s=30, memory_mb=256)
    with pytest.raises(WorkerError) as raised:
        run_in_worker(fail, timeout_s=30, memory_mb=256)
    assert raised.value.reason == "raised"
    with pytest.raises(WorkerError):
        run_in_worker(allocate, 4096, timeout_s=30, memory_mb=256)
    after, _ = run_in_worker(pids, timeout_s=30, memory_mb=256)
    assert after != first
    with pytest.raises(ProcessLookupError):
        os.kill(first, 0)


def test_a_one_shot_command_forks_its_workers_itself() -> None:
    with forking_this_process():
        _, parent = run_in_worker(pids, timeout_s=30, memory_mb=256)
        assert parent == os.getpid()  # a fork of this process, not of the fork server
        with pytest.raises(WorkerError) as raised:
            run_in_worker(allocate, 4096, timeout_s=30, memory_mb=256)
        assert raised.value.reason == "memory"
    assert run_in_worker(pids, timeout_s=30, memory_mb=256)[1] != os.getpid()


def test_a_worker_started_ahead_has_its_modules_loaded_for_the_next_call() -> None:
    # Any small standard module that nothing here has imported: the worker must load it.
    module = next(m for m in ("tabnanny", "pyclbr", "netrc", "quopri") if m not in sys.modules)
    with forking_this_process():
        start_worker(module)
        assert run_in_worker(loaded, module, timeout_s=30, memory_mb=256)
    assert module not in sys.modules
