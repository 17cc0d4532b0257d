"""The models load one module at a time (issue 12, CLI start-up): each must still work alone.

A model's foreign keys name other tables; a flush resolves them to order its writes, so a
model module loaded by itself must bring the modules of those tables along.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import apidesk.storage.models as models

MODULES = sorted(
    path.stem
    for path in Path(models.__file__).parent.glob("*.py")
    if path.stem not in ("__init__", "base")
)

ALONE = """
import sys
from sqlalchemy.orm import configure_mappers
from apidesk.storage.models.base import Base
import apidesk.storage.models.{module} as module

configure_mappers()
mine = [m.local_table for m in Base.registry.mappers if m.class_.__module__ == module.__name__]
assert mine, "no mapped class"
for table in mine:
    for key in table.foreign_keys:
        key.column  # raises NoReferencedTableError when the named table is not loaded
loaded = sorted(n.rsplit(".", 1)[1] for n in sys.modules if n.startswith("apidesk.storage.models."))
print(" ".join(loaded))
"""


@pytest.mark.parametrize("module", MODULES)
def test_a_model_module_alone_resolves_its_foreign_keys(module: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c", ALONE.format(module=module)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert module in result.stdout.split()


def test_every_name_the_package_offers_is_where_it_says() -> None:
    assert set(models.__all__) == {*models._WHERE, "Base"}
    for name in models.__all__:
        value = getattr(models, name)
        assert getattr(value, "__name__", name) == name


def test_base_from_the_package_knows_every_table() -> None:
    listed = subprocess.run(
        [
            sys.executable,
            "-c",
            "from apidesk.storage.models import Base\n"
            "print(' '.join(sorted(Base.metadata.tables)))\n"
            "print(' '.join(sorted(m.class_.__module__ for m in Base.registry.mappers)))",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.splitlines()
    tables, owners = listed[0].split(), {name.rsplit(".", 1)[1] for name in listed[1].split()}
    assert owners == set(MODULES)
    assert "users" in tables and "alembic_version" not in tables
    assert len(tables) >= len(MODULES)
