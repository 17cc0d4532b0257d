"""How long `apidesk --help` and `apidesk users list` take to start, against a bare Python.

    .venv/bin/python bench/cli_startup.py [--runs 20] [--compare GIT_REF] [--no-write]

Runs hyperfine (no shell in between) on `python -c pass`, `apidesk --help` and
`apidesk users list` on a fresh SQLite database with its schema in place, all in one run.
`--compare` adds the same two commands from an earlier commit (its `apidesk/` package taken
with `git archive`), for a before-and-after table. Bytecode is cached in a temporary
directory, as an installed package has it. Results go to docs/benchmarks.md, between the
cli-startup markers.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from sections import write_section  # noqa: E402

START, END = "<!-- cli-startup:start -->", "<!-- cli-startup:end -->"


@dataclass(frozen=True)
class Result:
    label: str
    mean: float
    stddev: float
    low: float
    cpu: float


def _environment(directory: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("APIDESK_SECRET_KEY", None)
    env.update(
        {
            "PYTHONPYCACHEPREFIX": str(directory / "bytecode"),
            "APIDESK_DATABASE_URL": f"sqlite:///{directory / 'bench.db'}",
            "APIDESK_SECRET_KEY_FILE": str(directory / "bench.key"),
        }
    )
    return env


def _from_tree(tree: Path, *args: str) -> str:
    code = (
        f"import sys, runpy; sys.path.insert(0, {str(tree)!r}); "
        "runpy.run_module('apidesk', run_name='__main__')"
    )
    return " ".join([sys.executable, "-c", json.dumps(code), *args])


# What `apidesk users list` cannot do without as long as it uses these libraries: importing
# them and nothing else. The second row leaves out pydantic-settings (and so Pydantic), which
# only the settings bring in.
LIBRARIES = "import typer, rich.console, rich.table, sqlalchemy.orm, sqlalchemy.dialects.sqlite"


def commands(compare: Path | None) -> list[tuple[str, str]]:
    python = sys.executable
    found = [
        ("python -c pass (baseline)", f"{python} -c pass"),
        ("apidesk --help", f"{python} -m apidesk --help"),
        ("apidesk users list", f"{python} -m apidesk users list"),
        (
            "imports only: Typer, Rich, SQLAlchemy ORM + SQLite, pydantic-settings",
            f"{python} -c {json.dumps(LIBRARIES + ', pydantic_settings')}",
        ),
        (
            "imports only: Typer, Rich, SQLAlchemy ORM + SQLite",
            f"{python} -c {json.dumps(LIBRARIES)}",
        ),
    ]
    if compare is not None:
        found += [
            ("apidesk --help (before)", _from_tree(compare, "--help")),
            ("apidesk users list (before)", _from_tree(compare, "users", "list")),
        ]
    return found


def measure(runs: int, compare_ref: str | None) -> list[Result]:
    with tempfile.TemporaryDirectory() as folder:
        directory = Path(folder)
        env = _environment(directory)
        tree = None
        if compare_ref:
            tree = directory / "before"
            tree.mkdir()
            archive = subprocess.run(
                ["git", "-C", str(ROOT), "archive", compare_ref, "apidesk"],
                capture_output=True,
                check=True,
            ).stdout
            subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
        # The first start creates the database, its schema and the key.
        subprocess.run(
            [sys.executable, "-m", "apidesk", "users", "list"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            check=True,
        )
        listed = commands(tree)
        report = directory / "hyperfine.json"
        subprocess.run(
            [
                "hyperfine",
                "--shell=none",
                "--warmup",
                "3",
                "--runs",
                str(runs),
                "--style",
                "basic",
                "--export-json",
                str(report),
                *(command for _, command in listed),
            ],
            env=env,
            cwd=ROOT,
            check=True,
        )
        data = json.loads(report.read_text())["results"]
    return [
        Result(label, item["mean"], item["stddev"], item["min"], item["user"] + item["system"])
        for (label, _), item in zip(listed, data, strict=True)
    ]


def _hyperfine_version() -> str:
    out = subprocess.run(["hyperfine", "--version"], capture_output=True, text=True, check=False)
    return out.stdout.strip()


def render(results: list[Result], runs: int, load: float, compare_ref: str | None) -> str:
    base = results[0]
    before = f" against `{compare_ref}`" if compare_ref else ""
    lines = [
        START,
        "",
        f"Measured {date.today():%Y-%m-%d} with `bench/cli_startup.py`{before} on this machine "
        f"({os.cpu_count()} cores, {platform.machine()}; Python {platform.python_version()}; "
        f"{_hyperfine_version()}, {runs} runs after 3 warm-ups; load average {load:.1f} "
        "before the run). SQLite database with one user.",
        "",
        "| command | mean ms | ± ms | min ms | CPU ms (user + system) | ratio to baseline |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r.label} | {r.mean * 1000:.0f} | {r.stddev * 1000:.0f} | {r.low * 1000:.0f} "
            f"| {r.cpu * 1000:.0f} | {r.mean / base.mean:.1f} |"
        )
    lines.extend(["", END])
    return "\n".join(lines)


def write(section: str) -> None:
    write_section(START, END, "CLI start-up", section)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--compare", help="A git ref to measure as well, e.g. a release tag.")
    parser.add_argument("--no-write", action="store_true", help="Print only.")
    args = parser.parse_args()
    if shutil.which("hyperfine") is None:
        raise SystemExit("hyperfine is needed: apt-get install hyperfine")
    load = os.getloadavg()[0]
    results = measure(args.runs, args.compare)
    section = render(results, args.runs, load, args.compare)
    print(section)
    if not args.no_write:
        write(section)
        print("wrote docs/benchmarks.md")


if __name__ == "__main__":
    main()
