"""The message a newcomer sees on the first start."""

from __future__ import annotations

import shlex
import shutil
import sys
from pathlib import Path

from rich.markup import escape

from apidesk import __version__
from apidesk.api.management.envelope import service_id
from apidesk.cli.common import console
from apidesk.domain.context import Runtime
from apidesk.storage.models import Instance


def command() -> str:
    """How to run this very `apidesk` from the current directory: the bare name when PATH
    finds it, else its path (relative when it lies below here, as `.venv/bin/apidesk`)."""
    script = Path(sys.argv[0]) if sys.argv and sys.argv[0] else Path()
    if script.name == "__main__.py" or not script.is_file():
        # `python -m apidesk`: the console script beside the interpreter, if installed.
        script = Path(sys.executable).parent / "apidesk"
        if not script.is_file():
            return f"{shlex.quote(sys.executable)} -m apidesk"
    found = shutil.which("apidesk")
    if found is not None and Path(found).resolve() == script.resolve():
        return "apidesk"
    absolute = script.absolute()
    try:
        shown = str(absolute.relative_to(Path.cwd()))
    except ValueError:
        shown = str(absolute)
    if "/" not in shown:
        shown = f"./{shown}"
    return shlex.quote(shown)


def first_start(runtime: Runtime, instance: Instance, base_url: str) -> None:
    management = escape(f"{base_url}{service_id(instance)}")
    console.print(
        f"""
[bold]Apidesk {__version__}[/]: first start. Created the service [bold]{escape(instance.name)}[/] \
(administrator: {escape(instance.publisher_email)}).

  1. Create an admin token (shown once):  [cyan]{escape(command())} token create --name admin[/]
  2. Call the management API with it:
       {management}/users?api-version=2024-05-01
       Authorization: Bearer <token>
  3. Browse the API reference:            {escape(base_url)}/docs
""",
        markup=True,
        highlight=False,
        soft_wrap=True,
    )
