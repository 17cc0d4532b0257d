from __future__ import annotations

from typing import Any

from apidesk.api.management.envelope import PROVIDER, child_id, resource
from apidesk.domain.portal import settings
from apidesk.storage.models import Instance, PortalSetting

PORTAL_SETTINGS_TYPE = f"{PROVIDER}/service/portalsettings"


def properties(row: PortalSetting, *, listed: bool = False) -> dict[str, Any]:
    v = settings.values(row)
    if row.name == settings.SIGNIN:
        return {"enabled": v["enabled"]}
    if row.name == settings.SIGNUP:
        return {
            "enabled": v["enabled"],
            "termsOfService": {
                "text": v["terms_text"],
                "enabled": v["terms_enabled"],
                "consentRequired": v["terms_consent_required"],
            },
        }
    body: dict[str, Any] = {}
    if v["url"]:
        body["url"] = v["url"]
    body["subscriptions"] = {"enabled": v["subscriptions"]}
    body["userRegistration"] = {"enabled": v["user_registration"]}
    if listed:
        # APIM's list shows the delegation with an `enabled` of its own: whether any of it is on.
        body["enabled"] = bool(v["subscriptions"] or v["user_registration"])
    return body


def setting(instance: Instance, row: PortalSetting, *, listed: bool = False) -> dict[str, Any]:
    return resource(
        child_id(instance, "portalsettings", row.name),
        row.name,
        PORTAL_SETTINGS_TYPE,
        properties(row, listed=listed),
    )
