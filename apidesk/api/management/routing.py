"""Where a management request's work runs: a read on the event loop when it is short, in the
thread pool when it may not be; writes in the thread pool, a few at a time.

FastAPI runs a plain-function handler in the thread pool. Handing a request to a pool thread
and back costs about as much CPU as everything else a GET of one user does (docs/benchmarks.md),
and on SQLite the read itself is a lookup in a local file that a writer never blocks (WAL).
So a read whose cost an index bounds runs on the event loop, the way the gateway check does:
on SQLite, a GET or HEAD without `$filter` (a filter can make SQLite read every row of the
instance) or whose filter names one user by a unique key (`email eq '...'` or `name eq '...'`
on a list of users: the unique index finds at most one), with `$skip` under the count limit
(skipping reads every skipped entry) and a page of at most `SHORT_PAGE` entries (rendering a
page of 1,000 would hold the loop for tens of milliseconds, and every gateway check of the
process with it).
Everything else hops as before: writes (they wait for the write turn), filtered or deep pages,
and every PostgreSQL call (a network round trip).

A process's writes hop at most a few at a time, in arrival order (`Placed.writers`): one
where writers take turns (SQLite), four on PostgreSQL; none waits at that gate longer than
`GATE_WAIT`. Queued in the pool, every waiting thread's own work (its credential check, its
response) contended for the interpreter with the threads doing the writes, so each write, and
on SQLite the turn it holds, lasted longer, and the order was the scheduler's. On PostgreSQL
a write also waits on the server for each statement. On loopback one at a time did best there
too (PATCH 840 requests/s, four 782-817, eight 694-695), but where the server is a network
round trip away a process with one write in flight would idle through every wait; four keeps
most of the gain (docs/benchmarks.md).
Measured alternately on 2 workers with wrk at 32 connections: PATCH on SQLite 882-934 ->
1,256-1,279 requests/s (p99 119-151 -> 56-59 ms), on PostgreSQL 620-657 -> 771-847 (p99
176-218 -> 81-90 ms).
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import re
import weakref
from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool

from apidesk.domain.validation import digits
from apidesk.query import COUNT_LIMIT

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SHORT_PAGE = 100
# A filter that names one user by a key unique in the instance, a string in OData's quotes
# (a quote inside doubled). Anything the parser would refuse is refused on the loop as well.
_ONE_USER = re.compile(r"\s*(?:name|email)\s+eq\s+'(?:[^']|'')*'\s*")
_USER_LISTS = "/users"  # the instance's users and a group's


def short_read(request: Request, *, on_loop: bool, page_size: int) -> bool:
    """Whether this request is a read the event loop may answer itself (see the module);
    `page_size` is the page a list gives without `$top`."""
    if not on_loop or request.method not in READ_METHODS:
        return False
    query = request.query_params
    if "$filter" in query and not _names_one_user(request):
        return False
    skip, top = query.get("$skip"), query.get("$top")
    return _at_most(skip, COUNT_LIMIT) and (
        _at_most(top, SHORT_PAGE) if top is not None else page_size <= SHORT_PAGE
    )


def _names_one_user(request: Request) -> bool:
    filters = request.query_params.getlist("$filter")
    return (
        request.scope["path"].endswith(_USER_LISTS)
        and len(filters) == 1
        and _ONE_USER.fullmatch(filters[0]) is not None
    )


def _at_most(value: str | None, limit: int) -> bool:
    # The length first: int() refuses strings of thousands of digits (FastAPI answers those).
    return value is None or (digits(value) and len(value) <= 6 and int(value) <= limit)


class Placed:
    """What a handler's request plumbing (`deps.Call`) tells the route about where it runs:
    a read on the event loop (`on_loop`), a write with how many of the process's writes may
    be in the thread pool at once (`writers`; 0: not limited)."""

    on_loop: bool = False
    writers: int = 0


def _placed(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(endpoint)
    async def run(**values: Any) -> Any:
        if any(isinstance(value, Placed) and value.on_loop for value in values.values()):
            return endpoint(**values)
        return await run_in_threadpool(functools.partial(endpoint, **values))

    return run


# The gates of each event loop (a process serves from one; tests start several), by size.
_GATES: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[int, asyncio.Semaphore]] = (
    weakref.WeakKeyDictionary()
)


def _gate(size: int) -> asyncio.Semaphore:
    gates = _GATES.setdefault(asyncio.get_running_loop(), {})
    if size not in gates:
        gates[size] = asyncio.Semaphore(size)  # FIFO: waiters are woken in arrival order
    return gates[size]


GATE_WAIT = 0.1
"""The longest a write waits at the gate, in seconds, before it goes into the pool anyway: a
write doing slow work outside its unit of work (a password hash, a template's compile) holds
its place at the gate, and must hold the process's other writes up by no more than this. It
is above what a write waits at the gate under load (p99 56-59 ms at 32 connections on 2
cores); past it, writes queue in the pool as they did without the gate."""


def _gated(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(endpoint)
    async def run(**values: Any) -> Any:
        call = functools.partial(endpoint, **values)
        size = max((v.writers for v in values.values() if isinstance(v, Placed)), default=0)
        gate = _gate(size) if size else None
        if gate is not None:
            try:
                async with asyncio.timeout(GATE_WAIT):
                    await gate.acquire()
            except TimeoutError:
                gate = None  # waited long enough: in without a place
        try:
            return await run_in_threadpool(call)
        finally:
            if gate is not None:
                gate.release()

    return run


class ManagementRoute(APIRoute):
    """Handlers written as plain functions: reads run where `Placed.on_loop` says; writes
    hop to the thread pool a few at a time (`Placed.writers`, see the module)."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        methods = kwargs.get("methods") or ()
        reads = bool(methods) and set(methods) <= READ_METHODS
        if not inspect.iscoroutinefunction(endpoint):
            endpoint = _placed(endpoint) if reads else _gated(endpoint)
        super().__init__(path, endpoint, **kwargs)
