"""The outbox dispatcher: leases due messages, sends them, records the outcome.

Several dispatchers may run against one PostgreSQL database (each message is leased by one
of them); on SQLite, writers are serialized. A message whose sending crashed midway is retried
when its lease runs out, so delivery is at least once; everything else is sent exactly once.
Whatever goes wrong while a message is sent fails that attempt, with its error recorded: no
message can stop the queue or stay `sending`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Protocol

from apidesk.domain.context import Context, Runtime
from apidesk.domain.notifications import outbox
from apidesk.domain.notifications.outbox import Envelope
from apidesk.mail.smtp import PermanentFailure, TemporaryFailure

log = logging.getLogger("apidesk.outbox")
# One message per lease: a lease then covers one delivery, never a queue of them.
BATCH = 1


class Sender(Protocol):
    async def send(self, envelope: Envelope) -> None: ...


class Dispatcher:
    def __init__(self, runtime: Runtime, sender: Sender) -> None:
        self._runtime = runtime
        self._sender = sender
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def _claim(self) -> list[Envelope]:
        with self._runtime.database.unit_of_work() as session:
            return outbox.claim_due(Context(self._runtime, session, "outbox"), BATCH)

    def _finish(self, envelope: Envelope, error: str | None, permanent: bool) -> str:
        with self._runtime.database.unit_of_work() as session:
            ctx = Context(self._runtime, session, "outbox")
            if error is None:
                outbox.mark_sent(ctx, envelope.id)
                return outbox.SENT
            return outbox.mark_failed(ctx, envelope, error, permanent=permanent)

    async def run_once(self) -> int:
        """Send every message that is due now; the number attempted."""
        attempted = 0
        while True:
            batch = await asyncio.to_thread(self._claim)
            if not batch:
                return attempted
            for envelope in batch:
                attempted += 1
                await self._deliver(envelope)

    async def _deliver(self, envelope: Envelope) -> None:
        error: str | None = None
        permanent = False
        try:
            await self._sender.send(envelope)
        except PermanentFailure as exc:
            error, permanent = str(exc), True
        except TemporaryFailure as exc:
            error = str(exc)
        except Exception as exc:
            # Not a failure the sender foresaw, so perhaps a bug: retried like any other,
            # up to the attempt limit, with the trace in the log.
            log.error("outbox message %d could not be sent", envelope.id, exc_info=exc)
            error = f"{type(exc).__name__}: {exc}"
        status = await asyncio.to_thread(self._finish, envelope, error, permanent)
        if error is None:
            log.info("sent outbox message %d", envelope.id)
        else:
            log.warning(
                "outbox message %d, attempt %d: %s (now %s)",
                envelope.id,
                envelope.attempts,
                error,
                status,
            )

    async def run(self) -> None:
        poll = self._runtime.settings.outbox_poll_seconds
        while True:
            try:
                await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("the outbox dispatcher failed; retrying")
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=poll)

    def wake(self) -> None:
        self._wake.set()

    async def start(self) -> None:
        self._task = asyncio.create_task(self.run(), name="apidesk-outbox")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
