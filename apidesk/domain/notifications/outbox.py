"""The outbox: e-mails are rows written in the transaction of the change that causes them."""

from __future__ import annotations

from typing import Any

from apidesk.domain.context import InstanceContext
from apidesk.storage.models import OutboxMessage, User

QUEUED = "queued"


def enqueue(
    ctx: InstanceContext, template: str, recipient: User, context: dict[str, Any]
) -> OutboxMessage:
    now = ctx.now()
    message = OutboxMessage(
        instance_id=ctx.instance.id,
        template=template,
        recipient_user_id=recipient.id,
        to_address=recipient.email,
        context=context,
        status=QUEUED,
        attempts=0,
        created_at=now,
        next_attempt_at=now,
    )
    ctx.session.add(message)
    return message
