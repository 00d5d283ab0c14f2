"""The HTML reader on the real arXiv LaTeXML pages of the shared corpus.

The expected outlines were read off each page's section headings (their
``ltx_tag`` numbers and titles); the strings asserted absent from the prose are
footnote texts, table cells and conversion errors seen in those pages. A test
is skipped when the shared corpus is not present.
"""

from __future__ import annotations

import functools

import pytest

from analysis.document import Document
from analysis.fulltext.html.check import HtmlUnavailable
from analysis.fulltext.html.parse import parse_html
from tests.support.corpus import corpus_file


@functools.cache
def _parse(name: str) -> Document:
    return parse_html(corpus_file(f"html/{name}").read_bytes())


def parsed(name: str) -> Document:
    corpus_file(f"html/{name}")  # skips the test when the corpus is absent
    return _parse(name)


def outline(sections: tuple) -> list[tuple[str | None, str, int]]:
    return [(s.number, s.title, s.level) for s in sections]


def prose(document: Document) -> str:
    """What the engines read as running text: abstract, body and appendix sections."""
    parts = [document.abstract, *(s.text for s in (*document.sections, *document.appendix))]
    return "\n".join(parts)


def test_ar5iv_page_with_tables_appendices_and_run_in_headings() -> None:
    document = parsed("2303.17564_bloomberggpt_ar5iv.html")
    assert document.title == "BloombergGPT: A Large Language Model for Finance"
    assert document.abstract.startswith("The use of NLP in the realm of financial technology")
    tops = [(s.number, s.title) for s in document.sections if s.level == 1]
    assert tops == [
        ("1", "Introduction"),
        ("2", "Dataset"),
        ("3", "Model"),
        ("4", "Training Run"),
        ("5", "Evaluation"),
        ("6", "Qualitative Samples"),
        ("7", "Related Work"),
        ("8", "Ethics, Limitations, and Implications"),
        ("9", "Conclusion"),
    ]
    assert outline(document.sections)[4:7] == [
        ("2.1", "Financial Datasets (363B tokens – 51.27% of training)", 2),
        ("2.1.1", "Web (298B tokens – 42.01% of training)", 3),
        ("2.1.2", "News (38B tokens – 5.31% of training)", 3),
    ]
    assert len(document.sections) == 39
    assert [(s.number, s.level) for s in document.appendix if s.level == 1] == [
        ("A", 1),
        ("B", 1),
        ("C", 1),
    ]
    assert document.appendix[1].title == "Notation"
    assert document.caption_labels("table") == tuple(str(n) for n in range(1, 21))
    assert document.caption_labels("figure") == tuple(str(n) for n in range(1, 13))
    assert len(document.references) == 141
    assert len(document.footnotes) == 4
    # Run-in paragraph headings stay in their section's text, as in the PDF reader.
    contributions = document.find_section("1.2")
    assert contributions is not None
    assert "Domain-specific LLMs." in contributions.text
    text = prose(document)
    assert "| FinPile | 175,886 | 1,017 |" in document.tables[0].text
    assert "175,886" not in text  # a table row
    assert document.footnotes[0].startswith("The scaling law derived by Chinchilla")
    assert "The scaling law derived by Chinchilla is tokenizer-specific" not in text
    assert "<semantics>" not in text
    assert "$" in text
    assert document.quality.usable


def test_early_2024_page_with_unnumbered_back_matter_and_appendices() -> None:
    document = parsed("2307.02474v2_ccbh-gw-constraints.html")
    assert document.title.startswith("Constraints on cosmologically coupled black holes")
    assert outline(document.sections) == [
        ("1", "Introduction", 1),
        ("2", "Cosmologically coupled black holes", 1),
        ("3", "Delay time and the mass correcting factor", 1),
        ("4", "Direct constraints from the observed events", 1),
        ("5", "Constraints using the power-law-plus-peak distribution", 1),
        ("5.1", "General procedures", 2),
        ("5.2", "Results", 2),
        ("6", "Modified delay-time distribution from CCBH physics", 1),
        ("7", "Conclusions", 1),
        (None, "Acknowledgements", 1),
        (None, "Data Availability", 1),
    ]
    assert [(s.number, s.title) for s in document.appendix] == [
        ("A", "CCBH and minimum mass"),
        (
            "B",
            "CCBH-modified delay-time distributions compared with the log-uniform one: "
            "general approach",
        ),
        ("C", "Changing the delay time distribution slope"),
    ]
    assert len(document.references) == 45
    assert len(document.footnotes) == 4
    assert "https://gracedb.ligo.org/superevents/public/O4/" in document.footnotes
    text = prose(document)
    assert "$0.090_{-0.030}^{+0.030}$" in document.tables[0].text
    assert "$0.090_{-0.030}^{+0.030}$" not in text
    assert document.caption_labels("figure") == tuple(str(n) for n in range(1, 17))


def test_late_2024_page_with_footnotes_and_a_few_conversion_errors() -> None:
    document = parsed("2405.12282v3_desi-coupled-black-holes.html")
    assert document.title == (
        "DESI Dark Energy Time Evolution is Recovered by Cosmologically Coupled Black Holes"
    )
    assert outline(document.sections) == [
        ("1", "Introduction", 1),
        ("2", "Theory", 1),
        ("3", "Methods", 1),
        ("4", "Results", 1),
        ("5", "Discussion", 1),
        (None, "Acknowledgments", 1),
    ]
    assert document.appendix == ()
    assert len(document.footnotes) == 11
    assert document.footnotes[0].startswith("An equation of state $w<-1$ is often referred")
    text = prose(document)
    assert "is often referred to as “phantom”" not in text
    # Eight undefined macros (seven \orcidlink in the authors, one in math) are tolerated.
    assert document.quality.removed["conversion_errors"] == 8
    assert "\\orcidlink" not in document.all_text()
    assert "| Model / Parameter | dynesty Prior |" in document.tables[0].text
    assert "dynesty Best-Fit" not in text
    assert document.equation_numbers()[:3] == ("1.1", "1.2", "2.1")
    assert len(document.references) == 128


def test_late_2025_page() -> None:
    document = parsed("2510.11260_llm-scale-bar-detection-sem.html")
    assert document.title.startswith("A Large-Language-Model Assisted Automated Scale Bar")
    assert outline(document.sections) == [
        ("1", "Introduction", 1),
        ("2", "Methodology", 1),
        ("2.1", "Dataset Generation and Training", 2),
        ("2.2", "Object Detection", 2),
        ("2.3", "Information Extraction", 2),
        ("2.4", "LLM Verification and Feedback", 2),
        ("3", "Experiments and Results", 1),
        ("4", "Conclusion and Future Work", 1),
    ]
    assert document.caption_labels("figure") == ("1", "2", "3", "4", "5", "6")
    assert document.tables == ()
    assert document.footnotes == ()
    assert len(document.references) == 30
    # The e-mail addresses of the author block are not the abstract.
    assert document.abstract.startswith("Microscopic characterizations, such as Scanning")
    assert "sjtu.edu.cn" not in prose(document)


def test_failed_conversion_falls_back() -> None:
    corpus_file("html/2608.30667v1_failed-conversion_untitled-document.html")
    with pytest.raises(HtmlUnavailable) as raised:
        _parse("2608.30667v1_failed-conversion_untitled-document.html")
    assert raised.value.reason == "html_no_sections"


def test_raw_latexml_output_of_the_2023_prototype() -> None:
    document = parsed("arxiv-html-prototype-2023_analyzing-astronomical-data-ml.html")
    assert document.title == "Analyzing Astronomical Data with Machine Learning Techniques"
    assert outline(document.sections) == [
        ("1", "Introduction", 1),
        ("2", "Review; Popular Classification Algorithms", 1),
        ("2.1", "Linear regression", 2),
        ("2.2", "Logistic regression", 2),
        ("2.3", "Naive Bayesian (NB)", 2),
        ("2.4", "Support Vector Machines (SVMs)", 2),
        ("2.5", "K-means", 2),
        ("2.6", "Decision Trees", 2),
        ("2.7", "Neural Networks", 2),
        ("3", "Data", 1),
        ("4", "Classification metrics", 1),
        ("5", "Results", 1),
        ("6", "Summary and Conclusion", 1),
        (None, "Acknowledgements", 2),
    ]
    [table] = document.tables
    assert "| Naive Bayesian | 0.983 | 0.654 |" in table.text.splitlines()
    assert "0.983" not in prose(document)
    assert len(document.references) == 14
    assert len(document.equation_numbers()) >= 10
