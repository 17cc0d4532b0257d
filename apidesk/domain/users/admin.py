"""What an operator does to users by hand, in the words of the portal guide: "+ Add" makes an
active user in Developers, "+ Invite" a pending one with an invitation e-mail. Both pick the
user's id, as APIM's own blade does."""

from __future__ import annotations

import secrets

from apidesk.domain.context import InstanceContext
from apidesk.domain.flows import invitation
from apidesk.domain.users import repository, service
from apidesk.domain.users.service import CreateOptions, UserFields
from apidesk.errors import Invalid, NotFound
from apidesk.storage.models import User


def new_user_id() -> str:
    """24 hex digits, the shape of the ids APIM gives the users it creates."""
    return secrets.token_hex(12)


def fields_to_add(
    *, email: str, first_name: str, last_name: str, password: str = "", note: str = ""
) -> UserFields:
    """The fields of the "+ Add" form; an empty password or note is none."""
    fields: UserFields = {"email": email, "first_name": first_name, "last_name": last_name}
    if password:
        fields["password"] = password
    if note:
        fields["note"] = note
    return fields


def add(ctx: InstanceContext, fields: UserFields) -> User:
    """An active user in Developers. A password in `fields` may be hashed ahead of the unit
    of work (`service.hash_ahead`)."""
    user, _ = service.create_or_update(ctx, new_user_id(), fields)
    return user


def invite(ctx: InstanceContext, *, email: str, first_name: str, last_name: str) -> User:
    fields: UserFields = {"email": email, "first_name": first_name, "last_name": last_name}
    user, _ = service.create_or_update(
        ctx,
        new_user_id(),
        fields,
        options=CreateOptions(confirmation="invite", notify=True),
    )
    return user


def resend_invitation(ctx: InstanceContext, user_id: str) -> User:
    """A new invitation e-mail; the earlier link stops working."""
    user = repository.find(ctx, user_id)
    if user is None:
        raise NotFound(f"User '{user_id}' was not found.")
    if user.state != "pending":
        raise Invalid.field("state", "Only a pending user can be invited again.")
    invitation.invite(ctx, user)
    return user
