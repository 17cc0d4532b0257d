"""The message a newcomer sees on the first start."""

from __future__ import annotations

from apidesk import __version__
from apidesk.api.management.envelope import service_id
from apidesk.cli.common import console
from apidesk.domain.context import Runtime
from apidesk.storage.models import Instance


def first_start(runtime: Runtime, instance: Instance, base_url: str) -> None:
    management = f"{base_url}{service_id(instance)}"
    console.print(
        f"""
[bold]Apidesk {__version__}[/]: first start. Created the service [bold]{instance.name}[/] \
(administrator: {instance.publisher_email}).

  1. Create an admin token (shown once):  [cyan]apidesk token create --name admin[/]
  2. Call the management API with it:
       {management}/users?api-version=2024-05-01
       Authorization: Bearer <token>
  3. Browse the API reference:            {base_url}/docs
""",
        highlight=False,
        soft_wrap=True,
    )
