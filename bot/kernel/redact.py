"""The one place secrets are taken out of anything the bot writes.

Every output path calls :func:`redact`: log records (:class:`bot.kernel.logs.RedactSecrets`),
user-facing errors (:class:`bot.kernel.errors.RadarError` redacts its message), everything the
CLI prints (:func:`redact_std_streams`), every chat escaper (Slack, Discord) and the
report. It removes

* the values of the secret environment variables (the defaults and those the
  config names, read at call time, so a rotated key is covered at once);
* partial echoes of those values: a run of 8+ characters taken from a secret, and
  masked forms such as ``sk-rt-ll...2a11`` or ``xoxb-12****ab`` whose visible ends
  match a secret's start and end;
* anything shaped like a Slack, OpenAI or Discord token, configured or not.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable
from typing import Any, TextIO

REDACTED = "[REDACTED]"
DEFAULT_SECRET_ENVS = (
    "OPENAI_API_KEY",
    "SLACK_BOT_TOKEN",
    "SLACK_APP_TOKEN",
    "SLACK_SIGNING_SECRET",
    "DISCORD_TOKEN",
)
MIN_PARTIAL = 8  # shorter runs of a secret are too likely to be ordinary words
_secret_envs: set[str] = set(DEFAULT_SECRET_ENVS)

_TOKEN_SHAPES = re.compile(
    r"\b(?:xox[abposer]-[A-Za-z0-9-]{6,}|xapp-[A-Za-z0-9-]{6,}|sk-[A-Za-z0-9_-]{16,}"
    r"|[MNO][A-Za-z0-9_-]{23,}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,})"
)
_MASKED = re.compile(r"([A-Za-z0-9_-]{2,})(?:\*{2,}|\.{2,}|…)([A-Za-z0-9_-]{2,})")
_MASKED_SHAPE = re.compile(r"^(?:sk-|xox[a-z]-|xapp-)")
# An absolute POSIX or Windows path with at least one folder, not part of a URL.
_PATH = re.compile(r"(?<![\w:/.~-])(?:~?/|[A-Za-z]:\\)(?:[\w.@+-]+[/\\])+([\w.@+-]*)")
_RUN = re.compile(rf"[A-Za-z0-9_.+/=-]{{{MIN_PARTIAL},}}")


def remember_envs(names: Iterable[str]) -> None:
    """Also treat the values of the environment variables ``names`` as secrets."""
    _secret_envs.update(name for name in names if name)


def secrets() -> tuple[str, ...]:
    """The current secret values, longest first (so overlaps redact fully)."""
    values = {os.environ.get(name, "").strip() for name in _secret_envs}
    return tuple(sorted((v for v in values if v), key=len, reverse=True))


def redact(text: str, values: Iterable[str] | None = None) -> str:
    """``text`` without secrets, partial echoes of secrets, or token-shaped strings."""
    known = tuple(values) if values is not None else secrets()
    for value in known:
        text = text.replace(value, REDACTED)
    text = _MASKED.sub(lambda m: _masked(m, known), text)
    text = _RUN.sub(lambda m: _partial(m.group(0), known), text)
    return _TOKEN_SHAPES.sub(REDACTED, text)


def hide_paths(text: str) -> str:
    """``text`` with absolute file paths cut to their last part (chat never shows folders)."""
    return _PATH.sub(lambda m: m.group(1) or "…", text)


def _masked(match: re.Match[str], known: tuple[str, ...]) -> str:
    head, tail = match.group(1), match.group(2)
    if _MASKED_SHAPE.match(head):
        return REDACTED
    for value in known:
        if len(head) >= 3 and value.startswith(head) and value.endswith(tail):
            return REDACTED
    return match.group(0)


def _partial(run: str, known: tuple[str, ...]) -> str:
    return REDACTED if any(run in value for value in known) else run


class RedactingStream:
    """A text stream that redacts every write; the CLI wraps stdout and stderr in it."""

    def __init__(self, stream: TextIO) -> None:
        self.wrapped = stream

    def write(self, text: str) -> int:
        self.wrapped.write(redact(text))
        return len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.wrapped, name)


def redact_std_streams() -> None:
    """Wrap ``sys.stdout`` and ``sys.stderr`` (once) so nothing printed shows a secret."""
    if not isinstance(sys.stdout, RedactingStream):
        sys.stdout = RedactingStream(sys.stdout)
    if not isinstance(sys.stderr, RedactingStream):
        sys.stderr = RedactingStream(sys.stderr)
