"""What the database holds and what the audit trail says, for changes made through Azure's SDK
against a live `apidesk serve`: keys never readable at rest, every kind of change recorded."""

from __future__ import annotations

import json

import httpx
from azure.mgmt.apimanagement import ApiManagementClient
from azure.mgmt.apimanagement.models import (
    GroupCreateParameters,
    ProductContract,
    SubscriptionCreateParameters,
    SubscriptionUpdateParameters,
    UserCreateParameters,
)
from sqlalchemy import String, Text, inspect, select
from support.server import LiveServer, ServiceRef, cli

from apidesk.domain.context import Runtime
from apidesk.storage.models import Base

V = {"api-version": "2024-05-01"}


def make_catalog(sdk: ApiManagementClient, service: ServiceRef) -> None:
    rg, name = service.resource_group, service.name
    sdk.user.create_or_update(
        rg,
        name,
        "kim",
        UserCreateParameters(email="kim@example.com", first_name="K", last_name="M"),
    )
    sdk.group.create_or_update(rg, name, "partners", GroupCreateParameters(display_name="Partners"))
    sdk.group_user.create(rg, name, "partners", "kim")
    sdk.product.create_or_update(
        rg,
        name,
        "gold",
        ProductContract(display_name="Gold", subscription_required=True, state="published"),
    )
    sdk.subscription.create_or_update(
        rg,
        name,
        "kim-gold",
        SubscriptionCreateParameters(
            scope="/products/gold", owner_id="/users/kim", display_name="K"
        ),
    )


def text_in_database(runtime: Runtime) -> str:
    """Every string value of every table, joined: what someone with a copy of the database
    file or a dump could read."""
    found: list[str] = []
    with runtime.database.unit_of_work(write=False) as session:
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, String | Text)]
            if columns:
                for row in session.execute(select(*columns)):
                    found.extend(str(value) for value in row if value is not None)
    return "\n".join(found)


def test_subscription_keys_are_not_readable_at_rest(
    sdk: ApiManagementClient, service: ServiceRef, runtime: Runtime
) -> None:
    make_catalog(sdk, service)
    rg, name = service.resource_group, service.name
    first = sdk.subscription.list_secrets(rg, name, "kim-gold")
    sdk.subscription.regenerate_primary_key(rg, name, "kim-gold")
    chosen = "0123456789abcdef0123456789abcdef"
    sdk.subscription.update(
        rg, name, "kim-gold", "*", SubscriptionUpdateParameters(secondary_key=chosen)
    )
    now = sdk.subscription.list_secrets(rg, name, "kim-gold")
    keys = {first.primary_key, first.secondary_key, now.primary_key, now.secondary_key, chosen}
    assert len(keys) == 4  # the first secondary key was replaced by the chosen one
    assert inspect(runtime.database.engine).has_table("subscription_keys")
    stored = text_in_database(runtime)
    assert "kim-gold" in stored  # the scan does see this subscription's rows
    for key in keys:
        assert key not in stored


def test_the_audit_trail_records_groups_products_and_subscriptions(
    sdk: ApiManagementClient, service: ServiceRef, server: LiveServer, http: httpx.Client
) -> None:
    make_catalog(sdk, service)
    rg, name = service.resource_group, service.name
    sdk.subscription.update(
        rg, name, "kim-gold", "*", SubscriptionUpdateParameters(state="suspended")
    )
    secrets = sdk.subscription.list_secrets(rg, name, "kim-gold")
    sdk.subscription.delete(rg, name, "kim-gold", "*")
    sdk.product.delete(rg, name, "gold", "*")
    sdk.group.delete(rg, name, "partners", "*")
    http.post(service.url("/tenant/access/regeneratePrimaryKey"), params=V).raise_for_status()

    result = cli(server.env, "audit", "--service", name, "--json")
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]
    seen = [(event["action"], event["target"]) for event in events]
    for expected in [
        ("group.create", "groups/partners"),
        ("group.member-add", "groups/partners"),
        ("product.create", "products/gold"),
        ("subscription.create", "subscriptions/kim-gold"),
        ("subscription.update", "subscriptions/kim-gold"),
        ("subscription.delete", "subscriptions/kim-gold"),
        ("product.delete", "products/gold"),
        ("group.delete", "groups/partners"),
    ]:
        assert expected in seen, (expected, seen)
    assert any(action.startswith("tenant.") for action, _ in seen), seen
    assert all(event["actor"].startswith("token:") for event in events)
    for key in (secrets.primary_key, secrets.secondary_key):
        assert key not in result.stdout
        assert key not in server.log()
