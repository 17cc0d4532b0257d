"""A PostgreSQL primary and a hot standby fed by streaming replication, built from Debian's
PostgreSQL binaries in temporary directories on loopback ports (`initdb`, `pg_basebackup`)."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import psycopg
from support.server import free_port

STANDBY_NAME = "standby1"
DATABASE = "apidesk"


def _bin(tool: str) -> str:
    found = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{tool}"), key=lambda p: int(p.split("/")[4])
    )
    if not found:
        raise RuntimeError(f"{tool} not found: install Debian's postgresql package")
    return found[-1]


def _as_postgres(*command: str) -> list[str]:
    """PostgreSQL refuses to run as root: tools run as the postgres user then."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return list(command)


def _run(*command: str) -> None:
    done = subprocess.run(_as_postgres(*command), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")


@dataclass
class Server:
    directory: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{DATABASE}"

    def start(self) -> None:
        _run(
            _bin("pg_ctl"),
            "-D",
            str(self.directory),
            "-l",
            str(self.directory / "log"),
            "-w",
            "-t",
            "60",
            "start",
        )

    def stop(self) -> None:
        _run(_bin("pg_ctl"), "-D", str(self.directory), "-m", "fast", "-w", "stop")

    def execute(self, sql: str) -> list[tuple[object, ...]]:
        # A connection per call: statistics views show what other backends did since.
        with psycopg.connect(self.url, autocommit=True, connect_timeout=10) as connection:
            cursor = connection.execute(sql)  # type: ignore[arg-type]
            return cursor.fetchall() if cursor.description else []


@dataclass
class Pair:
    primary: Server
    standby: Server

    def synchronous(self, on: bool) -> None:
        """`remote_apply` on the standby (a commit returns once the standby shows it), or
        asynchronous streaming."""
        names, commit = (f"'{STANDBY_NAME}'", "remote_apply") if on else ("''", "on")
        self.primary.execute(f"ALTER SYSTEM SET synchronous_standby_names = {names}")
        self.primary.execute(f"ALTER SYSTEM SET synchronous_commit = {commit}")
        self.primary.execute("SELECT pg_reload_conf()")
        deadline = time.monotonic() + 30
        wanted = "sync" if on else "async"
        while self.primary.execute("SELECT sync_state FROM pg_stat_replication") != [(wanted,)]:
            assert time.monotonic() < deadline, "the standby did not take its new part"
            time.sleep(0.1)


def _configure(directory: Path, port: int) -> None:
    with (directory / "postgresql.auto.conf").open("a") as conf:
        conf.write(
            f"port = {port}\nlisten_addresses = '127.0.0.1'\n"
            f"unix_socket_directories = '{directory}'\nwal_level = replica\n"
            "max_wal_senders = 5\nhot_standby = on\nfsync = off\nmax_connections = 100\n"
        )


@contextmanager
def primary_and_standby() -> Iterator[Pair]:
    root = Path(tempfile.mkdtemp(prefix="apidesk-standby-"))
    root.chmod(0o755)
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    primary = Server(root / "primary", free_port())
    standby = Server(root / "standby", free_port())
    started: list[Server] = []
    try:
        _run(
            _bin("initdb"),
            "-D",
            str(primary.directory),
            "-U",
            "postgres",
            "--auth=trust",
            "--no-sync",
        )
        _configure(primary.directory, primary.port)
        primary.start()
        started.append(primary)
        with psycopg.connect(
            f"postgresql://postgres@127.0.0.1:{primary.port}/postgres", autocommit=True
        ) as connection:
            connection.execute(f"CREATE DATABASE {DATABASE}")  # type: ignore[arg-type]
        _run(
            _bin("pg_basebackup"),
            "-h",
            "127.0.0.1",
            "-p",
            str(primary.port),
            "-U",
            "postgres",
            "-D",
            str(standby.directory),
            "-R",
            "-X",
            "stream",
            "--no-sync",
        )
        with (standby.directory / "postgresql.auto.conf").open("a") as conf:
            conf.write(
                f"primary_conninfo = 'host=127.0.0.1 port={primary.port} user=postgres "
                f"application_name={STANDBY_NAME}'\nport = {standby.port}\n"
                f"unix_socket_directories = '{standby.directory}'\n"
            )
        standby.start()
        started.append(standby)
        pair = Pair(primary, standby)
        deadline = time.monotonic() + 30
        while not primary.execute("SELECT 1 FROM pg_stat_replication WHERE state = 'streaming'"):
            assert time.monotonic() < deadline, "the standby did not start streaming"
            time.sleep(0.1)
        yield pair
    finally:
        for server in reversed(started):
            with suppress(RuntimeError):
                server.stop()
        shutil.rmtree(root, ignore_errors=True)
