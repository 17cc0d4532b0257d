"""Users: the rules for creating, changing, blocking and deleting developer accounts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from apidesk.domain import audit, passwords, validation
from apidesk.domain.context import InstanceContext, Runtime
from apidesk.domain.fields import missing
from apidesk.domain.passwords import PreparedPassword
from apidesk.domain.users import repository
from apidesk.domain.users.fields import (
    FIELDS,
    REQUIRED_ON_CREATE,
    UserFields,
    changes_for_audit,
    check_fields,
    check_user_id,
    identities_after_email_change,
)
from apidesk.errors import Collection, Conflict, Invalid, NotFound, PreconditionFailed
from apidesk.query import ListQuery, Page
from apidesk.storage.models import Group, User, UserRecord, UserSummary

APP_TYPES = ("portal", "developerPortal")
CONFIRMATIONS = ("signup", "invite")
# Fields whose change ends nothing else (sessions, links): stored as they are.
_WITHOUT_CONSEQUENCES = frozenset({"first_name", "last_name", "note", "identities"})
# The flows (e-mail templates and their renderer), subscriptions, credentials and the seed
# are imported by the functions that change users: `apidesk users list` reads only, and
# loading them would cost it more than its query does (issue 12, CLI start-up).


@dataclass(frozen=True)
class CreateOptions:
    """How a create or update was asked for, beyond the user's own fields."""

    confirmation: Literal["signup", "invite"] | None = None
    app_type: Literal["portal", "developerPortal"] = "portal"
    notify: bool = False


def get_or_raise(ctx: InstanceContext, user_id: str, *, lock: bool = False) -> User:
    user = repository.find(ctx, user_id, lock=lock)
    if user is None:
        raise NotFound(f"User '{user_id}' was not found.")
    return user


def read(ctx: InstanceContext, user_id: str) -> UserRecord:
    """The user to show, as `get_or_raise` finds it; a row, not an entity to change."""
    found = repository.record(ctx, user_id)
    if found is None:
        raise NotFound(f"User '{user_id}' was not found.")
    return found


def list_users(ctx: InstanceContext, query: ListQuery) -> Page[UserSummary]:
    return repository.page(ctx, query)


def _check_etag(user: UserRecord, expected_etag: str | None) -> None:
    if expected_etag is not None and expected_etag != "*" and expected_etag != user.etag:
        raise PreconditionFailed()


def _validate(ctx: InstanceContext, fields: Mapping[str, Any]) -> dict[str, Any]:
    """Check the supplied fields and return them cleaned, the password hashed."""
    problems = Collection()
    clean = check_fields(problems, fields)
    problems.raise_if_any()
    _password(ctx, fields, clean)
    return clean


def _password(ctx: InstanceContext, fields: Mapping[str, Any], clean: dict[str, Any]) -> None:
    """Check the policy for the given password and put its hash into `clean`."""
    if "password" in fields:
        given = fields["password"]
        hints = tuple(
            str(v) for k, v in clean.items() if k in ("email", "first_name", "last_name") and v
        )
        if isinstance(given, PreparedPassword):
            if not given.checked:
                ctx.runtime.policy.check(given.plain, hints=hints)
            clean["password"] = given.hashed
        else:
            ctx.runtime.policy.check(given, hints=hints)
            clean["password"] = ctx.runtime.passwords.hash(given)


def hash_ahead(runtime: Runtime, fields: UserFields) -> UserFields:
    """Check a given password against the policy and hash it before the unit of work starts
    (see `apidesk.domain.passwords`): both take their time, and no lock may wait for them.
    The user's own details given alongside are the words it must not lean on."""
    password = fields.get("password")
    if not isinstance(password, str):
        return fields
    hints = tuple(
        value
        for name in ("email", "first_name", "last_name")
        if isinstance(value := fields.get(name), str) and value
    )
    return {**fields, "password": passwords.prepare(runtime, password, hints)}


def _ensure_email_free(ctx: InstanceContext, address: str, *, except_id: int | None) -> str:
    key = validation.email_key(address)
    if repository.email_taken(ctx, key, except_id=except_id):
        raise Conflict(
            f"A user with the e-mail address '{address}' already exists in this service.",
            code="IdentifierAlreadyInUse",
            target="email",
        )
    return key


def create_or_update(
    ctx: InstanceContext,
    user_id: str,
    fields: UserFields,
    *,
    options: CreateOptions = CreateOptions(),
    expected_etag: str | None = None,
) -> tuple[User, bool]:
    """PUT semantics: create the user, or merge `fields` onto the existing one."""
    check_user_id(user_id)
    _check_options(options)
    clean = _validate(ctx, fields)
    # Most PUTs create. Given all a new user needs, and no If-Match, the user is inserted
    # unless the id or the address is taken; only then is the row read (locked) to tell an
    # update from a taken address, and only a user to change is built as an entity.
    if expected_etag is None and not missing(FIELDS, clean, REQUIRED_ON_CREATE):
        created = _create(ctx, user_id, clean, options, if_new=True)
        if created is not None:
            return _created(ctx, created, options), True
    if repository.record(ctx, user_id, lock=True) is not None:
        existing = get_or_raise(ctx, user_id)
        _check_etag(existing, expected_etag)
        ended = _apply(ctx, existing, clean)
        audit.record(
            ctx,
            "user.update",
            f"users/{existing.name}",
            {**changes_for_audit(clean), **ended},
        )
        ctx.session.flush()
        return existing, False
    if expected_etag is not None:
        raise PreconditionFailed("The user does not exist, so it cannot match 'If-Match'.")
    user = _create(ctx, user_id, clean, options)
    assert user is not None
    return _created(ctx, user, options), True


def _created(ctx: InstanceContext, user: User, options: CreateOptions) -> User:
    if options.notify:
        from apidesk.domain.flows import invitation, signup

        # An invitation goes to a pending user; anyone else gets the welcome letter.
        if options.confirmation == "invite" and user.state == "pending":
            invitation.invite(ctx, user)
        else:
            signup.welcome(ctx, user)
        ctx.session.flush()
    return user


def _check_options(options: CreateOptions) -> None:
    problems = Collection()
    if options.confirmation is not None:
        validation.choice(problems, "confirmation", options.confirmation, CONFIRMATIONS)
    validation.choice(problems, "appType", options.app_type, APP_TYPES)
    problems.raise_if_any()


def _create(
    ctx: InstanceContext,
    user_id: str,
    clean: dict[str, Any],
    options: CreateOptions,
    *,
    if_new: bool = False,
) -> User | None:
    """The new user, written with its first group and audit record. With `if_new`, None and
    nothing written when the id or the address is taken (the caller then finds out which);
    without it, a taken address is a conflict and the id is known to be free."""
    if absent := missing(FIELDS, clean, REQUIRED_ON_CREATE):
        raise Invalid(problems=absent)
    if if_new:
        email_key = validation.email_key(clean["email"])
    else:
        email_key = _ensure_email_free(ctx, clean["email"], except_id=None)
    state = clean.get("state")
    if state is None:
        state = "pending" if options.confirmation == "invite" else "active"
    now = ctx.now()
    values = {
        "name": user_id,
        "name_key": user_id.lower(),
        "email": clean["email"],
        "email_key": email_key,
        "first_name": clean["first_name"],
        "last_name": clean["last_name"],
        "state": state,
        "note": clean.get("note"),
        "identities": clean.get("identities") or [{"provider": "Basic", "id": clean["email"]}],
        "registration_date": now,
        "password_hash": clean.get("password"),
        "password_changed_at": now if "password" in clean else None,
    }
    changes = changes_for_audit(clean)
    changes.setdefault("state", state)
    if options.confirmation:
        changes["confirmation"] = options.confirmation
    event = audit.Event("user.create", "users/", changes)
    if if_new:
        user = repository.add_if_new(ctx, values, event)
    else:
        user = repository.add(ctx, values, event)
    if user is None:
        return None
    from apidesk.domain.instances.seed import DEVELOPERS

    if not repository.join_group(ctx, DEVELOPERS, user.id):  # pragma: no cover - seeded
        raise NotFound(f"The system group '{DEVELOPERS}' is missing from this service.")
    return user


def _apply(ctx: InstanceContext, user: User, clean: Mapping[str, Any]) -> dict[str, Any]:
    """Apply validated changes; what they ended besides (sessions), for the audit record."""
    from apidesk.domain.users import credentials

    ended = 0
    if "email" in clean and clean["email"] != user.email:
        old, old_key = user.email, user.email_key
        user.email_key = _ensure_email_free(ctx, clean["email"], except_id=user.id)
        user.email = clean["email"]
        if "identities" not in clean:
            user.identities = identities_after_email_change(user.identities, old, clean["email"])
        if user.email_key != old_key:
            # A new mailbox, not the same one spelled differently.
            ended += credentials.email_changed(ctx, user)
    if "first_name" in clean:
        user.first_name = clean["first_name"]
    if "last_name" in clean:
        user.last_name = clean["last_name"]
    if "note" in clean:
        user.note = clean["note"]
    if "state" in clean and clean["state"] != user.state:
        user.state = clean["state"]
        if user.state == "blocked":
            ended += credentials.blocked(ctx, user)
    if "identities" in clean:
        user.identities = clean["identities"]
    if "password" in clean:
        ended += credentials.set_password(ctx, user, clean["password"])
    return {"sessionsEnded": ended} if ended else {}


def update(
    ctx: InstanceContext, user_id: str, fields: UserFields, *, expected_etag: str | None
) -> UserRecord:
    """PATCH semantics: change only the supplied fields of an existing user."""
    if expected_etag is None:
        raise Invalid.field(
            "If-Match", "The 'If-Match' header is required; use '*' to skip the check."
        )
    clean = _validate(ctx, fields)
    if clean.keys() <= _WITHOUT_CONSEQUENCES:
        return _update_row(ctx, user_id, clean, expected_etag)
    # Locked: a change reads the latest version and waits for any other change of the user,
    # so `If-Match: *` never loses to a concurrent write and a real ETag is judged on the truth.
    user = get_or_raise(ctx, user_id, lock=True)
    _check_etag(user, expected_etag)
    ended = _apply(ctx, user, clean)
    audit.record(ctx, "user.update", f"users/{user.name}", {**changes_for_audit(clean), **ended})
    ctx.session.flush()
    return user


def _update_row(
    ctx: InstanceContext, user_id: str, clean: Mapping[str, Any], expected_etag: str
) -> UserRecord:
    """`update` of fields that change nothing else, through the row, without an entity or the
    ORM's flush (issue 12, the management path): the UPDATE records its audit event with it;
    when it cannot tell (or nothing changes, and the ETag stays), the locked read decides and
    the event follows."""
    event = audit.Event("user.update", "users/", changes_for_audit(clean))
    if clean and clean.keys() <= repository.COMPARED_IN_SQL:
        # The usual PATCH changes something: one UPDATE that checks the ETag and the change,
        # and records the event.
        user = repository.changed(ctx, user_id, clean, expected_etag, event)
        if user is not None:
            return user
    user = repository.record(ctx, user_id, lock=True)
    if user is None:
        raise NotFound(f"User '{user_id}' was not found.")
    _check_etag(user, expected_etag)
    changed = {name: value for name, value in clean.items() if getattr(user, name) != value}
    if changed:
        written = repository.write_fields(ctx, user, changed)
        if written is None:
            raise PreconditionFailed()
        user = written
    event.record(ctx, user.name)
    return user


def set_state(ctx: InstanceContext, user_id: str, state: str) -> UserRecord:
    """Block or activate a user regardless of concurrent edits (used by the CLI and console)."""
    return update(ctx, user_id, {"state": state}, expected_etag="*")


def built_in(user: UserSummary) -> bool:
    """Whether `user` is the instance's built-in administrator (user `1`), which cannot be
    deleted."""
    from apidesk.domain.instances.seed import ADMIN_USER_ID

    return user.name == ADMIN_USER_ID


def delete(
    ctx: InstanceContext,
    user_id: str,
    *,
    expected_etag: str | None,
    delete_subscriptions: bool = False,
    notify: bool = False,
    app_type: str = "portal",
) -> bool:
    """Delete the user; False when there was no such user and `*` allowed that."""
    if expected_etag is None:
        raise Invalid.field(
            "If-Match", "The 'If-Match' header is required; use '*' to skip the check."
        )
    problems = Collection()
    validation.choice(problems, "appType", app_type, APP_TYPES)
    problems.raise_if_any()
    user = repository.find(ctx, user_id, lock=True)
    if user is None:
        if expected_etag == "*":
            return False
        raise NotFound(f"User '{user_id}' was not found.")
    _check_etag(user, expected_etag)
    from apidesk.domain.flows import notices
    from apidesk.domain.subscriptions import service as subscriptions

    if built_in(user):
        raise Invalid.field("userId", "The built-in administrator cannot be deleted.")
    if notify:
        notices.account_closed(ctx, user)
    held = subscriptions.on_owner_deleted(ctx, user, delete_subscriptions=delete_subscriptions)
    audit.record(
        ctx,
        "user.delete",
        f"users/{user.name}",
        {
            "email": user.email,
            "deleteSubscriptions": delete_subscriptions,
            "subscriptions": held,
            "notify": notify,
        },
    )
    ctx.session.delete(user)
    ctx.session.flush()
    return True


def groups(ctx: InstanceContext, user: User) -> list[Group]:
    return repository.groups_of(ctx, [user]).get(user.id, [])


def groups_of(ctx: InstanceContext, users: Iterable[UserSummary]) -> dict[int, list[Group]]:
    """The groups of each of `users`, by user id, in one query."""
    return repository.groups_of(ctx, users)
