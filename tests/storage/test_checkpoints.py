"""SQLite's log is checkpointed by a thread of each `apidesk serve` process, not by the commit
that crosses SQLite's mark (apidesk.storage.checkpoints): while the thread runs, commits
leave the log alone up to the backstop, the thread copies it so that the next write starts
it over, a failing checkpoint is reported once and retried, and the server's start and stop
start and stop the thread."""

from __future__ import annotations

import logging
import sqlite3
import struct
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from support.inprocess import in_process_server

from apidesk.storage import checkpoints
from apidesk.storage.checkpoints import BACKSTOP_PAGES, RESTART_PAGES, Checkpoints
from apidesk.storage.database import Database, open_database

PAGES = 1_500
"""More pages than SQLite's own mark (1,000), far fewer than the backstop."""


@contextmanager
def _database(path: Path) -> Iterator[Database]:
    database = open_database(f"sqlite:///{path}")
    with database.unit_of_work() as session:
        session.execute(text("CREATE TABLE filler (body BLOB NOT NULL)"))
    # Kept open throughout: SQLite removes the log when its last connection closes, as the
    # pool's do when checkpoints start.
    keeper = sqlite3.connect(path)
    try:
        yield database
    finally:
        database.dispose()
        keeper.close()


def _fill(database: Database, pages: int) -> None:
    """About `pages` pages into the log, in units of a hundred rows of a page each."""
    for _ in range(0, pages, 100):
        with database.unit_of_work() as session:
            session.execute(text("INSERT INTO filler (body) VALUES (randomblob(4000))"), [{}] * 100)


def _touch(database: Database) -> None:
    """One small write: a page or two into the log."""
    with database.unit_of_work() as session:
        session.execute(text("INSERT INTO filler (body) VALUES (x'00')"))


def _autocheckpoint(database: Database) -> int:
    with database.unit_of_work(write=False) as session:
        return int(session.execute(text("PRAGMA wal_autocheckpoint")).scalar_one())


def _restarts(path: Path) -> int:
    """The log's checkpoint sequence number, from its header: SQLite adds one each time it
    starts the log over, which it does at the first write after all of it was copied. Read
    from the file, so that looking does not checkpoint."""
    header = Path(f"{path}-wal").read_bytes()[:16]
    return int(struct.unpack(">I", header[12:16])[0])


@pytest.fixture
def never(monkeypatch: pytest.MonkeyPatch) -> None:
    """The thread waits longer than any test, so that whatever it would copy stays put."""
    monkeypatch.setattr(checkpoints, "BUSY_INTERVAL", 600.0)
    monkeypatch.setattr(checkpoints, "IDLE_INTERVAL", 600.0)


def test_without_the_thread_a_commit_checkpoints_at_sqlites_mark(tmp_path: Path) -> None:
    path = tmp_path / "plain.sqlite"
    with _database(path) as database:
        assert _autocheckpoint(database) == 1_000
        _touch(database)
        before = _restarts(path)
        _fill(database, PAGES)
        # The commit that crossed 1,000 pages copied the log, and the next one started it over.
        assert _restarts(path) > before
        assert not database.checkpointing


@pytest.mark.usefixtures("never")
def test_while_the_thread_runs_commits_leave_the_log_to_it(tmp_path: Path) -> None:
    path = tmp_path / "background.sqlite"
    with _database(path) as database:
        database.checkpoint_in_background()
        assert database.checkpointing
        assert _autocheckpoint(database) == BACKSTOP_PAGES
        _touch(database)
        before = _restarts(path)
        _fill(database, PAGES)
        assert _restarts(path) == before, "a commit checkpointed the log"
        # What the thread does when its time comes: everything is copied.
        outcome = Checkpoints(path).run_once()
        assert outcome.log_pages >= PAGES
        assert outcome.copied_pages == outcome.log_pages
        assert not outcome.busy
    assert not database.checkpointing


def test_the_thread_copies_the_log_so_that_writes_start_it_over(tmp_path: Path) -> None:
    path = tmp_path / "copied.sqlite"
    with _database(path) as database:
        database.checkpoint_in_background()
        _touch(database)
        before = _restarts(path)
        _fill(database, PAGES)
        deadline = time.monotonic() + 20
        while _restarts(path) == before:
            assert time.monotonic() < deadline, "the thread never copied the log"
            time.sleep(0.05)
            _touch(database)


def test_under_a_steady_stream_of_writes_the_log_starts_over_before_the_backstop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Writes one after another, with no pause: each copy ends after more was written, so
    the log would start over only at the backstop. The thread's finish inside a write turn
    starts it over well before. (Every 0.05 s rather than 0.2, so that even a machine
    writing many times faster than this one stays well under the backstop between two.)"""
    monkeypatch.setattr(checkpoints, "BUSY_INTERVAL", 0.05)
    path = tmp_path / "steady.sqlite"
    frame = 4096 + 24  # a page and its frame's header
    with _database(path) as database:
        database.checkpoint_in_background()
        _touch(database)
        before = _restarts(path)
        for _ in range(BACKSTOP_PAGES * 3 // 2):  # a page or more each: past the backstop
            _touch(database)
        assert _restarts(path) >= before + 2
        # The log's file keeps the size of the longest log it held.
        longest = Path(f"{path}-wal").stat().st_size // frame
    assert 2 * RESTART_PAGES < BACKSTOP_PAGES
    assert longest < 2 * RESTART_PAGES, f"the log grew to {longest} pages"


def test_a_failing_checkpoint_is_reported_once_and_retried(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(checkpoints, "BUSY_INTERVAL", 0.01)
    attempts = 0
    real = Checkpoints.run_once

    def counted(self: Checkpoints) -> checkpoints.Outcome:
        nonlocal attempts
        attempts += 1
        return real(self)

    monkeypatch.setattr(Checkpoints, "run_once", counted)
    worker = Checkpoints(tmp_path)  # a directory: SQLite cannot open it
    caplog.set_level(logging.WARNING, logger="apidesk.storage")
    worker.start()
    try:
        deadline = time.monotonic() + 20
        while attempts < 5:
            assert time.monotonic() < deadline and worker.running
            time.sleep(0.01)
    finally:
        worker.stop()
    failures = [r for r in caplog.records if "checkpoint of" in r.getMessage()]
    assert len(failures) == 1
    assert "failed" in failures[0].getMessage()
    assert not worker.running


def test_the_server_checkpoints_while_it_runs(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'served.sqlite'}"
    with in_process_server(url, tmp_path, None) as server:
        assert server.runtime.database.checkpointing
        assert _autocheckpoint(server.runtime.database) == BACKSTOP_PAGES
        answer = httpx.get(server.url + "/ready", timeout=30)
        assert answer.status_code == 200
    assert not server.runtime.database.checkpointing
