"""No index is the leading part of another on the same table: a lookup, join or cascading
delete that the shorter one answers, the longer one answers as well, and every write to the
table pays for both (migration 0012 dropped two such). A unique index is kept whatever it
shares, since it holds a rule; an index with operator classes (PostgreSQL's prefix indexes)
orders its values differently, so it is compared with none."""

from __future__ import annotations

import sqlalchemy as sa

from apidesk.storage.models import Base


def _indexes(table: sa.Table) -> list[tuple[str, tuple[str, ...], bool]]:
    found = [
        (str(index.name), tuple(column.name for column in index.columns), bool(index.unique))
        for index in table.indexes
        if not index.dialect_options["postgresql"].get("ops")
    ]
    found += [
        (str(constraint.name), tuple(column.name for column in constraint.columns), True)
        for constraint in table.constraints
        if isinstance(constraint, (sa.UniqueConstraint, sa.PrimaryKeyConstraint))
    ]
    return found


def redundant(tables: list[sa.Table]) -> list[str]:
    """Each non-unique index whose columns begin another index of its table."""
    shadowed = []
    for table in tables:
        indexes = _indexes(table)
        for name, columns, unique in indexes:
            if unique:
                continue
            for other, longer, _ in indexes:
                if (
                    other != name
                    and len(longer) >= len(columns)
                    and longer[: len(columns)] == columns
                ):
                    shadowed.append(f"{table.name}.{name} {columns} begins {other} {longer}")
    return shadowed


def test_no_index_is_the_start_of_another() -> None:
    tables = list(Base.metadata.sorted_tables)
    assert len(tables) >= 20, "every model is loaded with Base"
    assert redundant(tables) == []


def test_the_check_finds_one() -> None:
    table = sa.Table(
        "shadowing",
        sa.MetaData(),
        sa.Column("a", sa.Integer),
        sa.Column("b", sa.Integer),
        sa.Index("ix_a", "a"),
        sa.Index("ix_a_b", "a", "b"),
        sa.Index("ix_b", "b", unique=True),
        sa.UniqueConstraint("b", "a", name="uq_b_a"),
    )
    assert redundant([table]) == ["shadowing.ix_a ('a',) begins ix_a_b ('a', 'b')"]
