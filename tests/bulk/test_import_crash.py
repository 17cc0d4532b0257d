"""An import killed with SIGKILL at random points resumes where it stopped and ends with the
database a clean import of the same file gives: no user missing, none twice, none half done."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
from sqlalchemy import text
from support.server import LiveServer, ServiceRef, cli, create_service

from apidesk.domain.context import Runtime

V = {"api-version": "2024-05-01"}
USERS = 3000
BATCH = "100"


def write_file(path: Path) -> None:
    lines = []
    for i in range(USERS):
        row = {
            "id": f"crash-{i:05d}",
            "email": f"crash{i}@example.com",
            "firstName": f"First{i}",
            "lastName": "Crash",
            "state": ("active", "blocked", "pending")[i % 3],
            "registrationDate": "2024-01-02T03:04:05Z",
        }
        if i % 7 == 0:
            row["groups"] = ["crashers"]
        if i % 11 == 0:
            row["note"] = f"note {i}"
        if i % 13 == 0:
            row["passwordHash"] = "$2b$04$" + f"{i:05d}".ljust(53, "a")
        lines.append(json.dumps(row))
    path.write_text("\n".join(lines) + "\n")


def last_line(runtime: Runtime, service: str) -> int:
    with runtime.database.engine.connect() as connection:
        found = connection.execute(
            text(
                "SELECT last_line FROM user_imports JOIN instances "
                "ON instances.id = user_imports.instance_id WHERE instances.name = :name"
            ),
            {"name": service},
        ).scalar()
    return int(found or 0)


def kill_midway(
    server: LiveServer, source: Path, service: str, runtime: Runtime, target: int
) -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "apidesk",
            "users",
            "import",
            str(source),
            "-s",
            service,
            "--batch-size",
            BATCH,
        ],
        env=server.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while process.poll() is None and last_line(runtime, service) < target:
        assert time.monotonic() < deadline, "the import made no progress"
        time.sleep(0.01)
    # Somewhere inside a batch, not only between two.
    time.sleep(random.uniform(0, 0.05))
    if process.poll() is None:
        os.kill(process.pid, signal.SIGKILL)
    process.wait()


def dump(server: LiveServer, service: ServiceRef) -> list[str]:
    done = cli(
        server.env,
        "users",
        "export",
        "-s",
        service.name,
        "--with-password-hashes",
        "--filter",
        "startswith(name, 'crash-')",
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def make_group(http: httpx.Client, service: ServiceRef) -> None:
    http.put(
        service.url("/groups/crashers"), params=V, json={"properties": {"displayName": "C"}}
    ).raise_for_status()


def test_an_import_killed_again_and_again_resumes_to_a_clean_result(
    server: LiveServer, runtime: Runtime, http: httpx.Client, tmp_path: Path
) -> None:
    source = tmp_path / "crash.jsonl"
    write_file(source)
    crashed, clean = create_service(http), create_service(http)
    make_group(http, crashed)
    make_group(http, clean)

    # Kill points in the first half leave the last killed run well short of the end even when a
    # loaded machine notices a reached target late.
    targets = sorted(random.sample(range(1, USERS // 2), 3))
    for target in targets:
        kill_midway(server, source, crashed.name, runtime, target)
    stopped_at = last_line(runtime, crashed.name)
    assert 0 < stopped_at < USERS
    resumed = cli(
        server.env, "users", "import", str(source), "-s", crashed.name, "--batch-size", BATCH
    )
    assert resumed.returncode == 0, resumed.stderr
    assert f"after line {stopped_at}" in resumed.stderr
    fresh = cli(server.env, "users", "import", str(source), "-s", clean.name)
    assert fresh.returncode == 0, fresh.stderr

    assert dump(server, crashed) == dump(server, clean)
    assert len(dump(server, crashed)) == USERS
    with runtime.database.engine.connect() as connection:
        members = dict(
            connection.execute(
                text(
                    "SELECT instances.name, COUNT(*) FROM group_members JOIN instances "
                    "ON instances.id = group_members.instance_id "
                    "WHERE instances.name IN (:a, :b) GROUP BY instances.name"
                ),
                {"a": crashed.name, "b": clean.name},
            ).all()
        )
    assert members[crashed.name] == members[clean.name]
