"""Small LaTeXML pages, shaped like arxiv.org/html, for the HTML reader's tests.

``latexml_page`` writes the markup LaTeXML 0.8.8 produces (section elements
with ``ltx_tag`` numbers, ``ltx_para`` paragraphs, a ``figure.ltx_table`` with
an ``ltx_tabular``, a footnote, math with ``alttext``, a bibliography); options
add ``ltx_ERROR`` nodes or leave the sections out, as failed conversions do.
"""

from __future__ import annotations

from html import escape

from tests.support.cue_paper import (
    ABSTRACT,
    BASELINES,
    DATASETS,
    FUTURE,
    INTRODUCTION,
    LIMITATION,
    METHOD,
    METRICS,
    SETUP,
)

TITLE = "DenseLite: Small Dense Retrieval"
FOOTNOTE = "Code and data are released under the Apache-2.0 license."
EQUATION = r"s(q,p)=E_{Q}(q)^{\top}E_{P}(p)"
TABLE_ROWS = [
    ["Retriever", "NQ", "TriviaQA"],
    ["BM25", "59.1", "66.9"],
    ["DenseLite", "78.4", "79.4"],
]

# (number, title, paragraphs, subsections) of the cue paper that tests/pdf_factory-style
# PDFs print, so both readers can be compared on one paper.
SECTIONS: list[tuple[str, str, list[str], list[tuple[str, str, list[str]]]]] = [
    ("1", "Introduction", INTRODUCTION, []),
    (
        "2",
        "Related Work",
        [
            "Sparse retrieval with BM25 has a long history in information retrieval research. "
            "Dense retrieval was popularised by later neural models trained on large collections."
        ],
        [],
    ),
    ("3", "Method", [METHOD], []),
    (
        "4",
        "Experiments",
        ["This section describes how DenseLite was evaluated against strong retrievers."],
        [
            ("4.1", "Datasets and Metrics", [DATASETS + " " + METRICS]),
            ("4.2", "Results", [BASELINES + " " + SETUP]),
        ],
    ),
    ("5", "Limitations", [LIMITATION], []),
    (
        "6",
        "Conclusion",
        ["We presented DenseLite, a compact dense retriever trained on few examples. " + FUTURE],
        [],
    ),
]


def latexml_page(*, errors: int = 0, sections: bool = True, title: str = TITLE) -> bytes:
    """An arXiv HTML page of the cue paper; ``errors`` adds that many ``ltx_ERROR`` nodes."""
    body = (
        "".join(_section(*section) for section in SECTIONS) if sections else _para("p1", ABSTRACT)
    )
    error_nodes = "".join(
        f'<span class="ltx_ERROR undefined" id="e{i}">\\undefinedmacro{i}</span>'
        for i in range(errors)
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>
<meta name="generator" content="LaTeXML 0.8.8"></head><body>
<div class="ltx_page_main"><div class="ltx_page_content">
<article class="ltx_document ltx_authors_1line">
<h1 class="ltx_title ltx_title_document">{escape(title)}<span class="ltx_note ltx_role_thanks">
<sup class="ltx_note_mark">†</sup><span class="ltx_note_outer"><span class="ltx_note_content">
<sup class="ltx_note_mark">†</sup>Work done at the University of Testing.</span></span></span></h1>
<div class="ltx_authors"><span class="ltx_creator ltx_role_author"><span class="ltx_personname">
Ada Lovelace and Alan Turing</span></span></div>
<div class="ltx_abstract"><h6 class="ltx_title ltx_title_abstract">Abstract</h6>
<p class="ltx_p">{escape(ABSTRACT)}</p></div>
<div class="ltx_para" id="errors"><p class="ltx_p">{error_nodes}</p></div>
{body}
<section class="ltx_bibliography" id="bib">
<h2 class="ltx_title ltx_title_bibliography">References</h2>
<ul class="ltx_biblist">{"".join(_bibitem(n) for n in range(1, 6))}</ul></section>
</article></div></div></body></html>""".encode()


def _section(
    number: str, title: str, paragraphs: list[str], subsections: list[tuple[str, str, list[str]]]
) -> str:
    sid = f"S{number}"
    parts = [
        f'<section class="ltx_section" id="{sid}"><h2 class="ltx_title ltx_title_section">'
        f'<span class="ltx_tag ltx_tag_section">{number} </span>{escape(title)}</h2>'
    ]
    parts += [_para(f"{sid}.p{i}", text) for i, text in enumerate(paragraphs, 1)]
    if number == "3":
        parts.append(_equation(sid))
    for sub_number, sub_title, sub_paragraphs in subsections:
        ssid = f"{sid}.SS{sub_number.split('.')[-1]}"
        parts.append(
            f'<section class="ltx_subsection" id="{ssid}">'
            f'<h3 class="ltx_title ltx_title_subsection"><span class="ltx_tag ltx_tag_subsection">'
            f"{sub_number} </span>{escape(sub_title)}</h3>"
        )
        parts += [_para(f"{ssid}.p{i}", text) for i, text in enumerate(sub_paragraphs, 1)]
        if sub_number == "4.2":
            parts.append(_table(ssid))
        parts.append("</section>")
    parts.append("</section>")
    return "\n".join(parts)


def _para(pid: str, text: str) -> str:
    note = ""
    if pid == "S1.p1":
        note = (
            '<span class="ltx_note ltx_role_footnote" id="footnote1"><sup class="ltx_note_mark">1'
            '</sup><span class="ltx_note_outer"><span class="ltx_note_content"><sup class="'
            'ltx_note_mark">1</sup><span class="ltx_tag ltx_tag_note">1</span>'
            f"{escape(FOOTNOTE)}</span></span></span>"
        )
    return f'<div class="ltx_para" id="{pid}"><p class="ltx_p">{escape(text)}{note}</p></div>'


def _equation(sid: str) -> str:
    return (
        f'<table class="ltx_equation ltx_eqn_table" id="{sid}.E1"><tbody>'
        '<tr class="ltx_equation ltx_eqn_row"><td class="ltx_eqn_cell">'
        f'<math alttext="{escape(EQUATION)}" class="ltx_Math" display="block"><semantics>'
        "<mrow><mi>s</mi><mo>=</mo><mi>E</mi></mrow></semantics></math></td>"
        '<td class="ltx_eqn_cell ltx_eqn_eqno"><span class="ltx_tag ltx_tag_equation">(1)</span>'
        "</td></tr></tbody></table>"
    )


def _table(ssid: str) -> str:
    rows = "".join(
        '<tr class="ltx_tr">' + "".join(f'<td class="ltx_td">{cell}</td>' for cell in row) + "</tr>"
        for row in TABLE_ROWS
    )
    return (
        f'<figure class="ltx_table" id="{ssid}.T1"><table class="ltx_tabular">{rows}</table>'
        '<figcaption class="ltx_caption"><span class="ltx_tag ltx_tag_table">Table 1: </span>'
        "Top-20 retrieval accuracy on the test sets of three datasets.</figcaption></figure>"
    )


def _bibitem(number: int) -> str:
    return (
        f'<li class="ltx_bibitem" id="bib.bib{number}"><span class="ltx_tag ltx_tag_bibitem">'
        f'[{number}]</span><span class="ltx_bibblock">A. Author. 2020. Paper number {number}.'
        "</span></li>"
    )
