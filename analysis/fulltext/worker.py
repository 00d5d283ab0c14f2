"""Run one function call in a child process with a deadline and a memory cap.

Native libraries such as MuPDF can hang, crash or balloon on hostile input; the
caller must survive all three. :func:`run_in_worker` hands the call to a child
forked from a ``forkserver`` (the modules a call names in ``preload`` are
imported there once), caps the address space the call may add with ``RLIMIT_AS``, and
kills the child when the deadline passes. The result travels back through a
pipe, so it must be picklable plain data.

A child that answered normally is kept for the next call (at most
:data:`MAX_CALLS` calls, :data:`MAX_IDLE` idle children, each for
:data:`IDLE_S` seconds): the fork, the child's first page faults and MuPDF's
caches are paid once instead of per PDF. A child that timed out, crashed, ran
out of memory or raised is never reused.
"""

from __future__ import annotations

import gc
import importlib
import multiprocessing
import resource
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.context import ForkContext, ForkServerContext
from pathlib import Path
from typing import Any, TypeVar, cast

T = TypeVar("T")

_FORKSERVER = multiprocessing.get_context("forkserver")
_start_method: dict[str, ForkContext | ForkServerContext] = {"context": _FORKSERVER}
_JOIN_GRACE_S = 5.0
MAX_CALLS = 32  # calls one child serves before it is replaced
MAX_IDLE = 2  # idle children kept (the bot runs at most a few extractions at once)
IDLE_S = 60.0  # an idle child exits after this long; the parent reuses it for half that


class WorkerError(Exception):
    """The call did not return: ``reason`` is timeout, memory, crashed or raised."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass
class _Child:
    process: multiprocessing.process.BaseProcess
    connection: Connection
    context: ForkContext | ForkServerContext
    calls: int = 0
    idle_since: float = field(default_factory=time.monotonic)

    def reusable(self) -> bool:
        fresh = time.monotonic() - self.idle_since < IDLE_S / 2
        same_start = self.context is _start_method["context"]
        return fresh and same_start and self.calls < MAX_CALLS and self.process.is_alive()


_idle: list[_Child] = []
_idle_lock = threading.Lock()


_PRELOADED: set[str] = set()  # modules the fork server is asked to import


def _preload(modules: Sequence[str]) -> None:
    """Have the fork server import ``modules`` once instead of every child (this takes
    effect when the server starts: with the first call that names them)."""
    wanted = set(modules) - _PRELOADED
    if wanted:
        _PRELOADED.update(wanted)
        _FORKSERVER.set_forkserver_preload(sorted(_PRELOADED))


@contextmanager
def forking_this_process() -> Iterator[None]:
    """Within the block, start children as plain forks of this process, not through the
    fork server.

    For a short-lived command that runs one extraction at a time and nothing
    else (``arxiv-radar extract``, ``analyze``): no second interpreter starts and
    loads PyMuPDF before the first call, and the child keeps the same deadline,
    memory cap and crash isolation. A long-running, multi-threaded process (the
    bot) keeps the fork server: a fork would copy its threads' state.
    """
    previous = _start_method["context"]
    _start_method["context"] = multiprocessing.get_context("fork")
    try:
        yield
    finally:
        _start_method["context"] = previous


def start_worker(*modules: str) -> None:
    """Start a child now, importing ``modules`` in it, so that its start overlaps the
    caller's own work; the next :func:`run_in_worker` uses it."""
    _preload(modules)
    child = _new_child(modules)
    with _idle_lock:
        _idle.append(child)


def run_in_worker(
    func: Callable[..., T],
    *args: Any,
    timeout_s: float,
    memory_mb: int,
    preload: Sequence[str] = (),
) -> T:
    """``func(*args)`` in a child process; :class:`WorkerError` if it does not return.

    ``func`` must be a module-level function. The call may map ``memory_mb``
    more address space than the child holds when it starts the call. An
    exception ``func`` raises comes back as ``WorkerError("raised", "ExcType:
    message")``; exceeding the memory cap as ``"memory"``; dying of a signal or
    exiting without an answer as ``"crashed"``; passing ``timeout_s`` as ``"timeout"``.
    ``preload`` names the modules ``func`` needs, imported once in the fork server.
    """
    _preload(preload)
    child = _take_child()
    status = "crashed"
    try:
        status, payload = _call(child, func, args, timeout_s, memory_mb)
    finally:
        _release(child, healthy=status == "ok")
    if status == "ok":
        return cast(T, payload)
    raise WorkerError(status, payload)


def _call(
    child: _Child, func: Callable[..., Any], args: tuple[Any, ...], timeout_s: float, memory_mb: int
) -> tuple[str, Any]:
    try:
        child.connection.send((func, args, memory_mb))
        if not child.connection.poll(timeout_s):
            raise WorkerError("timeout", f"no answer within {timeout_s:g} s")
        answer: tuple[str, Any] = child.connection.recv()
    except (EOFError, BrokenPipeError, ConnectionResetError):
        child.process.join(_JOIN_GRACE_S)
        raise WorkerError("crashed", f"exit code {child.process.exitcode}") from None
    child.calls += 1
    return answer


def _take_child() -> _Child:
    with _idle_lock:
        while _idle:
            child = _idle.pop()
            if child.reusable():
                return child
            _stop(child, kill=True)
    return _new_child(())


def _new_child(modules: tuple[str, ...]) -> _Child:
    context = _start_method["context"]
    receiver, sender = context.Pipe(duplex=True)
    process = context.Process(target=_serve, args=(sender, modules), daemon=True)
    process.start()
    sender.close()
    return _Child(process, receiver, context)


def _release(child: _Child, *, healthy: bool) -> None:
    if healthy and child.calls < MAX_CALLS:
        child.idle_since = time.monotonic()
        with _idle_lock:
            if len(_idle) < MAX_IDLE:
                _idle.append(child)
                return
    _stop(child, kill=not healthy)


def _stop(child: _Child, *, kill: bool) -> None:
    child.connection.close()  # an idle child sees the end of its pipe and exits
    process = child.process
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


def _serve(connection: Connection, modules: tuple[str, ...]) -> None:
    """The child: import ``modules``, then answer calls until the parent closes the pipe
    or none comes for IDLE_S."""
    gc.freeze()  # what the child inherited is never garbage: the collector skips it
    for module in modules:
        importlib.import_module(module)
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    while connection.poll(IDLE_S):
        try:
            func, args, memory_mb = connection.recv()
        except EOFError:
            return
        limit = _address_space() + memory_mb * 1024 * 1024
        unlimited = hard == resource.RLIM_INFINITY
        resource.setrlimit(resource.RLIMIT_AS, (limit if unlimited else min(limit, hard), hard))
        answer = _answer(func, args, memory_mb)
        connection.send(answer)
        if answer[0] != "ok":
            return
        resource.setrlimit(resource.RLIMIT_AS, (hard, hard))


def _answer(func: Callable[..., Any], args: tuple[Any, ...], memory_mb: int) -> tuple[str, Any]:
    try:
        return ("ok", func(*args))
    except MemoryError:
        return ("memory", f"address space limit of {memory_mb} MB reached")
    except Exception as exc:  # every failure must reach the parent as data
        return ("raised", f"{type(exc).__name__}: {exc}")
