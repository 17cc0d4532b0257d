"""Reads from PostgreSQL hot standbys that are never older than the request.

A standby serves a read only once it has replayed everything the primary had committed when
the read began: the primary's WAL position is read first (`pg_current_wal_lsn()`, a trivial
query), then the standby's replay position is compared with it, waiting a moment for a standby
that is just behind. So a PUT followed by a GET, from any client through any replica, never
sees the state before the PUT, and the heavy part of every read runs on a standby. A standby
that cannot be reached is left alone for a few seconds; with none usable, the primary reads.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from apidesk.storage.availability import is_unavailable

log = logging.getLogger("apidesk.standbys")

_PRIMARY_POSITION = text("SELECT pg_current_wal_lsn()::text")
_REPLAYED = text("SELECT coalesce(pg_last_wal_replay_lsn() >= CAST(:lsn AS pg_lsn), false)")


class Standbys:
    def __init__(
        self,
        primary: Engine,
        standbys: list[Engine],
        *,
        wait_seconds: float = 0.2,
        rest_seconds: float = 5.0,
    ) -> None:
        self.primary = primary
        self.engines = standbys
        self.makers = [sessionmaker(e, expire_on_commit=False, autoflush=True) for e in standbys]
        self.wait_seconds = wait_seconds
        self.rest_seconds = rest_seconds
        self._resting_until = [0.0] * len(standbys)
        self._turn = itertools.count()
        self._lock = threading.Lock()

    def reader(self) -> sessionmaker[Session] | None:
        """A session maker on a standby that has caught up with the primary as of now, or
        None when the primary must read."""
        try:
            with self.primary.connect() as connection:
                position = connection.execute(_PRIMARY_POSITION).scalar_one()
        except Exception as error:
            if not is_unavailable(error):
                raise
            return None  # the read on the primary reports the outage in its own way
        start = next(self._turn)
        now = time.monotonic()
        for step in range(len(self.engines)):
            index = (start + step) % len(self.engines)
            if self._resting_until[index] > now:
                continue
            try:
                if self._caught_up(index, position):
                    return self.makers[index]
            except Exception as error:
                if not is_unavailable(error):
                    raise
                with self._lock:
                    self._resting_until[index] = time.monotonic() + self.rest_seconds
                log.warning(
                    "standby %d cannot be reached (%s); reading from the primary for %.0f s",
                    index + 1,
                    type(error).__name__,
                    self.rest_seconds,
                )
        return None

    def _caught_up(self, index: int, position: str) -> bool:
        deadline = time.monotonic() + self.wait_seconds
        with self.engines[index].connect() as connection:
            while True:
                if connection.execute(_REPLAYED, {"lsn": position}).scalar_one():
                    return True
                if time.monotonic() >= deadline:
                    return False
                time.sleep(0.005)

    def dispose(self) -> None:
        for engine in self.engines:
            engine.dispose()
