"""Config loading: defaults reproduce the seed's monitor; errors name key and line."""

from __future__ import annotations

import pytest

from bot.kernel.config import DEFAULT_KEYWORDS, load_config, parse_config, resolve_config_path
from bot.kernel.errors import ConfigError


def test_defaults_reproduce_the_seed_monitor() -> None:
    config = load_config(None)
    monitor = config.monitors[0]
    assert monitor.categories == ("cs.AI", "cs.LG", "cs.RO", "cs.CV")
    assert monitor.keywords == DEFAULT_KEYWORDS
    assert ", ".join(monitor.keywords).startswith("Vision Language Action , vla,")
    assert config.report.language == "zh"
    assert config.arxiv.rss_url == "https://rss.arxiv.org/rss/{categories}"
    assert config.arxiv.api_url == "https://export.arxiv.org/api/query"
    assert config.arxiv.pdf_url == "https://arxiv.org/pdf/{id}"
    assert config.llm.base_url == "https://api.openai.com/v1"
    assert config.slack.api_url == "https://slack.com/api/"
    assert config.discord.api_url == "https://discord.com/api/v10"
    assert monitor.announce_types == ("new", "cross", "replace", "replace-cross")


def test_full_config_round_trip() -> None:
    config = parse_config(
        """
[report]
language = "en"
timezone = "Europe/Berlin"

[[monitors]]
name = "robots"
categories = ["cs.RO"]
keywords = ["vla", "re:diffusion\\\\s+polic(y|ies)"]
exclude_keywords = ["survey"]
authors = ["Y. Lee"]
channels = ["slack:C0123456", "discord:123456789"]
auto_analyze = true
schedule = "0 6 * * mon-fri"

[[monitors]]
name = "traffic"
categories = ["cs.LG"]
keywords = ["traffic prediction"]
""",
        source="team.toml",
    )
    assert [m.name for m in config.monitors] == ["robots", "traffic"]
    robots = config.monitor("robots")
    assert robots.channels == ("slack:C0123456", "discord:123456789")
    assert robots.auto_analyze is True
    assert robots.authors == ("Y. Lee",)
    assert config.report.language == "en"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[arxiv]\n\nfoo = 1\n", "team.toml:3: arxiv.foo: unknown key"),
        ('[arxiv]\ntimeout_s = "fast"\n', "team.toml:2: arxiv.timeout_s: expected float, got str"),
        ("[wat]\nx = 1\n", "team.toml:1: wat: unknown section [wat]"),
        ('[slack]\nenabled = "yes"\n', "team.toml:2: slack.enabled: expected bool, got str"),
        ("[analysis]\nconcurrency = true\n", "analysis.concurrency: expected int, got bool"),
        ('[report]\nlanguage = "fr"\n', "report.language: 'fr' is not one of ('zh', 'en')"),
        ('[report]\ntimezone = "Mars/Olympus"\n', "report.timezone: unknown time zone"),
        ('[[monitors]]\nschedule = "61 * * * *"\n', "monitors[0].schedule: bad cron expression"),
        ('[[monitors]]\nchannels = ["#general"]\n', "must look like slack:C0123456"),
        ('[[monitors]]\nannounce_types = ["old"]\n', "monitors[0].announce_types: unknown"),
        ('[[monitors]]\nname = "a"\n[[monitors]]\nname = "a"\n', "monitor names must be unique"),
        ('[[monitors]]\ncategories = "cs.AI"\n', "monitors[0].categories: expected a list"),
        ("[arxiv]\napi_delay_s = 1\n", "arXiv asks for at least 3 s"),
        ("[llm]\ntimeout_s = 0\n", "llm.timeout_s: must be greater than 0"),
        ("not toml [", "invalid TOML"),
    ],
)
def test_config_errors_name_the_key(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, source="team.toml")
    assert message in caught.value.user_message


def test_polite_delay_is_only_enforced_against_arxiv() -> None:
    config = parse_config(
        '[arxiv]\nrss_url = "http://127.0.0.1:9/rss/{categories}"\n'
        'api_url = "http://127.0.0.1:9/api/query"\napi_delay_s = 0\n'
    )
    assert config.arxiv.api_delay_s == 0


def test_unknown_monitor_lists_the_known_ones() -> None:
    with pytest.raises(ConfigError, match="No monitor named 'x' \\(configured: default\\)"):
        load_config(None).monitor("x")


def test_config_path_resolution(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ARXIV_RADAR_CONFIG", raising=False)
    assert resolve_config_path(None) is None
    (tmp_path / "config.toml").write_text("")
    assert str(resolve_config_path(None)) == "config.toml"
    # The environment names the config on purpose; a stray ./config.toml (the Docker
    # image's working directory is the data volume) must not override it.
    monkeypatch.setenv("ARXIV_RADAR_CONFIG", str(tmp_path / "env.toml"))
    assert resolve_config_path(None) == tmp_path / "env.toml"
    assert str(resolve_config_path("other.toml")) == "other.toml"
    monkeypatch.setenv("ARXIV_RADAR_CONFIG", "")
    assert str(resolve_config_path(None)) == "config.toml"


def test_discord_ids_may_be_integers_or_strings_in_every_key() -> None:
    def discord(ids: list[object], application_id: object) -> object:
        text = (
            f"[discord]\napplication_id = {application_id!r}\n"
            f"guild_ids = {ids!r}\nallowed_roles = {ids!r}\nallowed_channels = {ids!r}\n"
        )
        return parse_config(text.replace("'", '"')).discord

    as_integers = discord([987654321098765432, 112233445566778899], 123456789012345678)
    as_strings = discord(["987654321098765432", "112233445566778899"], "123456789012345678")
    mixed = discord([987654321098765432, "112233445566778899"], 123456789012345678)
    assert as_integers == as_strings == mixed
    assert as_integers.application_id == "123456789012345678"
    assert as_integers.guild_ids == (987654321098765432, 112233445566778899)
    assert as_integers.allowed_roles == as_integers.allowed_channels == as_integers.guild_ids
    with pytest.raises(ConfigError, match=r"discord\.guild_ids: expected int, got str"):
        discord(["my-server"], 1)


def test_missing_config_file_is_a_clear_error(tmp_path) -> None:
    with pytest.raises(ConfigError, match="Cannot read config file"):
        load_config(tmp_path / "nope.toml")
