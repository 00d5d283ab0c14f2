"""#14 item 8: configured secrets, partial echoes of them and token-shaped strings never
reach stdout, stderr, logs or chat, whatever path the text takes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.kernel.redact import redact
from bot.runtime.cli import main
from handlers.discord.escape import escape as discord_escape
from handlers.slack.blocks import notices
from tests.support.analysis_env import KEY_ENV, LLM_ANSWER, serve
from tests.support.cue_paper import cue_paper
from tests.support.fakes.arxiv import ArxivFake
from tests.support.fakes.llm import LlmFake

SECRET_KEY = "sk-rt-llm-5f0c9e1d77b64a2a11"
ECHO = "Incorrect API key provided: sk-rt-ll...2a11. You can find your key at the dashboard."


@pytest.fixture
def llm() -> LlmFake:
    server = LlmFake(LLM_ANSWER)
    server.start()
    yield server  # type: ignore[misc]
    server.stop()


def write_config(arxiv: ArxivFake, llm: LlmFake, tmp_path: Path) -> Path:
    serve(arxiv, cue_paper(tmp_path).read_bytes())
    config = tmp_path / "config.toml"
    config.write_text(
        arxiv.config_toml()
        + f'[storage]\npath = "{tmp_path}/radar.db"\ncache_dir = "{tmp_path}/cache"\n'
        + f'[llm]\nbase_url = "{llm.url}/v1"\nmodel = "m"\napi_key_env = "{KEY_ENV}"\n'
        + "max_retries = 0\n"
    )
    return config


@pytest.mark.parametrize("status", [400, 403, 422])
def test_an_llm_error_echoing_part_of_the_key_is_redacted_on_the_cli(
    status: int,
    arxiv_fake: ArxivFake,
    llm: LlmFake,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(KEY_ENV, SECRET_KEY)
    llm.fail(status, ECHO + f" (full: {SECRET_KEY})")
    config = write_config(arxiv_fake, llm, tmp_path)
    result = CliRunner().invoke(main, ["--config", str(config), "analyze", "2401.01234"])
    assert result.exit_code == 1
    assert result.stderr.count("Error: ") == 1
    for leak in ("sk-rt-ll", "2a11", SECRET_KEY[8:20]):
        assert leak not in result.output
    assert "Traceback" not in result.output


def test_every_output_path_redacts_the_same_way(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1111-2222-abcdefABCDEF")
    text = (
        "slack said invalid_auth for xoxb-1111-2222-abcdefABCDEF; "
        "openai echoed sk-proj-****wxyz; half a token: 2222-abcdefAB"
    )
    slack_text = json.dumps([m.blocks for m in notices(text)])
    for shown in (redact(text), slack_text, discord_escape(text)):
        for leak in ("abcdef", "wxyz", "xoxb-1111"):
            assert leak not in shown
        assert "REDACTED" in shown


def test_chat_text_never_shows_a_folder() -> None:
    error = "cannot open /srv/radar/cache/pdf/2511.05275.pdf (see ~/radar/config.toml)"
    slack_text = json.dumps([m.blocks for m in notices(error)])
    for shown in (slack_text, discord_escape(error)):
        assert "/srv" not in shown
        assert "radar/" not in shown
        assert "2511.05275.pdf" in shown
    link = "https://arxiv.org/abs/2511.05275 and/or 1/2 via /arxiv help"
    assert "arxiv.org/abs/2511.05275" in discord_escape(link)
    assert "and/or 1/2 via /arxiv help" in discord_escape(link)


def test_everything_the_cli_prints_is_redacted(tmp_path: Path) -> None:
    token = "xoxb-9876-5432-zyxwvuTSRQ"  # pasted where the variable's name belongs
    pasted = tmp_path / "config.toml"
    pasted.write_text(f'[slack]\nenabled = true\nbot_token_env = "{token}"\n')
    result = CliRunner().invoke(main, ["--config", str(pasted), "check"])
    assert "Secret $[REDACTED] (slack): missing" in result.output
    assert "zyxwvu" not in result.output
