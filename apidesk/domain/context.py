"""What every domain operation receives: the process runtime and the request's session."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from apidesk.clock import Clock
from apidesk.security.passwords import PasswordHashing, PasswordPolicy
from apidesk.security.secretbox import SecretBox
from apidesk.settings import Settings
from apidesk.storage.database import Database
from apidesk.storage.models import Instance


@dataclass(frozen=True)
class Runtime:
    """Process-wide collaborators, built once at start-up."""

    settings: Settings
    clock: Clock
    database: Database
    secrets: SecretBox
    passwords: PasswordHashing
    policy: PasswordPolicy


@dataclass
class Context:
    """One unit of work on behalf of one actor. Services never commit; the edge does."""

    runtime: Runtime
    session: Session
    actor: str

    def now(self) -> datetime:
        return self.runtime.clock.now()


@dataclass
class InstanceContext(Context):
    """A unit of work inside one service instance: every query is scoped to `instance`."""

    instance: Instance
    # What the unit read once and may read again (the portal's settings: a page, its top bar
    # and its security headers each ask): kept for the unit only, dropped where it changes.
    read_once: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def of(cls, ctx: Context, instance: Instance) -> InstanceContext:
        return cls(runtime=ctx.runtime, session=ctx.session, actor=ctx.actor, instance=instance)
