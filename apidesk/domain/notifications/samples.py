"""Sample values for e-mail templates: what the console's live preview and test message fill
a template with, so an operator sees something close to a real e-mail. Links point at the
reserved example.com domain and carry no token that could work anywhere."""

from __future__ import annotations

from typing import Any

from apidesk.storage.models import Instance

_FIXED: dict[str, Any] = {
    "DevFirstName": "Ada",
    "DevLastName": "Lovelace",
    "DevEmail": "ada@example.com",
    "DevUsername": "ada@example.com",
    "IdentityProvider": "Basic",
    "ProdName": "Starter",
    "ProdId": "starter",
    "SubStartDate": "2026-12-01",
    "SubTerm": "1 month",
    "SubPrimaryKey": "0123456789abcdef0123456789abcdef",
    "SubDeclineReason": "The product is for partners only.",
    "QuotaResetDate": "2027-01-01",
    "Calls": "9,500",
    "CallQuota": "10,000",
    "Bandwidth": "0.9 GB",
    "BandwidthQuota": "1 GB",
    "CallsAlert": True,
    "BandwidthAlert": False,
    "Apis": ["Echo API", "Weather API"],
    "IssueName": "Sample issue",
    "IssueId": "1",
    "CommentText": "A sample comment.",
    "CommenterFirstName": "Grace",
    "CommenterLastName": "Hopper",
    "AppName": "Sample app",
    "AppId": "sample-app",
}


def values(instance: Instance, parameters: list[dict[str, Any]]) -> dict[str, Any]:
    """A value for each of the template's parameters (its own name in brackets for one this
    module does not know), with the instance's own organization name and portal address."""
    portal = "https://portal.example.com"
    known: dict[str, Any] = {
        **_FIXED,
        "OrganizationName": instance.publisher_name,
        "DevPortalUrl": portal,
        "DevPortalHost": "portal.example.com",
        "ConfirmUrl": f"{portal}/confirm?token=sample-only",
        "ConfirmQuery": "token=sample-only",
    }
    chosen = {p["name"]: known.get(p["name"], f"[{p['name']}]") for p in parameters}
    chosen.setdefault("Apis", [])
    return chosen
