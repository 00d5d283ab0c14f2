"""The analysis queue, async: each call is one step of :mod:`bot.store.jobs` on the
database thread, stamped with the store's clock.

Reached as ``store.queue``; ``await store.queue.finish(job, FAILED, message)``.
Jobs and requests are passed as the :class:`Job` / :class:`JobRequest` the caller
holds; operator actions (CLI) take a job ID.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlite_utils import Database

from bot.kernel.ids import ArxivId
from bot.kernel.models import ChatRef
from bot.store import jobs, questions, repeats, usage
from bot.store.jobs import Job, JobRequest, JobState, RequestState
from bot.store.questions import QuestionAdmission
from bot.store.repeats import Repeat
from bot.store.sqlite_tx import transaction
from bot.store.thread import Facade
from bot.store.usage import UsageRow

# Raises when a request may not be accepted: (the requester's row, the day's total).
Admission = Callable[[UsageRow, UsageRow], None]


class Queue(Facade):
    """Jobs and their requests on the store's database thread."""

    # jobs ------------------------------------------------------------------------

    async def enqueue(
        self, paper: ArxivId, engine: str, language: str, ref: ChatRef
    ) -> tuple[int, bool]:
        """Add a request, joining an active job for the same analysis: (job ID, joined)."""
        return await self._call(jobs.enqueue, paper, engine, language, ref, self._now())

    async def request(
        self,
        paper: ArxivId,
        engine: str,
        language: str,
        ref: ChatRef,
        *,
        day: str,
        admit: Admission,
        refresh: bool = False,
        engine_label: str = "",
    ) -> bool | Repeat:
        """A chat request, in one transaction: the earlier request it repeats, if any;
        else ``admit`` (the day's limits), the request queued (True: it joined a running
        job) and counted on ``day``. ``refresh`` forgets the cached ``engine_label``
        analyses and queues even a repeat of a delivered one."""
        args = (paper, engine, language, ref, day, admit, refresh, engine_label, self._now())
        return await self._call(_request, *args)

    async def ask(
        self,
        paper: ArxivId,
        engine: str,
        language: str,
        ref: ChatRef,
        question: str,
        *,
        day: str,
        admit: QuestionAdmission,
    ) -> int:
        """A chat question, in one transaction: ``admit`` (the day's limits), a question
        job queued (never joined) and counted on ``day``; returns the job ID."""
        args = (paper, engine, language, ref, question, day, admit, self._now())
        return await self._call(questions.request, *args)

    async def claim_next(self) -> Job | None:
        """Take the oldest due queued job and mark it running."""
        return await self._call(jobs.claim_next, self._now())

    async def get(self, job_id: int) -> Job | None:
        return await self._call(jobs.get, job_id)

    async def state(self, job_id: int) -> JobState | None:
        return await self._call(jobs.state, job_id)

    async def recover(
        self, max_attempts: int, keep: Sequence[int] = (), reason: str | None = None
    ) -> tuple[int, int]:
        """Requeue jobs left running except ``keep``; fail those out of attempts."""
        return await self._call(jobs.recover, self._now(), max_attempts, tuple(keep), reason)

    async def release(self, job: Job) -> None:
        """Put a job interrupted by shutdown back without using up an attempt."""
        await self._call(jobs.release, job.id, self._now())

    async def retry_later(self, job: Job, error: str, not_before: str) -> None:
        await self._call(jobs.retry_later, job.id, error, not_before, self._now())

    async def finish(self, job: Job, final_state: JobState, error: str | None = None) -> bool:
        """Move a running job to ``done`` or ``failed``; False if it was cancelled meanwhile."""
        return await self._call(jobs.finish, job.id, final_state, error, self._now())

    async def first_user(self, job: Job) -> str | None:
        """The user whose request created the job (billed its tokens)."""
        return await self._call(jobs.first_user, job.id)

    # operator actions (CLI) ---------------------------------------------------------

    async def retry(self, job_id: int) -> bool:
        """Requeue a failed or cancelled job with fresh attempts."""
        return await self._call(jobs.retry, job_id, self._now())

    async def cancel(self, job_id: int) -> bool:
        """Cancel a queued or running job."""
        return await self._call(jobs.cancel, job_id, self._now())

    async def recent(self, limit: int) -> list[tuple[Job, int]]:
        """The newest jobs with their number of requests."""
        return await self._call(jobs.recent, limit)

    async def depth(self) -> dict[str, int]:
        """Jobs per state, and open requests (``requests_open``)."""
        return await self._call(jobs.depth)

    # requests -----------------------------------------------------------------------

    async def open_requests(self, job_id: int) -> list[JobRequest]:
        return await self._call(jobs.open_requests, job_id)

    async def request_state(self, request: JobRequest) -> RequestState | None:
        return await self._call(jobs.request_state, request.id)

    async def undelivered(self) -> list[tuple[Job, JobRequest]]:
        """Open requests of finished jobs: replies still owed."""
        return await self._call(jobs.undelivered)

    async def set_thread(self, request: JobRequest, thread: str) -> None:
        await self._call(jobs.set_thread, request.id, thread)

    async def set_progress(self, request: JobRequest, progress_id: str) -> None:
        await self._call(jobs.set_progress, request.id, progress_id)

    async def mark_delivering(self, request: JobRequest) -> None:
        await self._call(jobs.mark_delivering, request.id)

    async def mark_replied(self, request: JobRequest) -> None:
        await self._call(jobs.mark_replied, request.id, self._now())

    async def delivery_failed(self, request: JobRequest, error: str) -> int:
        """Count a failed platform call; returns the failures so far."""
        return await self._call(jobs.delivery_failed, request.id, error)


def _request(
    db: Database,
    paper: ArxivId,
    engine: str,
    language: str,
    ref: ChatRef,
    day: str,
    admit: Admission,
    refresh: bool,
    engine_label: str,
    now: str,
) -> bool | Repeat:
    with transaction(db):
        found = repeats.find(db, ref, paper, engine, language)
        if found and (not refresh or found.status == repeats.COMING):
            return found  # a refresh of a job still running is that job
        mine = usage.row(db, day, ref.user) if ref.user else UsageRow(day, "", 0, 0, 0)
        admit(mine, usage.row(db, day, usage.TOTAL))
        if refresh:
            repeats.forget_cached(db, paper.id, engine_label, language)
        _, joined = jobs.enqueue(db, paper, engine, language, ref, now)
        usage.count_request(db, day, ref.user)
    return joined
