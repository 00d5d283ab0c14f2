"""``SlackAdapter``: the Bolt app on Socket Mode or on an HTTP listener, started by the runtime.

Socket Mode (default) needs the bot token and an app-level token; HTTP mode needs the
bot token and the signing secret, and serves events, commands and interactivity at
``http://<slack.http_host>:<slack.http_port>/slack/events`` with signatures checked.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from typing import TypeVar

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient

from bot.chat.service import RadarService
from bot.kernel.config import Config, SlackConfig, secret
from bot.kernel.errors import ConfigError
from handlers.slack.app import Listeners, build_app
from handlers.slack.platform import SlackPlatform
from handlers.slack.requests import problem

T = TypeVar("T")
log = logging.getLogger(__name__)
EVENTS_PATH = "/slack/events"
RATE_LIMIT_RETRIES = 5
SERVER_ERROR_RETRIES = 2
DRAIN_TIMEOUT_S = 10.0
NOT_RETRIED = ("chat.postMessage", "files.completeUploadExternal")  # may post twice


class SafeServerErrorRetryHandler(AsyncServerErrorRetryHandler):
    """Retries 500/503, except for calls that may have taken effect before the error:
    those are reconciled by :class:`~handlers.slack.platform.SlackPlatform` instead."""

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if request.url.rstrip("/").endswith(NOT_RETRIED):
            return False
        return await super()._can_retry_async(
            state=state, request=request, response=response, error=error
        )


def web_client(config: SlackConfig, token: str) -> AsyncWebClient:
    """The one Web API client: 429 (Retry-After) retried, 500/503 only for calls that
    cannot post twice; connection errors are not retried (the platform reconciles)."""
    return AsyncWebClient(
        token=token,
        base_url=config.api_url,
        retry_handlers=[
            AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
            SafeServerErrorRetryHandler(max_retry_count=SERVER_ERROR_RETRIES),
        ],
    )


class SlackAdapter:
    """One Slack workspace connection (an :class:`~bot.kernel.platform.Adapter`)."""

    def __init__(self, config: Config, service: RadarService, tokens: dict[str, str]) -> None:
        self.config = config.slack
        client = web_client(self.config, tokens["bot"])
        self.platform = SlackPlatform(client, config)
        self.listeners = Listeners(self.config, service, self.platform)
        self._app_token = tokens.get("app")
        self._signing_secret = tokens.get("signing")
        self.app: AsyncApp = build_app(client, self.listeners, tokens.get("signing"))
        self._socket: AsyncSocketModeHandler | None = None
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        """Check the tokens (a clear error, not an endless reconnect loop), then connect."""
        await self._check("bot token", self.config.bot_token_env, self.platform.bot_id())
        if self.config.mode == "socket":
            opening = self.platform.client.apps_connections_open(app_token=self._app_token or "")
            opened = await self._check("app token", self.config.app_token_env, opening)
            self._socket = AsyncSocketModeHandler(self.app, app_token=self._app_token)
            self._socket.client.wss_uri = opened["url"]
            await self._socket.connect_async()
        else:
            await self._serve_http()

    async def stop(self) -> None:
        if self._socket is not None:
            await self._socket.close_async()
            self._socket = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        await self.listeners.drain(DRAIN_TIMEOUT_S)

    def is_connected(self) -> bool:
        if self._runner is not None:
            return True
        if self._socket is None:
            return False
        client = self._socket.client
        session = client.current_session
        return not client.closed and session is not None and not session.closed

    @property
    def http_port(self) -> int:
        """The port the HTTP listener is bound to (``slack.http_port``, or the one picked for 0)."""
        if self._runner is None:
            raise RuntimeError("the HTTP listener is not running")
        return int(self._runner.addresses[0][1])

    async def _check(self, what: str, env: str, call: Awaitable[T]) -> T:
        try:
            return await call
        except SlackApiError as exc:
            error = exc.response.get("error", "error")
            raise ConfigError(f"Slack rejected the {what} in ${env} ({error}).") from exc

    async def _serve_http(self) -> None:
        web_app = web.Application()
        web_app.router.add_post(EVENTS_PATH, self._dispatch)
        self._runner = web.AppRunner(web_app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.config.http_host, self.config.http_port)
        await site.start()

    async def _dispatch(self, request: web.Request) -> web.Response:
        """Refuse malformed requests (one log line, no traceback), hand the rest to Bolt."""
        body = await request.read()
        headers = {key.lower(): value for key, value in request.headers.items()}
        refused = problem(body, headers, request.content_type, self._signing_secret)
        if refused is not None:
            log.warning("refused a Slack request (HTTP %d): %s", refused.status, refused.reason)
            return web.Response(status=refused.status, text=refused.reason)
        response = await self.app.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(response)


def create_adapter(config: Config, service: RadarService) -> SlackAdapter:
    """The Slack adapter for ``config`` (the runtime registers its platform once started).

    Raises :class:`ConfigError` naming the environment variables a mode needs.
    """
    slack = config.slack
    needed = {"bot": slack.bot_token_env}
    if slack.mode == "socket":
        needed["app"] = slack.app_token_env
    else:
        needed["signing"] = slack.signing_secret_env
    tokens = {role: secret(env) for role, env in needed.items()}
    missing = [needed[role] for role, value in tokens.items() if value is None]
    if missing:
        names = " and ".join(f"${env}" for env in missing)
        raise ConfigError(f"Slack {slack.mode} mode needs {names} (environment variables).")
    return SlackAdapter(config, service, {k: v for k, v in tokens.items() if v})
