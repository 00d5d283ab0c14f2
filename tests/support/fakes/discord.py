"""A loopback Discord: the REST API under ``/api/v10`` and the gateway websocket.

Real discord.py talks to it: point ``discord.api_url`` at :attr:`DiscordFake.api_url`
and ``discord.gateway_url`` at :attr:`DiscordFake.gateway_url`. The REST side keeps
messages, threads and nonces like Discord does (a repeated ``nonce`` with
``enforce_nonce`` returns the first message); the gateway sends HELLO, answers
heartbeats, READY and GUILD_CREATE after IDENTIFY, RESUMED after RESUME (or an
invalid session when :attr:`DiscordFake.resumable` is off), and scripted
dispatches. Payload shapes follow ``shared/corpus/discord``.
"""

from __future__ import annotations

import asyncio
import email.parser
import email.policy
import itertools
import json
from datetime import UTC, datetime
from typing import Any

from aiohttp import WSMsgType, web

from tests.support.fakes.server import Fault, LoopbackServer, Recorded

API = "/api/v10"
APPLICATION_ID = "1300000000000000001"
GUILD_ID = "1300000000000000002"
CHANNEL_ID = "1300000000000000003"
OTHER_CHANNEL_ID = "1300000000000000004"
ROLE_ID = "1300000000000000005"
USER_ID = "167348773423415296"
BOT_USER = {
    "id": "1300000000000000006",
    "username": "arxiv-radar",
    "discriminator": "0",
    "global_name": None,
    "avatar": None,
    "bot": True,
    "public_flags": 0,
}
USER = {
    "id": USER_ID,
    "username": "ian",
    "discriminator": "6538",
    "global_name": None,
    "avatar": None,
    "public_flags": 1,
}
THREAD_EXISTS = {"message": "A thread has already been created for this message", "code": 160004}
UNKNOWN_MESSAGE = {"message": "Unknown Message", "code": 10008}
OP_DISPATCH, OP_HEARTBEAT, OP_IDENTIFY, OP_RESUME = 0, 1, 2, 6
OP_INVALID_SESSION, OP_HELLO, OP_HEARTBEAT_ACK = 9, 10, 11
MESSAGE_CONTENT_INTENT = 1 << 15


def rate_limited(retry_after: float = 0.05) -> Fault:
    """A per-route 429 as Discord sends it (discord.py only trusts it with a ``Via`` header)."""
    return Fault(
        status=429,
        body=json.dumps(
            {"message": "You are being rate limited.", "retry_after": retry_after, "global": False}
        ).encode(),
        headers={
            "Content-Type": "application/json",
            "Via": "1.1 google",
            "Retry-After": str(retry_after),
            "X-RateLimit-Limit": "5",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset-After": str(retry_after),
            "X-RateLimit-Bucket": "fake-bucket",
            "X-RateLimit-Scope": "user",
        },
    )


def message_payload(request: Recorded) -> dict[str, Any]:
    """The JSON payload of a recorded message request, plain JSON or multipart ``payload_json``."""
    return _payload(request.headers.get("Content-Type", ""), request.body)


def uploaded_files(request: Recorded) -> dict[str, bytes]:
    """File name -> content of the files in a recorded multipart message request."""
    return _files(request.headers.get("Content-Type", ""), request.body)


def _payload(content_type: str, body: bytes) -> dict[str, Any]:
    if not content_type.startswith("multipart/"):
        return dict(json.loads(body)) if body else {}
    for name, _, data in _multipart(content_type, body):
        if name == "payload_json":
            return dict(json.loads(data))
    return {}


def _files(content_type: str, body: bytes) -> dict[str, bytes]:
    if not content_type.startswith("multipart/"):
        return {}
    return {filename: data for _, filename, data in _multipart(content_type, body) if filename}


def _multipart(content_type: str, body: bytes) -> list[tuple[str, str | None, bytes]]:
    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    parsed = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    parts = []
    for part in parsed.iter_parts():
        name = part.get_param("name", header="content-disposition")
        data = part.get_payload(decode=True)
        parts.append(
            (str(name or ""), part.get_filename(), data if isinstance(data, bytes) else b"")
        )
    return parts


def _json(data: Any, status: int = 200) -> web.Response:
    """A JSON answer; discord.py wants exactly ``application/json`` (no charset)."""
    return web.Response(
        body=json.dumps(data).encode(), status=status, content_type="application/json"
    )


def _now() -> str:
    return datetime.now(UTC).isoformat()


class DiscordFake(LoopbackServer):
    """REST and gateway of one guild with two text channels, a bot user and one member."""

    def __init__(self) -> None:
        super().__init__()
        self.messages: dict[str, dict[str, Any]] = {}
        self.channels: dict[str, dict[str, Any]] = {
            CHANNEL_ID: self._text_channel(CHANNEL_ID, "papers"),
            OTHER_CHANNEL_ID: self._text_channel(OTHER_CHANNEL_ID, "general"),
        }
        self.gateway_received: list[dict[str, Any]] = []
        self.token = "test-token"  # the bot token the REST API accepts
        self.resumable = True
        self.lost_responses = 0  # next message creations that succeed but answer 502
        self._nonces: dict[tuple[str, str], str] = {}
        self._interaction_channels: dict[str, str] = {}
        self._snowflakes = itertools.count(1_400_000_000_000_000_000)
        self._ws: web.WebSocketResponse | None = None
        self._sequence = 0
        self._session = ""
        self._sessions = itertools.count(1)

    @property
    def api_url(self) -> str:
        return self.url + API

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    def config_toml(self, settings: str = "") -> str:
        """A ``[discord]`` table pointing the bot at this fake, plus ``settings`` lines."""
        return (
            "[discord]\nenabled = true\n"
            f'application_id = "{APPLICATION_ID}"\nguild_ids = [{GUILD_ID}]\n'
            f'api_url = "{self.api_url}"\ngateway_url = "{self.gateway_url}"\n{settings}'
        )

    # routes -----------------------------------------------------------------

    def routes(self, app: web.Application) -> None:

        app.router.add_get("/gateway", self._gateway)
        app.router.add_get(f"{API}/users/@me", self._me)
        app.router.add_get(f"{API}/oauth2/applications/@me", self._json_of(self._application()))
        app.router.add_put(f"{API}/applications/{{app}}/commands", self._sync_commands)
        app.router.add_put(
            f"{API}/applications/{{app}}/guilds/{{guild}}/commands", self._sync_commands
        )
        channel = f"{API}/channels/{{channel}}"
        app.router.add_get(channel, self._get_channel)
        app.router.add_post(f"{channel}/messages", self._create_message)
        app.router.add_get(f"{channel}/messages", self._history)
        app.router.add_get(f"{channel}/messages/{{message}}", self._get_message)
        app.router.add_patch(f"{channel}/messages/{{message}}", self._edit_message)
        app.router.add_post(f"{channel}/messages/{{message}}/threads", self._create_thread)
        app.router.add_put(f"{channel}/messages/{{message}}/reactions/{{emoji}}/@me", self._react)
        app.router.add_post(f"{API}/interactions/{{id}}/{{token}}/callback", self._callback)
        app.router.add_post(f"{API}/webhooks/{{app}}/{{token}}", self._followup)
        app.router.add_patch(
            f"{API}/webhooks/{{app}}/{{token}}/messages/@original", self._edit_original
        )

    async def _me(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bot {self.token}":
            return _json({"message": "401: Unauthorized", "code": 0}, status=401)
        return _json(BOT_USER)

    def _json_of(self, data: Any) -> Any:
        async def handler(request: web.Request) -> web.Response:
            return _json(data)

        return handler

    async def _sync_commands(self, request: web.Request) -> web.Response:
        commands = await request.json()
        guild = request.match_info.get("guild")
        synced = [
            {
                **command,
                "id": str(next(self._snowflakes)),
                "application_id": APPLICATION_ID,
                "version": "1",
                **({"guild_id": guild} if guild else {}),
            }
            for command in commands
        ]
        return _json(synced)

    async def _get_channel(self, request: web.Request) -> web.Response:
        channel = self.channels.get(request.match_info["channel"])
        if channel is None:
            return _json({"message": "Unknown Channel", "code": 10003}, status=404)
        return _json(channel)

    async def _create_message(self, request: web.Request) -> web.Response:
        channel = request.match_info["channel"]
        payload, files = await self._message_body(request)
        nonce = payload.get("nonce")
        if nonce and payload.get("enforce_nonce") and (channel, nonce) in self._nonces:
            return _json(self.messages[self._nonces[(channel, nonce)]])
        message = self._store_message(channel, payload, files)
        if nonce:
            self._nonces[(channel, nonce)] = message["id"]
        if self.lost_responses:
            self.lost_responses -= 1
            return _json({"message": "502 Bad Gateway", "code": 0}, status=502)
        return _json(message)

    async def _history(self, request: web.Request) -> web.Response:
        channel = request.match_info["channel"]
        limit = int(request.query.get("limit", "50"))
        before = int(request.query.get("before", str(2**63)))
        found = [
            m
            for m in self.messages.values()
            if m["channel_id"] == channel and int(m["id"]) < before
        ]
        found.sort(key=lambda m: int(m["id"]), reverse=True)
        return _json([{k: v for k, v in m.items() if k != "nonce"} for m in found[:limit]])

    async def _get_message(self, request: web.Request) -> web.Response:
        message = self.messages.get(request.match_info["message"])
        if message is None or message["channel_id"] != request.match_info["channel"]:
            return _json(UNKNOWN_MESSAGE, status=404)
        return _json(message)

    async def _edit_message(self, request: web.Request) -> web.Response:
        message = self.messages.get(request.match_info["message"])
        if message is None or message["channel_id"] != request.match_info["channel"]:
            return _json(UNKNOWN_MESSAGE, status=404)
        changes = await request.json()
        message.update({k: v for k, v in changes.items() if k in ("content", "embeds", "flags")})
        message["edited_timestamp"] = _now()
        return _json(message)

    async def _create_thread(self, request: web.Request) -> web.Response:
        parent, message_id = request.match_info["channel"], request.match_info["message"]
        if message_id not in self.messages:
            return _json(UNKNOWN_MESSAGE, status=404)
        if message_id in self.channels:
            return _json(THREAD_EXISTS, status=400)
        body = await request.json()
        thread = {
            "id": message_id,
            "type": 11,
            "guild_id": GUILD_ID,
            "parent_id": parent,
            "owner_id": BOT_USER["id"],
            "name": body["name"],
            "last_message_id": None,
            "message_count": 0,
            "member_count": 1,
            "rate_limit_per_user": 0,
            "flags": 0,
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": body.get("auto_archive_duration", 1440),
                "archive_timestamp": _now(),
                "locked": False,
            },
        }
        self.channels[message_id] = thread
        if self._ws is not None:  # Discord tells the creator's gateway too
            await self._send(self._ws, "THREAD_CREATE", {**thread, "newly_created": True})
        return _json(thread, status=201)

    async def _react(self, request: web.Request) -> web.Response:
        if request.match_info["message"] not in self.messages:
            return _json(UNKNOWN_MESSAGE, status=404)
        return web.Response(status=204)

    async def _callback(self, request: web.Request) -> web.Response:
        body = await request.json()
        flags = body.get("data", {}).get("flags", 0)
        return _json(
            {
                "interaction": {
                    "id": request.match_info["id"],
                    "type": 2,
                    "response_message_loading": body["type"] == 5,
                    "response_message_ephemeral": bool(flags & 64),
                },
                "resource": {"type": body["type"]},
            }
        )

    async def _followup(self, request: web.Request) -> web.Response:
        channel = self._interaction_channels.get(request.match_info["token"], CHANNEL_ID)
        message = self._store_message(channel, *await self._message_body(request))
        message["webhook_id"] = APPLICATION_ID
        return _json(message)

    async def _edit_original(self, request: web.Request) -> web.Response:
        channel = self._interaction_channels.get(request.match_info["token"], CHANNEL_ID)
        return _json(self._store_message(channel, await request.json(), {}))

    @staticmethod
    async def _message_body(request: web.Request) -> tuple[dict[str, Any], dict[str, bytes]]:
        body = await request.read()  # cached by the recording middleware
        content_type = request.headers.get("Content-Type", "")
        return _payload(content_type, body), _files(content_type, body)

    def _store_message(
        self, channel: str, payload: dict[str, Any], files: dict[str, bytes]
    ) -> dict[str, Any]:
        message_id = str(next(self._snowflakes))
        message = {
            "id": message_id,
            "channel_id": channel,
            "author": BOT_USER,
            "content": payload.get("content") or "",
            "embeds": payload.get("embeds", []),
            "components": payload.get("components", []),
            "attachments": [
                {
                    "id": str(next(self._snowflakes)),
                    "filename": name,
                    "size": len(data),
                    "url": f"{self.url}/attachments/{name}",
                    "proxy_url": f"{self.url}/attachments/{name}",
                }
                for name, data in files.items()
            ],
            "mentions": [],
            "mention_roles": [],
            "mention_everyone": False,
            "pinned": False,
            "tts": False,
            "timestamp": _now(),
            "edited_timestamp": None,
            "type": 0,
            "flags": payload.get("flags", 0),
            "nonce": payload.get("nonce"),
        }
        self.messages[message_id] = message
        return message

    # state for tests -----------------------------------------------------------

    def add_message(
        self, channel: str = CHANNEL_ID, author: dict[str, Any] | None = None, **fields: Any
    ) -> str:
        """A message someone else posted (``author`` defaults to the member)."""
        message = self._store_message(channel, fields, {})
        message["author"] = author or USER
        return str(message["id"])

    def channel_messages(self, channel: str) -> list[dict[str, Any]]:
        """Messages stored in ``channel``, oldest first."""
        found = [m for m in self.messages.values() if m["channel_id"] == channel]
        return sorted(found, key=lambda m: int(m["id"]))

    def posts(self, channel: str | None = None) -> list[Recorded]:
        """Recorded ``POST /channels/{id}/messages`` requests (retries included)."""
        suffix = "/messages"
        return self.matching(
            lambda r: (
                r.method == "POST"
                and r.path.endswith(suffix)
                and r.path.startswith(f"{API}/channels/")
                and (channel is None or r.path == f"{API}/channels/{channel}{suffix}")
            )
        )

    # gateway -------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._ws = ws
        await ws.send_json(
            {"op": OP_HELLO, "d": {"heartbeat_interval": 41250}, "s": None, "t": None}
        )
        async for frame in ws:
            if frame.type is WSMsgType.TEXT:
                await self._on_gateway_message(ws, json.loads(frame.data))
        if self._ws is ws:
            self._ws = None
        return ws

    async def _on_gateway_message(self, ws: web.WebSocketResponse, message: dict[str, Any]) -> None:
        """Answer one op; it is recorded in :attr:`gateway_received` once answered."""
        op = message["op"]
        if op == OP_HEARTBEAT:
            await ws.send_json({"op": OP_HEARTBEAT_ACK, "d": None, "s": None, "t": None})
        elif op == OP_IDENTIFY:
            self._session = f"session-{next(self._sessions)}"
            self._sequence = 0
            await self._send(ws, "READY", self._ready())
            await self._send(ws, "GUILD_CREATE", self._guild())
        elif op == OP_RESUME:
            if self.resumable and message["d"]["session_id"] == self._session:
                await self._send(ws, "RESUMED", {})
            else:
                await ws.send_json({"op": OP_INVALID_SESSION, "d": False, "s": None, "t": None})
        self.gateway_received.append(message)

    async def _send(self, ws: web.WebSocketResponse, event: str, data: dict[str, Any]) -> None:
        self._sequence += 1
        await ws.send_json({"op": OP_DISPATCH, "t": event, "s": self._sequence, "d": data})

    @property
    def connected(self) -> bool:
        """Whether a bot holds a gateway connection."""
        return self._ws is not None

    def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send a dispatch event over the current gateway connection."""
        future = asyncio.run_coroutine_threadsafe(self._dispatch_now(event, data), self._loop)
        future.result(10)

    async def _dispatch_now(self, event: str, data: dict[str, Any]) -> None:
        if self._ws is None:
            raise AssertionError("no gateway connection")
        await self._send(self._ws, event, data)

    def close_gateway(self, code: int = 4000) -> None:
        """Close the bot's gateway connection as Discord does on a server-side problem."""
        future = asyncio.run_coroutine_threadsafe(self._close_now(code), self._loop)
        future.result(10)

    async def _close_now(self, code: int) -> None:
        ws, self._ws = self._ws, None
        if ws is None:
            raise AssertionError("no gateway connection")
        await ws.close(code=code)

    def received_ops(self, op: int) -> list[dict[str, Any]]:
        return [m for m in list(self.gateway_received) if m["op"] == op]

    @property
    def content_intent(self) -> bool:
        """Whether the bot identified with the privileged Message Content intent."""
        identified = self.received_ops(OP_IDENTIFY)
        return bool(identified) and bool(identified[-1]["d"]["intents"] & MESSAGE_CONTENT_INTENT)

    def user_message(
        self,
        channel: str,
        content: str,
        *,
        mentions_bot: bool = False,
        author: dict[str, Any] | None = None,
        roles: tuple[str, ...] = (ROLE_ID,),
    ) -> str:
        """A member posts ``content`` in ``channel`` (a thread, say); the bot gets MESSAGE_CREATE.

        As on Discord, without the Message Content intent the event carries the text
        only when the message mentions the bot.
        """
        who = author or USER
        message = self._store_message(channel, {"content": content}, {})
        message["author"] = who
        if mentions_bot:
            message["mentions"] = [BOT_USER]
        event = {**message, "guild_id": GUILD_ID, "member": {**self._member(roles), "user": who}}
        if not (mentions_bot or self.content_intent):
            event["content"] = ""
        self.dispatch("MESSAGE_CREATE", {k: v for k, v in event.items() if k != "nonce"})
        return str(message["id"])

    # payloads --------------------------------------------------------------------

    def interaction(
        self,
        subcommand: str,
        channel: str = CHANNEL_ID,
        roles: tuple[str, ...] = (ROLE_ID,),
        **options: str | bool,
    ) -> dict[str, Any]:
        """An ``/arxiv <subcommand>`` slash-command interaction (corpus: slash_command_blep)."""
        arguments = [
            {"type": 5 if isinstance(value, bool) else 3, "name": name, "value": value}
            for name, value in options.items()
        ]
        data = {
            "type": 1,
            "name": "arxiv",
            "id": str(next(self._snowflakes)),
            "guild_id": GUILD_ID,
            "options": [{"type": 1, "name": subcommand, "options": arguments}],
        }
        return self._interaction(2, data, channel, roles)

    def button_interaction(
        self, message_id: str, roles: tuple[str, ...] = (ROLE_ID,)
    ) -> dict[str, Any]:
        """A click on the first button of a stored message (component interaction)."""
        message = self.messages[message_id]
        button = message["components"][0]["components"][0]
        data = {"component_type": 2, "custom_id": button["custom_id"]}
        payload = self._interaction(3, data, message["channel_id"], roles)
        payload["message"] = message
        return payload

    def _interaction(
        self, kind: int, data: dict[str, Any], channel: str, roles: tuple[str, ...]
    ) -> dict[str, Any]:
        interaction_id = str(next(self._snowflakes))
        token = f"token-{interaction_id}"
        self._interaction_channels[token] = channel
        return {
            "id": interaction_id,
            "application_id": APPLICATION_ID,
            "type": kind,
            "data": data,
            "guild_id": GUILD_ID,
            "channel_id": channel,
            "channel": {**self.channels[channel], "permissions": "70368744177663"},
            "member": self._member(roles),
            "token": token,
            "version": 1,
            "locale": "en-US",
            "guild_locale": "en-US",
            "app_permissions": "442368",
            "attachment_size_limit": 10485760,
            "entitlements": [],
            "authorizing_integration_owners": {"0": GUILD_ID},
            "context": 0,
        }

    def reaction(
        self,
        message_id: str,
        emoji: str = "🔍",
        user: dict[str, Any] | None = None,
        roles: tuple[str, ...] = (ROLE_ID,),
    ) -> dict[str, Any]:
        """MESSAGE_REACTION_ADD on a stored message (corpus: serenity_d_message_reaction_add_3)."""
        user = user or USER
        message = self.messages[message_id]
        return {
            "user_id": user["id"],
            "message_id": message_id,
            "message_author_id": message["author"]["id"],
            "emoji": {"name": emoji, "id": None},
            "channel_id": message["channel_id"],
            "guild_id": GUILD_ID,
            "member": {**self._member(roles), "user": user},
            "burst": False,
            "type": 0,
        }

    def _member(self, roles: tuple[str, ...]) -> dict[str, Any]:
        return {
            "user": USER,
            "roles": list(roles),
            "nick": None,
            "avatar": None,
            "joined_at": "2020-11-02T20:46:57.364000+00:00",
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "pending": False,
            "flags": 0,
            "permissions": "274877906943",
        }

    def _ready(self) -> dict[str, Any]:
        return {
            "v": 10,
            "user": BOT_USER,
            "session_id": self._session,
            "resume_gateway_url": self.gateway_url,
            "guilds": [{"id": GUILD_ID, "unavailable": True}],
            "application": {"id": APPLICATION_ID, "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "user_settings": {},
            "_trace": ["fake-gateway"],
        }

    def _guild(self) -> dict[str, Any]:
        role = {"color": 0, "hoist": False, "managed": False, "mentionable": False, "flags": 0}
        return {
            "id": GUILD_ID,
            "name": "Research",
            "icon": None,
            "owner_id": USER_ID,
            "unavailable": False,
            "large": False,
            "member_count": 2,
            "joined_at": "2025-11-10T00:00:00+00:00",
            "roles": [
                {
                    **role,
                    "id": GUILD_ID,
                    "name": "@everyone",
                    "permissions": "1071698660929",
                    "position": 0,
                },
                {**role, "id": ROLE_ID, "name": "researchers", "permissions": "0", "position": 1},
            ],
            "channels": [c for c in self.channels.values() if c["type"] == 0],
            "threads": [c for c in self.channels.values() if c["type"] == 11],
            "members": [],
            "emojis": [],
            "stickers": [],
            "features": [],
            "voice_states": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "preferred_locale": "en-US",
            "premium_tier": 0,
            "system_channel_flags": 0,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "afk_timeout": 300,
        }

    @staticmethod
    def _text_channel(channel_id: str, name: str) -> dict[str, Any]:
        return {
            "id": channel_id,
            "type": 0,
            "guild_id": GUILD_ID,
            "name": name,
            "position": 0,
            "permission_overwrites": [],
            "parent_id": None,
            "nsfw": False,
            "topic": None,
            "rate_limit_per_user": 0,
            "last_message_id": None,
            "flags": 0,
        }

    @staticmethod
    def _application() -> dict[str, Any]:
        return {
            "id": APPLICATION_ID,
            "name": "arxiv-radar",
            "icon": None,
            "description": "",
            "rpc_origins": [],
            "bot_public": True,
            "bot_require_code_grant": False,
            "owner": USER,
            "summary": "",
            "verify_key": "0" * 64,
            "team": None,
            "flags": 0,
            "interactions_endpoint_url": None,
        }
