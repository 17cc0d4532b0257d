"""Is this process fit to serve? What a load balancer and an orchestrator ask.

Liveness needs nothing. Readiness needs the database to answer and its schema to be one this
release can work with: at this release's head, or newer (a rolling upgrade has migrated the
database for the next release, whose expand step this release tolerates by design). A schema
behind the head means migrations have not run yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from apidesk.domain.context import Runtime
from apidesk.storage import migrate
from apidesk.storage.availability import is_unavailable

CURRENT = "current"
AHEAD = "ahead"
BEHIND = "behind"
EMPTY = "empty"


@dataclass(frozen=True)
class Readiness:
    ready: bool
    database: str  # "ok" or "unavailable"
    schema: str | None  # CURRENT, AHEAD, BEHIND, EMPTY; None when the database did not answer
    revision: str | None
    release: str | None
    message: str


@cache
def _known_revisions() -> frozenset[str]:
    return frozenset(migrate.known_revisions())


def readiness(runtime: Runtime) -> Readiness:
    release = migrate.head_revision()
    try:
        revision = migrate.current_revision(runtime.database.engine)
    except Exception as error:
        if not is_unavailable(error):
            raise
        return Readiness(
            False, "unavailable", None, None, release, "The database cannot be reached."
        )
    if revision is None:
        schema, message = EMPTY, "The database has no schema; run `apidesk db upgrade`."
    elif revision == release:
        schema, message = CURRENT, "Ready."
    elif revision not in _known_revisions():
        schema, message = AHEAD, "Ready; the schema is newer than this release (an upgrade)."
    else:
        schema, message = BEHIND, "The schema is behind this release; run `apidesk db upgrade`."
    return Readiness(schema in (CURRENT, AHEAD), "ok", schema, revision, release, message)
