"""A resumed `apidesk users import` reads back the --errors report its interrupted run was
writing. A report that is not one this command wrote (corrupted, hand-edited) stops the run
with an `error:` line, exit status 1, the report and the import as they were; the torn last
entry of a killed run is no corruption. Run as the real command line."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import text
from support.server import LiveServer, ServiceRef, cli

from apidesk.storage.database import create_database_engine

HEADER = "id,email,firstName,lastName,state,groups,note,passwordHash\n"
ROWS = [
    "r1,r1@example.com,R,One,,,,",  # line 2
    "r2,not-an-address,R,Two,,,,",  # line 3: refused
    "r3,r3@example.com,R,Three,,,,",  # line 4
    "r4,r4@example.com,,,,,,",  # line 5: refused
]


def interrupted_after(server: LiveServer, service: ServiceRef, line: int) -> None:
    """Make the service's finished import look like a run that stopped after `line`."""
    engine = create_database_engine(server.database_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "UPDATE user_imports SET status = 'running', last_line = :line "
                    "WHERE instance_id = (SELECT id FROM instances WHERE name = :name)"
                ),
                {"line": line, "name": service.name},
            )
    finally:
        engine.dispose()


def still_interrupted_after(server: LiveServer, service: ServiceRef) -> tuple[str, int]:
    engine = create_database_engine(server.database_url)
    try:
        with engine.connect() as connection:
            status, last = connection.execute(
                text(
                    "SELECT status, last_line FROM user_imports WHERE instance_id = "
                    "(SELECT id FROM instances WHERE name = :name)"
                ),
                {"name": service.name},
            ).one()
    finally:
        engine.dispose()
    return str(status), int(last)


def imported(server: LiveServer, service: ServiceRef, tmp_path: Path, report: Path) -> Path:
    source = tmp_path / "people.csv"
    source.write_text(HEADER + "".join(row + "\n" for row in ROWS))
    args = ("users", "import", str(source), "-s", service.name, "--errors", str(report))
    done = cli(server.env, *args)
    assert done.returncode == 2, done.stderr
    interrupted_after(server, service, 3)
    return source


def refused_at_line_2(done: subprocess.CompletedProcess[str], report: Path) -> str:
    """The resume stopped with an error line naming the report's line 2; its stderr."""
    assert done.returncode == 1, (done.stdout, done.stderr)
    stderr = done.stderr
    assert "Traceback" not in stderr
    assert stderr.splitlines()[-1].startswith(f"error: --errors: {report}: line 2 "), stderr
    return stderr


def resume(
    server: LiveServer, service: ServiceRef, source: Path, report: Path
) -> subprocess.CompletedProcess[str]:
    return cli(
        server.env, "users", "import", str(source), "-s", service.name, "--errors", str(report)
    )


ENTRY = {"file": "people.csv", "line": 3, "field": "email", "message": "bad"}


@pytest.mark.parametrize(
    "corrupt",
    [
        pytest.param(b"not json\n", id="not json"),
        pytest.param(b"[1, 2]\n", id="not an object"),
        pytest.param(b'{"line": "three"}\n', id="line is text"),
        pytest.param(b'{"line": "3"}\n', id="line is a number in text"),
        pytest.param(b'{"line": 1e999}\n', id="line is infinite"),
        pytest.param(b'{"line": 3.5}\n', id="line is a fraction"),
        pytest.param(b'{"line": true}\n', id="line is a flag"),
        pytest.param(b'{"line": -1}\n', id="line is negative"),
        pytest.param(b'{"line": ' + b"9" * 5000 + b"}\n", id="line past int()'s digits"),
        pytest.param(b'{"message": "no line"}\n', id="no line"),
        pytest.param(b"[" * 100_000 + b"\n", id="nested too deep"),
        pytest.param(b'{"line": 3, "message": "\xff"}\n', id="not utf-8"),
    ],
)
def test_a_corrupted_jsonl_report_stops_the_resume_with_an_error_line(
    server: LiveServer, service: ServiceRef, tmp_path: Path, corrupt: bytes
) -> None:
    report = tmp_path / "errors.jsonl"
    source = imported(server, service, tmp_path, report)
    damaged = (json.dumps(ENTRY) + "\n").encode() + corrupt
    report.write_bytes(damaged)

    done = resume(server, service, source, report)

    stderr = refused_at_line_2(done, report)
    assert "--restart" in stderr
    assert report.read_bytes() == damaged
    assert still_interrupted_after(server, service) == ("running", 3)


def test_the_torn_last_entry_of_a_killed_run_is_dropped_and_the_resume_goes_on(
    server: LiveServer, service: ServiceRef, tmp_path: Path
) -> None:
    report = tmp_path / "errors.jsonl"
    source = imported(server, service, tmp_path, report)
    entries = [json.loads(line) for line in report.read_text().splitlines()]
    assert [entry["line"] for entry in entries] == [3, 5, 5]  # no first name, no last name
    # The run stopped after line 3 while writing line 5's entry, cut in a two-byte letter.
    torn = (json.dumps(entries[0]) + "\n").encode() + '{"file": "p", "message": "é'.encode()[:-1]
    report.write_bytes(torn)

    done = resume(server, service, source, report)

    assert done.returncode == 2, done.stderr
    again = [json.loads(line) for line in report.read_text().splitlines()]
    assert again == entries
    assert still_interrupted_after(server, service)[0] == "done"


@pytest.mark.parametrize(
    "corrupt",
    [
        pytest.param("people.csv,three,email,bad\n", id="line is text"),
        pytest.param("people.csv,\u0663,email,bad\n", id="line in other digits"),
        pytest.param("people.csv,3,email\n", id="a field short"),
    ],
)
def test_a_corrupted_csv_report_stops_the_resume_with_an_error_line(
    server: LiveServer, service: ServiceRef, tmp_path: Path, corrupt: str
) -> None:
    report = tmp_path / "errors.csv"
    source = imported(server, service, tmp_path, report)
    lines = report.read_text().splitlines(keepends=True)
    damaged = lines[0] + corrupt + lines[1]
    report.write_text(damaged)

    done = resume(server, service, source, report)

    refused_at_line_2(done, report)
    assert report.read_text() == damaged
    assert still_interrupted_after(server, service) == ("running", 3)


def test_a_csv_report_without_its_header_is_refused(
    server: LiveServer, service: ServiceRef, tmp_path: Path
) -> None:
    report = tmp_path / "errors.csv"
    source = imported(server, service, tmp_path, report)
    damaged = "".join(report.read_text().splitlines(keepends=True)[1:])
    report.write_text(damaged)

    done = resume(server, service, source, report)

    assert done.returncode == 1, done.stderr
    assert "line 1 is not the header" in done.stderr
    assert report.read_text() == damaged
