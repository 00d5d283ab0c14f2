"""``DiscordAdapter``: logs the client in, keeps the gateway connection, stops it cleanly."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from bot.chat.service import RadarService
from bot.kernel.config import Config, secret
from bot.kernel.errors import ConfigError
from handlers.discord.client import RadarClient, endpoints, log_in
from handlers.discord.platform import DiscordPlatform

log = logging.getLogger(__name__)


class DiscordAdapter:
    """One bot connection (an :class:`~bot.kernel.platform.Adapter`)."""

    def __init__(self, config: Config, service: RadarService, token: str) -> None:
        self.config = config.discord
        self.client = RadarClient(config, service)
        self.platform: DiscordPlatform = self.client.platform
        self._token = token
        self._endpoints = contextlib.ExitStack()
        self._gateway: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Log in (REST, runs ``setup_hook``), then keep the gateway connected in the background."""
        self._endpoints.enter_context(endpoints(self.config))
        try:
            await log_in(self.client, self._token, self.config)
        except BaseException:
            await self.client.close()
            self._endpoints.close()
            raise
        self._gateway = asyncio.create_task(self.client.connect(reconnect=True), name="discord")
        self._gateway.add_done_callback(_log_end)

    async def stop(self) -> None:
        await self.client.close()
        if self._gateway is not None:
            with contextlib.suppress(Exception):
                await self._gateway
            self._gateway = None
        self._endpoints.close()

    def is_connected(self) -> bool:
        ws = self.client.ws
        return self.client.is_ready() and not self.client.is_closed() and ws is not None and ws.open


def _log_end(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("the Discord gateway connection ended", exc_info=task.exception())


def create_adapter(config: Config, service: RadarService) -> DiscordAdapter:
    """The Discord adapter for ``config``; its platform is registered with ``service``.

    Raises :class:`ConfigError` when the bot token's environment variable is unset.
    """
    token = secret(config.discord.token_env)
    if token is None:
        raise ConfigError(f"Discord needs the bot token in ${config.discord.token_env}.")
    adapter = DiscordAdapter(config, service, token)
    service.register(adapter.platform)
    return adapter
