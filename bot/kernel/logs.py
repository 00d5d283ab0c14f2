"""Structured logging: JSON lines for machines, text for people, secrets never written.

:func:`configure_logging` installs one stderr handler with a :class:`RedactSecrets`
filter (the values of every configured secret environment variable become
``[REDACTED]`` in the message, arguments, exception text and extra fields) and a
:class:`ContextFields` filter adding the current request and job IDs (set with
:func:`bind`) to every record.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, TextIO

from bot.kernel.config import Config
from bot.kernel.log_noise import silence_unactionable_warnings
from bot.kernel.redact import redact, remember_envs

_CONTEXT: dict[str, ContextVar[str | None]] = {
    "request_id": ContextVar("request_id", default=None),
    "job_id": ContextVar("job_id", default=None),
}
# Attributes every LogRecord has; anything else was passed with ``extra=``.
_STANDARD = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


def secret_env_names(config: Config) -> tuple[str, ...]:
    """The environment variables named by the config as holding secrets."""
    return (
        config.llm.api_key_env,
        config.slack.bot_token_env,
        config.slack.app_token_env,
        config.slack.signing_secret_env,
        config.discord.token_env,
    )


@contextmanager
def bind(**ids: str | int) -> Iterator[None]:
    """Attach ``request_id`` and/or ``job_id`` to every record logged inside the block."""
    tokens = [(_CONTEXT[key], _CONTEXT[key].set(str(value))) for key, value in ids.items()]
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)


class ContextFields(logging.Filter):
    """Copies the bound request and job IDs onto each record."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, var in _CONTEXT.items():
            value = var.get()
            if value is not None and not hasattr(record, key):
                setattr(record, key, value)
        return True


class RedactSecrets(logging.Filter):
    """Redacts (:mod:`bot.kernel.redact`) a record's message, exception text and extra fields.

    Without ``secrets`` the current values of the secret environment variables are used.
    """

    def __init__(self, secrets: Iterable[str] | None = None) -> None:
        super().__init__()
        self.secrets = None if secrets is None else tuple(secrets)

    def redact(self, text: str) -> str:
        return redact(text, self.secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.redact(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        for key, value in extra_fields(record).items():
            setattr(record, key, self.redact(value) if isinstance(value, str) else value)
        return True


def extra_fields(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in record.__dict__.items() if k not in _STANDARD}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, extra fields, exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            **extra_fields(record),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """The usual one-line text format, with extra fields appended as key=value."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        extras = " ".join(f"{k}={v}" for k, v in extra_fields(record).items())
        if not extras:
            return line
        head, sep, tail = line.partition("\n")
        return f"{head} [{extras}]{sep}{tail}"


def use_json(log_format: str, stream: TextIO) -> bool:
    """``json``/``text`` as configured; ``auto`` means JSON unless ``stream`` is a terminal."""
    if log_format == "auto":
        return not stream.isatty()
    return log_format == "json"


def configure_logging(
    config: Config, *, level: int = logging.INFO, stream: TextIO | None = None
) -> logging.Handler:
    """Replace the root logger's handlers with one structured, redacting stderr handler."""
    target = stream or sys.stderr
    handler = logging.StreamHandler(target)
    handler.setFormatter(
        JsonFormatter() if use_json(config.server.log_format, target) else TextFormatter()
    )
    handler.addFilter(ContextFields())
    remember_envs(secret_env_names(config))
    handler.addFilter(RedactSecrets())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for noisy in ("httpx", "httpcore", "apscheduler", "aiohttp.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    silence_unactionable_warnings()
    return handler
