"""bot.kernel.matching: keyword patterns, author names and monitor selection."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bot.arxiv.feeds import parse_feed
from bot.kernel.errors import ConfigError
from bot.kernel.matching import (
    MonitorFilter,
    Selection,
    author_matches,
    compile_keyword,
    normalize_name,
)
from bot.kernel.models import Paper

SEED_FEED = Path(__file__).parents[2] / "fixtures" / "feeds" / "rss_seed_2025-11-10.xml"
SEED_KEYWORDS = (
    "Vision Language Action ",
    "vla",
    "Vision-Language-Action",
    "Multivariate Time Series Forecasting",
    "spatio-temporal prediction",
    "traffic prediction",
)
SEED_MONITOR = MonitorFilter(
    categories=("cs.AI", "cs.LG", "cs.RO", "cs.CV"), keywords=SEED_KEYWORDS
)

KEYWORD_CASES = [
    # case-insensitive, separators equivalent, surrounding spaces ignored
    ("Vision Language Action ", "Vision-Language-Action", True),
    ("Vision Language Action ", "vision_language  action", True),
    ("Vision Language Action ", "VISION-language\naction models", True),
    ("Vision-Language-Action", "vision language action", True),
    ("  traffic prediction  ", "Traffic-Prediction", True),
    ("vision language", "vision–language models", True),
    ("Vision Language Action", "Vision-Language Models for Action Recognition", False),
    ("Vision Language Action", "VisionLanguageAction", False),
    # word boundaries, where a lower-to-upper change also counts
    ("vla", "VLA", True),
    ("vla", "VLAs", True),
    ("vla", "OpenVLA", True),
    ("vla", "TwinVLA", True),
    ("vla", "GeoAware-VLA", True),
    ("vla", "EveryDayVLA: A Vision-Language-Action Model", True),
    ("vla", "(VLA) models", True),
    ("vla", "vla_policy", True),
    ("vla", "Vladimir", False),
    ("vla", "vlan", False),
    ("vla", "VLAN", False),
    ("vla", "VLANs", False),
    ("vla", "XVLA", False),
    ("vla", "openvla", False),
    ("vla", "VLA2", False),
    ("vision", "VisionTransformer", True),
    ("vision", "Visionary", False),
    ("traffic prediction", "non-traffic prediction", True),
    # plurals "s" and "es" only
    ("model", "models", True),
    ("process", "processes", True),
    ("policy", "policies", False),
    ("model", "modeling", False),
    # Seed titles
    (
        "Vision-Language-Action",
        "TwinVLA: Data-Efficient Bimanual Manipulation with Twin Single-Arm "
        "Vision-Language-Action Models",
        True,
    ),
    ("vla", "GeoAware-VLA: Implicit Geometry Aware Vision-Language-Action Model", True),
    ("vla", "Visual Spatial Tuning", False),
    ("spatio-temporal prediction", "Spatio-Temporal Predictions of Traffic", True),
    ("Multivariate Time Series Forecasting", "multivariate time-series forecasting", True),
    # regular expressions: case-insensitive, no boundary rules added
    ("re:diffusion\\s+polic(y|ies)", "Diffusion Policies for Manipulation", True),
    ("re:\\bVLA\\b", "OpenVLA", False),
    ("re:vla", "Vladimir", True),
    ("re:^Visual", "Visual Spatial Tuning", True),
    ("re:^Spatial", "Visual Spatial Tuning", False),
    # regex-special characters in plain keywords are literal
    ("C++", "a C++ library", True),
    ("C++", "a C library", False),
    ("GPT-4o", "gpt 4o", True),
    # case-insensitive matching of non-ASCII letters
    ("vision", "VİSİON", True),
    ("transformers", "tranſformers", True),
    ("Lüdenscheidt", "LÜDENSCHEIDT", True),
]


@pytest.mark.parametrize(("keyword", "text", "expected"), KEYWORD_CASES)
def test_compile_keyword(keyword, text, expected):
    assert (compile_keyword(keyword).search(text) is not None) is expected


@pytest.mark.parametrize(("keyword", "text", "expected"), KEYWORD_CASES)
def test_monitor_keyword_matching_agrees_with_compile_keyword(keyword, text, expected):
    monitor = MonitorFilter(keywords=(keyword,))
    for paper in (make_paper(title=text), make_paper(abstract=text)):
        assert (monitor.match(paper) is not None) is expected


def test_candidate_after_a_rejected_overlapping_one_is_found():
    assert compile_keyword("ab ab").search("xab ab ab")
    assert MonitorFilter(keywords=("ab ab",)).match(make_paper(title="xab ab ab"))


@pytest.mark.parametrize(
    ("keyword", "message"),
    [
        ("re:(unclosed", "'re:(unclosed' is not a valid regular expression"),
        ("re:", "has an empty regular expression"),
        ("   ", "is empty"),
        (" - _ ", "is empty"),
    ],
)
def test_invalid_keywords_raise_config_error(keyword, message):
    with pytest.raises(ConfigError, match="keyword") as caught:
        compile_keyword(keyword)
    assert message in caught.value.user_message
    with pytest.raises(ConfigError):
        MonitorFilter(keywords=("vla", keyword))
    with pytest.raises(ConfigError):
        MonitorFilter(exclude_keywords=(keyword,))


@pytest.mark.parametrize(
    ("name", "normalized"),
    [
        ("Zoë Müller-Lüdenscheidt", "zoe muller ludenscheidt"),
        ("  Tomás   FERREIRA ", "tomas ferreira"),
        ("Łukasz Kaiser", "lukasz kaiser"),
        ("Søren Hauberg", "soren hauberg"),
        ("Sean O’Brien", "sean obrien"),
        ("J.-B. Huang", "j b huang"),
        ("José Raúl Romero", "jose raul romero"),
    ],
)
def test_normalize_name(name, normalized):
    assert normalize_name(name) == normalized


@pytest.mark.parametrize(
    ("wanted", "authors", "expected"),
    [
        ("Youngwoon Lee", ["Hokyun Im", "Youngwoon Lee"], True),
        ("Y. Lee", ["Youngwoon Lee"], True),
        ("Y Lee", ["Youngwoon Lee"], True),
        ("Lee, Youngwoon", ["Youngwoon Lee"], True),
        ("Lee", ["Youngwoon Lee"], True),
        ("J. Lee", ["Youngwoon Lee"], False),
        ("Young Lee", ["Youngwoon Lee"], False),
        ("Youngwoon Lee", ["Youngwoon Leem"], False),
        ("Youngwoon Lee", [], False),
        ("tomas ferreira", ["Tomás Ferreira"], True),
        ("Zoe Muller-Ludenscheidt", ["Zoë Müller-Lüdenscheidt"], True),
        ("Francois Dupre", ["François Dupré"], True),
        ("J. M. Maldacena", ["Juan M. Maldacena"], True),
        ("Juan Maldacena", ["Juan M. Maldacena"], True),
        ("J. Q. Maldacena", ["Juan M. Maldacena"], False),
        ("A. Del Maestro", ["Adrian Del Maestro"], True),
        ("Adrian Del Maestro", ["A. Del Maestro"], True),
        ("Del Maestro, Adrian", ["Adrian Del Maestro"], True),
        ("Del Maestro,", ["Adrian Del Maestro"], True),
        ("Peter de With", ["Peter H. N. de With"], True),
        ("J.-B. Huang", ["Jia-Bin Huang"], True),
        ("Jian Huang", ["Jia-Bin Huang"], False),
    ],
)
def test_author_matches(wanted, authors, expected):
    assert author_matches(wanted, authors) is expected


def make_paper(**changes: object) -> Paper:
    base = Paper(
        arxiv_id="2511.00001",
        version=1,
        title="A Study of Things",
        authors=("Alice Smith", "Bob Jones"),
        abstract="Nothing in particular.",
        categories=("cs.LG", "stat.ML"),
        announce_type="new",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("monitor", "paper", "expected"),
    [
        # categories: any of the paper's; empty means all; case-insensitive
        (MonitorFilter(categories=("stat.ML",)), make_paper(), Selection()),
        (MonitorFilter(categories=("cs.CV", "cs.RO")), make_paper(), None),
        (MonitorFilter(categories=("CS.lg",)), make_paper(), Selection()),
        (MonitorFilter(), make_paper(categories=("q-bio.NC",)), Selection()),
        # announce types
        (MonitorFilter(announce_types=("new", "cross")), make_paper(), Selection()),
        (
            MonitorFilter(announce_types=("new", "cross")),
            make_paper(announce_type="replace"),
            None,
        ),
        (MonitorFilter(announce_types=("new",)), make_paper(announce_type=""), None),
        (MonitorFilter(), make_paper(announce_type="replace-cross"), Selection()),
        # keywords in title or abstract, reported in config order as configured
        (
            MonitorFilter(keywords=("graph", " Things ", "study")),
            make_paper(abstract="Graphs everywhere."),
            Selection(keywords=("graph", " Things ", "study")),
        ),
        (MonitorFilter(keywords=("graph",)), make_paper(), None),
        # exclude keywords veto, also without keywords
        (MonitorFilter(keywords=("study",), exclude_keywords=("things",)), make_paper(), None),
        (MonitorFilter(exclude_keywords=("re:nothing",)), make_paper(), None),
        (MonitorFilter(exclude_keywords=("survey",)), make_paper(), Selection()),
        # authors, alone or with keywords (either suffices)
        (MonitorFilter(authors=("A. Smith",)), make_paper(), Selection(authors=("A. Smith",))),
        (MonitorFilter(authors=("C. Smith",)), make_paper(), None),
        (
            MonitorFilter(keywords=("graph",), authors=("Jones", "A. Smith")),
            make_paper(),
            Selection(authors=("Jones", "A. Smith")),
        ),
        (
            MonitorFilter(keywords=("study",), authors=("Carol White",)),
            make_paper(),
            Selection(keywords=("study",)),
        ),
        (
            MonitorFilter(authors=("A. Smith",), exclude_keywords=("study",)),
            make_paper(),
            None,
        ),
        (
            MonitorFilter(categories=("cs.CV",), authors=("A. Smith",)),
            make_paper(),
            None,
        ),
    ],
)
def test_monitor_filter(monitor, paper, expected):
    assert monitor.match(paper) == expected


def test_monitor_filter_accepts_lists_and_stays_hashable():
    monitor = MonitorFilter(categories=["cs.LG"], keywords=["study"])  # type: ignore[arg-type]
    assert monitor.keywords == ("study",)
    assert monitor == MonitorFilter(categories=("cs.LG",), keywords=("study",))
    assert hash(monitor) == hash(MonitorFilter(categories=("cs.LG",), keywords=("study",)))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"announce_types": ("new", "updated")}, "Unknown announce type(s) updated"),
        ({"authors": ("A. Smith", " , ")}, "The author name ' , ' is empty."),
        ({"keywords": ("re:[",)}, "'re:[' is not a valid regular expression"),
    ],
)
def test_invalid_monitor_raises_config_error(kwargs, message):
    with pytest.raises(ConfigError) as caught:
        MonitorFilter(**kwargs)
    assert message in caught.value.user_message


def test_seed_monitor_selects_exactly_the_seed_papers_in_order():
    papers = parse_feed(SEED_FEED.read_bytes()).papers
    selected = [(p.arxiv_id, s) for p in papers if (s := SEED_MONITOR.match(p)) is not None]
    all_three = Selection(keywords=("Vision Language Action ", "vla", "Vision-Language-Action"))
    assert selected == [
        ("2511.05275", all_three),
        ("2511.05397", all_three),
        ("2509.14117", all_three),
        ("2511.05491", Selection(keywords=("Vision Language Action ", "Vision-Language-Action"))),
    ]


def test_seed_feed_near_misses_are_rejected_for_the_right_reason():
    papers = {p.arxiv_id: p for p in parse_feed(SEED_FEED.read_bytes()).papers}
    # "traffic prediction" matches, but stat.AP/stat.ML are not monitored categories.
    traffic = papers["2511.05410"]
    assert compile_keyword("traffic prediction").search(traffic.abstract)
    assert SEED_MONITOR.match(traffic) is None
    assert replace(SEED_MONITOR, categories=("stat.ML",)).match(traffic) == Selection(
        keywords=("traffic prediction",)
    )
    # VLAN, vlan-tagging and Vladimirov are not "vla".
    assert SEED_MONITOR.match(papers["2511.05322"]) is None
