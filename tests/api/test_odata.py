"""The `$filter` parser against a table: valid filters and the trees they parse to, invalid
ones and what their errors say, and the limits. Hypothesis properties of the parser are in
test_odata_properties.py."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from support.odata import FIELDS, name

from apidesk.api.management.odata import (
    MAX_COMPARISONS,
    MAX_DEPTH,
    MAX_LENGTH,
    FilterError,
    parse_filter,
)
from apidesk.query import And, Compare, Filter, Not, Or, TextMatch

ARM_PREFIX = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ApiManagement/service/x/"

JUNE = datetime(2017, 6, 1, tzinfo=UTC)


def date(op: str, value: object) -> Compare:
    return Compare("registrationDate", op, value)  # type: ignore[arg-type]


A, B, C = name("eq", "a"), name("eq", "b"), name("eq", "c")

VALID: list[tuple[str, Filter]] = [
    # every operator
    ("name eq 'a'", A),
    ("name ne 'a'", name("ne", "a")),
    ("name gt 'a'", name("gt", "a")),
    ("name ge 'a'", name("ge", "a")),
    ("name lt 'a'", name("lt", "a")),
    ("name le 'a'", name("le", "a")),
    # literal first flips the operator
    ("'a' eq name", A),
    ("'a' ne name", name("ne", "a")),
    ("'a' lt name", name("gt", "a")),
    ("'a' le name", name("ge", "a")),
    ("'a' gt name", name("lt", "a")),
    ("'a' ge name", name("le", "a")),
    ("2017-06-01 lt registrationDate", date("gt", JUNE)),
    ("null eq name", name("eq", None)),
    # all four functions, substringof's argument order, the v3 boolean suffixes
    ("contains(name,'x')", TextMatch("contains", "name", "x")),
    ("startswith(name, 'x')", TextMatch("startswith", "name", "x")),
    ("endswith( name , 'x' )", TextMatch("endswith", "name", "x")),
    ("substringof('x', name)", TextMatch("contains", "name", "x")),
    ("substringof('x',name) eq true", TextMatch("contains", "name", "x")),
    ("contains(name,'x') eq false", Not(TextMatch("contains", "name", "x"))),
    ("contains(name,'x') ne true", Not(TextMatch("contains", "name", "x"))),
    ("contains(name,'x') ne false", TextMatch("contains", "name", "x")),
    ("not startswith(name,'x') eq false", Not(Not(TextMatch("startswith", "name", "x")))),
    ("contains(name,'')", TextMatch("contains", "name", "")),
    # precedence: not > and > or; parentheses; flattening
    ("name eq 'a' or name eq 'b' and name eq 'c'", Or((A, And((B, C))))),
    ("name eq 'a' and name eq 'b' or name eq 'c'", Or((And((A, B)), C))),
    ("(name eq 'a' or name eq 'b') and name eq 'c'", And((Or((A, B)), C))),
    ("not name eq 'a' and name eq 'b'", And((Not(A), B))),
    ("not (name eq 'a' and name eq 'b')", Not(And((A, B)))),
    ("not not name eq 'a'", Not(Not(A))),
    ("name eq 'a' and (name eq 'b' and name eq 'c')", And((A, B, C))),
    ("(name eq 'a' or name eq 'b') or name eq 'c'", Or((A, B, C))),
    ("((((name eq 'a'))))", A),
    ("(name eq 'a')and(name eq 'b')", And((A, B))),
    # quoting
    ("name eq 'O''Brien'", name("eq", "O'Brien")),
    ("name eq ''''", name("eq", "'")),
    ("name eq ''", name("eq", "")),
    ("name eq 'a and b or (c)'", name("eq", "a and b or (c)")),
    ("name eq 'Émile 日本'", name("eq", "Émile 日本")),
    # case-insensitive keywords, functions and fields; canonical field names
    ("NAME EQ 'a' AND FirstName Ne 'B'", And((A, Compare("firstName", "ne", "B")))),
    (
        "Not CONTAINS(Name,'x') Or STATE eq 'Active'",
        Or((Not(TextMatch("contains", "name", "x")), Compare("state", "eq", "Active"))),
    ),
    ("SubStringOf('x',name) EQ TRUE", TextMatch("contains", "name", "x")),
    # null
    ("name eq null", name("eq", None)),
    ("name ne NULL", name("ne", None)),
    ("registrationDate eq null", date("eq", None)),
    ("state eq null", Compare("state", "eq", None)),
    # datetimes: bare, typed, quoted; fractions, offsets, date-only, naive means UTC
    ("registrationDate ge 2017-06-01T00:00:00Z", date("ge", JUNE)),
    ("registrationDate ge 2017-06-01T00:00:00.123Z", date("ge", JUNE.replace(microsecond=123000))),
    (
        "registrationDate ge 2017-06-01T00:00:00.1234567Z",
        date("ge", JUNE.replace(microsecond=123456)),
    ),
    ("registrationDate ge 2017-06-01T02:00:00+02:00", date("ge", JUNE)),
    ("registrationDate ge 2017-05-31T19:30:00-04:30", date("ge", JUNE)),
    ("registrationDate ge 2017-06-01", date("ge", JUNE)),
    ("registrationDate ge 2017-06-01T00:00", date("ge", JUNE)),
    ("registrationDate ge 2017-06-01T00:00:00", date("ge", JUNE)),
    ("registrationDate ge 2017-06-01t00:00:00z", date("ge", JUNE)),
    ("registrationDate ge datetime'2017-06-01T00:00:00Z'", date("ge", JUNE)),
    ("registrationDate ge DateTime'2017-06-01'", date("ge", JUNE)),
    ("registrationDate ge datetimeoffset'2017-06-01T02:00:00+02:00'", date("ge", JUNE)),
    ("registrationDate ge '2017-06-01T00:00:00Z'", date("ge", JUNE)),
    ("registrationDate lt '2017-06-01'", date("lt", JUNE)),
    # enums, booleans
    ("state eq 'active'", Compare("state", "eq", "active")),
    ("kind ne 'x'", Compare("kind", "ne", "x")),
    ("enabled eq true", Compare("enabled", "eq", True)),
    ("enabled ne FALSE", Compare("enabled", "ne", False)),
    ("false eq enabled", Compare("enabled", "eq", False)),
    # normalize applies to compared literals and startswith prefixes, not to fragments
    (f"groupId eq '{ARM_PREFIX}groups/developers'", Compare("groupId", "eq", "developers")),
    ("groupId eq 'developers'", Compare("groupId", "eq", "developers")),
    (f"'{ARM_PREFIX}groups/g1' eq groupId", Compare("groupId", "eq", "g1")),
    ("contains(productId,'starter')", TextMatch("contains", "productId", "starter")),
    (f"startswith(ownerId,'{ARM_PREFIX}users/ad')", TextMatch("startswith", "ownerId", "ad")),
    (
        f"endswith(ownerId,'{ARM_PREFIX}users/ad')",
        TextMatch("endswith", "ownerId", f"{ARM_PREFIX}users/ad"),
    ),
    ("contains(ownerId,'/users/a')", TextMatch("contains", "ownerId", "/users/a")),
    # whitespace of all sorts
    ("  name\teq\n'a'  ", A),
]


@pytest.mark.parametrize(("text", "expected"), VALID, ids=[text for text, _ in VALID])
def test_valid_filters(text: str, expected: Filter) -> None:
    assert parse_filter(text, FIELDS) == expected


def test_datetimes_are_aware_utc() -> None:
    node = parse_filter("registrationDate ge 2017-06-01T02:00:00+02:00", FIELDS)
    assert isinstance(node, Compare)
    assert isinstance(node.value, datetime)
    assert node.value.tzinfo is UTC


INVALID: list[tuple[str, list[str]]] = [
    # unknown field: names the field and the allowed ones
    ("foo eq 'a'", ["Unknown field 'foo'", "position 0", "allowed fields: name, firstName"]),
    ("name eq 'a' and Foo eq 'b'", ["Unknown field 'Foo'", "position 16"]),
    ("contains(foo,'a')", ["Unknown field 'foo'"]),
    # operator not allowed for the field
    ("state gt 'a'", ["Field 'state'", "operator 'gt'", "allowed: eq"]),
    ("state ne 'a'", ["Field 'state'", "operator 'ne'", "allowed: eq"]),
    ("enabled lt true", ["Field 'enabled'", "operator 'lt'", "allowed: eq, ne"]),
    ("'a' lt state", ["Field 'state'", "operator 'gt'"]),
    # functions on fields without functions, or with something other than a string
    ("contains(state,'a')", ["Field 'state'", "function 'contains'"]),
    ("substringof('a',groupId)", ["Field 'groupId'", "function 'substringof'"]),
    ("startswith(name, 5)", ["string literal", "startswith()", "number 5"]),
    ("endswith(name, null)", ["string literal", "'null'"]),
    ("substringof(name, 'a')", ["string literal", "substringof()", "'name'"]),
    ("contains('a', name)", ["field name", "contains()"]),
    ("contains(name 'a')", ["','", "contains()"]),
    ("contains(name,'a'", ["')'", "contains()"]),
    ("contains(name,'a') gt true", ["contains()", "'eq' or 'ne'", "position 19"]),
    ("contains(name,'a') eq 'yes'", ["contains()", "true or false"]),
    ("tolower(name) eq 'a'", ["Unsupported function 'tolower'", "supported: contains"]),
    # wrong literal type
    ("name eq 5", ["Field 'name'", "expects a string literal", "number 5"]),
    ("name eq true", ["Field 'name'", "expects a string literal", "'true'"]),
    ("name eq 2017-06-01", ["Field 'name'", "expects a string literal", "datetime 2017-06-01"]),
    ("state eq datetime'2017-06-01'", ["Field 'state'", "expects a string literal"]),
    ("registrationDate eq 'yesterday'", ["Field 'registrationDate'", "datetime", "'yesterday'"]),
    ("registrationDate eq 20170601", ["Field 'registrationDate'", "datetime", "number"]),
    ("registrationDate eq true", ["Field 'registrationDate'", "datetime"]),
    ("enabled eq 'true'", ["Field 'enabled'", "true or false", "string 'true'"]),
    ("enabled eq null", ["Field 'enabled'", "true or false"]),
    ("enabled eq 1", ["Field 'enabled'", "true or false"]),
    ("name gt null", ["Field 'name'", "null", "'eq' or 'ne'", "not 'gt'"]),
    ("registrationDate lt null", ["Field 'registrationDate'", "null"]),
    ("productId eq 'a b'", ["Invalid value for field 'productId'", "cannot contain spaces"]),
    # malformed datetimes
    ("registrationDate eq 2017-13-01", ["Invalid datetime 2017-13-01", "position 20"]),
    ("registrationDate eq 2017-06-01T25:00:00Z", ["Invalid datetime"]),
    ("registrationDate eq 2017-06-01T00:00:00+24:00", ["Invalid datetime"]),
    ("registrationDate eq datetime'soon'", ["Invalid datetime literal datetime'soon'"]),
    ("registrationDate eq datetime'2017-06-01", ["Unterminated string literal", "position 28"]),
    ("registrationDate eq 2017-06", ["Unrecognized token '2017-06'", "position 20"]),
    # unterminated strings, stray characters
    ("name eq 'abc", ["Unterminated string literal starting at position 8"]),
    ("name eq 'it''s", ["Unterminated string literal starting at position 8"]),
    ('name eq "abc"', ["Unexpected character '\"' at position 8", "single quotes"]),
    ("name eq 'a' && name eq 'b'", ["Unexpected character '&' at position 12"]),
    ("name eq 'a' ; drop table users", ["Unexpected character ';'"]),
    ("name eq 'a' é", ["Unexpected character 'é' at position 12"]),
    # trailing garbage
    ("name eq 'a' 'b'", ["Unexpected string 'b' at position 12", "'and', 'or'"]),
    ("name eq 'a' name eq 'b'", ["Unexpected 'name' at position 12"]),
    ("name eq 'a' eq 'b'", ["Unexpected 'eq' at position 12"]),
    # missing operands and operators
    ("name eq 'a' and", ["Unexpected end of $filter after 'and'"]),
    ("name eq 'a' or", ["Unexpected end of $filter after 'or'"]),
    ("not", ["Unexpected end of $filter after 'not'"]),
    ("name eq", ["Unexpected end of $filter after 'eq'", "literal"]),
    ("name", ["Unexpected end of $filter after 'name'", "comparison operator"]),
    ("name 'a'", ["Unexpected string 'a' at position 5", "comparison operator"]),
    ("name in ('a')", ["Unexpected 'in' at position 5", "comparison operator"]),
    ("and name eq 'a'", ["Unexpected 'and' at position 0"]),
    ("name eq 'a' and or name eq 'b'", ["Unexpected 'or' at position 16"]),
    ("name eq eq", ["Unexpected 'eq' at position 8"]),
    ("'a' eq 'b'", ["no field", "position 4"]),
    ("name eq firstName", ["Cannot compare field 'name' with field 'firstName'"]),
    # unbalanced parentheses
    ("(name eq 'a'", ["Missing ')' to close the '(' at position 0"]),
    ("((name eq 'a')", ["Missing ')' to close the '(' at position 0"]),
    ("(name eq 'a' 'b')", ["Unexpected string 'b' at position 13", "')' to close"]),
    ("name eq 'a')", ["Unbalanced ')' at position 11"]),
    ("()", ["Unexpected ')' at position 1"]),
    (")", ["Unexpected ')' at position 0"]),
    # limits and emptiness
    ("(" * 33 + "name eq 'a'" + ")" * 33, [f"more than {MAX_DEPTH} levels", "position 32"]),
    ("not " * 33 + "name eq 'a'", [f"more than {MAX_DEPTH} levels"]),
    (" or ".join(["name eq 'a'"] * 201), [f"more than {MAX_COMPARISONS} comparisons"]),
    ("name eq '" + "x" * MAX_LENGTH + "'", [f"longer than {MAX_LENGTH} characters"]),
    ("", ["$filter is empty"]),
    ("   \t\n", ["$filter is empty"]),
]


@pytest.mark.parametrize(("text", "fragments"), INVALID, ids=[text[:60] for text, _ in INVALID])
def test_invalid_filters(text: str, fragments: list[str]) -> None:
    with pytest.raises(FilterError) as caught:
        parse_filter(text, FIELDS)
    message = str(caught.value)
    for fragment in fragments:
        assert fragment in message


def test_limits_are_inclusive() -> None:
    deep = "(" * MAX_DEPTH + "name eq 'a'" + ")" * MAX_DEPTH
    assert parse_filter(deep, FIELDS) == A
    many = parse_filter(" or ".join(["name eq 'a'"] * MAX_COMPARISONS), FIELDS)
    assert isinstance(many, Or)
    assert len(many.items) == MAX_COMPARISONS
    long = "name eq '" + "x" * (MAX_LENGTH - 10) + "'"
    assert len(long) == MAX_LENGTH
    assert parse_filter(long, FIELDS) == name("eq", "x" * (MAX_LENGTH - 10))


def test_no_fields_to_filter() -> None:
    with pytest.raises(FilterError, match="allowed fields: none"):
        parse_filter("name eq 'a'", {})


def test_filter_error_is_a_value_error() -> None:
    assert issubclass(FilterError, ValueError)
