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
Everything else hops to a thread: writes (they wait for the write turn), filtered or deep
pages, and every PostgreSQL call (a network round trip).

A process's writes hop at most a few at a time, in arrival order (`Placed.at_once`,
`apidesk.threads.run_in_turn`): one where writers take turns (SQLite), four on PostgreSQL; one
still running after `apidesk.threads.GATE_WAIT` gives its place up to the next. Reads that hop
take turns the same way, through a gate of their own (`Database.at_once`), as do the console's
and the portal's pages. Queued in the pool, every waiting thread's own work (its credential
check, its response) contended for the interpreter with the threads doing the writes, so each
write, and on SQLite the turn it holds, lasted longer, and the order was the scheduler's. On
PostgreSQL a write also waits on the server for each statement. On loopback one at a time did
best there too (PATCH 840 requests/s, four 782-817, eight 694-695), but where the server is a
network round trip away a process with one write in flight would idle through every wait; four
keeps most of the gain (docs/benchmarks.md).
Measured alternately on 2 workers with wrk at 32 connections: PATCH on SQLite 882-934 ->
1,256-1,279 requests/s (p99 119-151 -> 56-59 ms), on PostgreSQL 620-657 -> 771-847 (p99
176-218 -> 81-90 ms).
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.routing import APIRoute

from apidesk.domain.numbers import whole
from apidesk.query import COUNT_LIMIT
from apidesk.threads import run_in_turn

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
    # Digits counted before int() reads them (FastAPI answers what this does not take).
    return value is None or whole(value, 0, limit) is not None


class Placed:
    """What a handler's request plumbing (`deps.Call`) tells the route about where it runs:
    a read on the event loop (`on_loop`); otherwise in a thread, with how many of the
    process's reads or writes may be in threads at once (`at_once`; 0: not limited)."""

    on_loop: bool = False
    at_once: int = 0


def _at_once(values: dict[str, Any]) -> int:
    return max((v.at_once for v in values.values() if isinstance(v, Placed)), default=0)


def _placed(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(endpoint)
    async def run(**values: Any) -> Any:
        if any(isinstance(value, Placed) and value.on_loop for value in values.values()):
            return endpoint(**values)
        return await run_in_turn("read", _at_once(values), functools.partial(endpoint, **values))

    return run


def _gated(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(endpoint)
    async def run(**values: Any) -> Any:
        return await run_in_turn("write", _at_once(values), functools.partial(endpoint, **values))

    return run


class ManagementRoute(APIRoute):
    """Handlers written as plain functions: reads run where `Placed.on_loop` says; the rest
    hop to a thread a few at a time (`Placed.at_once`, see the module)."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        methods = kwargs.get("methods") or ()
        reads = bool(methods) and set(methods) <= READ_METHODS
        if not inspect.iscoroutinefunction(endpoint):
            endpoint = _placed(endpoint) if reads else _gated(endpoint)
        super().__init__(path, endpoint, **kwargs)
