"""Writers of one SQLite file take turns on a file lock (apidesk.storage.turns): across
processes and threads one writer at a time, the next one let in as soon as the lock is free,
a write nested in a write not queued behind itself, and a turn given back on failure and when
its process is killed."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from apidesk.storage.database import open_database
from apidesk.storage.turns import WriteTurns


def test_a_second_process_waits_for_the_turn_and_gets_it_when_given_back(tmp_path: Path) -> None:
    database = tmp_path / "shared.sqlite"
    turns = WriteTurns(database)
    script = (
        "import sys, time; from pathlib import Path; from apidesk.storage.turns import WriteTurns\n"
        "with WriteTurns(Path(sys.argv[1])).turn(): print(time.monotonic(), flush=True)\n"
    )
    with turns.turn():
        other = subprocess.Popen(
            [sys.executable, "-c", script, str(database)], stdout=subprocess.PIPE, text=True
        )
        time.sleep(1.0)
        assert other.poll() is None, "the other process wrote while this one had the turn"
        released = time.monotonic()
    out, _ = other.communicate(timeout=30)
    assert other.returncode == 0
    assert float(out.strip()) >= released


def test_a_killed_writer_gives_its_turn_back(tmp_path: Path) -> None:
    database = tmp_path / "shared.sqlite"
    script = (
        "import sys, time; from pathlib import Path; from apidesk.storage.turns import WriteTurns\n"
        "with WriteTurns(Path(sys.argv[1])).turn():\n"
        "    print('holding', flush=True); time.sleep(600)\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", script, str(database)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
    got = threading.Event()

    def take() -> None:
        with WriteTurns(database).turn():
            got.set()

    waiter = threading.Thread(target=take, daemon=True)
    waiter.start()
    assert not got.wait(0.5)
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait(timeout=30)
    assert got.wait(30)


def test_threads_write_one_at_a_time_and_nested_writes_do_not_wait_for_themselves(
    tmp_path: Path,
) -> None:
    db = open_database(f"sqlite:///{tmp_path / 'threads.sqlite'}")
    with db.unit_of_work() as session:
        session.execute(text("CREATE TABLE log (who TEXT, step TEXT)"))
    inside = 0
    most = 0
    lock = threading.Lock()

    def writer(name: str) -> None:
        nonlocal inside, most
        for _ in range(20):
            with db.unit_of_work() as session:
                with lock:
                    inside += 1
                    most = max(most, inside)
                session.execute(text("INSERT INTO log VALUES (:w, 'in')"), {"w": name})
                time.sleep(0.001)
                with lock:
                    inside -= 1

    threads = [threading.Thread(target=writer, args=(f"t{n}",)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert most == 1
    with db.unit_of_work(write=False) as session:
        assert session.execute(text("SELECT count(*) FROM log")).scalar() == 120

    # A turn taken again by the thread that has it is not queued behind itself.
    turns = WriteTurns(tmp_path / "threads.sqlite")
    nested = threading.Event()

    def twice() -> None:
        with turns.turn(), turns.turn():
            nested.set()
        with turns.turn():  # and both levels were given back
            pass

    thread = threading.Thread(target=twice, daemon=True)
    thread.start()
    assert nested.wait(10)
    thread.join(timeout=10)
    assert not thread.is_alive()
    db.dispose()


def test_a_failed_write_gives_its_turn_back(tmp_path: Path) -> None:
    db = open_database(f"sqlite:///{tmp_path / 'fail.sqlite'}")
    with pytest.raises(ZeroDivisionError), db.unit_of_work() as session:
        session.execute(text("CREATE TABLE t (x INTEGER)"))
        1 / 0  # noqa: B018 - the failure under test
    done = threading.Event()

    def write() -> None:
        with db.unit_of_work() as session:
            session.execute(text("CREATE TABLE t (x INTEGER)"))
        done.set()

    threading.Thread(target=write, daemon=True).start()
    assert done.wait(30)
    db.dispose()


def _open_turn_files(name: str) -> int:
    """How many of this process's open files are the turn file of `name`."""
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        # The directory listing's own descriptor is closed by the time it is read.
        with contextlib.suppress(FileNotFoundError):
            count += os.readlink(f"/proc/self/fd/{fd}").endswith(f"{name}-turns")
    return count


def test_dispose_closes_the_turn_file_and_a_later_write_opens_it_again(tmp_path: Path) -> None:
    db = open_database(f"sqlite:///{tmp_path / 'closing.sqlite'}")
    with db.unit_of_work() as session:
        session.execute(text("CREATE TABLE t (x INTEGER)"))
    assert _open_turn_files("closing.sqlite") == 1
    db.dispose()
    assert _open_turn_files("closing.sqlite") == 0
    with db.unit_of_work() as session:
        session.execute(text("INSERT INTO t VALUES (1)"))
    assert _open_turn_files("closing.sqlite") == 1
    db.dispose()
    assert _open_turn_files("closing.sqlite") == 0
