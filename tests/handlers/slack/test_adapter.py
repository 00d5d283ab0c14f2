"""create_adapter and start(): secrets named when missing, rejected tokens fail fast."""

from __future__ import annotations

from pathlib import Path
from typing import cast

import pytest

from bot.chat.service import RadarService
from bot.kernel.config import Config, SlackConfig
from bot.kernel.errors import ConfigError
from handlers.slack import create_adapter
from tests.support.fakes.arxiv import ArxivFake
from tests.support.fakes.slack import SlackFake
from tests.support.slack_harness import running_bot


@pytest.mark.parametrize(
    ("mode", "message"),
    [
        ("socket", "Slack socket mode needs $SLACK_BOT_TOKEN and $SLACK_APP_TOKEN"),
        ("http", "Slack http mode needs $SLACK_BOT_TOKEN and $SLACK_SIGNING_SECRET"),
    ],
)
def test_missing_secrets_are_named(monkeypatch: pytest.MonkeyPatch, mode: str, message: str):
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET"):
        monkeypatch.delenv(name, raising=False)
    config = Config(slack=SlackConfig(enabled=True, mode=mode))
    never_used = cast(RadarService, object())  # creation fails before touching it
    with pytest.raises(ConfigError, match=message.replace("$", r"\$")):
        create_adapter(config, never_used)


@pytest.mark.parametrize(
    ("mode", "variable"),
    [("socket", "SLACK_BOT_TOKEN"), ("socket", "SLACK_APP_TOKEN"), ("http", "SLACK_BOT_TOKEN")],
)
async def test_rejected_token_fails_start_with_its_variable(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    slack: SlackFake,
    arxiv_fake: ArxivFake,
    mode: str,
    variable: str,
) -> None:
    bad = {variable: "xoxp-wrong-kind"}
    with pytest.raises(ConfigError, match=rf"\${variable} \(not_allowed_token_type\)"):
        async with running_bot(tmp_path, monkeypatch, slack, arxiv_fake, mode=mode, env=bad):
            pass
    assert not slack.matching(lambda r: r.path == "/socket")


async def test_http_listener_is_connected_until_stopped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slack: SlackFake, arxiv_fake: ArxivFake
) -> None:
    async with running_bot(tmp_path, monkeypatch, slack, arxiv_fake) as bot:
        assert bot.adapter.is_connected()
        assert bot.service.platforms["slack"] is bot.adapter.platform
        await bot.adapter.stop()
        assert not bot.adapter.is_connected()
