"""Starting `apidesk serve`: the banner names a command that works from where it was run, and
"listening" is said only once the port is really ours."""

from __future__ import annotations

import os
import re
import shlex
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from support.databases import database_for
from support.server import cli, free_port, live_server

SCRIPT = Path(sys.executable).parent / "apidesk"
ADVICE = re.compile(r"Create an admin token \(shown once\):\s+(.+?) token create --name admin")


def _env(tmp_path: Path, path: str) -> dict[str, str]:
    env = {
        **os.environ,
        "APIDESK_DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}",
        "APIDESK_SECRET_KEY_FILE": str(tmp_path / "secret.key"),
        "PATH": path,
    }
    env.pop("APIDESK_SECRET_KEY", None)
    return env


def _run(command: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, env=env, cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


def _advised(output: str) -> str:
    found = ADVICE.search(output)
    assert found is not None, output
    return found.group(1)


@pytest.fixture
def script() -> Path:
    if not SCRIPT.is_file():
        pytest.skip("the apidesk console script is not installed beside this interpreter")
    return SCRIPT


def test_the_banner_names_the_path_when_apidesk_is_not_on_path(
    tmp_path: Path, script: Path
) -> None:
    # Run from its parent directory by a relative path, as scripts/run does (.venv/bin/apidesk).
    home = script.parent.parent.parent
    relative = os.path.relpath(script, home)
    env = _env(tmp_path, "/usr/bin:/bin")
    first = _run([relative, "token", "list"], env, home)
    assert first.returncode == 0, first.stderr
    advised = _advised(first.stdout)
    assert advised == relative
    # What it advises works, from there, as printed.
    made = _run([*shlex.split(advised), "token", "create", "--name", "admin"], env, home)
    assert made.returncode == 0, made.stderr
    assert made.stdout.strip().splitlines()[-1].startswith("apd_")


def test_the_banner_names_an_absolute_path_from_elsewhere(tmp_path: Path, script: Path) -> None:
    env = _env(tmp_path, "/usr/bin:/bin")
    first = _run([sys.executable, "-m", "apidesk", "token", "list"], env, tmp_path)
    assert first.returncode == 0, first.stderr
    advised = _advised(first.stdout)
    assert advised == shlex.quote(str(script.absolute()))
    assert _run([*shlex.split(advised), "token", "list"], env, tmp_path).returncode == 0


def test_the_banner_names_just_apidesk_when_path_finds_it(tmp_path: Path, script: Path) -> None:
    env = _env(tmp_path, f"{script.parent}:/usr/bin:/bin")
    first = _run([str(script), "token", "list"], env, tmp_path)
    assert first.returncode == 0, first.stderr
    assert _advised(first.stdout) == "apidesk"


def test_a_taken_port_fails_before_anything_changes(tmp_path: Path) -> None:
    env = _env(tmp_path, os.environ.get("PATH", ""))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        started = _run(
            [sys.executable, "-m", "apidesk", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env,
            tmp_path,
        )
    assert started.returncode != 0
    output = started.stdout + started.stderr
    assert "listening" not in output
    # One line, whatever the width of the terminal.
    assert (
        f"error: cannot listen on 127.0.0.1:{port}: Address already in use (another process "
        "has it; choose one with --port)\n"
    ) in started.stderr
    # Not even the database was touched: a later start still gets its first-start banner.
    assert "first start" not in output
    assert "database: (empty)" in cli(env, "db", "current").stdout


def test_starting_twice_on_one_port(tmp_path: Path, workspace_backend: str) -> None:
    with database_for(workspace_backend, tmp_path) as url, live_server(url, tmp_path) as first:
        port = first.url.rsplit(":", 1)[1]
        assert f"Apidesk listening on {first.url} " in first.log()
        second = _run(
            [sys.executable, "-m", "apidesk", "serve", "--host", "127.0.0.1", "--port", port],
            first.env,
            tmp_path,
        )
        assert second.returncode != 0
        assert "listening" not in second.stdout + second.stderr
        assert "already in use" in second.stderr
        # The first one never noticed.
        assert httpx.get(f"{first.url}/openapi.json").status_code == 200


def test_workers_serve_the_socket_bound_before_them(tmp_path: Path, script: Path) -> None:
    env = _env(tmp_path, "/usr/bin:/bin")
    port = free_port()
    log_path = tmp_path / "workers.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(script), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2"],
            env=env,
            cwd=tmp_path,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        answered = False
        deadline = time.monotonic() + 120
        while not answered and time.monotonic() < deadline and process.poll() is None:
            try:
                answered = httpx.get(f"{url}/openapi.json", timeout=5).status_code == 200
            except httpx.HTTPError:
                time.sleep(0.2)
        log_text = log_path.read_text()
        assert answered, log_text
        assert f"Apidesk listening on {url} " in log_text
        assert ", 2 workers" in log_text
        # Workers slow to import on a busy machine are waited for, not killed and replaced.
        assert "died" not in log_text
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
