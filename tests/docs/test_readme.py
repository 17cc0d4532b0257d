"""The README's quick start works as written, against a live server."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from support.server import LiveServer

README = Path(__file__).resolve().parents[2] / "README.md"
V = {"api-version": "2024-05-01"}
DEFAULT_SERVICE = (
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/apidesk"
    "/providers/Microsoft.ApiManagement/service/apidesk"
)


def blocks(language: str, after: str) -> list[str]:
    text = README.read_text()
    section = text[text.index(after) :]
    return re.findall(rf"```{language}\n(.*?)```", section, flags=re.S)


def test_curl_quick_start(server: LiveServer) -> None:
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    script = blocks("sh", "### With curl")[0].replace("http://127.0.0.1:8000", server.url)
    base = f"{server.url}{DEFAULT_SERVICE}"
    result = subprocess.run(
        ["sh", "-e", "-c", script],
        env={**os.environ, "TOKEN": server.token, "BASE": base},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert '"email":"ada@example.com"' in result.stdout
    assert '"state":"blocked"' in result.stdout
    assert result.stdout.strip().endswith("204")
    gone = httpx.get(
        f"{base}/users/ada", params=V, headers={"Authorization": f"Bearer {server.token}"}
    )
    assert gone.status_code == 404


def test_sdk_quick_start(server: LiveServer) -> None:
    code = blocks("python", "### With Azure's Python SDK")[0]
    code = code.replace('TOKEN = "apd_..."', f'TOKEN = "{server.token}"')
    code = code.replace("http://127.0.0.1:8000", server.url)
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "ada ada@example.com active" in result.stdout
    gone = httpx.get(
        f"{server.url}{DEFAULT_SERVICE}/users/ada",
        params=V,
        headers={"Authorization": f"Bearer {server.token}"},
    )
    assert gone.status_code == 404
