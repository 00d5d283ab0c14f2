"""The chat command grammar shared by Slack and Discord.

``parse_command("analyze 2511.05275 en")`` gives a typed request; adapters never
parse text themselves. :data:`COMMANDS` documents every command (help text, docs).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass

from bot.errors import RadarError
from bot.ids import ArxivId, parse_arxiv_id
from bot.limits import MAX_COMMAND_CHARS
from bot.sanitize import strip_invisible
from bot.taxonomy import is_category, unknown_category_message

LANGUAGES = ("zh", "en")
REFRESH = "refresh"
ALL_FLAG = "--all"
MAX_KEYWORD_CHARS = 100
MAX_QUERY_CHARS = 200


class CommandError(RadarError):
    """The command text could not be understood; the message says how to fix it."""


@dataclass(frozen=True)
class CommandSpec:
    name: str
    usage: str
    summary: str


COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec(
        "analyze",
        "analyze <arXiv ID or URL> [en|zh] [refresh]",
        "deep analysis of a paper, threaded under its card (refresh: analyse again)",
    ),
    CommandSpec("subscribe", 'subscribe <keyword or "phrase">', "follow a keyword in this channel"),
    CommandSpec("unsubscribe", 'unsubscribe <keyword or "phrase">', "stop following a keyword"),
    CommandSpec(
        "categories",
        "categories add|remove <category> [--all]",
        "choose the arXiv categories this channel watches (--all: every paper, if allowed)",
    ),
    CommandSpec("list", "list", "what this channel follows"),
    CommandSpec("digest", "digest", "the latest daily report"),
    CommandSpec("search", "search <query>", "search arXiv and show the top results as cards"),
    CommandSpec("help", "help", "this help"),
)


@dataclass(frozen=True)
class Analyze:
    arxiv_id: ArxivId
    language: str | None = None
    refresh: bool = False  # analyse again even if the thread already has the analysis


@dataclass(frozen=True)
class Subscribe:
    keyword: str


@dataclass(frozen=True)
class Unsubscribe:
    keyword: str


@dataclass(frozen=True)
class Categories:
    action: str  # "add" | "remove"
    category: str
    all_papers: bool = False  # "--all": follow the category without keywords


@dataclass(frozen=True)
class ListFollowed:
    """What this channel follows."""


@dataclass(frozen=True)
class Digest:
    """The latest daily report."""


@dataclass(frozen=True)
class Search:
    query: str


@dataclass(frozen=True)
class Help:
    """The list of commands."""


Command = Analyze | Subscribe | Unsubscribe | Categories | ListFollowed | Digest | Search | Help
CHANGES = (Subscribe, Unsubscribe, Categories)  # commands that change what a channel follows
CHANGE_NAMES = frozenset({"subscribe", "unsubscribe", "categories"})


def help_text(prefix: str = "/arxiv") -> str:
    """One line per command, for the ``help`` reply."""
    lines = [f"`{prefix} {spec.usage}`: {spec.summary}" for spec in COMMANDS]
    return "\n".join(lines)


def parse_command(text: str) -> Command:
    """Parse the text after the command name (or after the bot mention)."""
    words = _split(text)
    if not words:
        return Help()
    name, args = words[0].lower(), words[1:]
    parser = _PARSERS.get(name)
    if parser is None:
        raise CommandError(f"Unknown command '{name[:30]}'. Try `help` for the list of commands.")
    return parser(args)


def _split(text: str) -> list[str]:
    if len(text) > MAX_COMMAND_CHARS:  # before any parsing: shlex is slow on huge input
        raise CommandError(f"That command is too long (over {MAX_COMMAND_CHARS} characters).")
    normalised = strip_invisible(text).replace("“", '"').replace("”", '"').strip()
    try:
        return shlex.split(normalised)
    except ValueError as exc:
        raise CommandError(f"Could not read the command: {exc} (check your quotes).") from exc


def _analyze(args: list[str]) -> Command:
    usage = "Usage: analyze <arXiv ID or URL> [en|zh] [refresh]"
    options = [arg.lower() for arg in args[1:]]
    refresh = REFRESH in options
    if refresh:
        options.remove(REFRESH)
    if not args or len(options) > 1:
        raise CommandError(usage)
    language = options[0] if options else None
    if language is not None and language not in LANGUAGES:
        raise CommandError(f"Unknown language '{language[:10]}': use en or zh (or refresh).")
    return Analyze(parse_arxiv_id(args[0]), language, refresh)


def _keyword(args: list[str], verb: str) -> str:
    keyword = " ".join(args).strip()
    if not keyword:
        raise CommandError(f'Usage: {verb} <keyword or "phrase">')
    if len(keyword) > MAX_KEYWORD_CHARS:
        raise CommandError(f"A keyword may have at most {MAX_KEYWORD_CHARS} characters.")
    if keyword.lower().startswith("re:"):
        raise CommandError("Regular-expression keywords can only be set in the config file.")
    return keyword


def _categories(args: list[str]) -> Command:
    all_papers = ALL_FLAG in args
    args = [arg for arg in args if arg != ALL_FLAG]
    if len(args) != 2 or args[0].lower() not in ("add", "remove"):
        raise CommandError("Usage: categories add|remove <category>, e.g. categories add cs.RO")
    action, category = args[0].lower(), args[1]
    if not re.fullmatch(r"[a-z-]+(\.[A-Za-z-]+)?", category):
        raise CommandError(f"'{category[:30]}' is not an arXiv category such as cs.AI or stat.ML.")
    if action == "add" and not is_category(category):  # removing an old mistake stays possible
        raise CommandError(unknown_category_message(category[:30]))
    return Categories(action, category, all_papers)


def _search(args: list[str]) -> Command:
    query = " ".join(args).strip()
    if not query:
        raise CommandError("Usage: search <query>")
    return Search(query[:MAX_QUERY_CHARS])


def _no_args(command: Command, name: str) -> Callable[[list[str]], Command]:
    def parse(args: list[str]) -> Command:
        if args:
            raise CommandError(f"'{name}' takes no arguments.")
        return command

    return parse


_PARSERS: dict[str, Callable[[list[str]], Command]] = {
    "analyze": _analyze,
    "analyse": _analyze,
    "subscribe": lambda args: Subscribe(_keyword(args, "subscribe")),
    "unsubscribe": lambda args: Unsubscribe(_keyword(args, "unsubscribe")),
    "categories": _categories,
    "list": _no_args(ListFollowed(), "list"),
    "digest": _no_args(Digest(), "digest"),
    "search": _search,
    "help": _no_args(Help(), "help"),
}
