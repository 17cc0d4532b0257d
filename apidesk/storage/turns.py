"""Writers of one SQLite file take turns before `BEGIN IMMEDIATE`.

SQLite lets one writer in at a time and makes the others poll: a refused writer sleeps (1, 2,
5 ... up to 100 ms) and tries again, so under load a write waits far longer than the writes
ahead of it take, and the unluckiest wait for seconds (bench/api.py measured a PATCH p99 of
about 5 s with 32 connections). Here the writers of every process queue on an advisory lock of
a file beside the database instead, and the kernel wakes the next one as soon as the lock is
free. A thread lock comes first, because the threads of one process would otherwise share the
process's hold on the file lock. A thread that already has its turn (a write nested in a write)
does not queue again; SQLite's own waiting applies to it as before. A process that dies
releases its turn with its open files.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class WriteTurns:
    def __init__(self, database: Path) -> None:
        self._path = Path(f"{database}-turns")
        self._threads = threading.RLock()
        self._local = threading.local()
        self._fd: int | None = None
        self._pid = 0

    def _file(self) -> int:
        if self._fd is None or self._pid != os.getpid():
            # A forked worker opens its own: sharing the parent's open file would share its lock.
            self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
            self._pid = os.getpid()
        return self._fd

    @contextmanager
    def turn(self) -> Iterator[None]:
        depth = getattr(self._local, "depth", 0)
        if depth:
            self._local.depth = depth + 1
            try:
                yield
            finally:
                self._local.depth = depth
            return
        with self._threads:
            fd = self._file()
            fcntl.flock(fd, fcntl.LOCK_EX)
            self._local.depth = 1
            try:
                yield
            finally:
                self._local.depth = 0
                fcntl.flock(fd, fcntl.LOCK_UN)

    def close(self) -> None:
        """Close this process's handle on the file, after any turn in progress here; a later
        write opens it again."""
        with self._threads:
            if self._fd is not None and self._pid == os.getpid():
                os.close(self._fd)
            self._fd = None
