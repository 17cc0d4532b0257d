"""The record of an import in progress, which makes an import resumable.

An import is known by the SHA-256 digest of its file. Each batch moves the record's
`last_line` forward in the batch's own transaction, so after a crash at any point (even
`kill -9`) the record names exactly the last line whose batch is in the database; a new run
over the same file skips up to it and goes on. A finished file imported again starts over,
which the upserts make harmless.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from apidesk.domain.bulk.importer import Totals
from apidesk.domain.bulk.options import Options
from apidesk.domain.context import InstanceContext, Runtime
from apidesk.errors import Conflict, Invalid
from apidesk.storage import statistics
from apidesk.storage.models import UserImport

RUNNING, DONE = "running", "done"


@dataclass(frozen=True)
class Start:
    """Where a run begins: line 0 for a fresh import, or the line a resumed one stopped at."""

    job_id: int
    last_line: int
    resumed: bool
    totals: Totals
    invite_next_at: datetime | None


def _find(ctx: InstanceContext, digest: str) -> UserImport | None:
    return ctx.session.scalars(
        select(UserImport)
        .where(UserImport.instance_id == ctx.instance.id, UserImport.digest == digest)
        .with_for_update()
    ).first()


def _totals(job: UserImport) -> Totals:
    return Totals(job.created, job.updated, job.unchanged, job.failed, job.invited)


def begin(
    ctx: InstanceContext, digest: str, source: str, options: Options, *, restart: bool = False
) -> Start:
    """Open the import of the file with `digest`, resuming an unfinished one unless
    `restart`. A resumed import must be asked with the options it began with."""
    now = ctx.now()
    wanted: dict[str, Any] = options.as_record()
    job = _find(ctx, digest)
    if job is not None and job.status == RUNNING and not restart:
        if job.options != wanted:
            raise Invalid.field(
                "options",
                f"An unfinished import of this file (stopped after line {job.last_line}) "
                f"used other options ({_describe(job.options)}); give the same ones to "
                "resume it, or --restart to start over.",
            )
        job.source = source[:1000]
        job.updated_at = now
        ctx.session.flush()
        return Start(job.id, job.last_line, True, _totals(job), job.invite_next_at)
    if job is None:
        job = UserImport(instance_id=ctx.instance.id, digest=digest)
        ctx.session.add(job)
    job.source = source[:1000]
    job.options = wanted
    job.status = RUNNING
    job.last_line = 0
    job.created = job.updated = job.unchanged = job.failed = job.invited = 0
    job.invite_next_at = None
    job.started_at = job.updated_at = now
    job.finished_at = None
    ctx.session.flush()
    return Start(job.id, 0, False, Totals(), None)


def _describe(options: dict[str, Any]) -> str:
    return ", ".join(f"{key}={value}" for key, value in sorted(options.items()))


def advance(
    ctx: InstanceContext,
    job_id: int,
    *,
    after_line: int,
    to_line: int,
    batch: Totals,
    invite_next_at: datetime | None,
) -> None:
    """Record a batch, in the batch's transaction. The record is locked and must still say
    `after_line`: if another process moved it, two runs import one file, and this one stops."""
    job = ctx.session.scalars(
        select(UserImport)
        .where(UserImport.id == job_id, UserImport.instance_id == ctx.instance.id)
        .with_for_update()
    ).first()
    if job is None or job.status != RUNNING or job.last_line != after_line:
        raise Conflict(
            "Another run is importing this file at the same time; this one stops.",
            code="ImportInProgress",
        )
    job.last_line = to_line
    job.created += batch.created
    job.updated += batch.updated
    job.unchanged += batch.unchanged
    job.failed += batch.failed
    job.invited += batch.invited
    job.invite_next_at = invite_next_at
    job.updated_at = ctx.now()


def finish(ctx: InstanceContext, job_id: int) -> None:
    """The import is done: so marked. `settle` follows, once this unit has committed."""
    job = ctx.session.get(UserImport, job_id, with_for_update=True)
    if job is not None and job.instance_id == ctx.instance.id:
        job.status = DONE
        job.finished_at = job.updated_at = ctx.now()


def settle(rt: Runtime) -> None:
    """After an import: the planner told how large the tables now are, and their new pages
    marked all-visible, so that lists and counts are planned for the tables as they are
    (`storage.statistics`)."""
    statistics.settle(rt.database.engine, ["users", "group_members"])
