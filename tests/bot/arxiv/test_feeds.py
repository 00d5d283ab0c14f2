"""bot.arxiv.feeds against our RSS 2.0 fixtures and the shared corpus of real arXiv responses."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.arxiv.feeds import ApiResult, parse_api_response, parse_feed
from bot.kernel.errors import FeedError
from bot.kernel.models import ANNOUNCE_TYPES, FeedResult, Paper
from tests.support.corpus import corpus_file

FIXTURES = Path(__file__).parents[2] / "fixtures" / "feeds"
EST = timezone(timedelta(hours=-5))
EDT = timezone(timedelta(hours=-4))
SEED_DATE = "Mon, 10 Nov 2025 00:00:00 -0500"


def fixture_feed(name: str) -> FeedResult:
    return parse_feed((FIXTURES / name).read_bytes())


def corpus_feed(name: str) -> FeedResult:
    return parse_feed(corpus_file(f"feeds/{name}").read_bytes())


def corpus_api(name: str) -> ApiResult:
    return parse_api_response(corpus_file(f"feeds/{name}").read_bytes())


def by_id(papers: tuple[Paper, ...]) -> dict[str, Paper]:
    return {paper.arxiv_id: paper for paper in papers}


# --- RSS 2.0 (rss.arxiv.org) -------------------------------------------------------------

SEED_PAPERS = [
    (
        "2511.05275",
        1,
        "TwinVLA: Data-Efficient Bimanual Manipulation with Twin Single-Arm "
        "Vision-Language-Action Models",
        ("Hokyun Im", "Euijin Jeong", "Jianlong Fu", "Andrey Kolobov", "Youngwoon Lee"),
        ("cs.RO", "cs.LG"),
        "cross",
        "Vision-language-action models (VLAs) trained on large-scale robotic datasets",
    ),
    (
        "2511.05397",
        1,
        "EveryDayVLA: A Vision-Language-Action Model for Affordable Robotic Manipulation",
        (
            "Samarth Chopra",
            "Alex McMoil",
            "Ben Carnovale",
            "Evan Sokolson",
            "Rajkumar Kubendran",
            "Samuel Dickerson",
        ),
        ("cs.RO", "cs.CV"),
        "new",
        "While Vision-Language-Action (VLA) models map visual inputs",
    ),
    (
        "2509.14117",
        3,
        "GeoAware-VLA: Implicit Geometry Aware Vision-Language-Action Model",
        ("Ali Abouzeid", "Malak Mansour", "Zezhou Sun", "Dezhen Song"),
        ("cs.RO",),
        "replace",
        "Vision-Language-Action (VLA) models often fail to generalize",
    ),
    (
        "2511.05491",
        1,
        "Visual Spatial Tuning",
        (
            "Rui Yang",
            "Ziyu Zhu",
            "Yanwei Li",
            "Jingjia Huang",
            "Shen Yan",
            "Siyuan Zhou",
            "Zhe Liu",
            "Xiangtai Li",
            "Shuangye Li",
            "Wenqian Wang",
            "Yi Lin",
            "Hengshuang Zhao",
        ),
        ("cs.CV",),
        "new",
        "Capturing spatial relationships from visual inputs",
    ),
    (
        "2510.22222",
        2,
        "Diffusion Priors for Low-Light Image Enhancement",
        ("Hyejin Park", "Jun Zhao"),
        ("eess.IV", "cs.CV"),
        "replace-cross",
        "We revisit low-light enhancement",
    ),
    (
        "2511.05301",
        1,
        "Calibrated Uncertainty for Gradient-Boosted Trees under Covariate Shift",
        ("Marta Kowalska", "Tomás Ferreira", "Zoë Müller-Lüdenscheidt"),
        ("cs.LG", "stat.ML"),
        "new",
        "Gradient-boosted trees remain the default model",
    ),
]


@pytest.mark.parametrize(
    ("arxiv_id", "version", "title", "authors", "categories", "announce_type", "abstract_start"),
    SEED_PAPERS,
)
def test_seed_feed_items(
    arxiv_id, version, title, authors, categories, announce_type, abstract_start
):
    paper = by_id(fixture_feed("rss_seed_2025-11-10.xml").papers)[arxiv_id]
    assert paper.version == version
    assert paper.versioned_id == f"{arxiv_id}v{version}"
    assert paper.title == title
    assert paper.authors == authors
    assert paper.categories == categories
    assert paper.announce_type == announce_type
    assert paper.abstract.startswith(abstract_start)
    assert paper.published == datetime(2025, 11, 10, tzinfo=EST)
    assert paper.published_raw == SEED_DATE


def test_seed_feed_channel_and_order():
    result = fixture_feed("rss_seed_2025-11-10.xml")
    assert result.info.pub_date == datetime(2025, 11, 10, tzinfo=EST)
    assert result.info.build_date == datetime(2025, 11, 10, 5, 0, 26, tzinfo=UTC)
    assert (result.info.item_count, result.info.skipped_items) == (9, 0)
    assert [p.arxiv_id for p in result.papers] == [
        "2511.05275",
        "2511.05301",
        "2511.05397",
        "2511.05322",
        "2511.05410",
        "2509.14117",
        "2510.22222",
        "2511.05491",
        "2511.05502",
    ]


def test_seed_abstract_loses_announce_prefix_and_keeps_the_text_intact():
    paper = by_id(fixture_feed("rss_seed_2025-11-10.xml").papers)["2511.05275"]
    assert "Announce Type" not in paper.abstract
    assert "  " not in paper.abstract
    assert "$\\pi_0$ which rely on extensive proprietary bimanual data" in paper.abstract
    assert paper.abstract.endswith("leveraging public single-arm data.")


def test_weekend_feed_without_items():
    result = fixture_feed("rss_weekend_empty_2025-11-08.xml")
    assert result.papers == ()
    assert (result.info.item_count, result.info.skipped_items) == (0, 0)
    assert result.info.pub_date == datetime(2025, 11, 8, tzinfo=EST)


def test_malformed_items_are_skipped_logged_and_counted(caplog):
    with caplog.at_level(logging.WARNING, logger="bot.arxiv.feeds"):
        result = fixture_feed("rss_malformed_items_2025-11-12.xml")
    assert [p.versioned_id for p in result.papers] == ["2511.08001v1", "2511.08003v2"]
    assert (result.info.item_count, result.info.skipped_items) == (5, 3)
    skipped = [r.getMessage() for r in caplog.records if "skipped feed item" in r.getMessage()]
    assert len(skipped) == 3
    assert "An Item That Lost Its Identifiers" in skipped[0]


def test_html_whitespace_tex_and_duplicate_categories_are_cleaned():
    paper = fixture_feed("rss_malformed_items_2025-11-12.xml").papers[1]
    assert paper.title == "Sharpness-Aware Minimisation Revisited for Graph Transformers"
    assert paper.abstract == (
        "We show that sharpness-aware minimisation stabilises graph transformers "
        "when p<0.05 & depth > 12."
    )
    assert paper.authors == ("Jan Novák", "François Dupré", "Renée Öztürk")
    assert paper.categories == ("stat.ML", "cs.LG")
    assert paper.announce_type == "replace-cross"


@pytest.mark.parametrize(
    ("arxiv_id", "version", "categories", "announce_type", "authors"),
    [
        ("hep-th/9711200", 3, ("hep-th",), "replace", ("Juan M. Maldacena",)),
        (
            "math.GT/0301149",
            2,
            ("math.GT", "math.SG", "hep-th"),
            "replace-cross",
            ("Peter Ozsváth", "Zoltán Szabó"),
        ),
        ("hep-th/9901001", 1, ("hep-th",), "replace", ("Ada Example",)),
        ("2511.07123", 1, ("hep-th", "gr-qc"), "new", ("Kenji Watanabe", "Amara Okafor")),
    ],
)
def test_old_style_ids(arxiv_id, version, categories, announce_type, authors):
    paper = by_id(fixture_feed("rss_oldstyle_ids_hep-th_2025-11-11.xml").papers)[arxiv_id]
    assert (paper.version, paper.categories) == (version, categories)
    assert (paper.announce_type, paper.authors) == (announce_type, authors)


def test_unparseable_dates_become_none_and_keep_the_raw_string(caplog):
    data = (FIXTURES / "rss_oldstyle_ids_hep-th_2025-11-11.xml").read_bytes()
    with caplog.at_level(logging.WARNING, logger="bot.arxiv.feeds"):
        result = parse_feed(data.replace(b"Tue, 11 Nov 2025 00:00:00 -0500", b"next Tuesday"))
    assert result.info.pub_date is None
    assert {(p.published, p.published_raw) for p in result.papers} == {(None, "next Tuesday")}
    assert "unparseable feed date 'next Tuesday'" in caplog.text


def test_benign_encoding_complaint_is_not_an_error():
    data = (FIXTURES / "rss_seed_2025-11-10.xml").read_bytes()
    result = parse_feed(data.replace(b"encoding='UTF-8'", b"encoding='us-ascii'", 1))
    assert len(result.papers) == 9
    assert by_id(result.papers)["2511.05301"].authors[1] == "Tomás Ferreira"


# --- Atom flavour and legacy RDF ---------------------------------------------------------


def test_atom_feed():
    result = corpus_feed("rss_arxiv_org_ATOM_cs.AI_2025-08-20_7entries.xml")
    assert [p.versioned_id for p in result.papers] == [
        "2508.13426v1",
        "2508.13428v1",
        "2508.13429v1",
        "2508.13434v1",
        "2508.13435v1",
        "2508.14001v1",
        "2508.14002v1",
    ]
    assert Counter(p.announce_type for p in result.papers) == {"cross": 5, "new": 2}
    assert result.info.build_date == datetime(2025, 8, 20, 4, 0, 19, 866337, tzinfo=UTC)
    assert result.info.pub_date is None
    first = result.papers[0]
    assert first.title == (
        "ALIGN: Word Association Learning for Cross-Cultural Generalization in Large "
        "Language Models"
    )
    assert first.authors == ("Chunhua Liu", "Kabir Manandhar Shrestha", "Sukai Huang")
    assert first.categories == ("cs.CL", "cs.AI")
    assert first.abstract.startswith("As large language models (LLMs) increasingly mediate")
    assert first.published == datetime(2025, 8, 20, tzinfo=EDT)
    assert first.published_raw == "2025-08-20T00:00:00-04:00"
    assert result.papers[1].categories == ("cs.CV", "cs.AI", "cs.MM")
    assert result.papers[2].authors == ("Paulo André Lima de Castro",)
    assert result.papers[4].abstract == "Spectral graph embedding methods are widely used."


def test_truncated_atom_feed_is_an_error_even_though_entries_were_recovered():
    with pytest.raises(FeedError) as caught:
        corpus_feed("rss_arxiv_org_ATOM_cs.AI_2025-08-20_TRUNCATED.xml")
    assert caught.value.retryable
    assert "malformed feed" in caught.value.user_message
    assert "line 1233" in caught.value.user_message


def test_legacy_rdf_feed():
    result = corpus_feed("export_arxiv_org_rss_cs_RDF_2018-08-30.rdf")
    assert (result.info.item_count, result.info.skipped_items, len(result.papers)) == (185, 0, 185)
    types = Counter(p.announce_type for p in result.papers)
    assert types == {"new": 103, "cross": 8, "replace": 63, "replace-cross": 11}
    assert types["replace"] + types["replace-cross"] == 74
    assert result.info.build_date == datetime(2018, 8, 30, 20, 30, tzinfo=EST)
    assert all("<" not in a and "href" not in a for p in result.papers for a in p.authors)
    assert all(not p.abstract.startswith("<p>") and "</p>" not in p.abstract for p in result.papers)


@pytest.mark.parametrize(
    ("arxiv_id", "version", "title", "authors", "categories", "announce_type"),
    [
        (
            "1808.09955",
            1,
            "QuasarNET: Human-level spectral classification and redshifting with Deep "
            "Neural Networks",
            ("Nicolas Busca", "Christophe Balland"),
            ("astro-ph.IM",),
            "cross",
        ),
        (
            "1808.09964",
            1,
            "Semi-Metrification of the Dynamic Time Warping Distance",
            ("Brijnesh J. Jain",),
            ("cs.LG",),
            "new",
        ),
        (
            "1301.1107",
            6,
            "Spectral Condition-Number Estimation of Large Sparse Matrices",
            ("Haim Avron", "Alex Druinsky", "Sivan Toledo"),
            ("cs.NA",),
            "replace",
        ),
        (
            "1808.09902",
            2,
            "Extreme Value Theory for Open Set Classification - GPD and GEV Classifiers",
            ("Edoardo Vignotto", "Sebastian Engelke"),
            ("stat.ML",),
            "replace-cross",
        ),
        (
            "1808.10437",
            1,
            "iCAN: Instance-Centric Attention Network for Human-Object Interaction Detection",
            ("Chen Gao", "Yuliang Zou", "Jia-Bin Huang"),
            ("cs.CV",),
            "new",
        ),
    ],
)
def test_legacy_rdf_items(arxiv_id, version, title, authors, categories, announce_type):
    paper = by_id(corpus_feed("export_arxiv_org_rss_cs_RDF_2018-08-30.rdf").papers)[arxiv_id]
    assert (paper.version, paper.title, paper.authors) == (version, title, authors)
    assert (paper.categories, paper.announce_type) == (categories, announce_type)
    assert paper.published == datetime(2018, 8, 30, 20, 30, tzinfo=EST)
    assert paper.published_raw == "2018-08-30T20:30:00-05:00"


def test_legacy_rdf_abstract_is_plain_text():
    paper = by_id(corpus_feed("export_arxiv_org_rss_cs_RDF_2018-08-30.rdf").papers)["1808.09955"]
    assert paper.abstract.startswith(
        "We introduce QuasarNET, a deep convolutional neural network that performs "
        "classification and redshift estimation"
    )
    assert paper.abstract.endswith("such as eBOSS, DESI and 4MOST.")


# --- unusable bodies -----------------------------------------------------------------------

NOT_FEEDS = [
    pytest.param(b"<html><head><title>503</title></head><body>Down</body></html>", id="html"),
    pytest.param(b"<!DOCTYPE html>\n<html><body><p>Service Unavailable<br></body>", id="bad-html"),
    pytest.param(b"", id="empty"),
    pytest.param(b"Internal Server Error", id="plain-text"),
    pytest.param(b"/etc/hostname", id="looks-like-a-path"),
    pytest.param(b"https://rss.arxiv.org/rss/cs.AI", id="looks-like-a-url"),
]


@pytest.mark.parametrize("body", NOT_FEEDS)
@pytest.mark.parametrize("parse", [parse_feed, parse_api_response])
def test_non_feed_bodies_raise(parse, body):
    with pytest.raises(FeedError) as caught:
        parse(body)
    assert caught.value.user_message.startswith("arXiv")


@pytest.mark.parametrize("parse", [parse_feed, parse_api_response])
def test_rate_exceeded_is_retryable(parse):
    with pytest.raises(FeedError) as caught:
        parse(corpus_file("feeds/arxiv_rate_exceeded_body.txt").read_bytes())
    assert caught.value.retryable
    assert "Rate exceeded" in caught.value.user_message


# --- arXiv API ------------------------------------------------------------------------------

API_PAPERS = [
    (
        "api_2026_idlist_1706.03762.xml",
        "1706.03762",
        7,
        "Attention Is All You Need",
        ("Ashish Vaswani", "Noam Shazeer", "Niki Parmar", "Jakob Uszkoreit", "Llion Jones",
         "Aidan N. Gomez", "Lukasz Kaiser", "Illia Polosukhin"),
        ("cs.CL", "cs.LG"),
        "2017-06-12T17:57:34Z",
    ),
    (
        "api_2026_idlist_1207.7214.xml",
        "1207.7214",
        2,
        "Observation of a new particle in the search for the Standard Model Higgs boson with "
        "the ATLAS detector at the LHC",
        ("The ATLAS Collaboration",),
        ("hep-ex",),
        "2012-07-31T11:59:59Z",
    ),
    (
        "api_2026_idlist_2104.12255v1.xml",
        "2104.12255",
        1,
        "0",
        ("Quan Thoi Minh Nguyen",),
        ("cs.CR",),
        "2021-04-20T16:07:14Z",
    ),
    (
        "api_2026_idlist_hep-th_9711200.xml",
        "hep-th/9711200",
        3,
        "The Large N Limit of Superconformal Field Theories and Supergravity",
        ("Juan M. Maldacena",),
        ("hep-th",),
        "1997-11-27T23:53:13Z",
    ),
    (
        "api_2026_idlist_oldstyle_astro-ph_0601001.xml",
        "astro-ph/0601001",
        1,
        "Frequency of Hot Jupiters and Very Hot Jupiters from the OGLE-III Transit Surveys "
        "Toward the Galactic Bulge and Carina",
        ("Andrew Gould", "Susan Dorsher", "B. Scott Gaudi", "Andrzej Udalski"),
        ("astro-ph",),
        "2006-01-02T14:57:58Z",
    ),
    (
        "api_2016_idlist_1111.2011v2.xml",
        "1111.2011",
        2,
        "Quantum Criticality for Extended Nodes on a Bethe Lattice in the Large Connectivity "
        "Limit",
        ("James M. Murray", "Adrian Del Maestro", "Zlatko Tesanovic"),
        ("cond-mat.str-el", "cond-mat.stat-mech"),
        "2011-11-08T18:48:36Z",
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "arxiv_id", "version", "title", "authors", "categories", "published_raw"),
    API_PAPERS,
)
def test_api_single_paper(name, arxiv_id, version, title, authors, categories, published_raw):
    result = corpus_api(name)
    assert result.total_results == 1
    (paper,) = result.papers
    assert (paper.arxiv_id, paper.version, paper.title) == (arxiv_id, version, title)
    assert (paper.authors, paper.categories) == (authors, categories)
    assert paper.announce_type == ""
    assert paper.published_raw == published_raw
    assert paper.published == datetime.fromisoformat(published_raw)
    assert paper.abstract
    assert paper.abstract == paper.abstract.strip()
    assert "\n" not in paper.title + paper.abstract


def test_api_abstract_text():
    (paper,) = corpus_api("api_2026_idlist_hep-th_9711200.xml").papers
    assert paper.abstract.startswith("We show that the large $N$ limit of certain conformal")
    assert "The 't Hooft limit of 4-d ${\\cal N} =4$ super-Yang-Mills" in paper.abstract


def test_api_primary_category_comes_first():
    papers = by_id(corpus_api("api_2026_search_testing_100results.xml").papers)
    assert all(p.categories for p in papers.values())
    assert papers["2202.12139"].categories == ("cs.SE", "cs.LG")


def test_api_search_with_100_results():
    result = corpus_api("api_2026_search_testing_100results.xml")
    assert result.total_results == 214881
    assert len(result.papers) == len({p.arxiv_id for p in result.papers}) == 100
    papers = by_id(result.papers)
    assert papers["cs/0503050"].version == 1
    assert papers["hep-ph/0301050"].version == 2
    assert papers["gr-qc/0103067"].version == 1
    assert papers["2405.13786"].authors[:3] == (
        "Aurora Ramírez",
        "Mario Berrios",
        "José Raúl Romero",
    )


def test_api_two_ids_one_missing_returns_the_one_found():
    result = corpus_api("api_2026_idlist_two_ids_one_missing.xml")
    assert [p.versioned_id for p in result.papers] == ["1707.08567v1"]
    assert len(result.papers[0].authors) == 34
    assert result.papers[0].authors[-2:] == ("Dirk Wübben", "Hirosuke Yamamoto")


@pytest.mark.parametrize(
    ("name", "total", "first_ids"),
    [
        ("api_2016_search_au_del_maestro.xml", 31, ["1201.4869v1", "cond-mat/0412498v1"]),
        ("api_2016_search_au_del_maestro_ANDNOT.xml", 24, ["1201.4869v1", "cond-mat/0412498v1"]),
    ],
)
def test_api_2016_searches(name, total, first_ids):
    result = corpus_api(name)
    assert result.total_results == total
    assert len(result.papers) == 10
    assert [p.versioned_id for p in result.papers[:2]] == first_ids
    assert all(any(a.endswith("Del Maestro") for a in p.authors) for p in result.papers)


@pytest.mark.parametrize(
    "name",
    [
        "api_2026_empty_nonexistent_id_0808.05394.xml",
        "api_2026_empty_totalResults0_id_0000.0000.xml",
        "api_2026_zero_results_search.xml",
    ],
)
def test_api_empty_results(name):
    assert corpus_api(name) == ApiResult(papers=(), total_results=0)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "api_2026_error_400_incorrect_id_format.xml",
            "arXiv rejected the request: incorrect id format for abc",
        ),
        (
            "api_2026_error_start_must_be_an_integer.xml",
            "arXiv rejected the request: start must be an integer",
        ),
    ],
)
def test_api_errors_are_not_retryable(name, message):
    with pytest.raises(FeedError) as caught:
        corpus_api(name)
    assert caught.value.user_message == message
    assert not caught.value.retryable


def test_every_parsed_announce_type_is_known():
    results = [fixture_feed(path.name) for path in sorted(FIXTURES.glob("*.xml"))] + [
        corpus_feed("export_arxiv_org_rss_cs_RDF_2018-08-30.rdf")
    ]
    assert {p.announce_type for r in results for p in r.papers} <= set(ANNOUNCE_TYPES)
