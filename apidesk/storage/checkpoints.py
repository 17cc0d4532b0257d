"""Checkpoints of SQLite's write-ahead log, taken off the write path.

In WAL mode a commit appends its pages to the `-wal` file. Once that file holds
`wal_autocheckpoint` pages (1,000 by default), the connection whose commit crossed the mark
copies the log back into the database file before its commit returns: in the middle of that
writer's turn (`storage.turns`), with every other writer of the file queued behind it. Under
a steady stream of small writes that happened several times a second, and the write that
carried the copy took 6 to 8 ms instead of 0.2 (bench/checkpoints.py, docs/benchmarks.md).

While `apidesk serve` runs, a thread of each process checkpoints instead (`Checkpoints`), in
PASSIVE mode: it copies what no reader still needs, without waiting for readers or writers
and without making them wait. SQLite starts the log over at the first write that finds all of
it copied, which under a steady stream of writes never happens by itself: each copy ends
after more was written. So once the log holds `RESTART_PAGES`, the thread copies again at
once inside a write turn, which leaves only what was written during the first copy to copy,
and the next write starts the log over. The processes' own connections checkpoint by
themselves only past `BACKSTOP_PAGES`, should the thread fall behind or stop. Other commands
(an import, the CLI) keep SQLite's default.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("apidesk.storage")

BACKSTOP_PAGES = 10_000
"""A connection of a process whose thread checkpoints copies the log itself past this many
pages (40 MB with SQLite's 4 KiB pages): ten times SQLite's default mark."""
RESTART_PAGES = 4_000
"""From this many pages in the log (16 MB), the thread finishes its copy inside a write turn,
so that the next write starts the log over. Each such finish holds up the writes queued
behind it for a moment: measured (bench/checkpoints.py), 4,000 left fewer slow writes than
1,000 did, every 0.2 or 0.1 s."""
BUSY_INTERVAL = 0.2
"""Seconds between checkpoints while writes arrive."""
IDLE_INTERVAL = 2.0
"""Seconds between checkpoints once nothing has been written since the last one."""


@dataclass(frozen=True)
class Outcome:
    """What one checkpoint found: the pages in the log and how many of them are now copied
    into the database (`PRAGMA wal_checkpoint`); `busy` when another checkpoint was running."""

    busy: bool
    log_pages: int
    copied_pages: int


class Checkpoints:
    """A thread that checkpoints the SQLite database at `path` until `stop`; `turn` is the
    write turn of the file's writers (`storage.turns`)."""

    def __init__(
        self, path: Path, turn: Callable[[], AbstractContextManager[None]] = nullcontext
    ) -> None:
        self._path = path
        self._turn = turn
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._connection: sqlite3.Connection | None = None
        self._last: Outcome | None = None
        self._quiet = False
        self._failing = False

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self.running:
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="apidesk-checkpoints", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def run_once(self) -> Outcome:
        """One PASSIVE checkpoint, on this object's own connection."""
        if self._connection is None:
            # `timeout=0`: a passive checkpoint never waits, and neither does its connection.
            self._connection = sqlite3.connect(
                self._path, timeout=0, isolation_level=None, check_same_thread=False
            )
        busy, log_pages, copied = self._connection.execute(
            "PRAGMA wal_checkpoint(PASSIVE)"
        ).fetchone()
        return Outcome(bool(busy), int(log_pages), int(copied))

    def _run(self) -> None:
        try:
            while not self._stopping.wait(self._next_wait()):
                self._checkpoint()
        finally:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    def _checkpoint(self) -> None:
        try:
            outcome = self.run_once()
            if outcome.log_pages >= RESTART_PAGES:
                with self._turn():
                    outcome = self.run_once()
        except sqlite3.Error as error:
            # Say it once per run of failures: the backstop keeps the log bounded meanwhile.
            if not self._failing:
                log.warning("checkpoint of %s failed: %s; retrying", self._path, error)
            self._failing = True
            self._last, self._quiet = None, False
            return
        if self._failing:
            log.info("checkpoints of %s work again", self._path)
        self._failing = False
        # Nothing written since the checkpoint before: the log is all copied and no longer.
        last, self._last = self._last, outcome
        self._quiet = (
            last is not None
            and not outcome.busy
            and outcome.copied_pages == outcome.log_pages
            and outcome.log_pages == last.log_pages
        )

    def _next_wait(self) -> float:
        """Soon while writes arrive; slower once a checkpoint finds nothing new."""
        return IDLE_INTERVAL if self._quiet else BUSY_INTERVAL
