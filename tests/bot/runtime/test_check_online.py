"""``check --online`` against loopback arXiv, LLM, Slack and Discord: one verdict each."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.runtime.cli import main
from tests.support.fakes.arxiv import ArxivFake
from tests.support.fakes.discord import DiscordFake
from tests.support.fakes.llm import LlmFake
from tests.support.fakes.server import Fault
from tests.support.fakes.slack import SlackFake
from tests.support.feeds import seed_feed


@pytest.fixture
def llm() -> Iterator[LlmFake]:
    server = LlmFake()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def config(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    arxiv_fake: ArxivFake,
    llm: LlmFake,
    slack: SlackFake,
    discord_fake: DiscordFake,
) -> Path:
    for name, value in {
        "OPENAI_API_KEY": "sk-test",
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_APP_TOKEN": "xapp-test",
        "DISCORD_TOKEN": discord_fake.token,
    }.items():
        monkeypatch.setenv(name, value)
    arxiv_fake.feeds["*"] = seed_feed()
    path = tmp_path / "config.toml"
    path.write_text(
        arxiv_fake.config_toml()
        + "max_retries = 0\n"
        + f'[storage]\npath = "{tmp_path}/radar.db"\ncache_dir = "{tmp_path}/cache"\n'
        + f'[llm]\nbase_url = "{llm.url}/v1"\nmodel = "fake-model"\n'
        + f'[slack]\nenabled = true\napi_url = "{slack.api_url}"\n'
        + discord_fake.config_toml()
    )
    return path


def online(config: Path):
    return CliRunner().invoke(main, ["--config", str(config), "check", "--online"])


def verdicts(output: str) -> list[str]:
    return [line.removeprefix("Online: ") for line in output.splitlines() if "Online: " in line]


def test_every_service_gets_a_verdict(
    config: Path, arxiv_fake: ArxivFake, llm: LlmFake, slack: SlackFake
) -> None:
    result = online(config)
    assert result.exit_code == 0, result.output
    arxiv, model, chat, discord = verdicts(result.output)
    assert arxiv == f"arXiv: ok (9 items in {arxiv_fake.url}/rss/cs.AI+cs.LG+cs.RO+cs.CV)"
    assert model == f"LLM: ok ({llm.url}/v1: 1 models, fake-model listed)"
    assert chat == f"Slack: ok ({slack.api_url}: workspace Test, bot arxiv-radar)"
    assert discord.startswith("Discord: ok (")
    assert "bot arxiv-radar" in discord
    assert llm.matching(lambda r: r.path == "/v1/models")
    assert not llm.matching(lambda r: r.path == "/v1/chat/completions")  # no tokens spent


def test_each_failure_is_named_and_the_exit_status_is_1(
    config: Path,
    monkeypatch: pytest.MonkeyPatch,
    arxiv_fake: ArxivFake,
    llm: LlmFake,
) -> None:
    arxiv_fake.script("/rss/", Fault(503))
    llm.script("/v1/models", Fault(401, b'{"error": {"message": "bad key"}}'))
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xapp-wrong-kind")
    monkeypatch.setenv("DISCORD_TOKEN", "not-the-token")

    result = online(config)

    assert result.exit_code == 1
    arxiv, model, chat, discord = verdicts(result.output)
    assert arxiv.startswith("arXiv: FAILED (The arXiv feed answered HTTP 503")
    assert "Check the network connection" in arxiv
    assert model.startswith(f"LLM: FAILED ({llm.url}/v1 answered: ")
    assert chat.startswith("Slack: FAILED (")
    assert "refused the bot token: not_allowed_token_type" in chat
    assert discord.startswith("Discord: FAILED (")
    assert "answered HTTP 401" in discord


def test_a_wrong_slack_app_token_fails_the_slack_verdict(
    config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLACK_APP_TOKEN", "xoxb-not-an-app-token")
    result = online(config)
    assert result.exit_code == 1
    [chat] = [line for line in verdicts(result.output) if line.startswith("Slack")]
    assert chat == (
        "Slack: FAILED (Slack refused the app token in $SLACK_APP_TOKEN: not_allowed_token_type)"
    )
    assert "sk-test" not in result.output
