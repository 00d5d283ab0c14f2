"""The ``arxiv-radar`` command line.

Subcommands that need heavy or platform-specific imports (analysis, Slack,
Discord, the runtime) are loaded only when invoked, so ``--help`` and ``check``
stay fast and the core never imports a chat SDK by itself.
"""

from __future__ import annotations

import importlib
import logging
import sys
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from bot import __version__
from bot.cli_context import CliContext, fail, run_async
from bot.config import Config, load_config, resolve_config_path, secret
from bot.errors import RadarError
from bot.log_noise import silence_unactionable_warnings
from bot.logs import RedactSecrets, secret_env_names
from bot.redact import redact_std_streams, remember_envs

if TYPE_CHECKING:  # imported where used, so --help and check start fast
    from bot.arxiv import ArxivClient
    from bot.poll import PollOutcome
    from bot.store import PollRecord, Store

# Subcommand -> (module:attribute, its one-line help). ``--help`` lists them from this
# table, so it imports none of them; tests/test_cli_imports.py keeps the help in step.
LAZY_COMMANDS = {
    "analyze": (
        "analysis.cli:analyze_command",
        "Analyse an arXiv paper, or a local PDF or HTML file, from its full text.",
    ),
    "ask": (
        "analysis.ask.cli:ask_command",
        "Ask a question about an arXiv paper or a local PDF/HTML file; cited answer.",
    ),
    "extract": (
        "analysis.cli:extract_command",
        "Print the text the analysis reads, from a local PDF or HTML file or an arXiv paper.",
    ),
    "run": (
        "bot.cli_runtime:run_command",
        "Run the bot: schedule, chat adapters, analysis workers and health endpoint.",
    ),
    "jobs": (
        "bot.cli_runtime:jobs_command",
        "The analysis queue: list (default), retry ID, cancel ID.",
    ),
    "stats": (
        "bot.cli_runtime:stats_command",
        "Usage per day: analyses requested and tokens spent, in total and per user.",
    ),
}
# Subcommands the chat adapters provide (entry points of bot.plugins.COMMANDS) -> help.
PLATFORM_COMMANDS = {
    "slack-manifest": "Print the Slack app manifest (YAML) matching slack.mode and slack.command.",
    "discord-invite": (
        "Print the URL that adds the bot to a Discord server with the permissions it needs."
    ),
    "discord-sync": (
        "Register the /arxiv commands with Discord now (per guild when discord.guild_ids is set)."
    ),
}


class LazyGroup(click.Group):
    """A group whose listed subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *LAZY_COMMANDS, *PLATFORM_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in LAZY_COMMANDS:
            module_name, attr = LAZY_COMMANDS[cmd_name][0].split(":")
            command: click.Command = getattr(importlib.import_module(module_name), attr)
            return command
        if cmd_name in PLATFORM_COMMANDS:
            from bot import plugins

            platform_command: click.Command = plugins.load(plugins.COMMANDS, cmd_name)
            return platform_command
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list, with the lazy commands' help from the table (no imports)."""
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = [(name, self._short_help(ctx, name, limit)) for name in names]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def _short_help(self, ctx: click.Context, name: str, limit: int) -> str:
        lazy_help = LAZY_COMMANDS[name][1] if name in LAZY_COMMANDS else PLATFORM_COMMANDS.get(name)
        if lazy_help is not None:
            command: click.Command | None = click.Command(name, help=lazy_help)
        else:
            command = super().get_command(ctx, name)
        return command.get_short_help_str(limit) if command else ""


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    help="Config file (default $ARXIV_RADAR_CONFIG, else ./config.toml, else built-in defaults).",
)
@click.option("-v", "--verbose", count=True, help="More log output (-v info, -vv debug).")
@click.version_option(__version__, prog_name="arxiv-radar")
@click.pass_context
def main(ctx: click.Context, config_path: str | None, verbose: int) -> None:
    """arxiv-radar: watch arXiv for your team, post paper cards, analyse papers in full text."""
    redact_std_streams()
    level = (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:
        handler.addFilter(RedactSecrets())
    silence_unactionable_warnings()
    try:
        ctx.obj = CliContext(load_config(resolve_config_path(config_path)))
        remember_envs(secret_env_names(ctx.obj.config))
    except RadarError as exc:
        fail(exc)


@main.command()
@click.option(
    "--online",
    is_flag=True,
    help="Also try arXiv, the LLM and each enabled chat platform and print a verdict for each.",
)
@click.pass_obj
def check(obj: CliContext, online: bool) -> None:
    """Validate the config; show what is enabled and which secrets are missing."""
    config = obj.config
    click.echo(f"Config: {config.source} (valid)")
    for monitor in config.monitors:
        click.echo(f"Monitor {monitor.name}: {', '.join(monitor.categories)}")
        click.echo(
            f"  keywords: {', '.join(k.strip() for k in monitor.keywords) or '(all papers)'}"
        )
        click.echo(f"  schedule: {monitor.schedule} ({config.report.timezone})")
        click.echo(f"  channels: {', '.join(monitor.channels) or '(none: report only)'}")
    from bot import preflight

    missing = _report_secrets(config)
    for warning in preflight.warnings(config):
        click.secho(f"Warning: {warning}", fg="yellow")
    refused = preflight.problems(config)
    for problem in refused:
        click.secho(f"Error: {problem}", fg="red")
    _report_feed_health(config)
    if missing or refused:
        sys.exit(2)
    if online and not run_async(_check_online(config)):
        sys.exit(1)


async def _check_online(config: Config) -> bool:
    """Print a verdict per service; True when every one is reachable."""
    from bot import plugins
    from bot.online import PlatformCheck, check_services

    platforms: dict[str, PlatformCheck] = {}
    for name in plugins.PLATFORMS:
        if getattr(config, name).enabled:
            platforms[name] = plugins.load(plugins.ONLINE_CHECKS, name)
    verdicts = await check_services(config, platforms)
    for verdict in verdicts:
        click.secho(f"Online: {verdict.line()}", fg=None if verdict.ok else "red")
    return all(verdict.ok for verdict in verdicts)


def _report_secrets(config: Config) -> list[str]:
    needed = [("llm", config.llm.api_key_env, False)]
    if config.slack.enabled:
        needed.append(("slack", config.slack.bot_token_env, True))
        mode_env = (
            config.slack.app_token_env
            if config.slack.mode == "socket"
            else config.slack.signing_secret_env
        )
        needed.append(("slack", mode_env, True))
    if config.discord.enabled:
        needed.append(("discord", config.discord.token_env, True))
    missing = []
    for area, env, required in needed:
        state = "set" if secret(env) else "missing"
        click.echo(f"Secret ${env} ({area}): {state}")
        if state == "missing" and required:
            missing.append(env)
    engine = config.analysis.engine
    if engine == "auto":
        engine = f"llm:{config.llm.model}" if secret(config.llm.api_key_env) else "extractive"
    slack = f"enabled ({config.slack.mode} mode)" if config.slack.enabled else "disabled"
    click.echo(f"Analysis engine: {engine}")
    click.echo(f"Slack: {slack}")
    click.echo(f"Discord: {'enabled' if config.discord.enabled else 'disabled'}")
    if missing:
        click.secho(f"Missing required secrets: {', '.join('$' + m for m in missing)}", fg="red")
    return missing


def _poll_detail(poll: PollRecord) -> str:
    """What a recorded poll saw; never "announced None"."""
    if poll.verdict == "error":
        return "the feed could not be fetched"
    announced = f"announced {poll.announced}" if poll.announced else "no announcement date"
    return f"{poll.items_seen} items, {poll.new_items} new, {announced}"


def _report_feed_health(config: Config) -> None:
    if not Path(config.storage.path).is_file():
        click.echo("Feed health: no poll yet")
        return
    from bot.store import Store

    store = Store.open(config.storage.path)
    try:
        for poll in store.recent_polls(limit=5):
            click.echo(
                f"Last poll {poll.monitor} at {poll.started}: {poll.verdict} ({_poll_detail(poll)})"
            )
            if poll.error:
                click.echo(f"  error: {poll.error}")
    finally:
        store.close()


@main.command()
@click.option(
    "--dry-run", is_flag=True, help="Print the cards that would be posted; store nothing."
)
@click.option("--monitor", "monitor_name", help="Poll only this monitor.")
@click.pass_obj
def poll(obj: CliContext, dry_run: bool, monitor_name: str | None) -> None:
    """Run one poll cycle now: fetch, filter, store, print the new matches."""
    config = obj.config
    if monitor_name:
        try:
            config.monitor(monitor_name)
        except RadarError as exc:
            fail(exc)
    run_async(_dry_run(config, monitor_name) if dry_run else _poll(config, monitor_name))


async def _poll(config: Config, monitor_name: str | None) -> None:
    from bot.poll import poll_all, poll_monitor
    from bot.radar import open_radar

    async with open_radar(config) as radar:
        if monitor_name:
            monitor = config.monitor(monitor_name)
            outcomes = [await poll_monitor(radar.arxiv, radar.store, monitor)]
        else:
            outcomes = await poll_all(radar.arxiv, radar.store, config)
    for outcome in outcomes:
        _print_outcome(config, outcome)
    if any(outcome.verdict == "error" for outcome in outcomes):
        sys.exit(1)  # cron and scripts see that arXiv could not be reached


def _print_outcome(config: Config, outcome: PollOutcome) -> None:
    from bot.cards import text_card

    summary = f"{outcome.monitor}: {outcome.verdict}, {outcome.items_seen} items, "
    click.echo(summary + f"{outcome.new_items} unseen, {len(outcome.new_matches)} new matches")
    if outcome.error:
        click.secho(f"  {outcome.error}", fg="red", err=True)
    for match in outcome.new_matches:
        click.echo(text_card(match.paper, match.keywords, config.arxiv.abs_url))


async def _dry_run(config: Config, monitor_name: str | None) -> None:
    from bot.cards import text_card
    from bot.poll import monitor_filter
    from bot.radar import open_radar

    monitors = [config.monitor(monitor_name)] if monitor_name else list(config.monitors)
    async with open_radar(config) as radar:
        store = radar.store
        for monitor in monitors:
            feed = await radar.arxiv.fetch_feed(monitor.categories)
            chooser = monitor_filter(monitor)
            selected = [(p, chooser.match(p)) for p in feed.papers]
            chosen = [(p, s) for p, s in selected if s is not None]
            reported = store.matched_ids(monitor.name, [p.arxiv_id for p, _ in chosen])
            fresh = [(p, s) for p, s in chosen if p.arxiv_id not in reported]
            click.echo(
                f"{monitor.name}: {len(feed.papers)} items, {len(fresh)} cards would be posted"
            )
            for paper, selection in fresh:
                click.echo(text_card(paper, selection.keywords, config.arxiv.abs_url))


@main.command()
@click.option(
    "--date", "report_date", type=click.DateTime(["%Y-%m-%d"]), help="Report date (default: today)."
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False),
    help="Output path (default reports/<monitor>-<date>.md).",
)
@click.option("--monitor", "monitor_name", help="Monitor to report on (default: the first).")
@click.option("--no-analyze", is_flag=True, help="Skip the analysis sections.")
@click.option(
    "--lang", type=click.Choice(["zh", "en"]), help="Report language (default report.language)."
)
@click.pass_obj
def digest(
    obj: CliContext,
    report_date: datetime | None,
    out: str | None,
    monitor_name: str | None,
    no_analyze: bool,
    lang: str | None,
) -> None:
    """Poll now, then write the daily Markdown report and print its path."""
    config = obj.config
    day = report_date.date() if report_date else datetime.now(config.tz).date()
    name = monitor_name or config.monitors[0].name
    path, feed_error = run_async(
        _digest(
            config,
            name,
            day,
            lang or config.report.language,
            Path(out) if out else None,
            not no_analyze,
        )
    )
    click.echo(str(path))
    if feed_error:
        click.secho(f"Error: the report could not use fresh data: {feed_error}", fg="red", err=True)
        sys.exit(1)


async def _digest(
    config: Config, monitor: str, day: date, language: str, out: Path | None, analyze: bool
) -> tuple[Path, str | None]:
    """The report's path, and the error of its poll when arXiv could not be reached."""
    from bot.digest import write_digest
    from bot.poll import poll_monitor
    from bot.progress import DigestProgress
    from bot.radar import open_radar

    monitor_config = config.monitor(monitor)
    async with open_radar(config) as radar:
        store, arxiv = radar.store, radar.arxiv
        analyzer = _analyzer(config, store, arxiv) if analyze else None
        outcome = await poll_monitor(arxiv, store, monitor_config)
        with DigestProgress() as progress:
            path = await write_digest(
                config,
                store,
                arxiv,
                analyzer,
                monitor=monitor,
                report_date=day,
                language=language,
                out=out,
                progress=progress,
                poll=False,
                feed_error=outcome.error,
            )
        return path, outcome.error


def _analyzer(config: Config, store: Store, arxiv: ArxivClient) -> Any:
    from analysis.pipeline import Analyzer

    return Analyzer(config, store, arxiv)


if __name__ == "__main__":
    main()
