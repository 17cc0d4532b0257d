"""Importing users in batches: each batch's rows are checked, applied in file order to what
the database holds, and written with a few bulk statements.

Rows apply as upserts, one after the other, as if each were a PUT:

- `match="id"` (the default): a row updates the user with its id, or creates one. Its e-mail
  address must not belong to another user.
- `match="email"`: a row updates the user holding its address, or creates one (with the row's
  id, or a generated one). A row whose id differs from that user's id is refused: ids never
  change. So is a new user's id that another user already has.

A row changes only the fields it gives; groups are added, never taken away. A row with any
problem changes nothing and is reported with its line, field and reason; the rest go on.
The importer never commits: the caller commits each batch (see `apidesk.domain.bulk.progress`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import cast

from sqlalchemy import Table, bindparam, select, update

from apidesk.domain import audit
from apidesk.domain.bulk import rows as row_checks
from apidesk.domain.bulk import state
from apidesk.domain.bulk.options import Options
from apidesk.domain.bulk.records import Record
from apidesk.domain.bulk.rows import Refused, Row
from apidesk.domain.bulk.state import Current, GroupInfo, Known, Overlay
from apidesk.domain.context import InstanceContext
from apidesk.domain.fields import missing
from apidesk.domain.flows import invitation
from apidesk.domain.flows.links import Purpose
from apidesk.domain.instances.seed import DEVELOPERS
from apidesk.domain.users import credentials
from apidesk.domain.users import fields as user_fields
from apidesk.domain.users import service as users
from apidesk.errors import FieldProblem
from apidesk.ids import object_id
from apidesk.security.passwords import PasswordHashing
from apidesk.storage import bulk
from apidesk.storage.models import GroupMember, OneTimeLink, User, new_etag
from apidesk.storage.models.user import new_stamp

_USERS = cast(Table, User.__table__)
_MEMBERS = cast(Table, GroupMember.__table__)
_WRITTEN = (
    "email",
    "email_key",
    "first_name",
    "last_name",
    "state",
    "note",
    "identities",
    "password_hash",
    "password_changed_at",
    "registration_date",
)


@dataclass(frozen=True)
class RowError:
    line: int
    target: str
    message: str


@dataclass
class Totals:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    invited: int = 0
    errors: list[RowError] = field(default_factory=list)

    def add(self, other: Totals) -> None:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.failed += other.failed
        self.invited += other.invited
        self.errors.extend(other.errors)


class Importer:
    """Applies batches of records to one instance. One importer serves one file: in a dry
    run it remembers what earlier batches would have changed."""

    def __init__(self, options: Options, *, invite_next_at: datetime | None = None) -> None:
        self.options = options
        self.overlay = Overlay() if options.dry_run else None
        self.invite_next_at = invite_next_at
        self._now = datetime.min

    def check(self, passwords: PasswordHashing, records: Sequence[Record]) -> list[Row | Refused]:
        """Step 1, which needs no database: each record checked on its own."""
        return [row_checks.check(passwords, record, self.options.match) for record in records]

    def apply(self, ctx: InstanceContext, records: Sequence[Record]) -> Totals:
        """Check and write one batch."""
        return self.apply_checked(ctx, self.check(ctx.runtime.passwords, records))

    def apply_checked(self, ctx: InstanceContext, results: Sequence[Row | Refused]) -> Totals:
        """Step 2: apply a batch of checked records, in order, to what the database holds."""
        totals = Totals()
        # One moment for the whole batch: it is one transaction.
        self._now = ctx.now()
        checked: list[Row] = []
        for result in results:
            if isinstance(result, Row):
                checked.append(result)
            else:
                self._fail(totals, result.line, result.problems)
        # What an earlier unit of this session loaded may be stale after bulk statements.
        ctx.session.expire_all()
        id_keys = {row.id_key for row in checked if row.id_key is not None}
        email_keys = {row.email_key for row in checked if row.email_key is not None}
        known = state.load(ctx, id_keys, email_keys, self.overlay)
        catalogue = state.groups(ctx)
        released: set[str] = set()
        applied: list[Row] = []
        for row in checked:
            problems = self._resolve(ctx, known, catalogue, row, totals, released)
            if problems:
                self._fail(totals, row.line, problems)
            else:
                applied.append(row)
        totals.errors.sort(key=lambda error: error.line)
        if self.overlay is not None:
            self.overlay.remember(known, released)
            return totals
        touched = [user for user in known.users.values() if user.changed or user.pk is None]
        self._write(ctx, touched, catalogue)
        if self.options.invite:
            totals.invited = self._invite(ctx, known, applied)
        if touched:
            audit.record(
                ctx,
                "user.import",
                "users",
                {
                    "lines": [results[0].line, results[-1].line],
                    "created": totals.created,
                    "updated": totals.updated,
                    "users": [user.name for user in touched],
                },
            )
        return totals

    @staticmethod
    def _fail(totals: Totals, line: int, problems: Iterable[FieldProblem]) -> None:
        totals.failed += 1
        totals.errors.extend(RowError(line, p.target, p.message) for p in problems)

    def _resolve(
        self,
        ctx: InstanceContext,
        known: Known,
        catalogue: dict[str, GroupInfo],
        row: Row,
        totals: Totals,
        released: set[str],
    ) -> list[FieldProblem]:
        """Apply `row` to `known`, or say why it cannot be."""
        holder = known.holder(row.email_key) if row.email_key is not None else None
        if self.options.match == "id":
            assert row.id_key is not None
            user = known.users.get(row.id_key)
            if holder is not None and holder is not user:
                return [_taken(row, holder)]
        else:
            user = holder
            if user is not None and row.id_key is not None and row.id_key != user.name_key:
                return [
                    FieldProblem(
                        "id",
                        f"The user with this e-mail address has the id '{user.name}'; ids "
                        "never change.",
                    )
                ]
            if user is None and row.id_key is not None and row.id_key in known.users:
                other = known.users[row.id_key]
                return [FieldProblem("id", f"The id belongs to the user with '{other.email}'.")]
        new_groups, problems = _groups(catalogue, row, user) if row.groups else (set(), [])
        if user is None:
            problems += missing(user_fields.FIELDS, row.fields, user_fields.REQUIRED_ON_CREATE)
        if problems:
            return problems
        if user is None:
            user = self._create(row)
            known.add(user)
            totals.created += 1
        elif _apply(self._now, user, row, known, released) or not new_groups <= user.groups:
            user.changed = True
            totals.updated += 1
        else:
            totals.unchanged += 1
            return []
        user.new_groups |= new_groups - user.groups
        user.groups |= new_groups
        return []

    def _create(self, row: Row) -> Current:
        fields = row.fields
        name = row.user_id or object_id()
        now = self._now
        default_state = "pending" if self.options.invite else "active"
        return Current(
            pk=None,
            name=name,
            name_key=name.lower(),
            email=fields["email"],
            email_key=row.email_key or "",
            first_name=fields["first_name"],
            last_name=fields["last_name"],
            state=fields.get("state") or default_state,
            note=fields.get("note"),
            identities=[{"provider": "Basic", "id": fields["email"]}],
            password_hash=row.password_hash,
            password_changed_at=now if row.password_hash else None,
            registration_date=row.registration_date or now,
        )

    def _write(
        self, ctx: InstanceContext, touched: list[Current], catalogue: dict[str, GroupInfo]
    ) -> None:
        session, instance_id = ctx.session, ctx.instance.id
        created = [user for user in touched if user.pk is None]
        changed = [user for user in touched if user.pk is not None]
        if changed:
            # Addresses may pass from one user to another within a batch; park the movers'
            # keys first so that no intermediate state holds one address twice.
            moved = [
                {"pk": user.pk, "parked": f"#import-{user.pk}"}
                for user in changed
                if user.email_key != user.loaded_email_key
            ]
            if moved:
                session.execute(
                    update(_USERS)
                    .where(_USERS.c.id == bindparam("pk"))
                    .values(email_key=bindparam("parked")),
                    moved,
                )
            statement = (
                update(_USERS)
                .where(_USERS.c.id == bindparam("pk"), _USERS.c.instance_id == instance_id)
                .values(etag=bindparam("new_etag"), **{c: bindparam(c) for c in _WRITTEN})
            )
            session.execute(
                statement,
                [
                    {
                        "pk": user.pk,
                        "new_etag": new_etag(),
                        **{column: getattr(user, column) for column in _WRITTEN},
                    }
                    for user in changed
                ],
            )
        credentials.lapsed(
            ctx, [user.pk for user in changed if user.pk is not None and user.proofs_lapsed]
        )
        if created:
            columns = ("instance_id", "name", "name_key", "etag", "stamp", *_WRITTEN)
            bulk.insert_rows(
                session,
                _USERS,
                columns,
                [
                    (
                        instance_id,
                        user.name,
                        user.name_key,
                        new_etag(),
                        new_stamp(),
                        *[getattr(user, column) for column in _WRITTEN],
                    )
                    for user in created
                ],
            )
            ids = state.ids_of(ctx, [user.name_key for user in created])
            developers = catalogue[DEVELOPERS].pk
            for user in created:
                user.pk = ids[user.name_key]
                user.new_groups.add(developers)
        bulk.insert_rows(
            session,
            _MEMBERS,
            ("group_id", "user_id", "instance_id"),
            [
                (group, user.pk, instance_id)
                for user in touched
                for group in sorted(user.new_groups)
            ],
        )

    def _invite(self, ctx: InstanceContext, known: Known, checked: list[Row]) -> int:
        pending: dict[int, Current] = {}
        for row in checked:
            key = row.id_key or (known.owners.get(row.email_key) if row.email_key else None)
            user = known.users.get(key) if key is not None else None
            if user is not None and user.pk is not None and user.state == "pending":
                pending[user.pk] = user
        if not pending:
            return 0
        now = ctx.now()
        invited_already = set(
            ctx.session.scalars(
                select(OneTimeLink.user_id).where(
                    OneTimeLink.user_id.in_(list(pending)),
                    OneTimeLink.purpose == Purpose.INVITATION.value,
                    OneTimeLink.closed_at.is_(None),
                    OneTimeLink.expires_at > now,
                )
            )
        )
        wanted = [pk for pk in pending if pk not in invited_already]
        count = 0
        invitees = ctx.session.scalars(select(User).where(User.id.in_(wanted)).order_by(User.id))
        for invitee in invitees:
            at = max(now, self.invite_next_at or now)
            invitation.invite(ctx, invitee, not_before=at)
            self.invite_next_at = at + self.options.invite_interval
            count += 1
        return count


def _taken(row: Row, holder: Current) -> FieldProblem:
    return FieldProblem("email", f"The e-mail address belongs to another user, '{holder.name}'.")


def _groups(
    catalogue: dict[str, GroupInfo], row: Row, user: Current | None
) -> tuple[set[int], list[FieldProblem]]:
    wanted: set[int] = set()
    problems: list[FieldProblem] = []
    for name in row.groups:
        group = catalogue.get(name.lower())
        if group is None:
            problems.append(FieldProblem("groups", f"There is no group '{name}'."))
        elif group.built_in:
            # Every user is a developer; the other system groups keep who they hold.
            if name.lower() != DEVELOPERS and (user is None or group.pk not in user.groups):
                problems.append(
                    FieldProblem(
                        "groups",
                        f"'{group.name}' is a system group: the system manages its members.",
                    )
                )
        else:
            wanted.add(group.pk)
    return wanted, problems


def _apply(now: datetime, user: Current, row: Row, known: Known, released: set[str]) -> bool:
    """Change `user` as `row` says; whether anything changed."""
    fields = row.fields
    changed = False
    if "email" in fields and fields["email"] != user.email:
        user.identities = users.identities_after_email_change(
            user.identities, user.email, fields["email"]
        )
        if row.email_key != user.email_key:
            known.owners.pop(user.email_key, None)
            released.add(user.email_key)
            assert row.email_key is not None
            user.email_key = row.email_key
            known.owners[row.email_key] = user.name_key
        user.email = fields["email"]
        changed = True
    for name in ("first_name", "last_name", "state", "note"):
        if name in fields and fields[name] != getattr(user, name):
            setattr(user, name, fields[name])
            changed = True
    if row.password_hash is not None and row.password_hash != user.password_hash:
        user.password_hash = row.password_hash
        user.password_changed_at = now
        changed = True
    if row.registration_date is not None and row.registration_date != user.registration_date:
        user.registration_date = row.registration_date
        changed = True
    return changed
