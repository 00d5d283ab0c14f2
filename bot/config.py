"""Configuration: TOML into frozen dataclasses, validated, errors naming the key.

Secrets never live in the file: the config names environment variables
(``llm.api_key_env``, ``slack.bot_token_env``…) and :func:`secret` reads them.
"""

from __future__ import annotations

import os
import re
import tomllib
import types
import typing
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger

from bot.errors import ConfigError
from bot.matching import compile_keyword
from bot.models import ANNOUNCE_TYPES
from bot.redact import remember_envs
from bot.taxonomy import is_category, unknown_category_message

DEFAULT_CONFIG_PATH = Path("config.toml")
CONFIG_ENV = "ARXIV_RADAR_CONFIG"
# arXiv announces Sunday-Thursday 20:00 US Eastern; rss.arxiv.org is rebuilt around
# midnight Eastern (13:00 in Asia/Shanghai). Poll every 20 minutes through that window
# on weekdays: dedupe makes the repeats harmless and catches a late or stale feed.
DEFAULT_SCHEDULE = "*/20 13-16 * * mon-fri"
DEFAULT_REPORT_SCHEDULE = "0 17 * * mon-fri"
DEFAULT_KEYWORDS = (
    "Vision Language Action ",
    "vla",
    "Vision-Language-Action",
    "Multivariate Time Series Forecasting",
    "spatio-temporal prediction",
    "traffic prediction",
)
DEFAULT_CATEGORIES = ("cs.AI", "cs.LG", "cs.RO", "cs.CV")


@dataclass(frozen=True)
class ArxivConfig:
    rss_url: str = "https://rss.arxiv.org/rss/{categories}"
    api_url: str = "https://export.arxiv.org/api/query"
    pdf_url: str = "https://arxiv.org/pdf/{id}"
    abs_url: str = "https://arxiv.org/abs/{id}"
    html_url: str = "https://arxiv.org/html/{id}"
    timeout_s: float = 30.0
    max_retries: int = 4
    backoff_s: float = 2.0
    user_agent: str = "arxiv-radar/{version} (+https://github.com/arxiv-radar/arxiv-radar)"
    contact: str = ""
    api_delay_s: float = 3.0
    pdf_delay_s: float = 1.0
    max_feed_mb: int = 20


@dataclass(frozen=True)
class StorageConfig:
    path: str = "data/arxiv-radar.db"
    cache_dir: str = "data/cache"
    cache_max_mb: int = 2048
    busy_timeout_s: float = 15.0


@dataclass(frozen=True)
class ReportConfig:
    dir: str = "reports"
    language: str = "zh"
    timezone: str = "Asia/Shanghai"


@dataclass(frozen=True)
class MonitorConfig:
    name: str = "default"
    categories: tuple[str, ...] = DEFAULT_CATEGORIES
    keywords: tuple[str, ...] = DEFAULT_KEYWORDS
    exclude_keywords: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    announce_types: tuple[str, ...] = ANNOUNCE_TYPES
    channels: tuple[str, ...] = ()
    auto_analyze: bool = False
    schedule: str = DEFAULT_SCHEDULE
    report_schedule: str = DEFAULT_REPORT_SCHEDULE
    upload_report: bool = False


@dataclass(frozen=True)
class AnalysisConfig:
    engine: str = "auto"
    source: str = "auto"
    concurrency: int = 2
    max_attempts: int = 3
    max_pdf_mb: int = 50
    max_pages: int = 120
    extract_timeout_s: float = 60.0
    extract_memory_mb: int = 2048
    max_per_user_per_day: int = 20
    max_questions_per_user_per_day: int = 30
    question_history_turns: int = 4


@dataclass(frozen=True)
class LlmConfig:
    base_url: str = "https://api.openai.com/v1"
    model: str = "gpt-4o-mini"
    api_key_env: str = "OPENAI_API_KEY"
    timeout_s: float = 120.0
    max_retries: int = 2
    deadline_s: float = 600.0
    temperature: float = 0.2
    max_input_tokens: int = 60000
    max_output_tokens: int = 4096
    response_format: str = "auto"
    daily_token_budget: int = 0


@dataclass(frozen=True)
class EmbeddingsConfig:
    """An OpenAI-compatible embeddings endpoint; an empty ``model`` turns embeddings off."""

    base_url: str = "https://api.openai.com/v1"
    model: str = ""
    api_key_env: str = "OPENAI_API_KEY"
    timeout_s: float = 30.0
    batch_size: int = 64
    max_retries: int = 2


@dataclass(frozen=True)
class SlackConfig:
    enabled: bool = False
    mode: str = "socket"
    command: str = "/arxiv"
    analyze_reactions: tuple[str, ...] = ("mag",)
    api_url: str = "https://slack.com/api/"
    bot_token_env: str = "SLACK_BOT_TOKEN"
    app_token_env: str = "SLACK_APP_TOKEN"
    signing_secret_env: str = "SLACK_SIGNING_SECRET"
    http_host: str = "0.0.0.0"
    http_port: int = 3000
    allowed_users: tuple[str, ...] = ()
    post_interval_s: float = 1.0
    thread_questions: str = "mention"


@dataclass(frozen=True)
class DiscordConfig:
    enabled: bool = False
    token_env: str = "DISCORD_TOKEN"
    application_id: str = ""
    guild_ids: tuple[int, ...] = ()
    analyze_reactions: tuple[str, ...] = ("🔍",)
    allowed_roles: tuple[int, ...] = ()
    allowed_channels: tuple[int, ...] = ()
    api_url: str = "https://discord.com/api/v10"
    gateway_url: str = "wss://gateway.discord.gg"
    message_content: bool = False


@dataclass(frozen=True)
class SubscriptionsConfig:
    """Caps on what one channel may follow (#14: no chat user turns a channel into a firehose)."""

    max_keywords: int = 20
    max_categories: int = 5
    allow_all: bool = False  # may a channel follow a category without keywords (--all)?


@dataclass(frozen=True)
class AccessConfig:
    """Who may do what: "admins" (slack.allowed_users, discord.allowed_roles) or "everyone"."""

    analyze: str = "admins"
    subscriptions: str = "admins"


@dataclass(frozen=True)
class ServerConfig:
    host: str = "127.0.0.1"
    port: int = 8080
    shutdown_grace_s: float = 30.0
    metrics: bool = True
    log_format: str = "auto"


@dataclass(frozen=True)
class Config:
    arxiv: ArxivConfig = field(default_factory=ArxivConfig)
    storage: StorageConfig = field(default_factory=StorageConfig)
    report: ReportConfig = field(default_factory=ReportConfig)
    monitors: tuple[MonitorConfig, ...] = (MonitorConfig(),)
    analysis: AnalysisConfig = field(default_factory=AnalysisConfig)
    llm: LlmConfig = field(default_factory=LlmConfig)
    embeddings: EmbeddingsConfig = field(default_factory=EmbeddingsConfig)
    slack: SlackConfig = field(default_factory=SlackConfig)
    discord: DiscordConfig = field(default_factory=DiscordConfig)
    server: ServerConfig = field(default_factory=ServerConfig)
    subscriptions: SubscriptionsConfig = field(default_factory=SubscriptionsConfig)
    access: AccessConfig = field(default_factory=AccessConfig)
    source: str = "built-in defaults"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.report.timezone)

    def monitor(self, name: str) -> MonitorConfig:
        for monitor in self.monitors:
            if monitor.name == name:
                return monitor
        known = ", ".join(m.name for m in self.monitors)
        raise ConfigError(f"No monitor named {name!r} (configured: {known}).")


_SECTIONS: dict[str, type] = {
    "arxiv": ArxivConfig,
    "storage": StorageConfig,
    "report": ReportConfig,
    "analysis": AnalysisConfig,
    "llm": LlmConfig,
    "embeddings": EmbeddingsConfig,
    "slack": SlackConfig,
    "discord": DiscordConfig,
    "server": ServerConfig,
    "subscriptions": SubscriptionsConfig,
    "access": AccessConfig,
}
# Discord IDs may be written as integers or as strings of digits in every one of these keys.
_DISCORD_ID_KEYS = frozenset(
    {
        "discord.application_id",
        "discord.guild_ids",
        "discord.allowed_roles",
        "discord.allowed_channels",
    }
)
_CHOICES: dict[str, tuple[str, ...]] = {
    "report.language": ("zh", "en"),
    "analysis.engine": ("auto", "llm", "extractive"),
    "analysis.source": ("auto", "html", "pdf"),
    "llm.response_format": ("auto", "json_schema", "json_object"),
    "slack.mode": ("socket", "http"),
    "slack.thread_questions": ("mention", "all"),
    "server.log_format": ("auto", "json", "text"),
    "access.analyze": ("admins", "everyone"),
    "access.subscriptions": ("admins", "everyone"),
}


def secret(name: str) -> str | None:
    """The value of the environment variable ``name``, or None when unset or empty.

    ``name`` is remembered as a secret, so :mod:`bot.redact` removes its value from output.
    """
    remember_envs((name,))
    value = os.environ.get(name, "").strip()
    return value or None


def resolve_config_path(explicit: str | None) -> Path | None:
    """``--config`` if given, else $ARXIV_RADAR_CONFIG if set, else ./config.toml if present."""
    if explicit:
        return Path(explicit)
    from_env = os.environ.get(CONFIG_ENV, "").strip()
    if from_env:
        return Path(from_env)
    return DEFAULT_CONFIG_PATH if DEFAULT_CONFIG_PATH.is_file() else None


def load_config(path: Path | None) -> Config:
    """Load and validate ``path``; None gives the built-in defaults."""
    if path is None:
        return _validate(Config())
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"Cannot read config file {path}: {exc.strerror}.") from exc
    return parse_config(text, source=str(path))


def parse_config(text: str, *, source: str = "<string>") -> Config:
    """Parse TOML text into a validated :class:`Config`."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: invalid TOML: {exc}.") from exc
    locator = _Locator(text, source)
    sections: dict[str, Any] = {}
    for key, value in data.items():
        if key == "monitors":
            sections[key] = _monitors(value, locator)
        elif key in _SECTIONS:
            sections[key] = _build(_SECTIONS[key], value, key, locator)
        else:
            raise ConfigError(f"{locator.where(key)}unknown section [{key}].")
    return _validate(Config(**sections, source=source))


class _Locator:
    """Finds the line of a key in the TOML text, for error messages."""

    def __init__(self, text: str, source: str) -> None:
        self.lines = text.splitlines()
        self.source = source

    def where(self, dotted: str) -> str:
        leaf = dotted.rsplit(".", 1)[-1].split("[")[0]
        pattern = re.compile(rf"^\s*(\[+\s*)?{re.escape(leaf)}\s*(=|\]|\.)")
        for number, line in enumerate(self.lines, start=1):
            if pattern.match(line):
                return f"{self.source}:{number}: {dotted}: "
        return f"{self.source}: {dotted}: "


def _monitors(value: Any, locator: _Locator) -> tuple[MonitorConfig, ...]:
    if not isinstance(value, list) or not value:
        raise ConfigError(f"{locator.where('monitors')}expected one or more [[monitors]] tables.")
    monitors = tuple(
        _build(MonitorConfig, item, f"monitors[{index}]", locator)
        for index, item in enumerate(value)
    )
    names = [m.name for m in monitors]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise ConfigError(f"{locator.source}: monitor names must be unique: {duplicated}.")
    return monitors


def _build(cls: type, table: Any, prefix: str, locator: _Locator) -> Any:
    if not isinstance(table, dict):
        raise ConfigError(f"{locator.where(prefix)}expected a table.")
    hints = typing.get_type_hints(cls)
    known = {f.name for f in fields(cls)}
    values: dict[str, Any] = {}
    for key, value in table.items():
        dotted = f"{prefix}.{key}"
        if key not in known:
            raise ConfigError(
                f"{locator.where(dotted)}unknown key (known: {', '.join(sorted(known))})."
            )
        if dotted in _DISCORD_ID_KEYS:
            value = _discord_ids(value, as_text=hints[key] is str)
        values[key] = _coerce(value, hints[key], dotted, locator)
    return cls(**values)


def _discord_ids(value: Any, *, as_text: bool) -> Any:
    """A Discord ID (or a list of them) as the key's type, from an integer or a digit string."""
    if isinstance(value, list):
        return [_discord_ids(item, as_text=as_text) for item in value]
    if isinstance(value, str) and value.strip().isdigit() and not as_text:
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool) and as_text:
        return str(value)
    return value  # anything else is left for _coerce to report


def _coerce(value: Any, hint: Any, dotted: str, locator: _Locator) -> Any:
    if typing.get_origin(hint) is tuple:
        item_type = typing.get_args(hint)[0]
        if not isinstance(value, list):
            raise ConfigError(f"{locator.where(dotted)}expected a list of {item_type.__name__}.")
        return tuple(_coerce(item, item_type, dotted, locator) for item in value)
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    expected = hint if isinstance(hint, type) else None
    if expected is None or isinstance(hint, types.UnionType):
        return value
    if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
        got = type(value).__name__
        raise ConfigError(f"{locator.where(dotted)}expected {expected.__name__}, got {got}.")
    return value


def _validate(config: Config) -> Config:
    _check_choices(config)
    try:
        tz = config.tz
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(
            f"{config.source}: report.timezone: unknown time zone {config.report.timezone!r}."
        ) from exc
    for index, monitor in enumerate(config.monitors):
        _check_monitor(monitor, f"{config.source}: monitors[{index}]", tz)
    _check_positive(config)
    _check_slack_command(config)
    return config


def _check_choices(config: Config) -> None:
    for dotted, allowed in _CHOICES.items():
        section, key = dotted.split(".")
        value = getattr(getattr(config, section), key)
        if value not in allowed:
            raise ConfigError(f"{config.source}: {dotted}: {value!r} is not one of {allowed}.")


def _check_monitor(monitor: MonitorConfig, prefix: str, tz: ZoneInfo) -> None:
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", monitor.name):
        raise ConfigError(f"{prefix}.name: {monitor.name!r} must be letters, digits, - _ or .")
    for cron_key in ("schedule", "report_schedule"):
        expression = getattr(monitor, cron_key)
        try:
            CronTrigger.from_crontab(expression, timezone=tz)
        except ValueError as exc:
            raise ConfigError(
                f"{prefix}.{cron_key}: bad cron expression {expression!r}: {exc}."
            ) from exc
    unknown = set(monitor.announce_types) - set(ANNOUNCE_TYPES)
    if unknown:
        raise ConfigError(
            f"{prefix}.announce_types: unknown {sorted(unknown)}; use {ANNOUNCE_TYPES}."
        )
    for channel in monitor.channels:
        if not re.fullmatch(r"(slack:[A-Z0-9]+|discord:\d+)", channel):
            raise ConfigError(
                f"{prefix}.channels: {channel!r} must look like slack:C0123456 "
                "or discord:123456789."
            )
    for category in monitor.categories:
        if not is_category(category):
            raise ConfigError(f"{prefix}.categories: {unknown_category_message(category)}")
    for key in ("keywords", "exclude_keywords"):
        for keyword in getattr(monitor, key):
            try:
                compile_keyword(keyword)
            except ConfigError as exc:
                raise ConfigError(f"{prefix}.{key}: {exc.user_message}") from exc


def _check_slack_command(config: Config) -> None:
    """Slack accepts a slash command of ``/`` and at most 31 more characters, no spaces."""
    command = config.slack.command
    if not re.fullmatch(r"/[^\s/]{1,31}", command):
        raise ConfigError(
            f"{config.source}: slack.command: {command!r} is not a Slack slash command: it must "
            "start with / and have at most 32 characters, without spaces."
        )


def _check_positive(config: Config) -> None:
    checks = {
        "arxiv.timeout_s": config.arxiv.timeout_s,
        "storage.cache_max_mb": config.storage.cache_max_mb,
        "storage.busy_timeout_s": config.storage.busy_timeout_s,
        "analysis.concurrency": config.analysis.concurrency,
        "analysis.max_attempts": config.analysis.max_attempts,
        "analysis.max_pdf_mb": config.analysis.max_pdf_mb,
        "analysis.max_pages": config.analysis.max_pages,
        "analysis.extract_timeout_s": config.analysis.extract_timeout_s,
        "llm.timeout_s": config.llm.timeout_s,
        "llm.deadline_s": config.llm.deadline_s,
        "llm.max_input_tokens": config.llm.max_input_tokens,
        "embeddings.timeout_s": config.embeddings.timeout_s,
        "embeddings.batch_size": config.embeddings.batch_size,
        "subscriptions.max_keywords": config.subscriptions.max_keywords,
        "subscriptions.max_categories": config.subscriptions.max_categories,
    }
    for dotted, value in checks.items():
        if value <= 0:
            raise ConfigError(f"{config.source}: {dotted}: must be greater than 0, got {value}.")
    talks_to_arxiv = any("arxiv.org" in url for url in (config.arxiv.rss_url, config.arxiv.api_url))
    if talks_to_arxiv and config.arxiv.api_delay_s < 3:
        raise ConfigError(
            f"{config.source}: arxiv.api_delay_s: arXiv asks for at least 3 s between requests."
        )
