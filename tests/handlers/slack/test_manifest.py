"""``arxiv-radar slack-manifest``: the app manifest follows slack.mode and slack.command."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from bot.kernel.config import SlackConfig
from bot.runtime.cli import main
from handlers.slack.manifest import manifest, to_yaml

yaml = pytest.importorskip("yaml")

NEEDED_SCOPES = {
    "app_mentions:read",
    "channels:history",
    "chat:write",
    "commands",
    "files:write",
    "reactions:read",
}


def urls(data: Any) -> list[str]:
    """Every value under a key ending in "url", anywhere in the manifest."""
    if isinstance(data, dict):
        found = [value for key, value in data.items() if key.endswith("url")]
        return found + [url for value in data.values() for url in urls(value)]
    if isinstance(data, list):
        return [url for item in data for url in urls(item)]
    return []


def test_socket_mode_manifest_has_no_request_urls() -> None:
    data = manifest(SlackConfig())
    settings = data["settings"]
    assert settings["socket_mode_enabled"] is True
    assert settings["interactivity"] == {"is_enabled": True}
    assert set(settings["event_subscriptions"]["bot_events"]) == {
        "app_mention",
        "reaction_added",
        "reaction_removed",
    }
    assert set(data["oauth_config"]["scopes"]["bot"]) >= NEEDED_SCOPES
    [command] = data["features"]["slash_commands"]
    assert command["command"] == "/arxiv"
    assert command["should_escape"] is False
    assert urls(data) == []


def test_http_mode_manifest_points_everything_at_slack_events() -> None:
    data = manifest(SlackConfig(mode="http", command="/radar"))
    assert data["settings"]["socket_mode_enabled"] is False
    assert data["features"]["slash_commands"][0]["command"] == "/radar"
    assert urls(data) == ["https://YOUR-HOST/slack/events"] * 3


@pytest.mark.parametrize("mode", ["socket", "http"])
def test_yaml_reads_back_as_the_manifest(mode: str) -> None:
    data = manifest(SlackConfig(mode=mode))
    assert yaml.safe_load(to_yaml(data)) == data


def test_cli_prints_the_manifest_for_the_config(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[slack]\nenabled = true\nmode = "http"\ncommand = "/papers"\n')

    result = CliRunner().invoke(
        main, ["--config", str(config), "slack-manifest", "--name", "radar"]
    )

    assert result.exit_code == 0, result.output
    data = yaml.safe_load(result.output)
    assert data["display_information"]["name"] == "radar"
    assert data["features"]["slash_commands"][0]["command"] == "/papers"
    assert data["settings"]["event_subscriptions"]["request_url"] == (
        "https://YOUR-HOST/slack/events"
    )


def test_all_thread_replies_mode_subscribes_to_channel_messages() -> None:
    """``thread_questions = "all"`` needs the message events and the history scopes."""
    data = manifest(SlackConfig(thread_questions="all"))
    events = set(data["settings"]["event_subscriptions"]["bot_events"])
    assert events == {
        *("app_mention", "reaction_added", "reaction_removed"),
        *("message.channels", "message.groups"),
    }
    assert {"channels:history", "groups:history"} <= set(data["oauth_config"]["scopes"]["bot"])
