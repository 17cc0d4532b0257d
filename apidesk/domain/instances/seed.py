"""What a new instance contains (reference §4.7): the administrator, the system groups and
the tenant access keys."""

from __future__ import annotations

from apidesk.domain import tenant
from apidesk.domain.context import InstanceContext
from apidesk.domain.validation import email_key
from apidesk.storage.models import Group, GroupMember, User

ADMIN_USER_ID = "1"
ADMINISTRATORS = "administrators"
DEVELOPERS = "developers"
GUESTS = "guests"

SYSTEM_GROUPS = {
    ADMINISTRATORS: (
        "Administrators",
        "Administrators is a built-in group containing the admin email account provided at "
        "the time of service creation. Its membership is managed by the system.",
    ),
    DEVELOPERS: (
        "Developers",
        "Developers is a built-in group. Its membership is managed by the system. Signed-in "
        "users fall into this group.",
    ),
    GUESTS: (
        "Guests",
        "Guests is a built-in group. Its membership is managed by the system. "
        "Unauthenticated users visiting the developer portal fall into this group.",
    ),
}


def populate(ctx: InstanceContext) -> None:
    instance = ctx.instance
    session = ctx.session
    groups: dict[str, Group] = {}
    for name, (display_name, description) in SYSTEM_GROUPS.items():
        group = Group(
            instance_id=instance.id,
            name=name,
            name_key=name,
            display_name=display_name,
            description=description,
            type="system",
            external_id=None,
            built_in=True,
        )
        session.add(group)
        groups[name] = group

    admin = User(
        instance_id=instance.id,
        name=ADMIN_USER_ID,
        name_key=ADMIN_USER_ID,
        email=instance.publisher_email,
        email_key=email_key(instance.publisher_email),
        first_name="Administrator",
        last_name="",
        state="active",
        note=None,
        identities=[{"provider": "Azure", "id": instance.publisher_email}],
        registration_date=instance.created_at,
        password_hash=None,
    )
    session.add(admin)

    tenant.create_defaults(ctx)
    session.flush()
    for name in (ADMINISTRATORS, DEVELOPERS):
        session.add(
            GroupMember(group_id=groups[name].id, user_id=admin.id, instance_id=instance.id)
        )
    session.flush()
