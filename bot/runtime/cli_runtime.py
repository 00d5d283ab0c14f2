"""``arxiv-radar run``, ``jobs`` and ``stats``: the composition root of the running bot.

``run`` builds the store, the arXiv client, the analyzer and the service, loads the
adapter of each platform enabled in the config through its entry point
(:data:`bot.runtime.plugins.ADAPTERS`: ``create_adapter(config, service) -> Adapter``,
imported only then) and hands them all to
:class:`bot.runtime.assembly.Runtime`. ``jobs`` and ``stats`` read and edit the same SQLite
file and work while the bot runs.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Awaitable, Callable
from typing import TypeVar

import click

from bot.chat.service import RadarService
from bot.kernel.config import Config
from bot.kernel.logs import configure_logging
from bot.kernel.platform import Adapter
from bot.kernel.redact import redact
from bot.runtime import plugins
from bot.runtime.assembly import Runtime
from bot.runtime.cli_context import CliContext, run_async
from bot.store import Store, jobs, usage

T = TypeVar("T")


def enabled_platforms(config: Config) -> list[str]:
    return [name for name in plugins.PLATFORMS if getattr(config, name).enabled]


def create_adapters(config: Config, service: RadarService) -> list[Adapter]:
    """One adapter per enabled platform, importing its package only then."""
    return [
        plugins.load(plugins.ADAPTERS, name)(config, service) for name in enabled_platforms(config)
    ]


@click.command("run")
@click.option("--port", type=int, help="Health endpoint port (default server.port; 0: any).")
@click.pass_obj
def run_command(obj: CliContext, port: int | None) -> None:
    """Run the bot: schedule, chat adapters, analysis workers and health endpoint."""
    from bot.runtime import preflight

    verbose = logging.getLogger().level <= logging.DEBUG
    configure_logging(obj.config, level=logging.DEBUG if verbose else logging.INFO)
    refused = preflight.problems(obj.config)
    for problem in refused:
        click.secho(f"Error: {redact(problem)}", fg="red", err=True)
    if refused:
        sys.exit(2)
    for warning in preflight.warnings(obj.config):
        logging.getLogger(__name__).warning("%s", warning)
    run_async(_run(obj.config, port))


async def _run(config: Config, port: int | None) -> None:
    from analysis.pipeline import Analyzer
    from bot.runtime.radar import open_radar

    async with open_radar(config) as radar:
        store, arxiv = radar.store, radar.arxiv
        service = RadarService(config, store, arxiv, Analyzer(config, store, arxiv))
        adapters = create_adapters(config, service)
        await Runtime(service, adapters, health_port=port).run()


@click.group("jobs", invoke_without_command=True)
@click.pass_context
def jobs_command(ctx: click.Context) -> None:
    """The analysis queue: list (default), retry ID, cancel ID."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(list_jobs)


@jobs_command.command("list")
@click.option("--limit", default=20, show_default=True, help="How many of the newest jobs.")
@click.pass_obj
def list_jobs(obj: CliContext, limit: int) -> None:
    """The newest jobs (analyses and questions), their state, attempts and last error."""
    rows = _with_store(obj.config, lambda store: store.queue.recent(limit))
    if not rows:
        click.echo("No analysis jobs yet.")
        return
    click.echo(
        f"{'id':>5}  {'state':<10}{'paper':<18}{'kind':<9}{'lang':<5}{'tries':>5}"
        f"{'requests':>9}  updated"
    )
    for job, requests in rows:
        click.echo(
            f"{job.id:>5}  {job.state:<10}{job.paper_id!s:<18}{job.kind:<9}{job.language or '-':<5}"
            f"{job.attempts:>5}{requests:>9}  {job.updated}"
        )
        if job.last_error and job.state != jobs.DONE:
            click.echo(f"       {job.last_error}")


@jobs_command.command("retry")
@click.argument("job_id", type=int)
@click.pass_obj
def retry_job(obj: CliContext, job_id: int) -> None:
    """Requeue a failed or cancelled job; its requesters get the result."""
    done = _with_store(obj.config, lambda store: store.queue.retry(job_id))
    _outcome(
        done, f"Job {job_id} queued again.", _why_not(obj.config, job_id, "failed or cancelled")
    )


@jobs_command.command("cancel")
@click.argument("job_id", type=int)
@click.pass_obj
def cancel_job(obj: CliContext, job_id: int) -> None:
    """Cancel a queued or running job; the running bot tells its requesters."""
    done = _with_store(obj.config, lambda store: store.queue.cancel(job_id))
    _outcome(done, f"Job {job_id} cancelled.", _why_not(obj.config, job_id, "queued or running"))


@click.command("stats")
@click.option("--days", default=7, show_default=True, help="How many active days to show.")
@click.pass_obj
def stats_command(obj: CliContext, days: int) -> None:
    """Usage per day: analyses requested and tokens spent, in total and per user."""
    rows = _with_store(obj.config, lambda store: store.usage.report(days))
    click.echo(usage.format_report(rows))


def _with_store(config: Config, action: Callable[[Store], Awaitable[T]]) -> T:
    """Run ``action`` on the store, opened for it and closed after."""

    async def run() -> T:
        store = Store.open(config.storage.path, busy_timeout_s=config.storage.busy_timeout_s)
        try:
            return await action(store)
        finally:
            store.close()

    result: T = run_async(run())
    return result


def _why_not(config: Config, job_id: int, wanted: str) -> str:
    """Why an operator action did nothing: no such job, or the job's state."""
    state = _with_store(config, lambda store: store.queue.state(job_id))
    if state is None:
        return f"There is no job {job_id} (see `arxiv-radar jobs list`)."
    return f"Job {job_id} is {state}, not {wanted}."


def _outcome(done: bool, success: str, failure: str) -> None:
    if done:
        click.echo(success)
        return
    click.secho(failure, fg="red", err=True)
    raise SystemExit(1)
