"""The chat command vocabulary of the core, shared by Slack and Discord.

``parse_command("analyze 2511.05275 en")`` turns typed text into a :data:`Command`;
platforms with typed options (Discord app commands) build one with the same checks
through :func:`analyze`, :func:`ask`, :func:`subscribe`, :func:`unsubscribe`,
:func:`categories`, :func:`interests` and :func:`search`. :data:`COMMANDS` documents
every command (help text, docs).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass

from bot.kernel.errors import RadarError
from bot.kernel.ids import ArxivId, parse_arxiv_id
from bot.kernel.sanitize import strip_invisible
from bot.kernel.taxonomy import is_category, unknown_category_message

LANGUAGES = ("zh", "en")
REFRESH = "refresh"
ALL_FLAG = "--all"
MAX_KEYWORD_CHARS = 100
MAX_QUERY_CHARS = 200
MAX_QUESTION_CHARS = 500
# The longest command text parsed; longer text is refused before shlex sees it (a
# 900 KB command took shlex 9 s of event-loop time). Real commands are < 300 chars.
MAX_COMMAND_CHARS = 1000
ASK_USAGE = "Usage: ask <arXiv ID or URL> <question>"
CATEGORIES_USAGE = "Usage: categories add|remove <category>, e.g. categories add cs.RO"
INTERESTS_USAGE = (
    "Usage: interests add|remove <arXiv ID or URL>, or interests list "
    "(e.g. interests add 2212.04356)"
)
INTEREST_ACTIONS = ("add", "list", "remove")
DEFAULT_PREFIX = "/arxiv"  # how commands are typed where the platform does not say
_ASK = re.compile(r"\s*ask\s+(\S+)\s+(\S.*)", re.IGNORECASE | re.DOTALL)


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
    CommandSpec(
        "ask",
        "ask <arXiv ID or URL> <question>",
        "a short answer from the paper's full text, with the sections it comes from",
    ),
    CommandSpec("subscribe", 'subscribe <keyword or "phrase">', "follow a keyword in this channel"),
    CommandSpec("unsubscribe", 'unsubscribe <keyword or "phrase">', "stop following a keyword"),
    CommandSpec(
        "categories",
        "categories add|remove <category> [--all]",
        "choose the arXiv categories this channel watches (--all: every paper, if allowed)",
    ),
    CommandSpec(
        "interests",
        "interests list|add|remove [<arXiv ID or URL>]",
        "the papers this channel cares about: similar new papers are ranked first",
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
class Ask:
    arxiv_id: ArxivId
    question: str
    language: str | None = None  # None: the question's own language


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
class Interests:
    action: str  # "add" | "list" | "remove"
    arxiv_id: ArxivId | None = None  # None for "list"


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


Command = (
    Analyze
    | Ask
    | Subscribe
    | Unsubscribe
    | Categories
    | Interests
    | ListFollowed
    | Digest
    | Search
    | Help
)
CHANGES = (Subscribe, Unsubscribe, Categories)  # commands that change what a channel follows
CHANGE_NAMES = frozenset({"subscribe", "unsubscribe", "categories"})


def help_text(prefix: str = DEFAULT_PREFIX) -> str:
    """One line per command, for the ``help`` reply."""
    lines = [f"`{prefix} {spec.usage}`: {spec.summary}" for spec in COMMANDS]
    return "\n".join(lines)


def parse_command(text: str) -> Command:
    """Parse the text after the command name (or after the bot mention)."""
    asked = _ASK.match(text)
    if asked:  # a question is free text: an apostrophe is not a shell quote
        return ask(asked.group(1), asked.group(2))
    words = _split(text)
    if not words:
        return Help()
    name, args = words[0].lower(), words[1:]
    parser = _PARSERS.get(name)
    if parser is None:
        raise CommandError(f"Unknown command '{name[:30]}'. Try `help` for the list of commands.")
    return parser(args)


def thread_command(text: str) -> Command | None:
    """In a paper's thread: the command ``text`` starts with, or None for a question.

    Text is a command only when its first word names one and it parses as that
    command (``analyze 2511.05275 zh``, ``help``); "list the datasets" is a question.
    """
    first = text.split(maxsplit=1)[0].lower() if text.strip() else ""
    if first and first not in _PARSERS:
        return None
    try:
        return parse_command(text)
    except RadarError:
        return None


def _split(text: str) -> list[str]:
    if len(text) > MAX_COMMAND_CHARS:  # before any parsing: shlex is slow on huge input
        raise CommandError(f"That command is too long (over {MAX_COMMAND_CHARS} characters).")
    normalised = strip_invisible(text).replace("“", '"').replace("”", '"').strip()
    try:
        return shlex.split(normalised)
    except ValueError as exc:
        raise CommandError(f"Could not read the command: {exc} (check your quotes).") from exc


def analyze(paper: str, language: str | None = None, refresh: bool = False) -> Analyze:
    """An ``analyze`` request from its options; raises :class:`CommandError` when invalid."""
    if language is not None and language not in LANGUAGES:
        raise CommandError(f"Unknown language '{language[:10]}': use en or zh (or refresh).")
    return Analyze(parse_arxiv_id(paper), language, refresh)


def ask(paper: str, question: str, language: str | None = None) -> Ask:
    """An ``ask`` request from its options; raises :class:`CommandError` when invalid."""
    if language is not None and language not in LANGUAGES:
        raise CommandError(f"Unknown language '{language[:10]}': use en or zh.")
    return Ask(parse_arxiv_id(paper.strip()), question_text(question), language)


def question_text(text: str) -> str:
    """A question typed in chat, cleaned and checked (raises :class:`CommandError`)."""
    question = " ".join(strip_invisible(text).split())
    if not question:
        raise CommandError("Please ask a question about the paper, e.g. `which datasets?`.")
    if len(question) > MAX_QUESTION_CHARS:
        raise CommandError(f"A question may have at most {MAX_QUESTION_CHARS} characters.")
    return question


def subscribe(keyword: str) -> Subscribe:
    return Subscribe(_keyword(keyword, "subscribe"))


def unsubscribe(keyword: str) -> Unsubscribe:
    return Unsubscribe(_keyword(keyword, "unsubscribe"))


def categories(action: str, category: str, all_papers: bool = False) -> Categories:
    """A ``categories add|remove`` request; an unknown category can only be removed.

    ``all_papers`` (``--all``) asks for every paper of a category the channel follows
    without keywords.
    """
    if action not in ("add", "remove"):
        raise CommandError(CATEGORIES_USAGE)
    if not re.fullmatch(r"[a-z-]+(\.[A-Za-z-]+)?", category):
        raise CommandError(f"'{category[:30]}' is not an arXiv category such as cs.AI or stat.ML.")
    if action == "add" and not is_category(category):  # removing an old mistake stays possible
        raise CommandError(unknown_category_message(category[:30]))
    return Categories(action, category, all_papers)


def interests(action: str, paper: str | None = None) -> Interests:
    """An ``interests add|remove <ID or URL>`` or ``interests list`` request."""
    if action not in INTEREST_ACTIONS:
        raise CommandError(INTERESTS_USAGE)
    if action == "list":
        if paper:
            raise CommandError("'interests list' takes no paper.")
        return Interests(action)
    if not paper or not strip_invisible(paper).strip():
        raise CommandError(INTERESTS_USAGE)
    return Interests(action, parse_arxiv_id(strip_invisible(paper).strip()))


def search(query: str) -> Search:
    query = strip_invisible(query).strip()
    if not query:
        raise CommandError("Usage: search <query>")
    return Search(query[:MAX_QUERY_CHARS])


def _keyword(text: str, verb: str) -> str:
    keyword = strip_invisible(text).strip()  # typed options skip the text parser
    if not keyword:
        raise CommandError(f'Usage: {verb} <keyword or "phrase">')
    if len(keyword) > MAX_KEYWORD_CHARS:
        raise CommandError(f"A keyword may have at most {MAX_KEYWORD_CHARS} characters.")
    if keyword.lower().startswith("re:"):
        raise CommandError("Regular-expression keywords can only be set in the config file.")
    return keyword


def _parse_analyze(args: list[str]) -> Command:
    options = [arg.lower() for arg in args[1:]]
    refresh = REFRESH in options
    if refresh:
        options.remove(REFRESH)
    if not args or len(options) > 1:
        raise CommandError("Usage: analyze <arXiv ID or URL> [en|zh] [refresh]")
    return analyze(args[0], options[0] if options else None, refresh)


def _parse_ask(args: list[str]) -> Command:
    if len(args) < 2:  # with a question, _ASK has matched before the split
        raise CommandError(ASK_USAGE)
    return ask(args[0], " ".join(args[1:]))


def _parse_categories(args: list[str]) -> Command:
    all_papers = ALL_FLAG in args
    args = [arg for arg in args if arg != ALL_FLAG]
    if len(args) != 2:
        raise CommandError(CATEGORIES_USAGE)
    return categories(args[0].lower(), args[1], all_papers)


def _parse_interests(args: list[str]) -> Command:
    if not args:
        return interests("list")
    if len(args) > 2:
        raise CommandError(INTERESTS_USAGE)
    return interests(args[0].lower(), args[1] if len(args) == 2 else None)


def _no_args(command: Command, name: str) -> Callable[[list[str]], Command]:
    def parse(args: list[str]) -> Command:
        if args:
            raise CommandError(f"'{name}' takes no arguments.")
        return command

    return parse


_PARSERS: dict[str, Callable[[list[str]], Command]] = {
    "analyze": _parse_analyze,
    "analyse": _parse_analyze,
    "ask": _parse_ask,
    "subscribe": lambda args: subscribe(" ".join(args)),
    "unsubscribe": lambda args: unsubscribe(" ".join(args)),
    "categories": _parse_categories,
    "interests": _parse_interests,
    "list": _no_args(ListFollowed(), "list"),
    "digest": _no_args(Digest(), "digest"),
    "search": lambda args: search(" ".join(args)),
    "help": _no_args(Help(), "help"),
}
