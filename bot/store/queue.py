"""The analysis queue, async: each call is one step of :mod:`bot.store.jobs` on the
database thread, stamped with the store's clock.

Reached as ``store.queue``; ``await store.queue.finish(job, FAILED, message)``.
Jobs and requests are passed as the :class:`Job` / :class:`JobRequest` the caller
holds; operator actions (CLI) take a job ID.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.ids import ArxivId
from bot.models import ChatRef
from bot.store import jobs
from bot.store.jobs import Job, JobRequest
from bot.store.thread import StoreThread


class Queue:
    """Jobs and their requests on ``store``'s database thread."""

    def __init__(self, store: StoreThread) -> None:
        self._store = store

    # jobs ------------------------------------------------------------------------

    async def enqueue(
        self, paper: ArxivId, engine: str, language: str, ref: ChatRef
    ) -> tuple[int, bool]:
        """Add a request, joining an active job for the same analysis: (job ID, joined)."""
        store = self._store
        return await store.run(jobs.enqueue, store.db, paper, engine, language, ref, store.now())

    async def claim_next(self) -> Job | None:
        """Take the oldest due queued job and mark it running."""
        return await self._store.run(jobs.claim_next, self._store.db, self._store.now())

    async def get(self, job_id: int) -> Job | None:
        return await self._store.run(jobs.get, self._store.db, job_id)

    async def state(self, job_id: int) -> str | None:
        return await self._store.run(jobs.state, self._store.db, job_id)

    async def recover(
        self, max_attempts: int, keep: Sequence[int] = (), reason: str | None = None
    ) -> tuple[int, int]:
        """Requeue jobs left running except ``keep``; fail those out of attempts."""
        store = self._store
        return await store.run(
            jobs.recover, store.db, store.now(), max_attempts, tuple(keep), reason
        )

    async def release(self, job: Job) -> None:
        """Put a job interrupted by shutdown back without using up an attempt."""
        await self._store.run(jobs.release, self._store.db, job.id, self._store.now())

    async def retry_later(self, job: Job, error: str, not_before: str) -> None:
        store = self._store
        await store.run(jobs.retry_later, store.db, job.id, error, not_before, store.now())

    async def finish(self, job: Job, final_state: str, error: str | None = None) -> bool:
        """Move a running job to ``done`` or ``failed``; False if it was cancelled meanwhile."""
        store = self._store
        return await store.run(jobs.finish, store.db, job.id, final_state, error, store.now())

    async def first_user(self, job: Job) -> str | None:
        """The user whose request created the job (billed its tokens)."""
        return await self._store.run(jobs.first_user, self._store.db, job.id)

    # operator actions (CLI) ---------------------------------------------------------

    async def retry(self, job_id: int) -> bool:
        """Requeue a failed or cancelled job with fresh attempts."""
        return await self._store.run(jobs.retry, self._store.db, job_id, self._store.now())

    async def cancel(self, job_id: int) -> bool:
        """Cancel a queued or running job."""
        return await self._store.run(jobs.cancel, self._store.db, job_id, self._store.now())

    async def recent(self, limit: int) -> list[tuple[Job, int]]:
        """The newest jobs with their number of requests."""
        return await self._store.run(jobs.recent, self._store.db, limit)

    async def depth(self) -> dict[str, int]:
        """Jobs per state, and open requests (``requests_open``)."""
        return await self._store.run(jobs.depth, self._store.db)

    # requests -----------------------------------------------------------------------

    async def open_requests(self, job_id: int) -> list[JobRequest]:
        return await self._store.run(jobs.open_requests, self._store.db, job_id)

    async def request_state(self, request: JobRequest) -> str | None:
        return await self._store.run(jobs.request_state, self._store.db, request.id)

    async def undelivered(self) -> list[tuple[Job, JobRequest]]:
        """Open requests of finished jobs: replies still owed."""
        return await self._store.run(jobs.undelivered, self._store.db)

    async def set_thread(self, request: JobRequest, thread: str) -> None:
        await self._store.run(jobs.set_thread, self._store.db, request.id, thread)

    async def set_progress(self, request: JobRequest, progress_id: str) -> None:
        await self._store.run(jobs.set_progress, self._store.db, request.id, progress_id)

    async def mark_delivering(self, request: JobRequest) -> None:
        await self._store.run(jobs.mark_delivering, self._store.db, request.id)

    async def mark_replied(self, request: JobRequest) -> None:
        store = self._store
        await store.run(jobs.mark_replied, store.db, request.id, store.now())

    async def delivery_failed(self, request: JobRequest, error: str) -> int:
        """Count a failed platform call; returns the failures so far."""
        return await self._store.run(jobs.delivery_failed, self._store.db, request.id, error)
