"""Build the runtime and prepare the database: shared by `serve`, the CLI and the tests."""

from __future__ import annotations

from dataclasses import dataclass

from apidesk.clock import Clock, SystemClock
from apidesk.domain.context import Context, Runtime
from apidesk.domain.instances import service as instances
from apidesk.security.passwords import PasswordHashing, PasswordPolicy, share_of_cores
from apidesk.security.secretbox import SecretBox, SecretKeyError, load_or_create_key
from apidesk.settings import Settings
from apidesk.storage import migrate
from apidesk.storage.database import STARTUP, exclusive, open_database
from apidesk.storage.models import Instance, SystemValue

FINGERPRINT = "secret_key_fingerprint"


def build_runtime(settings: Settings, clock: Clock | None = None) -> Runtime:
    key = load_or_create_key(
        settings.secret_key.get_secret_value() if settings.secret_key else None,
        settings.resolved_secret_key_file(),
    )
    return Runtime(
        settings=settings,
        clock=clock or SystemClock(),
        database=open_database(settings.database_url, settings.read_urls),
        secrets=SecretBox(key),
        passwords=PasswordHashing(
            time_cost=settings.argon2_time_cost,
            memory_kib=settings.argon2_memory_kib,
            parallelism=settings.argon2_parallelism,
            # `apidesk serve` tells its workers how many they are (APIDESK_WORKERS).
            concurrency=share_of_cores(settings.workers),
        ),
        policy=PasswordPolicy(
            min_length=settings.password_min_length,
            min_strength=settings.password_min_strength,
        ),
    )


@dataclass(frozen=True)
class Preparation:
    created_default: Instance | None


def check_secret_key(runtime: Runtime) -> None:
    """Refuse to run with a key other than the one this database's secrets were sealed with."""
    with runtime.database.unit_of_work() as session:
        exclusive(session, STARTUP)
        stored = session.get(SystemValue, FINGERPRINT)
        if stored is None:
            session.add(SystemValue(key=FINGERPRINT, value=runtime.secrets.fingerprint))
        elif stored.value != runtime.secrets.fingerprint:
            raise SecretKeyError(
                "The secret key differs from the one this database was set up with; set "
                "APIDESK_SECRET_KEY (or APIDESK_SECRET_KEY_FILE) to the original key. Every "
                "process of a deployment must share one key."
            )


def prepare(runtime: Runtime, *, bootstrap: bool = True) -> Preparation:
    """Upgrade the schema, check the key and, on the first start, create the default instance."""
    migrate.upgrade(runtime.database.engine)
    check_secret_key(runtime)
    created = None
    if bootstrap:
        with runtime.database.unit_of_work() as session:
            created = instances.bootstrap_default(Context(runtime, session, actor="system"))
    return Preparation(created_default=created)
