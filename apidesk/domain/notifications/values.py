"""The values e-mail templates are filled with, and the portal links they carry."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from apidesk.domain.context import InstanceContext
from apidesk.storage.models import User


def portal_base_url(ctx: InstanceContext) -> str:
    """Where this instance's developer portal lives: its own address when one is set, or
    the service's public URL followed by /portal/{service}."""
    return ctx.instance.portal_url or shared_portal_url(ctx)


def shared_portal_url(ctx: InstanceContext) -> str:
    """The portal's address on the service's own host, which serves it whether or not it
    has an address of its own."""
    return f"{ctx.runtime.settings.public_url}/portal/{ctx.instance.name}"


def portal_link(ctx: InstanceContext, page: str, token: str) -> str:
    return f"{portal_base_url(ctx)}/{page}?token={token}"


def developer(ctx: InstanceContext, user: User) -> dict[str, Any]:
    base = portal_base_url(ctx)
    basic = next((i for i in user.identities if i.get("provider") == "Basic"), None)
    return {
        "DevFirstName": user.first_name,
        "DevLastName": user.last_name,
        "DevEmail": user.email,
        "DevUsername": user.email,
        "OrganizationName": ctx.instance.publisher_name,
        "DevPortalUrl": base,
        "DevPortalHost": urlsplit(base).netloc,
        "IdentityProvider": basic.get("provider") if basic else "Basic",
    }


def with_link(values: dict[str, Any], url: str) -> dict[str, Any]:
    return {**values, "ConfirmUrl": url, "ConfirmQuery": urlsplit(url).query}
