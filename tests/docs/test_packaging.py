"""Installing Apidesk prints nothing: the first thing `scripts/run` shows is Apidesk itself,
not a warning of the build backend. The editable build runs here, offline, with the backend
that pip would use, and any warning it raises fails it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

BUILD = """
import sys
from setuptools import build_meta
name = build_meta.build_editable(sys.argv[1])
print(name)
"""


def _copy_project(to: Path) -> Path:
    project = to / "project"
    project.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, project / name)
    shutil.copytree(
        ROOT / "apidesk", project / "apidesk", ignore=shutil.ignore_patterns("__pycache__")
    )
    # What a checkout also holds beside the package, and what setuptools warns about.
    for folder in ("tests", "bench", "scripts", "docs"):
        (project / folder).mkdir()
    return project


def test_the_editable_build_raises_no_warning(tmp_path: Path) -> None:
    setuptools = pytest.importorskip("setuptools")
    major = int(setuptools.__version__.split(".")[0])
    if major < 77:
        pytest.skip(f"setuptools {setuptools.__version__} is older than the build requires")
    project = _copy_project(tmp_path)
    built = subprocess.run(
        [sys.executable, "-W", "error::UserWarning", "-c", BUILD, str(tmp_path / "dist")],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert built.returncode == 0, built.stderr[-3000:]
    assert built.stdout.strip().endswith(".whl")
    assert "Warning" not in built.stderr, built.stderr[-3000:]
