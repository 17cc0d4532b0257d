"""How long `apidesk --help` and `apidesk users list` take to start, against a bare Python.

    .venv/bin/python bench/cli_startup.py [--runs 20] [--compare GIT_REF] [--instructions]
                                          [--no-write]

Runs `python -c pass`, `apidesk --help` and `apidesk users list` on a fresh SQLite database
with its schema in place, all in one run, in rounds: each round runs every command once, in
a shuffled order, so that all of them see the same load on a shared machine (a tool that runs
one command N times and then the next lets a change of load pass for a change of speed).
`--compare` adds the same two commands from an earlier commit (its `apidesk/` package taken
with `git archive`), for a before-and-after table. Bytecode is cached in a temporary
directory, as an installed package has it. `--instructions` also runs each command once
under valgrind's cachegrind and reports the instructions it executed: unlike time, that count
does not move with the load of a shared machine. Results go to docs/benchmarks.md, between the
cli-startup markers.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
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
    walls: list[float]
    cpus: list[float]
    instructions: int | None = None

    @property
    def wall(self) -> float:
        return statistics.median(self.walls)

    @property
    def cpu(self) -> float:
        return statistics.median(self.cpus)


WARMUP = 3


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


def _from_tree(tree: Path, *args: str) -> list[str]:
    code = (
        f"import sys, runpy; sys.path.insert(0, {str(tree)!r}); "
        "runpy.run_module('apidesk', run_name='__main__')"
    )
    return [sys.executable, "-c", code, *args]


# What `apidesk users list` cannot do without as long as it uses these libraries: importing
# them and nothing else. The first row adds pydantic-settings (and so Pydantic), which the
# settings imported until the fourth round (docs/benchmarks.md).
LIBRARIES = "import typer, rich.console, rich.table, sqlalchemy.orm, sqlalchemy.dialects.sqlite"


def commands(compare: Path | None) -> list[tuple[str, list[str]]]:
    python = sys.executable
    found = [
        ("python -c pass (baseline)", [python, "-c", "pass"]),
        ("apidesk --help", [python, "-m", "apidesk", "--help"]),
        ("apidesk users list", [python, "-m", "apidesk", "users", "list"]),
        (
            "imports only: Typer, Rich, SQLAlchemy ORM + SQLite, pydantic-settings",
            [python, "-c", LIBRARIES + ", pydantic_settings"],
        ),
        (
            "imports only: Typer, Rich, SQLAlchemy ORM + SQLite",
            [python, "-c", LIBRARIES],
        ),
    ]
    if compare is not None:
        found += [
            ("apidesk --help (before)", _from_tree(compare, "--help")),
            ("apidesk users list (before)", _from_tree(compare, "users", "list")),
        ]
    return found


def measure(runs: int, compare_ref: str | None, instructions: bool = False) -> list[Result]:
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
        walls: list[list[float]] = [[] for _ in listed]
        cpus: list[list[float]] = [[] for _ in listed]
        order = list(range(len(listed)))
        shuffle = random.Random(12)
        for round_ in range(WARMUP + runs):
            shuffle.shuffle(order)
            for index in order:
                wall, cpu = _run(listed[index][1], env)
                if round_ >= WARMUP:
                    walls[index].append(wall)
                    cpus[index].append(cpu)
        counts = [_instructions(argv, env) if instructions else None for _, argv in listed]
    return [Result(label, walls[i], cpus[i], counts[i]) for i, (label, _) in enumerate(listed)]


VALGRIND = ("valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null")


def _instructions(argv: list[str], env: dict[str, str]) -> int:
    """Instructions one run executes, counted by valgrind (the same on a busy machine)."""
    ran = subprocess.run(
        [*VALGRIND, *argv],
        env={**env, "PYTHONHASHSEED": "0"},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=True,
    )
    total = [line for line in ran.stderr.splitlines() if "I   refs:" in line or "I refs:" in line]
    return int(total[-1].rsplit(":", 1)[1].replace(",", ""))


def _run(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall-clock and CPU (user + system) seconds of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    subprocess.run(
        argv,
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=True,
    )
    wall = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall, cpu


def render(results: list[Result], runs: int, load: float, compare_ref: str | None) -> str:
    base = results[0]
    before = f" against `{compare_ref}`" if compare_ref else ""
    counted = results[0].instructions is not None
    lines = [
        START,
        "",
        f"Measured {date.today():%Y-%m-%d} with `bench/cli_startup.py`{before} on this machine "
        f"({os.cpu_count()} cores, {platform.machine()}; Python {platform.python_version()}; "
        f"{runs} rounds after {WARMUP} warm-up rounds, each round every command once in a "
        f"shuffled order; load average {load:.1f} before the run, "
        f"{os.getloadavg()[0]:.1f} after). SQLite database with one user.",
        "",
        "| command | median ms | min ms | median CPU ms (user + system) | min CPU ms "
        "| ratio to baseline (median) |" + (" instructions (millions) |" if counted else ""),
        "|---|---|---|---|---|---|" + ("---|" if counted else ""),
    ]
    for r in results:
        lines.append(
            f"| {r.label} | {r.wall * 1000:.0f} | {min(r.walls) * 1000:.0f} "
            f"| {r.cpu * 1000:.0f} | {min(r.cpus) * 1000:.0f} | {r.wall / base.wall:.1f} |"
            + (f" {(r.instructions or 0) / 1e6:,.0f} |" if counted else "")
        )
    found = {r.label: r for r in results}
    for name in ("apidesk --help", "apidesk users list"):
        old = found.get(f"{name} (before)")
        if old is not None:
            new = found[name]
            lines.append(
                f"\n`{name}` against `{compare_ref}`: {new.wall / old.wall:.2f} of its median "
                f"wall-clock time, {new.cpu / old.cpu:.2f} of its median CPU time, "
                f"{min(new.cpus) / min(old.cpus):.2f} of its least CPU time"
                + (
                    f", {(new.instructions or 0) / (old.instructions or 1):.2f} of its "
                    "instructions."
                    if counted
                    else "."
                )
            )
    lines.extend(["", END])
    return "\n".join(lines)


def write(section: str) -> None:
    write_section(START, END, "CLI start-up", section)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--compare", help="A git ref to measure as well, e.g. a release tag.")
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="Also count each command's instructions once under valgrind (about 15 s each).",
    )
    parser.add_argument("--no-write", action="store_true", help="Print only.")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    results = measure(args.runs, args.compare, args.instructions)
    section = render(results, args.runs, load, args.compare)
    print(section)
    if not args.no_write:
        write(section)
        print("wrote docs/benchmarks.md")


if __name__ == "__main__":
    main()
