"""``arxiv-radar rank`` and ``arxiv-radar interests``: the ranking, seen from a terminal."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import TYPE_CHECKING

import click

from bot.kernel.config import Config, MonitorConfig
from bot.kernel.errors import ConfigError
from bot.kernel.sanitize import strip_invisible
from bot.runtime.cli_context import CliContext, fail, run_async

if TYPE_CHECKING:
    from bot.watch.ranking import Ranked
    from bot.watch.ranking.profile import Profile

_FORMATS = click.Choice(["text", "json"])


def _channel(value: str | None) -> tuple[str, str] | None:
    if value is None:
        return None
    platform, _, channel = value.partition(":")
    if platform not in ("slack", "discord") or not channel:
        raise click.BadParameter("use slack:<channel id> or discord:<channel id>")
    return (platform, channel)


def _monitor(config: Config, name: str | None) -> MonitorConfig:
    try:
        return config.monitor(name) if name else config.monitors[0]
    except ConfigError as exc:
        fail(exc)
        raise


def _plain(text: str) -> str:
    """One line of untrusted text for a terminal: no invisible or control characters."""
    return " ".join(strip_invisible(text).split())


@click.command("rank")
@click.option("--monitor", "monitor_name", help="Monitor to rank (default: the first).")
@click.option(
    "--date", "day", type=click.DateTime(["%Y-%m-%d"]), help="Report date (default: today)."
)
@click.option("--format", "output", type=_FORMATS, default="text", show_default=True)
@click.option("--channel", help="Rank for one channel's profile: slack:<id> or discord:<id>.")
@click.option("--no-lookup", is_flag=True, help="Use cached titles only; ask arXiv nothing.")
@click.pass_obj
def rank_command(
    obj: CliContext,
    monitor_name: str | None,
    day: datetime | None,
    output: str,
    channel: str | None,
    no_lookup: bool,
) -> None:
    """Print the day's matches of a monitor, most relevant first, with scores and reasons."""
    config = obj.config
    monitor = _monitor(config, monitor_name)
    when = day.date() if day else datetime.now(config.tz).date()
    announced, ranked = run_async(
        _rank(config, monitor, when, _channel(channel), lookup=not no_lookup)
    )
    if output == "json":
        click.echo(json.dumps([_as_json(r) for r in ranked], ensure_ascii=False, indent=2))
        return
    if announced is None:
        click.echo(f"{monitor.name}: no arXiv announcement covers {when.isoformat()}.")
        return
    click.echo(f"{monitor.name}: {len(ranked)} matches of the {announced} announcement")
    for number, item in enumerate(ranked, start=1):
        click.echo(
            f"{number:3}. {item.score:6.2f}  {item.paper.arxiv_id}  {_plain(item.paper.title)}"
        )
        for reason in item.reasons:
            click.echo(f"               {_plain(reason)}")


async def _rank(
    config: Config,
    monitor: MonitorConfig,
    day: date,
    channel: tuple[str, str] | None,
    *,
    lookup: bool,
) -> tuple[str | None, list[Ranked]]:
    from bot.runtime.radar import open_radar
    from bot.watch.digest import covering_announcement
    from bot.watch.ranking import rank_papers, selections

    async with open_radar(config) as radar:
        store = radar.store
        announced = await store.run(covering_announcement, store, monitor.name, day)
        if announced is None:
            return None, []
        matches = await store.run(store.matches_announced, monitor.name, announced)
        ranked = await rank_papers(
            store,
            config,
            monitor=monitor,
            channel=channel,
            papers=[m.paper for m in matches],
            matches=selections(matches),
            arxiv=radar.arxiv if lookup else None,
        )
        return announced, ranked


def _as_json(item: Ranked) -> dict[str, object]:
    paper = item.paper
    return {
        "arxiv_id": paper.arxiv_id,
        "title": paper.title,
        "score": item.score,
        "reasons": list(item.reasons),
    }


@click.command("interests")
@click.option("--monitor", "monitor_name", help="Only this monitor (default: every monitor).")
@click.option("--channel", help="One channel's profile: slack:<id> or discord:<id>.")
@click.option("--no-lookup", is_flag=True, help="Use cached titles only; ask arXiv nothing.")
@click.pass_obj
def interests_command(
    obj: CliContext, monitor_name: str | None, channel: str | None, no_lookup: bool
) -> None:
    """List the interest profile that ranks a monitor's papers: papers, weights, sources."""
    config = obj.config
    monitors = [_monitor(config, monitor_name)] if monitor_name else list(config.monitors)
    key = _channel(channel)
    for monitor in monitors:
        profile = run_async(_profile(config, monitor, key, lookup=not no_lookup))
        _print_profile(monitor, profile)


async def _profile(
    config: Config, monitor: MonitorConfig, channel: tuple[str, str] | None, *, lookup: bool
) -> Profile:
    from bot.runtime.radar import open_radar
    from bot.watch.ranking.lookup import load_profile

    async with open_radar(config) as radar:
        arxiv = radar.arxiv if lookup else None
        return await load_profile(radar.store, config, monitor, channel, arxiv)


def _print_profile(monitor: MonitorConfig, profile: Profile) -> None:
    papers = (*profile.positive, *profile.negative)
    if not papers and not profile.pending and not profile.unknown:
        click.echo(f"{monitor.name}: no interest profile (ranking by keyword strength)")
    else:
        click.echo(
            f"{monitor.name}: {len(profile.positive)} interest papers, "
            f"{len(profile.negative)} marked down"
        )
    for paper in papers:
        click.echo(
            f"  {paper.weight:+.2f}  {paper.key}  {_plain(paper.title)}  [{_plain(paper.source)}]"
        )
    for arxiv_id in profile.pending:
        click.echo(f"  not looked up yet: {arxiv_id}")
    for arxiv_id in profile.unknown:
        click.secho(f"  unknown to arXiv: {arxiv_id}", fg="yellow")
    for warning in profile.warnings:
        click.secho(f"Warning: {_plain(warning)}", fg="yellow", err=True)
