"""The list requests whose query plans support/plans.py reads: every list the management API,
the console and the portal offer, with each filter and sort it accepts.

`Case` is one request and what its plans must show; `cases(n)` fills in values that exist in
the data support/plan_seed.py inserts for `n` users.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from support.plan_seed import START


@dataclass(frozen=True)
class Case:
    surface: str  # "API", "Console" or "Portal"
    path: str  # after the instance's base path
    params: dict[str, str] = field(default_factory=dict)
    uses: str | None = None
    """A pattern the index reads of the plans must show (SQLite's SEARCH lines, PostgreSQL's
    index names and Index Cond lines); None where no B-tree answers the request (see note)."""
    note: str = ""
    ordered: bool = False
    """The page is read in its order from an index: no sort in any of its plans."""

    @property
    def title(self) -> str:
        shown = "&".join(f"{k}={v}" for k, v in self.params.items())
        return f"{self.path}?{shown}" if shown else self.path


SMALL = "a small table (tens of rows per instance)"
SUBSTRING = "substring: no B-tree index can answer it; reads the instance's rows"
NAMES = "not indexed: first and last names compare lowered by the database"
WALK = "filters the instance's events newest first, through the index, until a page is full"

# (surface, path, params, the index reads the plans must show or None, ordered, note)
_CASES: list[tuple[str, str, dict[str, str], str | None, bool, str]] = [
    ("API", "/users", {"$top": "100"}, r"ix_users_browse\b|pk_users", True, ""),
    (
        "API",
        "/users",
        {"$top": "100", "$skip": "{mid}"},
        r"ix_users_browse\b|pk_users",
        False,
        "offset paging: the database steps over $skip index entries",
    ),
    ("API", "/users", {"$filter": "name eq '{u}'"}, r"name_key", False, ""),
    ("API", "/users", {"$filter": "startswith(name,'{u_}')"}, r"name_key", False, ""),
    ("API", "/users", {"$filter": "name ge '{u}' and name lt '{u9}'"}, r"name_key", False, ""),
    ("API", "/users", {"$filter": "email eq 'User{mid}@example.com'"}, r"email_key", False, ""),
    ("API", "/users", {"$filter": "startswith(email,'user{mid10}')"}, r"email_key", False, ""),
    ("API", "/users", {"$filter": "state eq 'Blocked'"}, r"ix_users_browse_state", False, ""),
    (
        "API",
        "/users",
        {"$filter": "registrationDate ge datetime'{late}'"},
        r"registration_date",
        False,
        "",
    ),
    ("API", "/users", {"$filter": "firstName eq 'First{mid}'"}, None, False, NAMES),
    ("API", "/users", {"$filter": "startswith(lastName,'Last{last}')"}, None, False, NAMES),
    ("API", "/users", {"$filter": "contains(email,'{mid}')"}, None, False, SUBSTRING),
    ("API", "/users", {"$filter": "endswith(lastName,'{last}')"}, None, False, SUBSTRING),
    ("API", "/groups", {}, None, False, SMALL),
    ("API", "/groups/members/users", {"$top": "100"}, r"group_id", False, ""),
    ("API", "/groups/few/users", {"$filter": "startswith(name,'u')"}, r"group_id", False, ""),
    ("API", "/users/{u}/groups", {}, r"user_id|group_id", False, ""),
    ("API", "/users/{u}/subscriptions", {}, r"owner_id", False, ""),
    (
        "API",
        "/subscriptions",
        {"$top": "100"},
        r"ix_subscriptions_browse\b|pk_subscriptions",
        True,
        "",
    ),
    (
        "API",
        "/subscriptions",
        {"$filter": "name eq '{s}'"},
        r"subscriptions\S* .*name_key",
        False,
        "",
    ),
    (
        "API",
        "/subscriptions",
        {"$filter": "startswith(name,'{s_}')"},
        r"subscriptions\S* .*name_key",
        False,
        "",
    ),
    (
        "API",
        "/subscriptions",
        {"$filter": "state eq 'Submitted'"},
        r"ix_subscriptions_browse_state",
        False,
        "",
    ),
    ("API", "/subscriptions", {"$filter": "userId eq '{u}'"}, r"owner_id", False, ""),
    ("API", "/subscriptions", {"$filter": "productId eq 'silver'"}, r"product_id", False, ""),
    (
        "API",
        "/subscriptions",
        {"$filter": "ownerId eq '/users/{u}'"},
        None,
        False,
        "not indexed: ownerId compares as the full resource id, built in SQL",
    ),
    (
        "API",
        "/products/silver/subscriptions",
        {"$top": "100"},
        r"product_id",
        False,
        "",
    ),
    ("API", "/products", {"$filter": "state eq 'published'"}, None, False, SMALL),
    ("API", "/products/gold/groups", {}, None, False, SMALL),
    ("API", "/products/gold/apis", {}, None, False, SMALL),
    ("API", "/apis", {}, None, False, SMALL),
    ("API", "/templates", {}, None, False, "a fixed list"),
    ("API", "/notifications", {}, None, False, "a fixed list; recipients by (instance, name)"),
    ("Console", "/users", {}, r"ix_users_browse_registered", True, ""),
    (
        "Console",
        "/users",
        {"sort": "name", "order": "asc"},
        r"ix_users_browse_first_name",
        True,
        "",
    ),
    (
        "Console",
        "/users",
        {"sort": "email"},
        r"sqlite_autoindex_users_\d|uq_users_instance_id_email_key",
        True,
        "",
    ),
    ("Console", "/users", {"sort": "state"}, r"ix_users_browse_state", True, ""),
    ("Console", "/users", {"state": "pending"}, r"ix_users_browse_state_registered", True, ""),
    (
        "Console",
        "/users",
        {"search": "user{mid}"},
        None,
        False,
        "substring search: walks the instance's users in page order until a page is full",
    ),
    ("Console", "/subscriptions", {}, r"ix_subscriptions_browse\b|pk_subscriptions", True, ""),
    (
        "Console",
        "/subscriptions",
        {"state": "submitted"},
        r"ix_subscriptions_browse_state",
        True,
        "",
    ),
    ("Console", "/subscriptions", {"product": "silver"}, r"product_id", False, ""),
    ("Console", "/subscriptions", {"owner": "{u}"}, r"owner_id", False, ""),
    (
        "Console",
        "/subscriptions",
        {"search": "{s}"},
        None,
        False,
        "substring search, as on the Users page",
    ),
    ("Console", "/groups", {}, None, False, SMALL),
    ("Console", "/products", {}, None, False, SMALL),
    ("Console", "/audit", {}, r"ix_audit_events_browse|pk_audit_events", True, ""),
    (
        "Console",
        "/audit",
        {"action": "user."},
        r"ix_audit_events_browse|pk_audit_events",
        True,
        WALK,
    ),
    ("Console", "/audit", {"target": "{u}"}, r"ix_audit_events_browse|pk_audit_events", True, WALK),
    ("Console", "/outbox", {}, r"ix_outbox_messages_browse\b|pk_outbox_messages", True, ""),
    ("Console", "/outbox", {"status": "failed"}, r"status", False, ""),
    ("Portal", "/products", {}, None, False, SMALL),
    ("Portal", "/subscriptions", {}, r"owner_id", False, ""),
]


def cases(n: int) -> list[Case]:
    """Every list with each filter and sort, with values that exist for any N >= 1,000."""
    mid = n // 2
    values = {
        "mid": str(mid),
        "mid10": str(mid // 10),
        "last": str(mid % 997),
        "u": f"u{mid:07}",
        "u_": f"u{mid:07}"[:-2],
        "u9": f"u{mid:07}"[:-1] + "9",
        "s": f"s{mid:07}",
        "s_": f"s{mid:07}"[:-2],
        "late": (START + timedelta(seconds=n - 50)).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    return [
        Case(
            surface,
            path.format(**values),
            {key: value.format(**values) for key, value in params.items()},
            uses,
            note,
            ordered,
        )
        for surface, path, params, uses, ordered, note in _CASES
    ]
