"""Analysis workers: claim queued jobs, report progress, deliver exactly one reply each.

``analysis.concurrency`` workers claim jobs from :mod:`bot.store.jobs`. For each request
of a job the worker makes sure there is a card to thread under (a slash-command
``analyze`` or ``ask`` has none), posts a progress message and updates it per stage,
then delivers the analysis, or the answer of a question job (:mod:`bot.chat.answering`),
or a failure message. A request is marked ``delivering``
before the platform call and ``replied`` after it; a reply whose platform is not
connected, or whose delivery failed, stays owed and a sweep delivers it later.

The one unavoidable duplicate: if the process dies after the platform accepted a
reply and before ``replied`` was written (milliseconds), the request is still
``delivering`` at the next start and is delivered again (at-least-once there, and
logged as such); chat platforms offer no idempotency key for replies.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import TYPE_CHECKING

from analysis.ask.types import Answer
from analysis.schema import Analysis
from analysis.stages import stage_text
from bot.arxiv.client import ArxivClient
from bot.chat.answering import Answering
from bot.kernel.config import Config
from bot.kernel.errors import AnalysisError, FetchError, RadarError, StoreError
from bot.kernel.logs import bind
from bot.kernel.models import ChatRef, Paper
from bot.kernel.platform import ChatPlatform
from bot.kernel.supervise import Supervisor
from bot.store import Store, jobs
from bot.store.jobs import DONE, FAILED, Job, JobRequest
from bot.store.questions import QUESTION
from bot.store.usage import Requester
from bot.watch.posting import REQUEST_MONITOR, Cards

if TYPE_CHECKING:
    from analysis.pipeline import Analyzer

log = logging.getLogger(__name__)
INTERNAL_ERROR = "An internal error stopped the {work} (details are in the bot's log)."
Result = Analysis | Answer  # what a job produces
TIMED_OUT, INTERNAL = "timed_out", "internal"  # Failure.reason beside RadarError.reason


@dataclass(frozen=True)
class Failure:
    """Why an attempt ended: the user's message, whether to retry, and a reason code."""

    message: str
    retryable: bool
    reason: str  # a RadarError's reason, TIMED_OUT or INTERNAL (a bug: logged in full)


class JobCancelled(Exception):
    """An operator cancelled the job while it ran."""


def job_deadline_s(config: Config) -> float:
    """The most one attempt may take: LLM deadline, extraction and a retried download."""
    download = config.arxiv.timeout_s * (config.arxiv.max_retries + 1)
    return config.llm.deadline_s + config.analysis.extract_timeout_s + download


def describe(exc: BaseException, deadline_s: float, work: str = "analysis") -> Failure:
    """The :class:`Failure` an exception that ended an attempt at ``work`` stands for."""
    if isinstance(exc, TimeoutError):
        text = f"The {work} took longer than {deadline_s:.0f} s and was stopped."
        return Failure(text, False, TIMED_OUT)
    if isinstance(exc, AnalysisError | FetchError | StoreError):
        return Failure(exc.user_message, exc.retryable, exc.reason)
    if isinstance(exc, RadarError):
        return Failure(exc.user_message, False, exc.reason)
    return Failure(INTERNAL_ERROR.format(work=work), True, INTERNAL)


def work_name(job: Job) -> str:
    """What the job does, as its messages say it: "analysis" or "answer"."""
    return "answer" if job.kind == QUESTION else "analysis"


def failure_text(job: Job, platform: ChatPlatform) -> str:
    retry = f"`{platform.command_prefix} analyze {job.paper_id}`"
    if job.state == FAILED:
        return f"Could not analyse {job.paper_id}: {job.last_error} Try again with {retry}."
    return f"The analysis of {job.paper_id} was cancelled by an operator. Ask again with {retry}."


class Workers:
    """The worker tasks and the owed-reply sweep of one running bot."""

    def __init__(
        self,
        *,
        config: Config,
        store: Store,
        analyzer: Analyzer,
        arxiv: ArxivClient,
        answering: Answering,
        cards: Cards,
        platforms: Mapping[str, ChatPlatform],
        supervisor: Supervisor,
        jobs_changed: asyncio.Event,
        platforms_changed: asyncio.Event,
        retry_backoff_s: float = 30.0,
        sweep_interval_s: float = 15.0,
        idle_poll_s: float = 1.0,
        connected: Callable[[str], bool] = lambda platform: True,
    ) -> None:
        self.config = config
        self.store = store
        self.queue = store.queue
        self.analyzer = analyzer
        self.arxiv = arxiv
        self.answering = answering  # the question-specific steps of question jobs
        self.cards = cards  # posts the card a command's analysis threads under
        self.platforms = platforms  # registered platforms, by name
        self.supervisor = supervisor
        self.jobs_changed = jobs_changed  # set when a job is queued: wake the workers
        self.platforms_changed = platforms_changed  # set when a platform registers
        self.connected = connected  # whether a registered platform is up right now
        self.retry_backoff_s = retry_backoff_s
        self.sweep_interval_s = sweep_interval_s
        self.idle_poll_s = idle_poll_s
        self.deadline_s = job_deadline_s(config)
        self._workers: list[asyncio.Task[None]] = []
        self._sweeper: asyncio.Task[None] | None = None
        self._stopping = False
        self._inflight: set[int] = set()  # request IDs being delivered right now
        self._active: set[int] = set()  # job IDs a worker of this process is running
        self._claiming = asyncio.Lock()  # claims and orphan requeues never interleave
        self._storage_error: str | None = None  # why a worker last could not record a job
        self._retry_at: dict[int, float] = {}  # request ID -> monotonic time of next try

    async def start(self) -> None:
        """Start the supervised workers (each first requeues orphaned jobs) and the sweep."""
        supervisor = self.supervisor
        count = self.config.analysis.concurrency
        self._workers = [supervisor.spawn(f"worker-{i}", self._work) for i in range(count)]
        self._sweeper = supervisor.spawn("reply-sweep", self._sweep)

    async def stop(self, grace_s: float) -> None:
        """Take no new job; let running ones finish within ``grace_s``, requeue the rest."""
        self._stopping = True
        self.jobs_changed.set()
        self.platforms_changed.set()  # the sweep ends after the delivery it is in
        tasks = [*self._workers, *([self._sweeper] if self._sweeper else [])]
        if tasks:
            _, late = await asyncio.wait(tasks, timeout=grace_s)
            if late:
                log.warning(
                    "%d tasks still busy after %.0f s: their jobs are requeued and their "
                    "replies stay owed",
                    len(late),
                    grace_s,
                )
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    # claiming and running -------------------------------------------------------------

    async def _work(self) -> None:
        """One worker's loop (run again by the supervisor after a failure)."""
        await self._requeue_orphans()
        while not self._stopping:
            self.jobs_changed.clear()
            job = await self._claim()
            if job is None:
                await _wait(self.jobs_changed, self.idle_poll_s)
                continue
            try:
                with bind(job_id=job.id):
                    await self.run_job(job)
            finally:
                self._active.discard(job.id)

    async def _claim(self) -> Job | None:
        async with self._claiming:
            job = await self.queue.claim_next()
            if job is not None:
                self._active.add(job.id)
        return job

    async def _requeue_orphans(self) -> None:
        """Requeue jobs left ``running`` by a crash or a failed worker (none is stranded)."""
        max_attempts = self.config.analysis.max_attempts
        async with self._claiming:
            running = tuple(self._active)
            requeued, failed = await self.queue.recover(max_attempts, running, self._storage_error)
        if requeued or failed:
            log.warning("jobs left running: %d requeued, %d abandoned", requeued, failed)
            self.jobs_changed.set()

    async def run_job(self, job: Job) -> None:
        """One attempt at ``job``; on shutdown the job goes back to the queue.

        When the outcome cannot be stored (database locked or disk full) the
        requesters are told and the error goes to the supervisor, which runs the
        worker again; the job is then requeued and retried.
        """
        run = _Run(self, job)
        try:
            await self._attempt(run)
        except StoreError as exc:
            self._storage_error = exc.user_message
            await run.notify(f"⏳ {exc.user_message} The {work_name(run.job)} will be retried.")
            raise

    async def _attempt(self, run: _Run) -> None:
        job = run.job
        log.info("%s %s (attempt %d)", _DOING[job.kind], job.paper_id, job.attempts)
        try:
            result = await asyncio.wait_for(run.work(), self.deadline_s)
        except asyncio.CancelledError:
            await asyncio.shield(self.queue.release(job))
            raise
        except JobCancelled:
            log.info("job %d was cancelled while running", job.id)
            await self.deliver_job(job.id, None)
        except Exception as exc:
            await self._failed(run, exc)
        else:
            await self.queue.finish(job, DONE)
            log.info("done with %s (%s)", job.paper_id, result.engine)
            await self.deliver_job(job.id, result)

    async def _failed(self, run: _Run, exc: Exception) -> None:
        job = run.job
        failure = describe(exc, self.deadline_s, work_name(job))
        message = failure.message
        if failure.reason == INTERNAL:
            log.error("job %d failed", job.id, exc_info=exc)
        max_attempts = self.config.analysis.max_attempts
        if failure.retryable and job.attempts < max_attempts:
            delay = self.retry_backoff_s * 2 ** (job.attempts - 1)
            not_before = (self.store.clock() + timedelta(seconds=delay)).isoformat()
            await self.queue.retry_later(job, message, not_before)
            log.warning(
                "job %d attempt %d failed (%s); retry in %.0f s",
                job.id,
                job.attempts,
                message,
                delay,
            )
            await run.show(
                f"⏳ Attempt {job.attempts} of {max_attempts} failed: {message.rstrip('.')}. "
                f"Retrying in {delay:.0f} s…"
            )
            return
        log.warning("job %d failed for good: %s", job.id, message)
        await self.queue.finish(job, FAILED, message)
        await self.deliver_job(job.id, None)

    # delivery ---------------------------------------------------------------------

    async def deliver_job(self, job_id: int, result: Result | None) -> None:
        """Deliver the final reply to every open request of a finished job."""
        job = await self.queue.get(job_id)
        if job is None:
            return
        for request in await self.queue.open_requests(job_id):
            result = await self._deliver(job, request, result)

    async def deliver_owed(self) -> None:
        """Deliver replies owed by finished jobs to connected platforms (the sweep)."""
        owed = await self.queue.undelivered()
        results: dict[int, Result | None] = {}
        now = time.monotonic()
        for job, request in owed:
            if self._retry_at.get(request.id, 0.0) > now:
                continue
            results[job.id] = await self._deliver(job, request, results.get(job.id))

    async def _deliver(self, job: Job, request: JobRequest, result: Result | None) -> Result | None:
        """Deliver one request's final reply once; returns the result (loaded if needed)."""
        platform = self.platform(request.ref.platform)
        if platform is None or request.id in self._inflight:
            return result  # owed until the platform is connected
        self._inflight.add(request.id)
        try:
            state = await self.queue.request_state(request)
            if state not in jobs.OPEN:
                return result
            if state == jobs.DELIVERING:
                log.warning(
                    "request %d may already be answered (a delivery was cut short): sending again",
                    request.id,
                )
            if job.kind == QUESTION:
                result = await self._deliver_answer(platform, job, request, result)
            elif job.state == DONE:
                analysis = result if isinstance(result, Analysis) else await self._cached(job)
                result = analysis
                ref = await self.card_thread(job, request)
                await self.queue.mark_delivering(request)
                await platform.deliver_analysis(ref, analysis, request.progress_id)
                await self.queue.mark_replied(request)
            else:
                text = failure_text(job, platform)
                await self.queue.mark_delivering(request)
                await platform.deliver_failure(request.ref, text, job.arxiv_id, request.progress_id)
                await self.queue.mark_replied(request)
            self._retry_at.pop(request.id, None)
        except Exception as exc:
            await self._delivery_failed(request, exc)
        finally:
            self._inflight.discard(request.id)
        return result

    async def _deliver_answer(
        self, platform: ChatPlatform, job: Job, request: JobRequest, result: Result | None
    ) -> Answer | None:
        """A question job's reply: the answer (then kept as a turn of its thread), or why not."""
        if job.state != DONE:
            text = await self.answering.failure_text(job, platform)
            await self.queue.mark_delivering(request)
            await platform.deliver_answer_failure(request.ref, text, request.progress_id)
            await self.queue.mark_replied(request)
            return None
        answer = result if isinstance(result, Answer) else await self.answering.load(job)
        ref = await self.card_thread(job, request)
        await self.queue.mark_delivering(request)
        await platform.deliver_answer(ref, answer, request.progress_id)
        await self.queue.mark_replied(request)
        await self.answering.delivered(ref, answer)
        return answer

    def platform(self, name: str) -> ChatPlatform | None:
        """The platform ``name`` if it is registered and connected."""
        platform = self.platforms.get(name)
        return platform if platform is not None and self.connected(name) else None

    async def _delivery_failed(self, request: JobRequest, exc: Exception) -> None:
        error = f"{type(exc).__name__}: {exc}"
        failures = await self.queue.delivery_failed(request, error)
        if failures >= jobs.MAX_DELIVERIES:
            self._retry_at.pop(request.id, None)
            log.error(
                "reply to request %d given up after %d tries: %s", request.id, failures, error
            )
            return
        delay = self.sweep_interval_s * 2 ** (failures - 1)
        self._retry_at[request.id] = time.monotonic() + delay
        log.warning(
            "reply to request %d not delivered (%s); retry in %.0f s", request.id, error, delay
        )

    async def _cached(self, job: Job) -> Analysis:
        """The finished analysis of ``job`` again: from the cache, else analysed anew."""
        analyzer = self.analyzer
        found = await analyzer.cached(job.paper_id, language=job.language, engine=job.engine)
        if found is not None:
            return found
        result = await analyzer.analyze(
            job.paper_id,
            language=job.language,
            engine=job.engine,
            requester=await self.requester(job),
        )
        return result.analysis

    async def requester(self, job: Job) -> Requester:
        """Whom the job's tokens are billed to: its first requester, counted when accepted."""
        return Requester(await self.queue.first_user(job), counted=True)

    async def card_thread(self, job: Job, request: JobRequest) -> ChatRef:
        """The request's thread; for a command with none, post (or find) the paper's card."""
        if request.ref.thread:
            return request.ref
        platform = self.platforms[request.ref.platform]
        paper = await self.paper(job)
        message_id = await self.cards.ensure(
            platform, request.ref.channel, paper, (), REQUEST_MONITOR
        )
        await self.queue.set_thread(request, message_id)
        return replace(request.ref, thread=message_id)

    async def paper(self, job: Job) -> Paper:
        """The paper's metadata from the store, else from the arXiv API (then stored)."""
        stored = await self.store.run(self.store.paper, job.arxiv_id)
        if stored is not None:
            return stored
        paper = await self.arxiv.paper(job.paper_id)
        await self.store.run(self.store.save_papers, [paper])
        return paper

    async def _sweep(self) -> None:
        changed = self.platforms_changed
        while not self._stopping:
            changed.clear()
            await self.deliver_owed()  # an error goes to the supervisor, which retries
            await _wait(changed, self.sweep_interval_s)


class _Run:
    """One attempt at a job: progress messages per request, cancellation checks."""

    def __init__(self, workers: Workers, job: Job) -> None:
        self.workers = workers
        self.job = job
        self.engine = ""  # the engine label, known once the attempt starts
        self.text = _STARTING[job.kind].format(paper=job.paper_id)
        self.progress: dict[int, tuple[ChatRef, str]] = {}  # request id -> (thread, message)

    async def work(self) -> Result:
        """The job's analysis, or the answer to its question."""
        return await (self.answer() if self.job.kind == QUESTION else self.analyze())

    async def answer(self) -> Answer:
        """The answer to a question job, asked with its thread's earlier turns."""
        answering, job = self.workers.answering, self.job
        self.engine = answering.asker.engine_label(job.engine)
        await self.attach()
        [request] = await self.workers.queue.open_requests(job.id)
        ref = self.progress[request.id][0] if request.id in self.progress else request.ref
        return await answering.answer(job, ref, self.stage)

    async def analyze(self) -> Analysis:
        """The job's analysis (its tokens are booked by the analyzer)."""
        analyzer, job = self.workers.analyzer, self.job
        self.engine = analyzer.engine_label(job.engine)
        await self.attach()
        result = await analyzer.analyze(
            job.paper_id,
            language=job.language,
            engine=job.engine,
            progress=self.stage,
            requester=await self.workers.requester(job),
        )
        return result.analysis

    async def stage(self, stage: str) -> None:
        """The analyzer's progress callback: check for cancellation, update every message."""
        if await self.workers.queue.state(self.job.id) == jobs.CANCELLED:
            raise JobCancelled()
        await self.show(stage_text(stage, self.engine))

    async def show(self, text: str) -> None:
        self.text = text
        fresh = await self.attach()
        for request_id, (ref, message_id) in self.progress.items():
            if request_id not in fresh:
                await self._update(ref, message_id)

    async def notify(self, text: str) -> None:
        """Update the progress messages already posted (no database write)."""
        self.text = text
        for ref, message_id in self.progress.values():
            await self._update(ref, message_id)

    async def attach(self) -> set[int]:
        """Give requests that have none a thread and a progress message; return those IDs."""
        fresh = set()
        for request in await self.workers.queue.open_requests(self.job.id):
            if request.id in self.progress or self.workers.platform(request.ref.platform) is None:
                continue
            if request.progress_id:
                self.progress[request.id] = (request.ref, request.progress_id)
                continue
            if await self._start(request):
                fresh.add(request.id)
        return fresh

    async def _start(self, request: JobRequest) -> bool:
        platform = self.workers.platforms[request.ref.platform]
        try:
            ref = await self.workers.card_thread(self.job, request)
            message_id = await platform.start_progress(ref, self.text)
        except RadarError:
            raise
        except Exception:
            log.warning("no progress message for request %d", request.id, exc_info=True)
            return False
        await self.workers.queue.set_progress(request, message_id)
        self.progress[request.id] = (ref, message_id)
        return True

    async def _update(self, ref: ChatRef, message_id: str) -> None:
        platform = self.workers.platform(ref.platform)
        if platform is None:
            return
        try:
            await platform.update_progress(ref, message_id, self.text)
        except Exception:
            log.warning("progress update in %s:%s failed", ref.platform, ref.channel, exc_info=True)


_STARTING = {
    "analysis": "⏳ Starting the analysis of {paper}…",
    QUESTION: "⏳ Looking into {paper} for your question…",
}
_DOING = {"analysis": "analysing", QUESTION: "answering a question about"}


async def _wait(event: asyncio.Event, timeout_s: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(event.wait(), timeout_s)
