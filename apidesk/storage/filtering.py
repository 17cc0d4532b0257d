"""Turns the neutral filter tree (`apidesk.query`) into a SQLAlchemy boolean expression.

Every predicate compiled here is two-valued: TRUE or FALSE for every row, never NULL. That is
what makes `not X` select exactly the rows `X` does not, where SQL's three-valued logic would
drop rows whose column is NULL from both. Concretely, following OData:

- `eq null` / `ne null` are `IS NULL` / `IS NOT NULL`;
- `ne 'x'` also matches rows where the field is NULL;
- every other comparison, and every text function, never matches a NULL field.

Text fields compare case-insensitively by lowering both sides *in the database*, so a stored
value always matches itself even where the database folds fewer characters than Python does
(SQLite's `lower()` folds ASCII only). A field with a `key` column (the value as the domain
folds it, such as `users.name_key`) is compared on that column with the value folded the same
way, so the column's index answers `eq`, the comparisons and `startswith`. An enum field whose
column holds one spelling of each value is its own key, with `fold` giving that spelling
(`spelled`), so the state indexes answer it too. A field that names another row (a
subscription's product) may also give a `reference`: its `eq` then becomes a condition on the
referring row's own column (`product_id = (the product's id)`), so an index that leads with
that column and ends with the page order answers the page without a sort. Ordering (`gt`,
`lt`, ...) of text follows the column's collation.

`startswith` is a `LIKE 'prefix%'`. PostgreSQL answers it from an index built with
`varchar_pattern_ops`; SQLite uses an index for `LIKE` only on columns that compare without
case, so on SQLite a `startswith` on a key column is the range the prefix spans instead
(`key >= 'u1' AND key < 'u2'`, byte order), which the key's index answers. The range holds
exactly the keys that start with the prefix, so a `LIKE` beside it would only cost a pattern
match per key read (a tenth of a filtered page's time). A prefix with no following string
(`_following`) stays a `LIKE`. `contains` and `endswith` cannot be answered by a B-tree index.

SQLite plans without statistics: given `startswith(name,'u')` and a page in id order, it reads
every match through the name index and sorts them, though walking the ids in order would find
the page's 100 in a few hundred rows when most users match. `compile_filter(...,
indexes=False)` gives the same condition with each indexed field's column behind SQLite's
unary `+`, which no index answers (the value, the column's collation and the result are
unchanged), so SQLite walks the page's own order instead; `storage.paging` picks one or the
other by the bounded count of matches (`uses_index` says when the choice exists).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Final, cast

from sqlalchemy import Boolean, String, and_, bindparam, false, func, not_, or_, true
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql import coercions, roles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import BindParameter, ColumnElement
from sqlalchemy.sql.type_api import NULLTYPE
from sqlalchemy.sql.visitors import InternalTraversal

from apidesk.query import And, Compare, FieldKind, Filter, Not, Or, TextMatch


@dataclass(frozen=True)
class Column:
    """What a filter field means in SQL."""

    expression: ColumnElement[Any] | QueryableAttribute[Any]
    """A column, a mapped attribute such as `User.email`, or any SQL expression."""
    kind: FieldKind
    key: ColumnElement[Any] | QueryableAttribute[Any] | None = None
    """A column holding the value folded by `fold`; text compares then use it."""
    fold: Callable[[str], str] = str.lower
    reference: Callable[[Any], ColumnElement[bool]] | None = None
    """For a field naming another row (a subscription's product): `eq`, given the folded
    value as a bound parameter, as a condition on the referring row's own column, which its
    indexes answer."""
    indexed: bool = False
    """An index leads with `expression` (after the instance); a `key` column always has one."""
    unique: bool = False
    """No two rows of an instance share the `key`: an `eq` on it finds at most one row."""

    @property
    def has_index(self) -> bool:
        return self.indexed or self.key is not None


_CASE_INSENSITIVE: Final = frozenset({FieldKind.TEXT, FieldKind.ENUM})
_LIKE_ESCAPE: Final = "/"
_COMPARISONS: Final[dict[str, Callable[[Any, Any], ColumnElement[bool]]]] = {
    "eq": operator.eq,
    "ne": operator.ne,
    "gt": operator.gt,
    "ge": operator.ge,
    "lt": operator.lt,
    "le": operator.le,
}


def compile_filter(
    node: Filter,
    columns: Mapping[str, Column],
    *,
    indexes: bool = True,
    named: bool = False,
) -> ColumnElement[bool]:
    """The WHERE clause for `node`; an unknown field raises `KeyError`. Without `indexes`, the
    same condition in a form SQLite answers without the fields' indexes (see the module).
    With `named`, the values are the parameters `filter_values` names, so that one statement
    serves every filter of the same shape."""
    if not indexes:
        columns = {name: _unindexed(column) for name, column in columns.items()}
    return _compile(node, columns, _Binder(named))


def filter_values(node: Filter, columns: Mapping[str, Column]) -> tuple[Hashable, dict[str, Any]]:
    """The shape of `node` (what decides its SQL: fields, operators, the kind of each value)
    and the values of its parameters, as `compile_filter(..., named=True)` names them. Two
    filters of one shape compile alike but for those values; `storage.paging.Listing` keeps
    a statement per shape, not per filter, so `name eq 'u1'` and `name eq 'u2'` share one."""
    values: list[Any] = []
    shape = _shape(node, columns, values)
    return shape, {f"{_NAMED}{number}": value for number, value in enumerate(values)}


def _shape(node: Filter, columns: Mapping[str, Column], values: list[Any]) -> Hashable:
    if isinstance(node, (And, Or)):
        return (type(node).__name__, tuple(_shape(item, columns, values) for item in node.items))
    if isinstance(node, Not):
        return ("Not", _shape(node.item, columns, values))
    if isinstance(node, Compare):
        form, found = _compare_form(node, columns[node.field])
        values.extend(found)
        return ("Compare", node.field, node.op, form, type(node.value).__name__)
    if isinstance(node, TextMatch):
        form, found = _text_form(node, columns[node.field])
        values.extend(found)
        return ("TextMatch", node.field, node.function, form)
    raise TypeError(f"not a filter node: {node!r}")


_NAMED: Final = "filter_"


class _Binder:
    """Makes a filter's values parameters, in the order the tree is walked: anonymous ones
    (a value bound where it is used), or named ones, `filter_0`, `filter_1`, ... A value
    compared with a column takes the column's type, as a plain value would."""

    def __init__(self, named: bool) -> None:
        self._named = named
        self._count = 0

    def __call__(self, value: Any, type_: Any = NULLTYPE) -> BindParameter[Any]:
        if not self._named:
            return bindparam(None, value, type_=type_, unique=True)
        name = f"{_NAMED}{self._count}"
        self._count += 1
        return bindparam(name, value, type_=type_)


def uses_index(node: Filter, columns: Mapping[str, Column]) -> bool:
    """Whether `node` compares a field that an index answers, so that the database may read
    the matches through that index rather than in the page's order."""
    if isinstance(node, (And, Or)):
        return any(uses_index(item, columns) for item in node.items)
    if isinstance(node, Not):
        return uses_index(node.item, columns)
    if isinstance(node, (Compare, TextMatch)):
        return columns[node.field].has_index
    raise TypeError(f"not a filter node: {node!r}")


def names_one(node: Filter, columns: Mapping[str, Column]) -> bool:
    """Whether `node` matches at most one row: an `eq` on a unique key, alone or in an `and`."""
    if isinstance(node, And):
        return any(names_one(item, columns) for item in node.items)
    return isinstance(node, Compare) and node.op == "eq" and columns[node.field].unique


def _compile(node: Filter, columns: Mapping[str, Column], bind: _Binder) -> ColumnElement[bool]:
    if isinstance(node, And):
        return and_(*_compile_all(node.items, columns, bind)) if node.items else true()
    if isinstance(node, Or):
        return or_(*_compile_all(node.items, columns, bind)) if node.items else false()
    if isinstance(node, Not):
        return not_(_compile(node.item, columns, bind))
    if isinstance(node, Compare):
        return _compare(node, columns[node.field], bind)
    if isinstance(node, TextMatch):
        return _text_match(node, columns[node.field], bind)
    raise TypeError(f"not a filter node: {node!r}")


def spelled(*values: str) -> Callable[[str], str]:
    """A `fold` for an enum column that holds each value in one spelling: any case of a value
    becomes that spelling (and anything else stays as it is, matching nothing)."""
    spellings = {value.lower(): value for value in values}
    return lambda value: spellings.get(value.lower(), value)


def _compile_all(
    items: tuple[Filter, ...], columns: Mapping[str, Column], bind: _Binder
) -> list[ColumnElement[bool]]:
    return [_compile(item, columns, bind) for item in items]


def _compare_form(node: Compare, column: Column) -> tuple[str, tuple[Any, ...]]:
    """How a comparison is made in SQL, and the values it binds (see the module)."""
    if node.value is None:
        if node.op not in ("eq", "ne"):
            raise ValueError(f"null can only be compared with eq or ne, not {node.op!r}")
        return "null", ()
    if column.reference is not None and node.op == "eq" and isinstance(node.value, str):
        return "reference", (column.fold(node.value),)
    if column.key is not None and isinstance(node.value, str):
        return "key", (column.fold(node.value),)
    if column.kind in _CASE_INSENSITIVE:
        return "lowered", (str(node.value),)
    return "plain", (node.value,)


def _compare(node: Compare, column: Column, bind: _Binder) -> ColumnElement[bool]:
    form, values = _compare_form(node, column)
    expression = column.expression
    if form == "null":
        return expression.is_(None) if node.op == "eq" else expression.is_not(None)
    value = bind(values[0], String()) if form == "lowered" else bind(values[0])
    if form == "reference" and column.reference is not None:
        return column.reference(value)
    if form == "key":
        expression = cast(ColumnElement[Any], column.key)
        test = _COMPARISONS[node.op](expression, value)
    elif form == "lowered":
        test = _COMPARISONS[node.op](func.lower(expression), func.lower(value))
    else:
        test = _COMPARISONS[node.op](expression, value)
    if node.op == "ne":
        return or_(expression.is_(None), test)
    return and_(expression.is_not(None), test)


def _text_form(node: TextMatch, column: Column) -> tuple[str, tuple[Any, ...]]:
    """How a text function is matched in SQL, and the values it binds: the LIKE pattern, and
    for a key's `startswith` the range of the prefix (see the module)."""
    if node.function not in ("contains", "startswith", "endswith"):
        raise ValueError(f"unknown text function {node.function!r}")
    if column.key is None:
        # Escaped here rather than with `autoescape=True` because the database lowers the
        # value, which autoescape (plain strings only) cannot wrap.
        return "lowered", (_escape_like(node.value),)
    value = column.fold(node.value)
    pattern = _escape_like(value)
    if node.function == "contains":
        return "key", (f"%{pattern}%",)
    if node.function == "endswith":
        return "key", (f"%{pattern}",)
    following = _following(value)
    if following is None:
        return "key", (f"{pattern}%",)
    return "prefix", (f"{pattern}%", value, following)


def _text_match(node: TextMatch, column: Column, bind: _Binder) -> ColumnElement[bool]:
    form, values = _text_form(node, column)
    if form == "lowered":
        expression = column.expression
        pattern = func.lower(bind(values[0], String()))
        lowered = func.lower(expression)
        if node.function == "contains":
            test = lowered.contains(pattern, escape=_LIKE_ESCAPE)
        elif node.function == "startswith":
            test = lowered.startswith(pattern, escape=_LIKE_ESCAPE)
        else:
            test = lowered.endswith(pattern, escape=_LIKE_ESCAPE)
        return and_(expression.is_not(None), test)
    key = cast(ColumnElement[Any], column.key)
    bound = [bind(value) for value in values]
    present, like = key.is_not(None), key.like(bound[0], escape=_LIKE_ESCAPE)
    if form == "key":
        return and_(present, like)
    return _PrefixRange(present, like, key >= bound[1], key < bound[2])


def _following(prefix: str) -> str | None:
    """The least string after every string that starts with `prefix` (code point order,
    which is UTF-8 byte order); None when there is none."""
    trimmed = prefix.rstrip(chr(0x10FFFF))
    if not trimmed:
        return None
    following = ord(trimmed[-1]) + 1
    if 0xD800 <= following <= 0xDFFF:  # surrogates are not characters
        following = 0xE000
    return trimmed[:-1] + chr(following)


class _PrefixRange(ColumnElement[bool]):
    """`startswith` on a key column: the `LIKE` where an index answers it (PostgreSQL), the
    range the prefix spans on SQLite (byte order, its default collation), which its index
    answers and which holds exactly the keys that start with the prefix."""

    inherit_cache = True
    type = Boolean()
    _is_implicitly_boolean = True  # a condition, not a value to compare with true
    _traverse_internals = [
        ("present", InternalTraversal.dp_clauseelement),
        ("matching", InternalTraversal.dp_clauseelement),
        ("low", InternalTraversal.dp_clauseelement),
        ("high", InternalTraversal.dp_clauseelement),
    ]

    def __init__(
        self,
        present: ColumnElement[bool],
        like: ColumnElement[bool],
        low: ColumnElement[bool],
        high: ColumnElement[bool],
    ) -> None:
        # `present` (IS NOT NULL) keeps the condition false, not unknown, on a missing key,
        # so that `not startswith(...)` holds for it.
        self.present, self.matching, self.low, self.high = present, like, low, high


@compiles(_PrefixRange)
def _prefix_like(element: _PrefixRange, compiler: SQLCompiler, **kw: Any) -> str:
    return "(" + compiler.process(and_(element.present, element.matching), **kw) + ")"


@compiles(_PrefixRange, "sqlite")
def _prefix_range(element: _PrefixRange, compiler: SQLCompiler, **kw: Any) -> str:
    # The pattern's value is bound but not rendered: SQLite's statement leaves it out.
    range_ = and_(element.present, element.low, element.high)
    return "(" + compiler.process(range_, **kw) + ")"


def _unindexed(column: Column) -> Column:
    if not column.has_index:
        return column
    key = _Unindexed(column.key) if column.key is not None else None
    return replace(column, expression=_Unindexed(column.expression), key=key)


class _Unindexed(ColumnElement[Any]):
    """A column that SQLite's planner does not look up in an index: `+column`. Elsewhere it is
    the column itself. The unary `+` keeps the value and the column's collation; it drops
    the column's affinity, which changes nothing here: every value compared with it is bound
    with the column's own type."""

    inherit_cache = True
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement)]

    def __init__(self, column: ColumnElement[Any] | QueryableAttribute[Any]) -> None:
        self.column = coercions.expect(roles.ExpressionElementRole, column)
        self.type = self.column.type


@compiles(_Unindexed)
def _as_it_is(element: _Unindexed, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.column, **kw)


@compiles(_Unindexed, "sqlite")
def _behind_plus(element: _Unindexed, compiler: SQLCompiler, **kw: Any) -> str:
    return "+(" + compiler.process(element.column, **kw) + ")"


def _escape_like(value: str) -> str:
    """`value` with LIKE's wildcards and the escape character matched literally."""
    return (
        value.replace(_LIKE_ESCAPE, _LIKE_ESCAPE * 2)
        .replace("%", _LIKE_ESCAPE + "%")
        .replace("_", _LIKE_ESCAPE + "_")
    )
