"""Move the password of a pending self-registered account into its sign-up links.

Until this release a sign-up stored the password it was given on the pending account, and
the confirmation link activated the account with it. Anyone can sign up with anyone's
address, so that password may be an impostor's. Now a pending self-registered account holds
no password: each confirmation link carries the password of the sign-up that asked for it,
and confirming asks for that password (apidesk.domain.flows.signup). This gives each such
account's open sign-up links that carry no password the account's, so whoever signed up
confirms as before, and takes it off the account, so that no administrator's activation and
no sign-in answer hands it to its typist.

An account is self-registered when its newest invitation or sign-up link is a sign-up's.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 15:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_LINKS = sa.table(
    "one_time_links",
    sa.column("id", sa.Integer),
    sa.column("user_id", sa.Integer),
    sa.column("purpose", sa.String),
    sa.column("closed_at", sa.DateTime),
    sa.column("payload", sa.JSON),
)
_USERS = sa.table(
    "users",
    sa.column("id", sa.Integer),
    sa.column("state", sa.String),
    sa.column("password_hash", sa.String),
    sa.column("first_name", sa.String),
    sa.column("last_name", sa.String),
)
_SELF_REGISTERED = sa.text(
    "SELECT u.id, u.password_hash, u.first_name, u.last_name FROM users u "
    "WHERE u.state = 'pending' AND u.password_hash IS NOT NULL AND ("
    " SELECT l.purpose FROM one_time_links l"
    " WHERE l.user_id = u.id AND l.purpose IN ('invitation', 'signup')"
    " ORDER BY l.id DESC LIMIT 1) = 'signup'"
)


def upgrade() -> None:
    connection = op.get_bind()
    for user_id, password_hash, first_name, last_name in connection.execute(_SELF_REGISTERED).all():
        applicant = {
            "password_hash": password_hash,
            "first_name": first_name,
            "last_name": last_name,
        }
        open_links = connection.execute(
            sa.select(_LINKS.c.id, _LINKS.c.payload).where(
                _LINKS.c.user_id == user_id,
                _LINKS.c.purpose == "signup",
                _LINKS.c.closed_at.is_(None),
            )
        ).all()
        for link_id, payload in open_links:
            if isinstance(payload, dict) and isinstance(payload.get("applicant"), dict):
                continue
            kept = payload if isinstance(payload, dict) else {}
            connection.execute(
                sa.update(_LINKS)
                .where(_LINKS.c.id == link_id)
                .values(payload={**kept, "applicant": applicant})
            )
        connection.execute(
            sa.update(_USERS).where(_USERS.c.id == user_id).values(password_hash=None)
        )


def downgrade() -> None:
    # The passwords stay in the links. The release before does not read them there: after a
    # downgrade, confirming such a link activates its account with no password, and the
    # owner chooses one through "Forgot your password?".
    pass
