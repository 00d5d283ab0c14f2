"""``check`` and ``run`` refuse mistakes loudly, naming the key and the value (issue 9)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.kernel.commands import Categories, CommandError, parse_command
from bot.runtime.cli import main
from tests.support.fakes.arxiv import ArxivFake

LLM_WITHOUT_KEY = (
    'Error: analysis.engine = "llm" needs an API key in $OPENAI_API_KEY (llm.api_key_env); '
    'set it, or use engine = "auto" or "extractive".'
)


@pytest.fixture
def config_file(arxiv_fake: ArxivFake, tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        arxiv_fake.config_toml()
        + f'[storage]\npath = "{tmp_path}/radar.db"\ncache_dir = "{tmp_path}/cache"\n'
        + f'[report]\ndir = "{tmp_path}/reports"\n'
    )
    return path


def invoke(config_file: Path, *args: str, extra: str = ""):
    config_file.write_text(config_file.read_text() + extra)
    return CliRunner().invoke(main, ["--config", str(config_file), *args])


def test_llm_engine_without_a_key_fails_check_and_run_with_status_2(
    config_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    checked = invoke(config_file, "check", extra='[analysis]\nengine = "llm"\n')
    assert checked.exit_code == 2
    assert LLM_WITHOUT_KEY in checked.output

    ran = invoke(config_file, "run", "--port", "0")
    assert ran.exit_code == 2
    assert LLM_WITHOUT_KEY in ran.output
    assert "Traceback" not in ran.output


def test_a_channel_of_a_platform_not_enabled_is_a_warning(config_file: Path) -> None:
    monitor = '[[monitors]]\nname = "vla"\nchannels = ["discord:123456789"]\n'
    result = invoke(config_file, "check", extra=monitor)
    assert result.exit_code == 0, result.output
    assert (
        "Warning: monitors[0].channels: 'discord:123456789' is on discord, which is not "
        "enabled (discord.enabled = false): nothing will be posted there."
    ) in result.output


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('[[monitors]]\nname = "m"\nkeywords = ["re:(unclosed"]\n', "re:(unclosed"),
        ('[[monitors]]\nname = "m"\ncategories = ["cs.AII"]\n', "'cs.AII' is not an arXiv"),
        ('[slack]\ncommand = "arxiv"\n', "slack.command: 'arxiv'"),
    ],
)
def test_config_mistakes_stop_check_and_run(config_file: Path, extra: str, message: str) -> None:
    for command in ("check", "run"):
        result = invoke(config_file, command, extra=extra if command == "check" else "")
        assert result.exit_code == 1
        assert "Error: " in result.output
        assert message in result.output
        assert "Traceback" not in result.output


README_EXAMPLES = [  # the configs behind the README's example messages
    "[arxiv]\ntimeout_s = 'x'\n",
    '[[monitors]]\nname = "m"\nschedule = "61 * * * *"\n',
    '[[monitors]]\nname = "m"\nkeywords = ["re:(unclosed"]\n',
    '[[monitors]]\nname = "m"\ncategories = ["cs.AII"]\n',
    '[slack]\ncommand = "arxiv"\n',
    '[analysis]\nengine = "llm"\n',
    '[[monitors]]\nname = "vla"\nchannels = ["discord:123456789"]\n',
]


@pytest.mark.parametrize("toml", README_EXAMPLES)
def test_the_readmes_example_messages_are_the_real_ones(
    toml: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    Path("config.toml").write_text(toml)
    result = CliRunner().invoke(main, ["--config", "config.toml", "check"])
    lines = [
        line for line in result.output.splitlines() if line.startswith(("Error: ", "Warning: "))
    ]
    assert lines
    readme = (Path(__file__).parents[3] / "README.md").read_text(encoding="utf-8")
    for line in lines:
        assert line in readme, line


def test_chat_categories_add_uses_the_same_taxonomy() -> None:
    with pytest.raises(CommandError, match=r"'cs\.AII' is not an arXiv category .* cs\.AI"):
        parse_command("categories add cs.AII")
    assert parse_command("categories add cs.RO") == Categories("add", "cs.RO")
    assert parse_command("categories remove cs.AII") == Categories("remove", "cs.AII")
