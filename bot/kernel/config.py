"""Configuration: TOML into frozen dataclasses, validated, errors naming the key.

Secrets never live in the file: the config names environment variables
(``llm.api_key_env``, ``slack.bot_token_env``…) and :func:`secret` reads them.
"""

from __future__ import annotations

import functools
import json
import os
import re
import tomllib
import typing
from collections.abc import Callable
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import date, time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from annotated_types import Gt

from bot.kernel.errors import ConfigError, InvalidArxivIdError
from bot.kernel.ids import parse_arxiv_id
from bot.kernel.matching import compile_keyword
from bot.kernel.models import ANNOUNCE_TYPES
from bot.kernel.redact import remember_envs
from bot.kernel.taxonomy import is_category, unknown_category_message

if TYPE_CHECKING:
    from pydantic import TypeAdapter
    from pydantic_core import ErrorDetails

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


# Field types: what pydantic checks for each key (see _adapter). ----------------------


class _Check:
    """Field metadata: pydantic passes the value through ``check`` (``before`` or after
    its type is validated); ``check`` raises ValueError with the user's message."""

    def __init__(self, check: Callable[[Any], Any], *, before: bool = False) -> None:
        self.check = check
        self.before = before

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        from pydantic_core import core_schema

        if self.before:
            return core_schema.no_info_before_validator_function(self.check, handler(source))
        return core_schema.no_info_after_validator_function(self.check, handler(source))


def _time_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r}") from None
    return name


def _monitor_name(name: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", name):
        raise ValueError(f"{name!r} must be letters, digits, - _ or .")
    return name


def _category(name: str) -> str:
    if not is_category(name):
        raise ValueError(unknown_category_message(name))
    return name


def _keyword(keyword: str) -> str:
    try:
        compile_keyword(keyword)
    except ConfigError as exc:
        raise ValueError(exc.user_message) from None
    return keyword


def _interest(reference: str) -> str:
    try:
        parse_arxiv_id(reference)
    except InvalidArxivIdError as exc:
        raise ValueError(exc.user_message) from None
    return reference


def _announce_type(kind: str) -> str:
    if kind not in ANNOUNCE_TYPES:
        raise ValueError(f"unknown {kind!r}; use {ANNOUNCE_TYPES}")
    return kind


def _channel(address: str) -> str:
    if not re.fullmatch(r"(slack:[A-Z0-9]+|discord:\d+)", address):
        raise ValueError(f"{address!r} must look like slack:C0123456 or discord:123456789")
    return address


def _cron(expression: str) -> str:
    from apscheduler.triggers.cron import CronTrigger

    try:
        CronTrigger.from_crontab(expression, timezone="UTC")
    except ValueError as exc:
        raise ValueError(f"bad cron expression {expression!r}: {exc}") from None
    return expression


def _slash_command(command: str) -> str:
    """Slack accepts a slash command of ``/`` and at most 31 more characters, no spaces."""
    if not re.fullmatch(r"/[^\s/]{1,31}", command):
        raise ValueError(
            f"{command!r} is not a Slack slash command: it must start with / and have at "
            "most 32 characters, without spaces"
        )
    return command


def _id_number(value: Any) -> Any:
    """A Discord ID written as a string of digits, as an integer."""
    return int(value) if isinstance(value, str) and value.strip().isdigit() else value


def _id_text(value: Any) -> Any:
    """A Discord ID written as an integer, as text."""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


PositiveInt = Annotated[int, Gt(0)]
PositiveFloat = Annotated[float, Gt(0)]
TimeZoneName = Annotated[str, _Check(_time_zone)]
MonitorName = Annotated[str, _Check(_monitor_name)]
Category = Annotated[str, _Check(_category)]
Keyword = Annotated[str, _Check(_keyword)]  # plain, or re:<regular expression>
InterestPaper = Annotated[str, _Check(_interest)]  # an arXiv ID or URL
AnnounceType = Annotated[str, _Check(_announce_type)]
ChannelAddress = Annotated[str, _Check(_channel)]
Cron = Annotated[str, _Check(_cron)]
SlashCommand = Annotated[str, _Check(_slash_command)]
DiscordId = Annotated[int, _Check(_id_number, before=True)]  # an integer or digits
DiscordIdText = Annotated[str, _Check(_id_text, before=True)]


@dataclass(frozen=True)
class ArxivConfig:
    rss_url: str = "https://rss.arxiv.org/rss/{categories}"
    api_url: str = "https://export.arxiv.org/api/query"
    pdf_url: str = "https://arxiv.org/pdf/{id}"
    abs_url: str = "https://arxiv.org/abs/{id}"
    html_url: str = "https://arxiv.org/html/{id}"
    timeout_s: PositiveFloat = 30.0
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
    cache_max_mb: PositiveInt = 2048
    busy_timeout_s: PositiveFloat = 15.0


@dataclass(frozen=True)
class ReportConfig:
    dir: str = "reports"
    language: Literal["zh", "en"] = "zh"
    timezone: TimeZoneName = "Asia/Shanghai"


@dataclass(frozen=True)
class MonitorConfig:
    name: MonitorName = "default"
    categories: tuple[Category, ...] = DEFAULT_CATEGORIES
    keywords: tuple[Keyword, ...] = DEFAULT_KEYWORDS
    exclude_keywords: tuple[Keyword, ...] = ()
    authors: tuple[str, ...] = ()
    announce_types: tuple[AnnounceType, ...] = ANNOUNCE_TYPES
    channels: tuple[ChannelAddress, ...] = ()
    auto_analyze: bool = False
    schedule: Cron = DEFAULT_SCHEDULE
    report_schedule: Cron = DEFAULT_REPORT_SCHEDULE
    upload_report: bool = False
    max_cards_per_poll: PositiveInt | None = None  # None: subscriptions.max_cards_per_poll
    interests: tuple[InterestPaper, ...] = ()  # arXiv IDs or URLs of papers the team cares about
    interests_file: str = ""  # BibTeX / Zotero export, or a file of arXiv IDs, one a line


@dataclass(frozen=True)
class InterestsConfig:
    """The interest profile that ranks matched papers (#16)."""

    max_papers: PositiveInt = 500  # profile size cap, most recent first
    half_life_days: PositiveFloat = 30.0  # a reaction's weight halves every this many days


@dataclass(frozen=True)
class AnalysisConfig:
    engine: Literal["auto", "llm", "extractive"] = "auto"
    source: Literal["auto", "html", "pdf"] = "auto"
    concurrency: PositiveInt = 2
    max_attempts: PositiveInt = 3
    max_pdf_mb: PositiveInt = 50
    max_pages: PositiveInt = 120
    extract_timeout_s: PositiveFloat = 60.0
    extract_memory_mb: int = 2048
    max_per_user_per_day: int = 20
    max_questions_per_user_per_day: int = 30
    question_history_turns: int = 4  # earlier turns of a thread sent with a follow-up question


@dataclass(frozen=True)
class LlmConfig:
    base_url: str = "https://api.openai.com/v1"
    model: str = "gpt-4o-mini"
    api_key_env: str = "OPENAI_API_KEY"
    timeout_s: PositiveFloat = 120.0
    max_retries: int = 2
    deadline_s: PositiveFloat = 600.0
    temperature: float = 0.2
    max_input_tokens: PositiveInt = 60000
    max_output_tokens: int = 4096
    response_format: Literal["auto", "json_schema", "json_object"] = "auto"
    daily_token_budget: int = 0


@dataclass(frozen=True)
class EmbeddingsConfig:
    """An OpenAI-compatible embeddings endpoint; an empty ``model`` turns embeddings off."""

    base_url: str = "https://api.openai.com/v1"
    model: str = ""
    api_key_env: str = "OPENAI_API_KEY"
    timeout_s: PositiveFloat = 30.0
    batch_size: PositiveInt = 64
    max_retries: int = 2


@dataclass(frozen=True)
class SlackConfig:
    enabled: bool = False
    mode: Literal["socket", "http"] = "socket"
    command: SlashCommand = "/arxiv"
    analyze_reactions: tuple[str, ...] = ("mag",)
    api_url: str = "https://slack.com/api/"
    bot_token_env: str = "SLACK_BOT_TOKEN"
    app_token_env: str = "SLACK_APP_TOKEN"
    signing_secret_env: str = "SLACK_SIGNING_SECRET"
    http_host: str = "0.0.0.0"
    http_port: int = 3000
    allowed_users: tuple[str, ...] = ()
    post_interval_s: float = 1.0
    thread_questions: Literal["mention", "all"] = "mention"


@dataclass(frozen=True)
class DiscordConfig:
    enabled: bool = False
    token_env: str = "DISCORD_TOKEN"
    application_id: DiscordIdText = ""
    guild_ids: tuple[DiscordId, ...] = ()
    analyze_reactions: tuple[str, ...] = ("🔍",)
    allowed_roles: tuple[DiscordId, ...] = ()
    allowed_channels: tuple[DiscordId, ...] = ()
    api_url: str = "https://discord.com/api/v10"
    gateway_url: str = "wss://gateway.discord.gg"
    message_content: bool = False  # the privileged Message Content intent


@dataclass(frozen=True)
class SubscriptionsConfig:
    """Caps on what one channel may follow (#14: no chat user turns a channel into a firehose)."""

    max_keywords: PositiveInt = 20
    max_categories: PositiveInt = 5
    allow_all: bool = False  # may a channel follow a category without keywords (--all)?
    max_cards_per_poll: PositiveInt = 10  # per channel and poll; the rest go into one summary


@dataclass(frozen=True)
class AccessConfig:
    """Who may do what: "admins" (slack.allowed_users, discord.allowed_roles) or "everyone"."""

    analyze: Literal["admins", "everyone"] = "admins"
    subscriptions: Literal["admins", "everyone"] = "admins"
    interests: Literal["admins", "everyone"] = "admins"


@dataclass(frozen=True)
class ServerConfig:
    host: str = "127.0.0.1"
    port: int = 8080
    shutdown_grace_s: float = 30.0
    metrics: bool = True
    log_format: Literal["auto", "json", "text"] = "auto"


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
    interests: InterestsConfig = field(default_factory=InterestsConfig)
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


def secret(name: str) -> str | None:
    """The value of the environment variable ``name``, or None when unset or empty.

    ``name`` is remembered as a secret, so :mod:`bot.kernel.redact` removes its value from output.
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
        return Config()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"Cannot read config file {path}: {exc.strerror}.") from exc
    return parse_config(text, source=str(path))


def parse_config(text: str, *, source: str = "<string>") -> Config:
    """Parse TOML text into a validated :class:`Config`.

    pydantic validates the TOML against the dataclasses above (strict types, no unknown
    keys, the field types' checks); an error names the file, the line of the key (found
    by its path: ``monitors[1].keywords`` is in the second ``[[monitors]]``) and the key.
    """
    from pydantic import ValidationError

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: invalid TOML: {exc}.") from exc
    locator = _Locator(text, source)
    if "source" in data:
        raise ConfigError(f"{locator.where(('source',))}unknown section [source].")
    try:
        config = _adapter().validate_json(json.dumps({**data, "source": source}, default=_no_dates))
    except ValidationError as exc:
        raise ConfigError(_explain(exc.errors()[0], data, locator)) from None
    except _DateValue as exc:
        raise ConfigError(f"{source}: a date or time ({exc}) is not a valid value here.") from None
    _check(config, locator)
    return config


class _DateValue(TypeError):
    """A TOML date or time, which no key takes."""


def _no_dates(value: Any) -> Any:
    if isinstance(value, date | time):
        raise _DateValue(value.isoformat())
    raise TypeError(f"unexpected {type(value).__name__}")


@functools.cache
def _adapter() -> TypeAdapter[Config]:
    """The validator of :class:`Config`: strict (JSON-like) types, unknown keys rejected."""
    from pydantic import TypeAdapter

    for section in _dataclasses(Config):
        section.__pydantic_config__ = {"strict": True, "extra": "forbid"}  # type: ignore[attr-defined]
    return TypeAdapter(Config)


def _dataclasses(cls: type) -> set[type]:
    """``cls`` and every dataclass its fields hold (the config's tables)."""
    found = {cls}
    for hint in typing.get_type_hints(cls).values():
        for inner in (hint, *typing.get_args(hint)):
            if isinstance(inner, type) and is_dataclass(inner):
                found |= _dataclasses(inner)
    return found


def _check(config: Config, locator: _Locator) -> None:
    """What spans keys: at least one monitor, unique names, arXiv's polite delay."""
    if not config.monitors:
        raise ConfigError(
            f"{locator.where(('monitors',))}expected one or more [[monitors]] tables."
        )
    seen: set[str] = set()
    for index, monitor in enumerate(config.monitors):
        if monitor.name in seen:
            raise ConfigError(
                f"{locator.where(('monitors', index, 'name'))}monitor names must be unique: "
                f"{monitor.name!r} is used twice."
            )
        seen.add(monitor.name)
    arxiv = config.arxiv
    talks_to_arxiv = any("arxiv.org" in url for url in (arxiv.rss_url, arxiv.api_url))
    if talks_to_arxiv and arxiv.api_delay_s < 3:
        raise ConfigError(
            f"{locator.where(('arxiv', 'api_delay_s'))}arXiv asks for at least 3 s between "
            "requests."
        )


KeyPath = tuple[str | int, ...]  # a key's path: ("monitors", 1, "keywords")
_TYPES = {"int_type": "int", "float_type": "float", "bool_type": "bool", "string_type": "str"}
_TABLE_ERRORS = {"dataclass_type", "dataclass_exact_type", "dict_type", "model_type"}


def _explain(error: ErrorDetails, data: dict[str, Any], locator: _Locator) -> str:
    """``file:line: key.path: message`` for pydantic's first error."""
    path = _key_path(error["loc"], data)
    return locator.where(path) + _message(error, path)


def _message(error: ErrorDetails, path: KeyPath) -> str:
    kind, value, ctx = error["type"], error.get("input"), error.get("ctx") or {}
    if kind == "unexpected_keyword_argument":
        if len(path) == 1:
            return f"unknown section [{path[0]}]."
        known = sorted(f.name for f in fields(_table_at(path[:-1])))
        return f"unknown key (known: {', '.join(known)})."
    if kind in _TYPES:
        return f"expected {_TYPES[kind]}, got {type(value).__name__}."
    if kind in ("tuple_type", "list_type"):
        if path == ("monitors",):
            return "expected one or more [[monitors]] tables."
        return f"expected a list, got {type(value).__name__}."
    if kind in _TABLE_ERRORS:
        return "expected a table."
    if kind == "literal_error":
        return f"{value!r} is not one of {ctx['expected']}."
    if kind == "greater_than":
        return f"must be greater than {ctx['gt']:g}, got {value}."
    if kind == "value_error":
        text = str(ctx["error"])
        return text if text.endswith((".", "?")) else f"{text}."
    return f"{error['msg']}."


def _key_path(loc: tuple[str | int, ...], data: Any) -> KeyPath:
    """The key ``loc`` points into: indexes of arrays of tables kept, an item's dropped."""
    path: list[str | int] = []
    node = data
    for part in loc:
        if isinstance(part, int):
            if not (isinstance(node, list) and part < len(node) and isinstance(node[part], dict)):
                break
        elif not isinstance(node, dict):
            break
        path.append(part)
        node = node[part] if isinstance(part, int) else node.get(part)
    return tuple(path)


def _table_at(path: KeyPath) -> type:
    """The dataclass of the table at ``path`` (``("monitors", 0)``: MonitorConfig)."""
    table: Any = Config
    for part in path:
        if isinstance(part, str):
            table = typing.get_type_hints(table)[part]
        table = next((t for t in (table, *typing.get_args(table)) if is_dataclass(t)), table)
    return typing.cast(type, table)


def _dotted(path: KeyPath) -> str:
    return "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in path)[1:]


_ARRAY_HEADER = re.compile(r"\[\[\s*([A-Za-z0-9_.-]+)\s*\]\]")
_HEADER = re.compile(r"\[\s*([A-Za-z0-9_.-]+)\s*\]")
_KEY = re.compile(r"\s*([A-Za-z0-9_-]+)\s*=")


class _Locator:
    """The line of each table and key of the TOML text, by path, for error messages."""

    def __init__(self, text: str, source: str) -> None:
        self.source = source
        self.lines: dict[KeyPath, int] = {}
        table: KeyPath = ()
        counts: dict[str, int] = {}
        in_string = False  # inside a multi-line string
        for number, line in enumerate(text.splitlines(), start=1):
            quotes = line.count('"""') + line.count("'''")
            if in_string:
                in_string = quotes % 2 == 0
                continue
            if match := _ARRAY_HEADER.match(line.strip()):
                name = match[1]
                counts[name] = counts.get(name, -1) + 1
                table = (name, counts[name])
                self.lines.setdefault(table, number)
            elif match := _HEADER.match(line.strip()):
                table = tuple(match[1].split("."))
                self.lines.setdefault(table, number)
            elif match := _KEY.match(line):
                self.lines.setdefault((*table, match[1]), number)
            in_string = quotes % 2 == 1

    def where(self, path: KeyPath) -> str:
        """``file:line: key.path: `` (no line when the key is not in the text)."""
        for end in range(len(path), 0, -1):
            if (number := self.lines.get(path[:end])) is not None:
                return f"{self.source}:{number}: {_dotted(path)}: "
        return f"{self.source}: {_dotted(path)}: "
