"""The gate in front of Bolt on the HTTP listener: malformed requests never reach it.

Bolt answers a non-numeric timestamp, a binary or non-object JSON body, or a signed
payload without the fields a listener needs with a 500 and a traceback in the log.
:func:`problem` checks a request first: headers and signature (401), size (413),
encoding and shape (400). Each refusal is one log line, never a traceback.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

MAX_BODY_BYTES = 256 * 1024  # Slack's own payloads stay well below this
MAX_CLOCK_SKEW_S = 5 * 60


@dataclass(frozen=True)
class Refusal:
    status: int
    reason: str


def problem(
    body: bytes, headers: dict[str, str], content_type: str, signing_secret: str | None
) -> Refusal | None:
    """None when Bolt may handle the request, else the status and one-line reason."""
    if len(body) > MAX_BODY_BYTES:
        return Refusal(413, f"body of {len(body)} bytes is over {MAX_BODY_BYTES}")
    if signing_secret is not None:
        refused = _signature_problem(body, headers, signing_secret)
        if refused is not None:
            return refused
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return Refusal(400, "body is not UTF-8")
    payload = _payload(text, content_type)
    if not isinstance(payload, dict):
        return Refusal(400, "body is not a JSON object or form")
    missing = missing_fields(payload)
    return Refusal(400, f"payload lacks {missing}") if missing else None


def _signature_problem(body: bytes, headers: dict[str, str], secret: str) -> Refusal | None:
    stamp = headers.get("x-slack-request-timestamp", "")
    signature = headers.get("x-slack-signature", "")
    if not stamp.isdigit() or not signature:
        return Refusal(401, "missing or malformed signature headers")
    if abs(time.time() - int(stamp)) > MAX_CLOCK_SKEW_S:
        return Refusal(401, "stale timestamp")
    if not hmac.compare_digest(signature, signature_of(secret, stamp, body)):
        return Refusal(401, "bad signature")
    return None


def signature_of(secret: str, stamp: str, body: bytes) -> str:
    """Slack's ``v0`` signature of ``body`` (raw bytes: a body need not be text)."""
    base = b"v0:" + stamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def _payload(text: str, content_type: str) -> Any:
    """The JSON object of an events body, the form of a command, or an action's payload."""
    try:
        if "json" in content_type:
            return json.loads(text)
        form = {key: values[-1] for key, values in parse_qs(text).items()}
        return json.loads(form["payload"]) if "payload" in form else form
    except (ValueError, KeyError):
        return None


def missing_fields(payload: dict[str, Any]) -> str | None:
    """The first field a listener needs that ``payload`` lacks (by payload type), or None."""
    kind = payload.get("type")
    if kind == "url_verification":
        return None if isinstance(payload.get("challenge"), str) else "challenge"
    if kind == "event_callback":
        event = payload.get("event")
        if not isinstance(event, dict) or not isinstance(payload.get("event_id"), str):
            return "event or event_id"
        return _event_fields(event)
    if kind == "block_actions":
        container = payload.get("container")
        user = payload.get("user")
        if not isinstance(container, dict) or not container.get("message_ts"):
            return "container.message_ts"
        channel = container.get("channel_id") or _get(payload, "channel", "id")
        if not channel or not isinstance(user, dict) or not user.get("id"):
            return "channel or user"
        return None
    if "command" in payload:
        return None if payload.get("channel_id") and payload.get("user_id") else "channel or user"
    return None if kind else "type"


def _event_fields(event: dict[str, Any]) -> str | None:
    if event.get("type") == "app_mention":
        return None if event.get("channel") and event.get("ts") else "event.channel or event.ts"
    if event.get("type") == "reaction_added":
        item = event.get("item")
        ok = isinstance(item, dict) and item.get("channel") and item.get("ts")
        return None if ok else "event.item"
    return None


def _get(payload: dict[str, Any], key: str, field: str) -> Any:
    value = payload.get(key)
    return value.get(field) if isinstance(value, dict) else None
