"""``check --online`` for Slack: the bot token through ``auth.test``; in Socket Mode
also the app token through ``apps.connections.open`` (the URL it returns is not used)."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.kernel.config import Config, secret
from bot.kernel.errors import ConfigError, RadarError


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
    if slack.mode == "socket":
        await _check_app_token(client, slack.app_token_env)
    return f"{slack.api_url}: workspace {answer.get('team')}, bot {answer.get('user')}"


async def _check_app_token(client: AsyncWebClient, env: str) -> None:
    token = secret(env)
    if token is None:
        raise ConfigError(f"${env} is not set (Socket Mode needs the app token)")
    try:
        await client.apps_connections_open(app_token=token)
    except SlackApiError as exc:
        error = exc.response.get("error")
        raise RadarError(f"Slack refused the app token in ${env}: {error}") from exc
