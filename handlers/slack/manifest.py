"""The Slack app manifest matching the config: scopes, slash command, events, mode.

Paste the output of ``arxiv-radar slack-manifest`` into https://api.slack.com/apps
("Create New App" > "From an app manifest").
"""

from __future__ import annotations

import json
from typing import Any

from bot.kernel.commands import COMMANDS
from bot.kernel.config import SlackConfig
from handlers.slack.adapter import EVENTS_PATH

PLACEHOLDER_HOST = "YOUR-HOST"
BOT_SCOPES = (
    "app_mentions:read",  # app_mention events
    "channels:history",  # find_card in public channels; thread replies in "all" mode
    "chat:write",  # cards, progress, analyses, ephemeral replies
    "commands",  # the slash command
    "files:write",  # digest and report uploads (files_upload_v2)
    "groups:history",  # find_card in private channels the bot was invited to
    "reactions:read",  # reaction_added / reaction_removed events
)
BOT_EVENTS = ("app_mention", "reaction_added", "reaction_removed")
THREAD_REPLY_EVENTS = ("message.channels", "message.groups")  # thread_questions = "all"


def manifest(config: SlackConfig, name: str = "arxiv-radar") -> dict[str, Any]:
    """The manifest as data; HTTP mode gets request URLs on a placeholder host."""
    http = config.mode == "http"
    url = f"https://{PLACEHOLDER_HOST}{EVENTS_PATH}"
    command: dict[str, Any] = {
        "command": config.command,
        "description": "Watch arXiv and analyse papers",
        "usage_hint": "analyze 2511.05275 | ask 2511.05275 <question> | subscribe <keyword> | help",
        "should_escape": False,
    }
    replies = THREAD_REPLY_EVENTS if config.thread_questions == "all" else ()
    events: dict[str, Any] = {"bot_events": [*BOT_EVENTS, *replies]}
    interactivity: dict[str, Any] = {"is_enabled": True}
    if http:
        command["url"] = url
        events["request_url"] = url
        interactivity["request_url"] = url
    return {
        "display_information": {
            "name": name,
            "description": "Posts new arXiv papers and analyses them in threads.",
            "long_description": _long_description(config.command),
            "background_color": "#b31b1b",
        },
        "features": {
            "bot_user": {"display_name": name, "always_online": True},
            "slash_commands": [command],
        },
        "oauth_config": {"scopes": {"bot": list(BOT_SCOPES)}},
        "settings": {
            "event_subscriptions": events,
            "interactivity": interactivity,
            "org_deploy_enabled": False,
            "socket_mode_enabled": not http,
            "token_rotation_enabled": False,
        },
    }


def _long_description(command: str) -> str:
    lines = [f"{command} {spec.usage}: {spec.summary}" for spec in COMMANDS]
    intro = (
        "arxiv-radar watches arXiv categories and keywords for your team, posts paper cards "
        "and analyses a paper in full text when you press Analyze or react to its card."
    )
    return intro + "\n\n" + "\n".join(lines)


def to_yaml(data: Any, indent: int = 0) -> str:
    """Block-style YAML for dicts, lists and scalars (strings JSON-quoted, which YAML reads)."""
    pad = " " * indent
    if isinstance(data, dict):
        return "\n".join(_entry(f"{pad}{key}:", value, indent) for key, value in data.items())
    return "\n".join(_item(pad, value, indent) for value in data)


def _entry(prefix: str, value: Any, indent: int) -> str:
    if isinstance(value, dict | list) and value:
        return f"{prefix}\n{to_yaml(value, indent + 2)}"
    return f"{prefix} {json.dumps(value, ensure_ascii=False)}"


def _item(pad: str, value: Any, indent: int) -> str:
    if isinstance(value, dict) and value:
        return pad + "- " + to_yaml(value, indent + 2)[indent + 2 :]
    return _entry(f"{pad}-", value, indent)
