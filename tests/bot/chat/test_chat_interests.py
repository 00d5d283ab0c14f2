"""``/arxiv interests add|list|remove``: parsed, checked on arXiv, stored per channel,
refused without access, answered escaped (Slack and Discord loopback harnesses)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.kernel.commands import CommandError, Interests, interests, parse_command
from bot.kernel.errors import InvalidArxivIdError
from bot.kernel.ids import ArxivId
from tests.support.discord_harness import running_bot as discord_bot
from tests.support.fakes.arxiv import ArxivFake
from tests.support.fakes.discord import ROLE_ID, DiscordFake
from tests.support.fakes.server import until
from tests.support.fakes.slack import SlackFake, sample_paper
from tests.support.slack_harness import CHANNEL, USER, atom_api, running_bot

WHISPER_TITLE = "Robust Speech Recognition via Large-Scale Weak Supervision"
HOSTILE = "Whisper <!channel> @everyone [click](http://evil.example/a) \u202eevil"


def serve(arxiv: ArxivFake, arxiv_id: str, title: str) -> None:
    paper = sample_paper(arxiv_id=arxiv_id, title=title)
    arxiv.api[f"{arxiv_id}v1"] = arxiv.api[arxiv_id] = atom_api([paper])


def stored(store) -> list[tuple]:
    return store.test_db.execute("SELECT platform, channel, arxiv_id FROM interests").fetchall()


# parsing ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("interests", Interests("list")),
        ("interests list", Interests("list")),
        ("interests ADD 2212.04356", Interests("add", ArxivId("2212.04356"))),
        (
            "interests add https://arxiv.org/abs/2212.04356v2",
            Interests("add", ArxivId("2212.04356", 2)),
        ),
        ("interests remove arXiv:2212.04356", Interests("remove", ArxivId("2212.04356"))),
    ],
)
def test_interests_commands_parse(text: str, expected: Interests) -> None:
    assert parse_command(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("interests add", "Usage: interests add|remove"),
        ("interests frob 2212.04356", "Usage: interests add|remove"),
        ("interests list 2212.04356", "'interests list' takes no paper."),
        ("interests add 1 2 3", "Usage: interests add|remove"),
        ("interests add \u200b", "Usage: interests add|remove"),
    ],
)
def test_bad_interests_commands_say_how(text: str, message: str) -> None:
    with pytest.raises(CommandError) as caught:
        parse_command(text)
    assert caught.value.user_message.startswith(message)


def test_a_bad_paper_is_refused_by_the_typed_builder_too() -> None:
    with pytest.raises(InvalidArxivIdError):
        interests("add", "not-an-id")


# Slack --------------------------------------------------------------------------------


async def test_slack_interests_add_list_remove(
    tmp_path, monkeypatch, slack: SlackFake, arxiv_fake: ArxivFake
) -> None:
    serve(arxiv_fake, "2212.04356", HOSTILE)
    async with running_bot(tmp_path, monkeypatch, slack, arxiv_fake) as bot:
        store = bot.service.store
        replies = []
        for count, text in enumerate(
            [
                "interests list",
                "interests add https://arxiv.org/abs/2212.04356",
                "interests add 2212.04356",
                "interests list",
            ],
            start=1,
        ):
            await bot.command(text)
            replies.append((await slack.until_calls("chat.postEphemeral", count))[-1].params)
        added = stored(store)
        await bot.command("interests remove 2212.04356")
        removed = (await slack.until_calls("chat.postEphemeral", 5))[-1].params
        left = stored(store)
    title = "Whisper &lt;!channel&gt; @\u2060everyone click (`http://evil.example/a`) evil"
    texts = [reply["blocks"][0]["text"]["text"] for reply in replies]
    assert texts[0].startswith("This channel has no interest papers yet.")
    assert "`/arxiv interests add &lt;arXiv ID or URL&gt;`" in texts[0]
    assert texts[1] == (
        f"Added 2212.04356 ({title}) to this channel's interests: similar new papers are "
        "ranked first here."
    )
    assert texts[2] == f"2212.04356 ({title}) is already among this channel's interests."
    assert texts[3] == f"This channel's interest papers (1):\n• 2212.04356 {title} (added here)"
    assert all(reply["user"] == USER for reply in replies)
    assert added == [("slack", CHANNEL, "2212.04356")]
    assert removed["blocks"][0]["text"]["text"] == (
        "Removed 2212.04356 from this channel's interests."
    )
    assert left == []


async def test_slack_interests_add_of_an_unknown_paper_stores_nothing(
    tmp_path, monkeypatch, slack: SlackFake, arxiv_fake: ArxivFake
) -> None:
    arxiv_fake.api["*"] = atom_api([])
    async with running_bot(tmp_path, monkeypatch, slack, arxiv_fake) as bot:
        await bot.command("interests add 2212.99999")
        [reply] = await slack.until_calls("chat.postEphemeral")
        left = stored(bot.service.store)
    assert reply.params["text"] == "arXiv has no paper 2212.99999."
    assert left == []


async def test_slack_interests_changes_need_access_but_listing_does_not(
    tmp_path, monkeypatch, slack: SlackFake, arxiv_fake: ArxivFake
) -> None:
    serve(arxiv_fake, "2212.04356", WHISPER_TITLE)
    async with running_bot(
        tmp_path, monkeypatch, slack, arxiv_fake, allowed_users=("W999",)
    ) as bot:
        await bot.command("interests add 2212.04356")
        await bot.command("interests list")
        replies = await slack.until_calls("chat.postEphemeral", 2)
        await bot.command("interests add 2212.04356", user="W999")
        allowed = (await slack.until_calls("chat.postEphemeral", 3))[-1]
        left = stored(bot.service.store)
    texts = sorted(r.params["text"] for r in replies)
    assert texts[0].startswith("Sorry, only approved members may change this channel's interest")
    assert texts[1].startswith("This channel has no interest papers yet.")
    assert allowed.params["text"].startswith("Added 2212.04356 (Robust Speech Recognition")
    assert left == [("slack", CHANNEL, "2212.04356")]


# Discord ------------------------------------------------------------------------------


async def test_discord_interests_app_command_adds_and_lists(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, discord_fake: DiscordFake, arxiv_fake
) -> None:
    serve(arxiv_fake, "2212.04356", HOSTILE)
    async with discord_bot(tmp_path, monkeypatch, discord_fake, arxiv_fake) as bot:
        added = bot.interact(
            discord_fake.interaction("interests", action="add", paper="2212.04356")
        )
        [reply] = await bot.followups(added)
        listed = bot.interact(discord_fake.interaction("interests", action="list"))
        [listing] = await bot.followups(listed)
        left = stored(bot.core.store)
    title = "Whisper <!channel> @\u200beveryone \\[click\\](`http://evil.example/a`) evil"
    assert reply["content"] == (
        f"Added 2212.04356 ({title}) to this channel's interests: similar new papers are "
        "ranked first here."
    )
    assert listing["content"].endswith(f"• 2212.04356 {title} (added here)")
    assert reply["allowed_mentions"] == {"parse": []}
    assert left == [("discord", added["channel_id"], "2212.04356")]


async def test_discord_interests_changes_need_an_allowed_role(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, discord_fake: DiscordFake, arxiv_fake
) -> None:
    settings = f"allowed_roles = [{ROLE_ID}]\n"
    async with discord_bot(tmp_path, monkeypatch, discord_fake, arxiv_fake, settings) as bot:
        payload = discord_fake.interaction("interests", roles=(), action="add", paper="2212.04356")
        refused = bot.interact(payload)
        await until(lambda: bot.callbacks(refused))
        [callback] = bot.callbacks(refused)
        listed = bot.interact(discord_fake.interaction("interests", roles=(), action="list"))
        [listing] = await bot.followups(listed)
        left = stored(bot.core.store)
    assert callback["type"] == 4  # answered at once, only to the user
    assert callback["data"]["flags"] & (1 << 6)
    assert callback["data"]["content"].startswith(
        "Sorry, changing this channel's interest papers needs a role"
    )
    assert listing["content"].startswith("This channel has no interest papers yet.")
    assert left == []
