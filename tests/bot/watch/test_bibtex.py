"""Reading the team's library: BibTeX exports as reference managers write them, ID lists."""

from __future__ import annotations

from pathlib import Path

from bot.kernel.config import MonitorConfig
from bot.watch.ranking.bibtex import arxiv_id_of, parse_bibtex
from bot.watch.ranking.latex import latex_to_text
from bot.watch.ranking.sources import declared_papers, read_interests_file

ZOTERO = r"""
@comment{This file was created with Better BibTeX for Zotero}
@string{neurips = "Advances in Neural Information Processing Systems"}

@misc{radfordRobustSpeechRecognition2022,
  title = {Robust {{Speech Recognition}} via {{Large-Scale Weak Supervision}}},
  author = {Radford, Alec and Kim, Jong Wook and Xu, Tao},
  year = {2022},
  month = dec,
  number = {arXiv:2212.04356},
  eprint = {2212.04356},
  primaryclass = {cs, eess},
  publisher = {arXiv},
  doi = {10.48550/arXiv.2212.04356},
  urldate = {2024-01-15},
  abstract = {We study the capabilities of speech processing systems trained simply to
    predict large amounts of transcripts of audio on the internet.},
  archiveprefix = {arXiv},
  keywords = {Computer Science - Computation and Language},
}

@inproceedings{vaswani2017attention,
  title = "Attention Is All " # "You Need",
  author = "Vaswani, Ashish and Shazeer, Noam and Parmar, Niki",
  booktitle = neurips,
  year = 2017,
  url = {https://arxiv.org/abs/1706.03762v5},
}

@article{muller2021,
  title = {{\"U}ber die Sch{\"o}nheit von Caf\'{e}-Graphen und \emph{M\"obius} B\'{\i}lek},
  author = {M{\"u}ller, J{\'e}r{\^o}me and Fran\c{c}ois, {\O}yvind},
  journal = {arXiv preprint arXiv:2104.12255},
  year = {2021}
}

@article{noArxiv2020,
  title = {A Journal Paper Without Any Preprint},
  journal = {Journal of Things},
  year = {2020},
  abstract = {Only the journal has it; its words still describe our interests.}
}

@article{missingTitle,
  author = {Nobody, A.},
  year = {2019}
}

@inproceedings{unbalanced2023,
  title = {This title never closes,
  year = {2023}

@misc{afterTheBadOne,
  title = {Read Despite the Entry Above},
  eprint = {hep-th/9711200},
  archivePrefix = {arXiv},
}

@misc{vaswani2017attention,
  title = {Attention Is All You Need (duplicate export)},
  eprint = {1706.03762},
}
"""


def test_a_zotero_export_gives_ids_titles_and_abstracts(tmp_path: Path) -> None:
    parsed = parse_bibtex(ZOTERO)
    keys = [entry.key for entry in parsed.entries]
    assert keys == [
        "radfordRobustSpeechRecognition2022",
        "vaswani2017attention",
        "muller2021",
        "noArxiv2020",
        "missingTitle",
        "afterTheBadOne",
        "vaswani2017attention",
    ]
    ids = [str(arxiv_id_of(entry)) for entry in parsed.entries]
    assert ids == [
        "2212.04356",
        "1706.03762v5",
        "2104.12255",
        "None",
        "None",
        "hep-th/9711200",
        "1706.03762",
    ]
    whisper = parsed.entries[0]
    assert latex_to_text(whisper.fields["title"]) == (
        "Robust Speech Recognition via Large-Scale Weak Supervision"
    )
    assert parsed.entries[1].fields["title"] == "Attention Is All You Need"
    assert parsed.entries[1].fields["booktitle"].startswith("Advances in Neural")


def test_malformed_entries_and_duplicate_keys_are_named_in_warnings() -> None:
    warnings = parse_bibtex(ZOTERO).warnings
    assert len(warnings) == 2
    assert "entry @inproceedings{unbalanced2023 skipped" in warnings[0]
    line = ZOTERO.splitlines().index("@inproceedings{unbalanced2023,") + 1
    assert warnings[0].startswith(f"line {line}:")
    assert "duplicate key 'vaswani2017attention'" in warnings[1]


def test_latex_accents_and_commands_become_plain_unicode() -> None:
    title = parse_bibtex(ZOTERO).entries[2].fields["title"]
    assert latex_to_text(title) == "Über die Schönheit von Café-Graphen und Möbius Bílek"
    assert latex_to_text(r"Fran\c{c}ois, {\O}yvind and Erd\H{o}s, {\L}ukasz") == (
        "François, Øyvind and Erdős, Łukasz"
    )
    assert latex_to_text(r"Stra{\ss}e \& 50\% of \$5 --- {GPT}-4") == ("Straße & 50% of $5 — GPT-4")


def test_the_file_gives_one_paper_per_id_and_keeps_entries_without_one(tmp_path: Path) -> None:
    library = tmp_path / "My Library.bib"
    library.write_text(ZOTERO, encoding="utf-8")
    papers, warnings = read_interests_file(library)
    keys = [paper.key for paper in papers]
    assert keys[:4] == ["2212.04356", "1706.03762", "2104.12255", "bib:noArxiv2020"]
    assert "hep-th/9711200" in keys
    without = papers[3]
    assert without.arxiv_id is None
    assert without.abstract.startswith("Only the journal has it")
    assert without.when == "2020"
    assert any("'missingTitle' has no title or arXiv ID" in w for w in warnings)
    monitor = MonitorConfig(interests=("2212.04356",), interests_file=str(library))
    declared = declared_papers(monitor)
    assert [p.key for p in declared.papers].count("1706.03762") == 1
    assert declared.papers[0].source == "config"
    assert all(w.startswith(str(library)) for w in declared.warnings)


def test_a_plain_id_list_is_read_line_by_line(tmp_path: Path) -> None:
    ids = tmp_path / "papers.txt"
    ids.write_text(
        "# our group's papers\n"
        "2212.04356\n"
        "https://arxiv.org/abs/1706.03762v5   # attention\n"
        "\n"
        "arXiv:hep-th/9711200\n"
        "not-an-id\n",
        encoding="utf-8",
    )
    papers, warnings = read_interests_file(ids)
    assert [p.key for p in papers] == ["2212.04356", "1706.03762", "hep-th/9711200"]
    assert [p.when for p in papers] == ["2022-12", "2017-06", "1997-11"]
    assert warnings == ["line 6: 'not-an-id' is not an arXiv ID or URL, skipped"]


def test_a_missing_file_is_a_warning_not_a_crash(tmp_path: Path) -> None:
    papers, warnings = read_interests_file(tmp_path / "nowhere.bib")
    assert papers == []
    assert len(warnings) == 1
    assert warnings[0].startswith("cannot read the file")


def test_odd_but_valid_bibtex() -> None:
    text = (
        "Free text before entries, with an @ sign in it.\n"
        "@ARTICLE ( upper , TITLE = {Upper Case Type and Fields} , EPRINT = {2301.00001} )\n"
        '@misc{quoted, title = "A {"}quoted{"} title, with braces {inside}", year = 2024}\n'
        '@preamble{ "\\newcommand{\\noop}[1]{}" }\n'
        "@misc{scholar, title={Scholar style}, journal={arXiv preprint arXiv:2310.06825}}\n"
        "@misc{dblp, title={DBLP style}, journal={CoRR}, volume={abs/2005.14165}}\n"
    )
    parsed = parse_bibtex(text)
    assert not parsed.warnings
    assert [e.key for e in parsed.entries] == ["upper", "quoted", "scholar", "dblp"]
    assert [str(arxiv_id_of(e)) for e in parsed.entries] == [
        "2301.00001",
        "None",
        "2310.06825",
        "2005.14165",
    ]
    assert parsed.entries[1].fields["title"] == 'A {"}quoted{"} title, with braces {inside}'
