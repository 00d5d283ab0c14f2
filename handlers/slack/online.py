"""``check --online`` for Slack: the bot token through ``auth.test``."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Config, secret
from bot.errors import ConfigError, RadarError


async def check_connection(config: Config) -> str:
    """Who Slack says the bot is; raises with the reason when it refuses."""
    slack = config.slack
    token = secret(slack.bot_token_env)
    if token is None:
        raise ConfigError(f"${slack.bot_token_env} is not set")
    client = AsyncWebClient(token=token, base_url=slack.api_url, timeout=30)
    try:
        answer = await client.auth_test()
    except SlackApiError as exc:
        error = exc.response.get("error")
        raise RadarError(f"{slack.api_url} refused the bot token: {error}") from exc
    return f"{slack.api_url}: workspace {answer.get('team')}, bot {answer.get('user')}"
