"""Where a management read runs: on the event loop when it is short, in the thread pool when
it may not be.

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

Where writers take turns (SQLite), a process's writes hop one at a time, in arrival order
(`Placed.takes_turns`). Its writes would only queue for the turn in the pool, where each
queued thread's own work (its credential check, its response) contends for the interpreter
with the thread that holds the turn and makes every turn last longer; and the order they got
it in was the scheduler's. Measured alternately on 2 workers with wrk at 32 connections,
PATCH went from 1,042 to 1,330 requests/s, p99 150 to 53 ms; a turn's hold from 710-830
to 490 microseconds (docs/benchmarks.md).
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
    a read on the event loop (`on_loop`), a write that takes a turn (`takes_turns`)."""

    on_loop: bool = False
    takes_turns: bool = False


def _placed(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(endpoint)
    async def run(**values: Any) -> Any:
        if any(isinstance(value, Placed) and value.on_loop for value in values.values()):
            return endpoint(**values)
        return await run_in_threadpool(functools.partial(endpoint, **values))

    return run


# One gate per event loop (a process serves from one; tests start several).
_GATES: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
    weakref.WeakKeyDictionary()
)


def _gate() -> asyncio.Semaphore:
    loop = asyncio.get_running_loop()
    gate = _GATES.get(loop)
    if gate is None:
        gate = _GATES[loop] = asyncio.Semaphore(1)  # FIFO: woken in arrival order
    return gate


def _gated(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(endpoint)
    async def run(**values: Any) -> Any:
        call = functools.partial(endpoint, **values)
        if any(isinstance(value, Placed) and value.takes_turns for value in values.values()):
            async with _gate():
                return await run_in_threadpool(call)
        return await run_in_threadpool(call)

    return run


class ManagementRoute(APIRoute):
    """Handlers written as plain functions: reads run where `Placed.on_loop` says; writes
    that take turns hop to the thread pool one at a time (see the module)."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        methods = kwargs.get("methods") or ()
        reads = bool(methods) and set(methods) <= READ_METHODS
        if not inspect.iscoroutinefunction(endpoint):
            endpoint = _placed(endpoint) if reads else _gated(endpoint)
        super().__init__(path, endpoint, **kwargs)
