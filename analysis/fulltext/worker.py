"""Run one function call in a throw-away child process with a deadline and a memory cap.

Native libraries such as MuPDF can hang, crash or balloon on hostile input; the
caller must survive all three. :func:`run_in_worker` forks a fresh child from a
``forkserver`` (the modules a call names in ``preload`` are imported there once,
when the first call starts it, so a call costs a fork, not an interpreter start),
caps the growth of the child's address space with ``RLIMIT_AS``, and kills it when
the deadline passes. The result travels back through a pipe, so it must be picklable
plain data.
"""

from __future__ import annotations

import multiprocessing
import resource
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

_CONTEXT = multiprocessing.get_context("forkserver")
_JOIN_GRACE_S = 5.0
_PRELOADED: set[str] = set()  # modules the fork server is asked to import


class WorkerError(Exception):
    """The call did not return: ``reason`` is timeout, memory, crashed or raised."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


def _preload(modules: Sequence[str]) -> None:
    """Have the fork server import ``modules`` once instead of every child (this takes
    effect when the server starts: with the first call that names them)."""
    wanted = set(modules) - _PRELOADED
    if wanted:
        _PRELOADED.update(wanted)
        _CONTEXT.set_forkserver_preload(sorted(_PRELOADED))


def run_in_worker(
    func: Callable[..., T],
    *args: Any,
    timeout_s: float,
    memory_mb: int,
    preload: Sequence[str] = (),
) -> T:
    """``func(*args)`` in a child process; :class:`WorkerError` if it does not return.

    ``func`` must be a module-level function. The child may map ``memory_mb``
    more address space than it starts with (a fork of the server, which has
    its modules loaded). An exception ``func`` raises comes back as
    ``WorkerError("raised", "ExcType: message")``; exceeding the memory cap as
    ``"memory"``; dying of a signal or exiting without an answer as
    ``"crashed"``; passing ``timeout_s`` as ``"timeout"``. ``preload`` names the
    modules ``func`` needs, imported once in the fork server.
    """
    _preload(preload)
    receiver, sender = _CONTEXT.Pipe(duplex=False)
    process = _CONTEXT.Process(target=_child, args=(sender, func, args, memory_mb), daemon=True)
    process.start()
    sender.close()
    answered = False
    try:
        if not receiver.poll(timeout_s):
            raise WorkerError("timeout", f"no answer within {timeout_s:g} s")
        try:
            status, payload = receiver.recv()
        except EOFError:
            process.join(_JOIN_GRACE_S)
            raise WorkerError("crashed", f"exit code {process.exitcode}") from None
        answered = True
    finally:
        receiver.close()
        _stop(process, kill=not answered)
    if status == "ok":
        return payload
    raise WorkerError(status, payload)


def _stop(process: multiprocessing.process.BaseProcess, *, kill: bool) -> None:
    if kill:
        process.kill()
    process.join(_JOIN_GRACE_S)
    if process.is_alive():
        process.kill()
        process.join()
    process.close()


def _address_space() -> int:
    """Bytes of address space this process has mapped (0 where /proc is missing)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[0])
    except OSError:
        return 0
    return pages * resource.getpagesize()


def _child(
    sender: Connection, func: Callable[..., Any], args: tuple[Any, ...], memory_mb: int
) -> None:
    limit = _address_space() + memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        answer = ("ok", func(*args))
    except MemoryError:
        answer = ("memory", f"address space limit of {memory_mb} MB reached")
    except Exception as exc:  # every failure must reach the parent as data
        answer = ("raised", f"{type(exc).__name__}: {exc}")
    sender.send(answer)
    sender.close()
