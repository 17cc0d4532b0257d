"""Hypothesis properties of the `$filter` parser: arbitrary text, near-valid token sequences
and mutated valid filters raise nothing but `FilterError`; random trees printed as OData in
random styles parse back to themselves; any string survives quoting."""

from __future__ import annotations

import string
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from support.odata import FIELDS, name

from apidesk.api.management.odata import CMP, EQ_NE, FieldSpec, FilterError, parse_filter
from apidesk.query import And, Compare, FieldKind, Filter, Not, Or, TextMatch

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def parse_or_error(text: str) -> Filter | None:
    """The parser's result, or None when it refused with a (non-empty) `FilterError`."""
    try:
        node = parse_filter(text, FIELDS)
    except FilterError as exc:
        assert str(exc)
        return None
    assert isinstance(node, Compare | TextMatch | And | Or | Not)
    return node


@FUZZ
@given(st.text())
def test_arbitrary_text_raises_only_filter_error(text: str) -> None:
    parse_or_error(text)


VOCABULARY = [
    *FIELDS, "NAME", "foo", "eq", "ne", "gt", "ge", "lt", "le", "and", "or", "not", "in",
    "contains", "startswith", "endswith", "substringof", "tolower", "true", "false", "null",
    "(", ")", ",", "'a'", "'O''B'", "'", "''", "'unterminated", "5", "-1.5e3", "1e999",
    "2017-06-01", "2017-06-01T00:00:00Z", "2017-02-30", "9999-12-31T23:59:59-23:59",
    "0001-01-01T00:00:00+14:00", "datetime'2017-06-01'", "datetime'x'", "datetime", '"',
    "é", "\x00", "$", "/", "properties/name",
]  # fmt: skip

SEPARATORS = st.sampled_from(["", " ", "  ", "\t", "\n"])


@st.composite
def token_soup(draw: st.DrawFn) -> str:
    words = draw(st.lists(st.sampled_from(VOCABULARY), min_size=1, max_size=20))
    return "".join(draw(SEPARATORS) + word for word in words)


@FUZZ
@given(token_soup())
def test_near_valid_token_sequences_raise_only_filter_error(text: str) -> None:
    parse_or_error(text)


# Round trip: random trees, printed as OData in randomized styles, parse back to themselves.

ROUND_TRIP_FIELDS = {
    "name": FieldSpec(FieldKind.TEXT, CMP, functions=True),
    "state": FieldSpec(FieldKind.ENUM, EQ_NE),
    "created": FieldSpec(FieldKind.DATETIME, CMP),
    "enabled": FieldSpec(FieldKind.BOOLEAN, EQ_NE),
}
OPS: list[str] = sorted(CMP)
FLIP = {"eq": "eq", "ne": "ne", "gt": "lt", "ge": "le", "lt": "gt", "le": "ge"}
MOMENTS = st.datetimes(
    min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)
)


def null_or(values: st.SearchStrategy[object], op: str) -> st.SearchStrategy[object]:
    return st.one_of(st.none(), values) if op in ("eq", "ne") else values


def comparisons(field: str, ops: list[str], values: st.SearchStrategy[object]) -> st.SearchStrategy:
    return st.sampled_from(ops).flatmap(
        lambda op: st.builds(Compare, st.just(field), st.just(op), null_or(values, op))
    )


LEAVES: st.SearchStrategy[Filter] = st.one_of(
    comparisons("name", OPS, st.text(max_size=8)),
    comparisons("state", ["eq", "ne"], st.text(max_size=8)),
    comparisons("created", OPS, MOMENTS),
    st.builds(Compare, st.just("enabled"), st.sampled_from(["eq", "ne"]), st.booleans()),
    st.builds(
        TextMatch,
        st.sampled_from(["contains", "startswith", "endswith"]),
        st.just("name"),
        st.text(max_size=8),
    ),
)


def depth(node: Filter) -> int:
    if isinstance(node, And | Or):
        return 1 + max(depth(item) for item in node.items)
    if isinstance(node, Not):
        return 1 + depth(node.item)
    return 0


def children(inner: st.SearchStrategy[Filter]) -> st.SearchStrategy[tuple[Filter, ...]]:
    return st.lists(inner, min_size=2, max_size=4).map(tuple)


TREES: st.SearchStrategy[Filter] = st.recursive(
    LEAVES,
    lambda inner: st.one_of(
        st.builds(And, children(inner)), st.builds(Or, children(inner)), st.builds(Not, inner)
    ),
    max_leaves=12,
).filter(lambda tree: depth(tree) <= 8)


def flatten(node: Filter) -> Filter:
    """What the parser makes of `node`: nested And/Or of the same kind are merged."""
    if isinstance(node, Not):
        return Not(flatten(node.item))
    if isinstance(node, And | Or):
        items: list[Filter] = []
        for item in map(flatten, node.items):
            items.extend(item.items if type(item) is type(node) else (item,))
        return type(node)(tuple(items))
    return node


class Printer:
    """Serializes a tree to OData, drawing every stylistic choice from Hypothesis."""

    def __init__(self, data: st.DataObject) -> None:
        self.draw = data.draw

    def word(self, text: str) -> str:
        return self.draw(st.sampled_from([text, text.upper(), text.capitalize()]))

    def space(self) -> str:
        return self.draw(st.sampled_from([" ", "  ", "\t", "\n"]))

    def print(self, node: Filter, context: int = 0) -> str:
        """`context` is the binding strength around the node: 0 top/or, 1 and, 2 not."""
        text, strength = self.bare(node)
        if strength < context or self.draw(st.integers(0, 9)) == 0:
            return f"({text})"
        return text

    def bare(self, node: Filter) -> tuple[str, int]:
        if isinstance(node, Or):
            return self.join(node.items, "or", 1), 0
        if isinstance(node, And):
            return self.join(node.items, "and", 2), 1
        if isinstance(node, Not):
            return self.negation(node), 2
        if isinstance(node, TextMatch):
            return self.function(node), 3
        assert isinstance(node, Compare)
        return self.comparison(node), 3

    def join(self, items: tuple[Filter, ...], keyword: str, context: int) -> str:
        parts = [self.print(item, context) for item in items]
        return (self.space() + self.word(keyword) + self.space()).join(parts)

    def negation(self, node: Not) -> str:
        if isinstance(node.item, TextMatch) and self.draw(st.booleans()):
            suffix = self.draw(st.sampled_from(["eq false", "ne true"]))
            return f"{self.function(node.item, suffix=False)} {suffix}"
        return self.word("not") + self.space() + self.print(node.item, 2)

    def function(self, node: TextMatch, suffix: bool = True) -> str:
        value = quote(node.value)
        field = self.word(node.field)
        if node.function == "contains" and self.draw(st.booleans()):
            call = f"{self.word('substringof')}({value},{self.space()}{field})"
        else:
            call = f"{self.word(node.function)}({field},{self.space()}{value})"
        if suffix and self.draw(st.booleans()):
            call += self.space() + self.draw(st.sampled_from(["eq true", "ne false", "EQ TRUE"]))
        return call

    def comparison(self, node: Compare) -> str:
        field, value = self.word(node.field), self.literal(node)
        if self.draw(st.booleans()):
            return f"{value} {self.word(FLIP[node.op])} {field}"
        return f"{field} {self.word(node.op)} {value}"

    def literal(self, node: Compare) -> str:
        if node.value is None:
            return self.word("null")
        if isinstance(node.value, bool):
            return self.word(str(node.value).lower())
        if isinstance(node.value, datetime):
            return self.moment(node.value)
        assert isinstance(node.value, str)
        return quote(node.value)

    def moment(self, value: datetime) -> str:
        minutes = self.draw(st.integers(-12 * 60, 14 * 60))
        local = value.astimezone(timezone(timedelta(minutes=minutes)))
        if self.draw(st.booleans()):
            text = value.replace(tzinfo=None).isoformat() + "Z"
        elif self.draw(st.booleans()) and value.time() == datetime.min.time():
            text = value.date().isoformat()
        else:
            text = local.isoformat()
        style = self.draw(st.sampled_from(["bare", "typed", "quoted"]))
        if style == "typed":
            return f"{self.word('datetime')}'{text}'"
        return quote(text) if style == "quoted" else text


def quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


@FUZZ
@given(TREES, st.data())
def test_printed_trees_parse_back(tree: Filter, data: st.DataObject) -> None:
    text = Printer(data).print(tree)
    assert parse_filter(text, ROUND_TRIP_FIELDS) == flatten(tree)


@FUZZ
@given(TREES, st.data())
def test_mutated_filters_raise_only_filter_error(tree: Filter, data: st.DataObject) -> None:
    text = Printer(data).print(tree)
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, min(len(text), start + 5)))
    insert = data.draw(st.sampled_from(["", "(", ")", "'", ",", " and", "not ", "eq", "é", "0"]))
    mutated = text[:start] + insert + text[end:]
    assume(mutated.strip())
    try:
        parse_filter(mutated, ROUND_TRIP_FIELDS)
    except FilterError as exc:
        assert str(exc)


@FUZZ
@given(st.text(alphabet=string.printable, max_size=30))
def test_string_literals_survive_quoting(value: str) -> None:
    assert parse_filter(f"name eq {quote(value)}", FIELDS) == name("eq", value)
