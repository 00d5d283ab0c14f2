"""``check --online`` for Discord: the bot token through ``GET /users/@me``."""

from __future__ import annotations

import aiohttp

from bot.kernel.config import Config, secret
from bot.kernel.errors import ConfigError, RadarError

TIMEOUT_S = 30


async def check_connection(config: Config) -> str:
    """Which bot user Discord says the token belongs to; raises with the reason otherwise."""
    discord = config.discord
    token = secret(discord.token_env)
    if token is None:
        raise ConfigError(f"${discord.token_env} is not set")
    url = f"{discord.api_url.rstrip('/')}/users/@me"
    timeout = aiohttp.ClientTimeout(total=TIMEOUT_S)
    headers = {"Authorization": f"Bot {token}"}
    async with (
        aiohttp.ClientSession(timeout=timeout) as session,
        session.get(url, headers=headers) as response,
    ):
        if response.status != 200:
            raise RadarError(f"{url} answered HTTP {response.status}")
        user = await response.json()
    return f"{discord.api_url}: bot {user.get('username')} ({user.get('id')})"
