"""The gates: scripts/test runs the static checks (scripts/lint) before any test, and they
are ruff's lint rules, ruff's formatting and mypy, configured in pyproject.toml."""

from __future__ import annotations

import os
import subprocess
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def commands(script: str) -> list[str]:
    text = (ROOT / "scripts" / script).read_text()
    return [line.strip() for line in text.splitlines() if line.strip() and line[0] != "#"]


def test_scripts_test_runs_lint_before_pytest() -> None:
    lines = commands("test")
    assert "scripts/lint" in lines
    pytest_line = next(i for i, line in enumerate(lines) if "-m pytest" in line)
    assert lines.index("scripts/lint") < pytest_line
    assert "EXTRAS=test,dev ensure_venv" in lines


def test_lint_runs_the_three_checks_and_is_executable() -> None:
    lines = commands("lint")
    assert lines[0] == "set -eu"
    assert ".venv/bin/ruff check apidesk tests bench" in lines
    assert ".venv/bin/ruff format --check apidesk tests bench" in lines
    assert ".venv/bin/mypy" in lines
    assert os.access(ROOT / "scripts" / "lint", os.X_OK)
    for script in ("lint", "test"):
        checked = subprocess.run(
            ["sh", "-n", str(ROOT / "scripts" / script)], capture_output=True, check=False
        )
        assert checked.returncode == 0, checked.stderr


def test_mypy_knows_what_to_check_and_the_readme_says_so() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "apidesk" in config["tool"]["mypy"]["files"]
    assert "dev" in config["project"]["optional-dependencies"]
    readme = (ROOT / "README.md").read_text()
    assert "scripts/lint" in readme
    for check in ("`ruff check`", "`ruff format --check`", "`mypy`"):
        assert check in readme
