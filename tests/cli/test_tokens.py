"""`apidesk token create` when the name is taken: a clear failure, or a rotation on request."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import httpx
from support.server import LiveServer, ServiceRef, cli

V = {"api-version": "2024-05-01"}
README = Path(__file__).resolve().parents[2] / "README.md"


def _status(server: LiveServer, service: ServiceRef, token: str) -> int:
    url = f"{server.url}{service.url('/users')}"
    return httpx.get(url, params=V, headers={"Authorization": f"Bearer {token}"}).status_code


def test_a_taken_name_fails_on_stderr_with_nothing_on_stdout(
    server: LiveServer, service: ServiceRef
) -> None:
    first = cli(server.env, "token", "create", "--name", "taken-name")
    assert first.returncode == 0, first.stderr
    token = first.stdout.strip().splitlines()[-1]

    again = cli(server.env, "token", "create", "--name", "taken-name")
    assert again.returncode == 1
    assert again.stdout == ""
    assert again.stderr == (
        "error: A token named 'taken-name' already exists. Add --replace to rotate it.\n"
    )
    # The failed attempt changed nothing.
    assert _status(server, service, token) == 200


def test_replace_rotates_the_token_and_the_readme_flow_repeats(
    server: LiveServer, service: ServiceRef
) -> None:
    # The README's line, run twice as written (with this test's interpreter and a name of
    # its own): each run yields a working token.
    line = re.search(r"^TOKEN=\$\(.*\)$", README.read_text(), flags=re.M)
    assert line is not None
    command = line.group(0).replace(
        ".venv/bin/apidesk", f"{shlex.quote(sys.executable)} -m apidesk"
    )
    command = command.replace("--name admin", "--name rotated")
    assert "--name rotated" in command
    tokens = []
    for _ in range(2):
        ran = subprocess.run(
            ["sh", "-e", "-c", f'{command}\nprintf "%s" "$TOKEN"'],
            env=server.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert ran.returncode == 0, ran.stderr
        tokens.append(ran.stdout)
    old, new = tokens
    assert old.startswith("apd_") and new.startswith("apd_") and old != new
    assert _status(server, service, new) == 200
    assert _status(server, service, old) == 401

    listed = cli(server.env, "token", "list").stdout
    assert listed.count("rotated") == 1

    # A revoked token can be brought back under its name with a new value.
    assert cli(server.env, "token", "revoke", "rotated").returncode == 0
    assert _status(server, service, new) == 401
    back = cli(server.env, "token", "create", "--name", "rotated", "--replace")
    assert back.returncode == 0, back.stderr
    assert "Replaced token 'rotated'" in back.stdout
    assert _status(server, service, back.stdout.strip().splitlines()[-1]) == 200
