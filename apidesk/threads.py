"""Running a request's blocking work (its unit of work, a page's rendering) in a thread.

Every front door hands its database work to a thread this way, in turns (`run_in_turn`): a
process lets only a few requests' work into its threads at once, reads and writes each through
a gate of their own, and the rest wait on the event loop in arrival order. Left to themselves,
sixteen requests of a process would all run in threads side by side, and every SQLite step and
PostgreSQL round trip lets go of the interpreter lock and takes it back: the threads hand the
lock around on every row, each hand-over a wake-up and a context switch. In one process with
sixteen requests at a time, a console Users page cost 7-8 ms of CPU that way and 3-4 ms with
one page at a time (docs/benchmarks.md). The database says how many at once
(`Database.at_once`): one on SQLite, whose work is all CPU, a few on PostgreSQL, whose threads
wait on the server. A work keeps its place for at most `GATE_WAIT`, so one that is slow (a page
of a thousand users) holds the others up no longer; a password's hash steps aside as it begins
(`step_aside`). Waiting longer in line lets nothing in: when work queued at the gates timed out
and went in beside the work holding a place, a slow machine's queue of console pages, at 16 to
a process, outlasted the wait, and every page went in at once.

The hop itself is asyncio's executor rather than Starlette's `run_in_threadpool`, whose anyio
capacity limiter, cancel scopes and task lookups cost about 80 µs more CPU per hop at sixteen
at a time (186 against 105 µs here). anyio's guarantees are kept: at most `THREADS` threads
per process (anyio's default, the database's connection pool with its overflow), the caller's
context variables in the thread, and a caller cancelled while its work runs waits for that
work to end before it unwinds.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import os
import weakref
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Literal, TypeVar

THREADS = 40
GATE_WAIT = 0.1
"""How long, in seconds, a request's work keeps its place at a gate: one that runs longer (a page
of a thousand users) gives its place up to the next in line and runs on beside it. A work of
the database alone takes a few milliseconds; a password's hash steps aside at once
(`step_aside`)."""

T = TypeVar("T")

_pool: ThreadPoolExecutor | None = None


def _executor() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=THREADS, thread_name_prefix="apidesk-worker")
    return _pool


def _forget_after_fork() -> None:
    # A forked child has none of its parent's threads: it starts a pool of its own.
    global _pool
    _pool = None


os.register_at_fork(after_in_child=_forget_after_fork)


# In a worker thread: how the work running there gives up its place at a gate, if it has one.
_PLACE: contextvars.ContextVar[Callable[[], None] | None] = contextvars.ContextVar(
    "apidesk_place", default=None
)


def step_aside() -> None:
    """Called in a worker thread before slow work outside the database (a password's hash):
    the place this work holds at its gate goes to the next in line now, not after
    `GATE_WAIT`. Anywhere else (the command line, a thread without a place) it does nothing."""
    give_up = _PLACE.get()
    if give_up is not None:
        give_up()


async def run_in_thread(function: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """`function(*args, **kwargs)` in a worker thread, with the caller's context variables."""
    return await _in_thread(contextvars.copy_context(), function, *args, **kwargs)


async def _in_thread(
    context: contextvars.Context, function: Callable[..., T], /, *args: Any, **kwargs: Any
) -> T:
    if kwargs:
        function = functools.partial(function, **kwargs)
    future = _executor().submit(context.run, function, *args)
    try:
        return await asyncio.wrap_future(future)
    except asyncio.CancelledError:
        # Work that had started runs to its end (a unit of work commits or rolls back); the
        # caller unwinds after it, so that a gate it releases on the way out is not freed
        # while the work still runs. Work that had not started never will.
        await _ended(future)
        raise


async def _ended(future: Future[Any]) -> None:
    while not future.done():
        try:
            await asyncio.wait([asyncio.wrap_future(future)])
        except asyncio.CancelledError:
            continue


Kind = Literal["read", "write"]

# The gates of each event loop (a process serves from one; tests start several).
_GATES: weakref.WeakKeyDictionary[
    asyncio.AbstractEventLoop, dict[tuple[Kind, int], asyncio.Semaphore]
] = weakref.WeakKeyDictionary()


def _gate(kind: Kind, size: int) -> asyncio.Semaphore:
    gates = _GATES.setdefault(asyncio.get_running_loop(), {})
    gate = gates.get((kind, size))
    if gate is None:
        gate = gates[(kind, size)] = asyncio.Semaphore(size)  # FIFO: woken in arrival order
    return gate


async def run_in_turn(
    kind: Kind, at_once: int, function: Callable[..., T], /, *args: Any, **kwargs: Any
) -> T:
    """`run_in_thread`, once fewer than `at_once` of the process's works of this `kind` hold
    a place (0: no limit). A work still running after `GATE_WAIT`, or one that steps aside
    (`step_aside`), gives its place up to the next one and runs on beside it."""
    if not at_once:
        return await run_in_thread(function, *args, **kwargs)
    gate = _gate(kind, at_once)
    await gate.acquire()
    holding = True

    def give_up_place() -> None:
        nonlocal holding
        if holding:
            holding = False
            gate.release()

    loop = asyncio.get_running_loop()

    def step_aside_from_thread() -> None:
        loop.call_soon_threadsafe(give_up_place)

    overdue = loop.call_later(GATE_WAIT, give_up_place)
    context = contextvars.copy_context()
    context.run(_PLACE.set, step_aside_from_thread)
    try:
        return await _in_thread(context, function, *args, **kwargs)
    finally:
        overdue.cancel()
        give_up_place()
