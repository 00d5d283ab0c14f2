"""Small PDFs built with PyMuPDF for the extraction unit tests.

:class:`PaperWriter` lays out a paper top to bottom: headings in bold, body
paragraphs wrapped to a column, optional two-column pages, a running header
and page number on every page, and the rotated arXiv stamp of page 1. The
module-level builders return finished files in a temporary folder.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pymupdf

PAGE_WIDTH, PAGE_HEIGHT = 612.0, 792.0
MARGIN = 72.0
BODY_SIZE = 10.0
HEADER = "Journal of Reproducible Tests, Vol. 7"
STAMP = "arXiv:2401.01234v2 [cs.CL] 3 May 2024"

SENTENCES = (
    "We study how retrieval models behave when the training data is small and noisy.",
    "Our experiments show that a simple model trained with care is often competitive.",
    "The results suggest that careful evaluation matters more than the choice of model.",
    "We describe the data, the training procedure and the evaluation protocol in detail.",
    "Each experiment was repeated five times with different random seeds for stability.",
    "These findings hold across all datasets that we considered in this paper.",
)


def filler(sentences: int, start: int = 0) -> str:
    """``sentences`` sentences of plain English prose."""
    return " ".join(SENTENCES[(start + i) % len(SENTENCES)] for i in range(sentences))


@dataclass
class PaperWriter:
    """Writes lines top to bottom, wrapping paragraphs and turning pages as needed."""

    columns: int = 1
    header: str | None = HEADER
    stamp: str | None = STAMP
    line_numbers: bool = False
    pdf: pymupdf.Document = field(default_factory=pymupdf.open)
    _page: pymupdf.Page | None = None
    _column: int = 0
    _top: float = MARGIN
    _y: float = MARGIN
    _lines: int = 0

    @property
    def column_width(self) -> float:
        gap = 24.0
        return (PAGE_WIDTH - 2 * MARGIN - gap * (self.columns - 1)) / self.columns

    def line(
        self, text: str, *, size: float = BODY_SIZE, bold: bool = False, unicode: bool = False
    ) -> None:
        """One line at the current position; ``unicode`` uses a font with dashes and quotes."""
        page = self._room(size * 1.25)
        left = MARGIN + self._column * (self.column_width + 24.0)
        font = "hebo" if bold else "helv"
        if unicode:
            font = "uni"
            page.insert_font(fontname=font, fontbuffer=pymupdf.Font("cjk").buffer)
        page.insert_text((left, self._y + size), text, fontsize=size, fontname=font)
        if self.line_numbers:
            self._lines += 1
            page.insert_text((30, self._y + size), f"{self._lines:03d}", fontsize=7)
        self._y += size * 1.25

    def footnote(self, text: str) -> None:
        """Small print at the foot of the current page."""
        page = self._room(0)
        page.insert_text((MARGIN, PAGE_HEIGHT - MARGIN + 16), text, fontsize=7, fontname="helv")

    def gap(self, points: float) -> None:
        """Vertical white space."""
        self._y += points

    def heading(self, text: str, *, size: float = 12.0) -> None:
        """A bold heading line with space around it."""
        self.gap(10)
        self.line(text, size=size, bold=True)
        self.gap(4)

    def paragraph(self, text: str, *, size: float = BODY_SIZE) -> None:
        """``text`` wrapped to the column width, followed by a paragraph gap."""
        for line in wrap(text, self.column_width, size):
            self.line(line, size=size)
        self.gap(size)

    def lines(self, lines: list[str], *, size: float = BODY_SIZE) -> None:
        """Pre-broken lines (to control hyphenation), then a paragraph gap."""
        for line in lines:
            self.line(line, size=size)
        self.gap(size)

    def start_columns(self, columns: int) -> None:
        """Lay out what follows in ``columns`` columns, starting at the current height."""
        self.columns, self._column, self._top = columns, 0, self._y

    def new_column(self) -> None:
        """Continue at the top of the next column (or page)."""
        self._column += 1
        self._y = self._top
        if self._column >= self.columns:
            self._page = None

    def side_by_side(self, left: tuple[str, bool], right: tuple[str, bool]) -> None:
        """One line in each of two columns at the same height, the right one written first."""
        page = self._room(BODY_SIZE * 1.25)
        for column, (text, bold) in ((1, right), (0, left)):
            x = MARGIN + column * (self.column_width + 24.0)
            font = "hebo" if bold else "helv"
            page.insert_text((x, self._y + BODY_SIZE), text, fontsize=BODY_SIZE, fontname=font)
        self._y += BODY_SIZE * 1.25

    def save(self, path: Path, **options: object) -> Path:
        """Add running headers, page numbers and the stamp, then write ``path``."""
        for number in range(1, self.pdf.page_count + 1):
            page = self.pdf[number - 1]
            if self.header:
                page.insert_text((MARGIN, 40), self.header, fontsize=8, fontname="helv")
            page.insert_text((PAGE_WIDTH / 2, PAGE_HEIGHT - 30), str(number), fontsize=9)
        if self.stamp:
            self.pdf[0].insert_text((30, 500), self.stamp, fontsize=20, rotate=90)
        self.pdf.save(path, **options)
        return path

    def _room(self, height: float) -> pymupdf.Page:
        if self._page is not None and self._y + height > PAGE_HEIGHT - MARGIN:
            self.new_column()
        if self._page is None:
            self._page = self.pdf.new_page(width=PAGE_WIDTH, height=PAGE_HEIGHT)
            self._column, self._top, self._y = 0, MARGIN, MARGIN
        return self._page


def wrap(text: str, width: float, size: float) -> Iterator[str]:
    """Greedy word wrap of ``text`` to ``width`` points in Helvetica."""
    line = ""
    for word in text.split():
        candidate = f"{line} {word}".strip()
        if line and pymupdf.get_text_length(candidate, fontname="helv", fontsize=size) > width:
            yield line
            line = word
        else:
            line = candidate
    if line:
        yield line


def front_matter(writer: PaperWriter, title: str) -> None:
    """Title, authors and an Abstract section."""
    writer.line(title, size=18, bold=True)
    writer.gap(6)
    writer.line("Ada Lovelace and Alan Turing", size=11)
    writer.line("1 UNIVERSITY OF TESTING, DEPARTMENT OF PROOFS", size=9)
    writer.heading("Abstract")
    writer.paragraph("We present a careful study of retrieval. " + filler(3))


def numbered_paper(folder: Path) -> Path:
    """Arabic-numbered sections, an appendix, references, stamp, header and hyphenation."""
    writer = PaperWriter()
    front_matter(writer, "Careful Retrieval for Small Data")
    writer.heading("1 Introduction")
    writer.paragraph(filler(6))
    writer.lines(
        [
            "We propose a new represen-",
            "tation of documents that is state-of-the-",
            "art for retrieval and builds on Lucene-",
            "BM25 as a baseline.",
        ]
    )
    writer.paragraph("1. we list an item that only looks like a heading. " + filler(2))
    writer.heading("2 Method")
    writer.paragraph(filler(5, start=1))
    writer.heading("2.1 Data")
    writer.paragraph(filler(4, start=2))
    writer.line("Figure 1: Overview of the retrieval pipeline.", size=9)
    writer.gap(10)
    writer.line("E = mc2 + k (1)")
    writer.gap(10)
    writer.heading("2.2 Model")
    writer.paragraph(filler(4, start=3))
    writer.line("2 Baseline 13.5 14.2 15.0", bold=True)
    writer.gap(10)
    writer.line("Table 1: Accuracy of the models on three datasets.", size=9)
    writer.gap(10)
    writer.heading("3 Results")
    writer.paragraph(filler(6, start=4))
    writer.heading("Acknowledgments")
    writer.paragraph("We thank the reviewers for their comments.")
    writer.heading("References")
    for number in range(1, 13):
        writer.line(f"[{number}] A. Author and B. Author. 2020. Paper number {number}.", size=9)
    writer.heading("A Proofs")
    writer.paragraph(filler(3, start=5))
    writer.heading("A.1 Lemma", size=11)
    writer.paragraph(filler(2))
    return writer.save(folder / "numbered.pdf")


def footnote_paper(folder: Path) -> Path:
    """A footnote at the foot of page 1 while the section runs on to page 2."""
    writer = PaperWriter(header=None, stamp=None)
    front_matter(writer, "Footnotes Stay Out of the Way")
    writer.heading("1 Introduction")
    writer.footnote("1We release our code and data.")
    writer.paragraph(filler(60))
    writer.heading("2 Method")
    writer.paragraph(filler(3))
    return writer.save(folder / "footnote.pdf")


def roman_paper(folder: Path) -> Path:
    """IEEE style: roman sections with lettered subsections, all-caps headings."""
    writer = PaperWriter(header=None, stamp=None)
    writer.line("Roman Numerals in Practice", size=18, bold=True)
    writer.gap(10)
    for line in wrap(
        "Abstract—We show how IEEE papers number their sections. " + filler(3), 460, 10
    ):
        writer.line(line, unicode=True)
    writer.gap(10)
    for heading, start in (("I. INTRODUCTION", 0), ("II. METHOD", 1)):
        writer.heading(heading, size=10)
        writer.paragraph(filler(4, start=start))
    writer.heading("A. Setup", size=10)
    writer.paragraph(filler(3, start=2))
    writer.heading("B. Training", size=10)
    writer.paragraph(filler(3, start=3))
    writer.line("TABLE I", size=8)
    writer.line("ACCURACY ON THE TEST SET", size=8)
    writer.gap(6)
    writer.line("Model 91.0 88.5", size=8)
    writer.gap(10)
    writer.heading("III. RESULTS", size=10)
    writer.paragraph(filler(4, start=4))
    writer.heading("REFERENCES", size=10)
    for number in range(1, 12):
        writer.line(f"[{number}] C. Writer, 'A study', in Proc. Conf., 2019, pp. {number}-9.")
    return writer.save(folder / "roman.pdf")


def review_copy(folder: Path) -> Path:
    """A submission with line numbers in the left margin."""
    writer = PaperWriter(header=None, stamp=None, line_numbers=True)
    front_matter(writer, "Anonymous Submission")
    writer.heading("1 Introduction")
    writer.paragraph(filler(12))
    writer.heading("2 Method")
    writer.paragraph(filler(12, start=2))
    return writer.save(folder / "review.pdf")


def two_column_paper(folder: Path) -> Path:
    """Two columns written line by line, right before left, so the file interleaves them."""
    writer = PaperWriter(header=None, stamp=None)
    front_matter(writer, "Columns Are Read in Order")
    writer.start_columns(2)
    left = [("1 Introduction", True), *_plain(wrap("LEFT-COLUMN " + filler(6), 220, 10))]
    right = [("2 Method", True), *_plain(wrap("RIGHT-COLUMN " + filler(6, start=3), 220, 10))]
    for left_line, right_line in zip(left, right, strict=False):
        writer.side_by_side(left_line, right_line)
    return writer.save(folder / "two_column.pdf")


def _plain(lines: Iterator[str]) -> list[tuple[str, bool]]:
    return [(line, False) for line in lines]


def unnumbered_paper(folder: Path) -> Path:
    """Bold unnumbered headings only (AAAI or CHI style)."""
    writer = PaperWriter(header=None, stamp=None)
    front_matter(writer, "Headings Without Numbers")
    for index, heading in enumerate(("Introduction", "Study Design", "Findings", "Conclusion")):
        writer.heading(heading)
        writer.paragraph(filler(4, start=index))
    return writer.save(folder / "unnumbered.pdf")


def sideways_page(folder: Path) -> Path:
    """A landscape printout: every line runs bottom to top, lines follow left to right."""
    pdf = pymupdf.open()
    page = pdf.new_page(width=PAGE_HEIGHT, height=PAGE_WIDTH)
    for number, text in enumerate(wrap("FIRST-LINE " + filler(24) + " LAST-LINE", 500, 10)):
        page.insert_text((60 + 14 * number, 560), text, fontsize=10, rotate=90)
    path = folder / "sideways.pdf"
    pdf.save(path)
    return path


def garbled_paper(folder: Path) -> Path:
    """Text as a PDF with a broken font map yields it: every letter shifted by one."""
    writer = PaperWriter(header=None, stamp=None)
    shifted = "".join(_shift(char) for char in filler(30))
    writer.paragraph(shifted)
    return writer.save(folder / "garbled.pdf")


def long_paper(folder: Path, pages: int) -> Path:
    """``pages`` pages of prose."""
    writer = PaperWriter(header=None, stamp=None)
    for page in range(pages):
        writer.heading(f"{page + 1} Part")
        writer.paragraph(filler(4))
        writer.new_column()
    return writer.save(folder / f"long_{pages}.pdf")


def image_only_pdf(folder: Path, pages: int = 3) -> Path:
    """Pages with drawings but no text layer, like a scan."""
    pdf = pymupdf.open()
    for _ in range(pages):
        page = pdf.new_page(width=PAGE_WIDTH, height=PAGE_HEIGHT)
        page.draw_rect(pymupdf.Rect(72, 72, 540, 720), color=(0, 0, 0), fill=(0.8, 0.8, 0.8))
    path = folder / "scan.pdf"
    pdf.save(path)
    return path


def encrypted_pdf(folder: Path) -> Path:
    """A paper that needs a password to open."""
    writer = PaperWriter(header=None, stamp=None)
    writer.paragraph(filler(6))
    return writer.save(
        folder / "encrypted.pdf",
        encryption=pymupdf.mupdf.PDF_ENCRYPT_AES_256,
        user_pw="secret",
        owner_pw="owner",
    )


def html_as_pdf(folder: Path) -> Path:
    """An HTML error page saved under a .pdf name."""
    path = folder / "error.pdf"
    path.write_text("<!DOCTYPE html><html><body><h1>403 Forbidden</h1></body></html>")
    return path


def truncated_pdf(folder: Path) -> Path:
    """The first 55% of a valid PDF's bytes, like a cut-off download."""
    source = numbered_paper(folder).read_bytes()
    path = folder / "truncated.pdf"
    path.write_bytes(source[: len(source) * 55 // 100])
    return path


def _shift(char: str) -> str:
    if "b" <= char <= "z" or "B" <= char <= "Z":
        return chr(ord(char) - 1)
    return char


TABLE_HEADER = ("Model", "GPT2 Medium", "GPT2 Large")
TABLE_BODY = (("Baseline", "71.2", "74.9"), ("Ours", "78.4", "80.1"))
FIGURE_WORDS = ("Summarizing", "Grouping", "Contrasting")
COPYRIGHT = "978-1-4799-2893-4/13/$31.00 ©2013 IEEE"
UNDER_REVIEW = "Preprint. Under review."
AAAI_NOTICE = (
    "Copyright © 2022, Association for the Advancement of\n"
    "Artificial Intelligence (www.aaai.org). Reserved for\n"
    "the authors of this test paper."
)


def messy_paper(folder: Path) -> Path:
    """IEEE-style paper with what must not reach the prose: a ruled table with a bold header
    row, a boxed figure with words inside, a copyright footer, a review notice, a footnote,
    the "↵" ff ligature and an unmapped glyph; lettered subsections are italic."""
    writer = PaperWriter(header=None, stamp=None)
    writer.line("Stereo Matching with Two-Pass Aggregation", size=18, bold=True)
    writer.gap(10)
    writer.paragraph("Abstract—We show what a clean text layer looks like. " + filler(3))
    writer.heading("I. INTRODUCTION", size=10)
    writer.line(
        "We thank the reviewers for their e↵orts and o↵-the-shelf advice \ufffd.", unicode=True
    )
    writer.gap(BODY_SIZE)
    writer.paragraph(filler(5))
    writer.footnote("4Following prior work, we tune the learning rate on the validation set.")
    page = writer.pdf[0]
    page.insert_text((MARGIN, PAGE_HEIGHT - 40), COPYRIGHT, fontsize=7, fontname="helv")
    writer.heading("II. METHOD", size=10)
    writer.paragraph(filler(3, start=1))
    _italic_heading(writer, "A. Two-Pass Spatial Cost Aggregation")
    writer.paragraph(filler(3, start=2))
    _ruled_table(writer)
    writer.paragraph(filler(3, start=3))
    _boxed_figure(writer)
    _italic_heading(writer, "B. Refinement")
    writer.paragraph(filler(4, start=4))
    writer.heading("III. RESULTS", size=10)
    writer.paragraph(filler(4, start=5))
    writer.heading("REFERENCES", size=10)
    for number in range(1, 12):
        writer.line(f"[{number}] C. Writer, 'A study', in Proc. Conf., 2019, pp. {number}-9.")
    last = writer.pdf[-1]
    last.insert_text((MARGIN, PAGE_HEIGHT - 40), UNDER_REVIEW, fontsize=8, fontname="helv")
    last.insert_text((MARGIN + 250, PAGE_HEIGHT - 90), AAAI_NOTICE, fontsize=7, fontname="helv")
    return writer.save(folder / "messy.pdf")


def _italic_heading(writer: PaperWriter, text: str) -> None:
    writer.gap(6)
    page = writer._room(12.5)
    page.insert_text((MARGIN, writer._y + BODY_SIZE), text, fontsize=BODY_SIZE, fontname="heit")
    writer._y += BODY_SIZE * 1.25 + 4


def _ruled_table(writer: PaperWriter) -> None:
    """TABLE I with a caption above and three booktabs rules; cells far apart."""
    writer.gap(6)
    writer.line("TABLE I: Accuracy of both models on the test set.", size=8)
    page = writer._room(70)
    top = writer._y + 2
    right = MARGIN + 300
    page.draw_line((MARGIN, top), (right, top), width=0.8)
    rows = [(TABLE_HEADER, True), *((row, False) for row in TABLE_BODY)]
    y = top + 4
    for cells, bold in rows:
        for column, cell in enumerate(cells):
            page.insert_text(
                (MARGIN + 110 * column, y + 8),
                cell,
                fontsize=8,
                fontname="hebo" if bold else "helv",
            )
        y += 12
        if bold:
            page.draw_line((MARGIN, y), (right, y), width=0.5)
            y += 3
    page.draw_line((MARGIN, y + 2), (right, y + 2), width=0.8)
    writer._y = y + 14


def _boxed_figure(writer: PaperWriter) -> None:
    """A framed diagram with words inside, captioned below."""
    page = writer._room(110)
    top = writer._y + 4
    page.draw_rect(pymupdf.Rect(MARGIN + 40, top, MARGIN + 360, top + 80), color=(0, 0, 0))
    for index, word in enumerate(FIGURE_WORDS):
        page.insert_text((MARGIN + 60 + 100 * index, top + 45), word, fontsize=7, fontname="helv")
    writer._y = top + 88
    writer.line("Fig. 1. The three steps of the pipeline.", size=8)
    writer.gap(8)


def column_figure_paper(folder: Path) -> Path:
    """Two columns: a boxed figure in the left one, prose beside it in the right one; a
    word hyphenated just before the figure ends just after its caption."""
    pdf = pymupdf.open()
    page = pdf.new_page(width=PAGE_WIDTH, height=PAGE_HEIGHT)
    page.insert_text((MARGIN, 60), "Figures Beside Prose", fontsize=16, fontname="hebo")
    page.insert_text((MARGIN, 84), "1 Introduction", fontsize=12, fontname="hebo")
    left = list(wrap(filler(6), 220, BODY_SIZE))
    right = list(wrap(filler(30, start=2), 220, BODY_SIZE))
    y = 100.0
    for line in [*left[:5], "The result is a nov-"]:
        page.insert_text((MARGIN, y), line, fontsize=BODY_SIZE, fontname="helv")
        y += 12.5
    page.draw_rect(pymupdf.Rect(MARGIN + 10, y, MARGIN + 210, y + 100), color=(0, 0, 0))
    for index, word in enumerate(FIGURE_WORDS):
        page.insert_text((MARGIN + 20, y + 30 + 20 * index), word, fontsize=7, fontname="helv")
    y += 112
    page.insert_text((MARGIN, y), "Figure 1: A box of words.", fontsize=8, fontname="helv")
    y += 20
    for line in ["elty for the field.", *left[5:]]:
        page.insert_text((MARGIN, y), line, fontsize=BODY_SIZE, fontname="helv")
        y += 12.5
    y = 100.0
    for line in right:
        page.insert_text((MARGIN + 246, y), line, fontsize=BODY_SIZE, fontname="helv")
        y += 12.5
    path = folder / "column-figure.pdf"
    pdf.save(path)
    return path


PREFIXED_TITLE = ("olmOCR 2:", "Unit Test Rewards for Document OCR")
LINK_BOXES = "Code allenai/olmocr Demo olmocr.allen.ai Models huggingface.co/allenai"


def prefixed_title_paper(folder: Path) -> Path:
    """A title whose first line is smaller ("olmOCR 2:") and link labels under the abstract."""
    writer = PaperWriter(header=None, stamp=None)
    page = writer._room(0)
    title = pymupdf.TextWriter(page.rect)
    bold = pymupdf.Font("hebo")
    title.append((MARGIN, 80), PREFIXED_TITLE[0], font=bold, fontsize=14)
    title.append((MARGIN, 102), PREFIXED_TITLE[1], font=bold, fontsize=18)
    title.write_text(page)
    writer._y = 120
    writer.line("Ada Lovelace, Allen Institute for Tests", size=11)
    writer.heading("Abstract")
    writer.paragraph(filler(4))
    writer.line(LINK_BOXES, size=9)
    writer.heading("1 Introduction")
    writer.paragraph(filler(8, start=1))
    writer.heading("2 Method")
    writer.paragraph(filler(8, start=2))
    return writer.save(folder / "prefixed.pdf")


def raised_marks_paper(folder: Path) -> Path:
    """A footnote mark raised after "5e-5." and an exponent raised after "x"."""
    writer = PaperWriter(header=None, stamp=None)
    front_matter(writer, "Raised Marks and Exponents")
    writer.heading("1 Introduction")
    page = writer._room(30)
    font = pymupdf.Font("helv")
    text = pymupdf.TextWriter(page.rect)
    y = writer._y + BODY_SIZE
    for pieces in (
        ("We use a learning rate of 5e-5.", "4", " Following prior work, we stop early."),
        ("The loss grows with x", "2", " for every input we tried."),
    ):
        x = MARGIN
        for index, piece in enumerate(pieces):
            raised = index == 1
            _, end = text.append(
                (x, y - 4 if raised else y), piece, font=font, fontsize=7 if raised else BODY_SIZE
            )
            x = end.x
        y += BODY_SIZE * 1.25
    text.write_text(page)
    writer._y = y
    writer.footnote("4We tune it on the validation set.")
    writer.paragraph(filler(6))
    writer.heading("2 Method")
    writer.paragraph(filler(4, start=2))
    return writer.save(folder / "raised.pdf")
