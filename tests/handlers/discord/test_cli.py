"""``arxiv-radar discord-invite`` and ``discord-sync``."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from click.testing import CliRunner, Result

from bot.runtime.cli import main
from tests.support.fakes.discord import API, APPLICATION_ID, GUILD_ID, DiscordFake

# Permission bits as documented by Discord (topics/permissions)
NEEDED = {
    "ADD_REACTIONS": 1 << 6,
    "VIEW_CHANNEL": 1 << 10,
    "SEND_MESSAGES": 1 << 11,
    "EMBED_LINKS": 1 << 14,
    "ATTACH_FILES": 1 << 15,
    "READ_MESSAGE_HISTORY": 1 << 16,
    "CREATE_PUBLIC_THREADS": 1 << 35,
    "SEND_MESSAGES_IN_THREADS": 1 << 38,
}


def invoke(tmp_path: Path, toml: str, *args: str, token: str | None = "test-token") -> Result:
    config = tmp_path / "config.toml"
    config.write_text(toml, encoding="utf-8")
    env = {"DISCORD_TOKEN": token}
    return CliRunner().invoke(main, ["--config", str(config), *args], env=env)


def test_invite_url_asks_for_exactly_the_needed_permissions(
    tmp_path: Path, discord_fake: DiscordFake
) -> None:
    result = invoke(tmp_path, discord_fake.config_toml(), "discord-invite")

    assert result.exit_code == 0, result.output
    url = urlsplit(result.output.strip())
    assert f"{url.scheme}://{url.netloc}{url.path}" == "https://discord.com/oauth2/authorize"
    query = parse_qs(url.query)
    assert query["client_id"] == [APPLICATION_ID]
    assert query["scope"] == ["bot applications.commands"]
    assert query["permissions"] == [str(sum(NEEDED.values()))]


def test_invite_without_application_id_explains_what_to_set(tmp_path: Path) -> None:
    result = invoke(tmp_path, "[discord]\nenabled = true\n", "discord-invite")

    assert result.exit_code == 1
    assert "discord.application_id is not set" in result.output


def test_sync_registers_the_commands_with_each_guild(
    tmp_path: Path, discord_fake: DiscordFake
) -> None:
    result = invoke(tmp_path, discord_fake.config_toml(), "discord-sync")

    assert result.exit_code == 0, result.output
    assert result.output == f"Synced /arxiv to guild {GUILD_ID}.\n"
    [sync] = discord_fake.matching(lambda r: r.method == "PUT")
    assert sync.path == f"{API}/applications/{APPLICATION_ID}/guilds/{GUILD_ID}/commands"
    assert sync.headers["Authorization"] == "Bot test-token"


def test_sync_without_guilds_registers_globally(tmp_path: Path, discord_fake: DiscordFake) -> None:
    toml = discord_fake.config_toml().replace(f"guild_ids = [{GUILD_ID}]\n", "")

    result = invoke(tmp_path, toml, "discord-sync")

    assert result.exit_code == 0, result.output
    assert result.output == "Synced /arxiv to all servers (global).\n"
    [sync] = discord_fake.matching(lambda r: r.method == "PUT")
    assert sync.path == f"{API}/applications/{APPLICATION_ID}/commands"


def test_sync_without_token_fails_cleanly(tmp_path: Path, discord_fake: DiscordFake) -> None:
    result = invoke(tmp_path, discord_fake.config_toml(), "discord-sync", token=None)

    assert result.exit_code == 1
    assert "$DISCORD_TOKEN" in result.output
    assert not discord_fake.requests


def test_sync_with_a_rejected_token_fails_cleanly(
    tmp_path: Path, discord_fake: DiscordFake
) -> None:
    result = invoke(tmp_path, discord_fake.config_toml(), "discord-sync", token="wrong")

    assert result.exit_code == 1
    assert "Discord rejected the bot token in $DISCORD_TOKEN" in result.output
    assert not discord_fake.matching(lambda r: r.method == "PUT")
