"""Each benchmark writes its figures into docs/benchmarks.md between its own markers."""

from __future__ import annotations

from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"


def write_section(start: str, end: str, heading: str, section: str) -> None:
    """Replace what stands between `start` and `end` with `section` (which carries the
    markers), or add it at the end under `heading` the first time."""
    text = BENCHMARKS.read_text()
    if start in text:
        text = text[: text.index(start)] + section + text[text.index(end) + len(end) :]
    else:
        text = text.rstrip() + f"\n\n## {heading}\n\n" + section + "\n"
    BENCHMARKS.write_text(text)
