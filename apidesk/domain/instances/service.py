"""Service instances: create, update, find and delete, each with its seed data."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import bindparam, func, select

from apidesk.domain import audit, validation
from apidesk.domain.context import Context, InstanceContext
from apidesk.errors import Collection, Conflict, Invalid, NotFound, PreconditionFailed
from apidesk.storage.database import STARTUP, exclusive
from apidesk.storage.models import Instance, SystemValue
from apidesk.storage.models.base import Readable

NAME_PATTERN = re.compile(r"^[a-zA-Z](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?$")
RESOURCE_GROUP_PATTERN = re.compile(r"^[-\w._()]+$")
SKUS = (
    "Developer",
    "Basic",
    "Standard",
    "Premium",
    "Consumption",
    "Isolated",
    "BasicV2",
    "StandardV2",
    "PremiumV2",
)
BOOTSTRAPPED = "bootstrapped"

# The fields a create must carry; an update may carry any subset of these and `tags`.
REQUIRED = ("location", "sku_name", "publisher_email", "publisher_name")
WIRE_NAMES = {
    "location": "location",
    "sku_name": "sku.name",
    "sku_capacity": "sku.capacity",
    "publisher_email": "publisherEmail",
    "publisher_name": "publisherName",
    "notification_sender_email": "notificationSenderEmail",
    "tags": "tags",
    "portal_url": "portalUrl",
}


def check_path(subscription_id: str, resource_group: str, name: str) -> None:
    """Validate the ARM path of an instance; ARM answers 400 for malformed segments."""
    try:
        uuid.UUID(subscription_id)
    except ValueError:
        raise Invalid(
            f"The provided subscription identifier '{subscription_id}' is malformed or invalid.",
            code="InvalidSubscriptionId",
        ) from None
    if (
        not (1 <= len(resource_group) <= 90)
        or not RESOURCE_GROUP_PATTERN.fullmatch(resource_group)
        or resource_group.endswith(".")
    ):
        raise Invalid.field(
            "resourceGroupName",
            "'resourceGroupName' must be 1-90 letters, digits, '-', '_', '.', '(' or ')' and "
            "must not end with '.'.",
        )
    if not (1 <= len(name) <= 50) or not NAME_PATTERN.fullmatch(name):
        raise Invalid.field(
            "serviceName",
            "'serviceName' must be 1-50 letters, digits or '-', start with a letter and end "
            "with a letter or digit.",
        )


def _not_found(resource_group: str, name: str) -> NotFound:
    return NotFound(
        f"The Resource 'Microsoft.ApiManagement/service/{name}' under resource group "
        f"'{resource_group}' was not found."
    )


_BY_NAME = select(Instance).where(Instance.name_key == bindparam("key"))


def find_by_name(ctx: Context, name: str) -> Instance | None:
    return ctx.session.scalars(_BY_NAME, {"key": name.lower()}).first()


_READABLE = Readable(Instance)
_READ_BY_NAME = select(*_READABLE.columns).where(Instance.name_key == bindparam("key"))


def read_by_name(ctx: Context, name: str) -> Instance | None:
    """The instance named `name`, to work inside rather than to change: an entity that
    belongs to no session, made from one row without the ORM's loading (`as_read`), so a
    request's later units can use it as it is. The web faces look their instance up on
    every request."""
    row = ctx.session.connection().execute(_READ_BY_NAME, {"key": name.lower()}).first()
    if row is None:
        return None
    return _READABLE.entity(row)


def get_or_raise(ctx: Context, subscription_id: str, resource_group: str, name: str) -> Instance:
    return located(find_by_name(ctx, name), subscription_id, resource_group, name)


def located(
    instance: Instance | None, subscription_id: str, resource_group: str, name: str
) -> Instance:
    """`instance`, found by `name`, if it is the one the whole ARM path names."""
    if (
        instance is None
        or instance.subscription_id.lower() != subscription_id.lower()
        or instance.resource_group.lower() != resource_group.lower()
    ):
        raise _not_found(resource_group, name)
    return instance


_ALL = select(Instance).order_by(Instance.id)
# Built once: every console page lists them (`read_all`).
_READ_ALL = select(*_READABLE.columns).order_by(Instance.id)


def read_all(ctx: Context) -> list[Instance]:
    """Every instance, to read (`read_by_name`): the console's switcher on every page."""
    return [_READABLE.entity(row) for row in ctx.session.connection().execute(_READ_ALL)]


def list_all(
    ctx: Context, subscription_id: str | None = None, resource_group: str | None = None
) -> Sequence[Instance]:
    statement = _ALL
    if subscription_id is not None:
        statement = statement.where(func.lower(Instance.subscription_id) == subscription_id.lower())
    if resource_group is not None:
        statement = statement.where(func.lower(Instance.resource_group) == resource_group.lower())
    return ctx.session.scalars(statement).all()


def _validated(fields: Mapping[str, Any], *, creating: bool) -> dict[str, Any]:
    problems = Collection()
    clean: dict[str, Any] = {}
    if creating:
        for name in REQUIRED:
            if fields.get(name) is None:
                problems.add(WIRE_NAMES[name], f"'{WIRE_NAMES[name]}' is required.")
    for name, value in fields.items():
        target = WIRE_NAMES.get(name, name)
        if value is None:
            if name in ("notification_sender_email", "portal_url"):
                clean[name] = None
            elif name in REQUIRED and not creating:
                problems.add(target, f"'{target}' cannot be null.")
            continue
        if name == "location":
            clean[name] = validation.text(problems, target, value, max_length=100)
        elif name == "sku_name":
            clean[name] = validation.choice(problems, target, value, SKUS)
        elif name == "sku_capacity":
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
                problems.add(target, f"'{target}' must be an integer from 0 to 100.")
            else:
                clean[name] = value
        elif name in ("publisher_email", "notification_sender_email"):
            # Either one is the From of the instance's e-mails.
            clean[name] = validation.sender_email(problems, target, value, max_length=100)
        elif name == "publisher_name":
            clean[name] = validation.text(problems, target, value, max_length=100)
        elif name == "portal_url":
            clean[name] = validation.web_url(
                problems,
                target,
                value,
                max_length=2000,
                site=True,
                example="https://developer.example.com",
            )
        elif name == "tags":
            if (
                not isinstance(value, Mapping)
                or len(value) > 50
                or not all(
                    isinstance(k, str)
                    and isinstance(v, str)
                    and 0 < len(k) <= 512
                    and len(v) <= 256
                    for k, v in value.items()
                )
            ):
                problems.add(target, "'tags' must map up to 50 names to string values.")
            else:
                clean[name] = dict(value)
    problems.raise_if_any()
    return clean


def create_or_update(
    ctx: Context,
    subscription_id: str,
    resource_group: str,
    name: str,
    fields: Mapping[str, Any],
    *,
    expected_etag: str | None = None,
) -> tuple[Instance, bool]:
    """Create the instance with its seed data, or merge `fields` onto the existing one."""
    check_path(subscription_id, resource_group, name)
    existing = find_by_name(ctx, name)
    if existing is not None:
        if (
            existing.subscription_id.lower() != subscription_id.lower()
            or existing.resource_group.lower() != resource_group.lower()
        ):
            raise Conflict(
                f"The service name '{name}' is already in use by another resource group or "
                "subscription; service names are unique in a deployment.",
                code="ServiceAlreadyExists",
                target="serviceName",
            )
        return _change(ctx, existing, fields, expected_etag), False
    if expected_etag is not None:
        raise PreconditionFailed("The service does not exist, so it cannot match 'If-Match'.")
    clean = _validated(fields, creating=True)
    instance = Instance(
        name=name,
        name_key=name.lower(),
        subscription_id=subscription_id,
        resource_group=resource_group,
        location=clean["location"],
        sku_name=clean["sku_name"],
        sku_capacity=clean.get("sku_capacity", 1),
        publisher_email=clean["publisher_email"],
        publisher_name=clean["publisher_name"],
        notification_sender_email=clean.get("notification_sender_email"),
        portal_url=clean.get("portal_url"),
        tags=clean.get("tags", {}),
        created_at=ctx.now(),
        created_by=ctx.actor,
        updated_at=ctx.now(),
        updated_by=ctx.actor,
    )
    ctx.session.add(instance)
    ctx.session.flush()
    ictx = InstanceContext.of(ctx, instance)
    # The seed brings the e-mail templates and the portal's defaults: loaded only when a
    # service is created, not by every command that looks a service up.
    from apidesk.domain.instances import seed

    seed.populate(ictx)
    audit.record(ictx, "service.create", f"service/{instance.name}", _audit_view(clean))
    ctx.session.flush()
    return instance, True


def update(
    ctx: Context,
    subscription_id: str,
    resource_group: str,
    name: str,
    fields: Mapping[str, Any],
    *,
    expected_etag: str | None = None,
) -> Instance:
    """Merge `fields` onto an existing instance (ARM's PATCH); the instance must exist."""
    check_path(subscription_id, resource_group, name)
    instance = get_or_raise(ctx, subscription_id, resource_group, name)
    return _change(ctx, instance, fields, expected_etag)


def _change(
    ctx: Context, instance: Instance, fields: Mapping[str, Any], expected_etag: str | None
) -> Instance:
    if expected_etag not in (None, "*") and expected_etag != instance.etag:
        raise PreconditionFailed()
    clean = _validated(fields, creating=False)
    for key, value in clean.items():
        setattr(instance, key, value)
    instance.updated_at = ctx.now()
    instance.updated_by = ctx.actor
    audit.record(
        InstanceContext.of(ctx, instance),
        "service.update",
        f"service/{instance.name}",
        _audit_view(clean),
    )
    ctx.session.flush()
    return instance


def _audit_view(clean: Mapping[str, Any]) -> dict[str, Any]:
    return {WIRE_NAMES.get(key, key): value for key, value in clean.items()}


def delete_instance(ctx: Context, subscription_id: str, resource_group: str, name: str) -> bool:
    """Delete the instance and everything in it; False when there was nothing to delete."""
    check_path(subscription_id, resource_group, name)
    try:
        instance = get_or_raise(ctx, subscription_id, resource_group, name)
    except NotFound:
        return False
    ictx = InstanceContext.of(ctx, instance)
    audit.record(ictx, "service.delete", f"service/{instance.name}")
    # Foreign keys cascade: users, groups, keys and tokens scoped to it go with it.
    ctx.session.delete(instance)
    ctx.session.flush()
    return True


def bootstrap_default(ctx: Context) -> Instance | None:
    """On the very first start, create the default instance; afterwards, do nothing."""
    exclusive(ctx.session, STARTUP)
    if ctx.session.get(SystemValue, BOOTSTRAPPED) is not None:
        return None
    settings = ctx.runtime.settings
    ctx.session.add(SystemValue(key=BOOTSTRAPPED, value=ctx.now().isoformat()))
    if ctx.session.scalar(select(func.count()).select_from(Instance)):
        return None
    instance, _ = create_or_update(
        ctx,
        settings.default_subscription_id,
        settings.default_resource_group,
        settings.default_service_name,
        {
            "location": "local",
            "sku_name": "Developer",
            "sku_capacity": 1,
            "publisher_email": settings.default_publisher_email,
            "publisher_name": settings.default_publisher_name,
        },
    )
    return instance
