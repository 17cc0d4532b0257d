"""The generic field checker (apidesk.domain.fields): each kind, nulls, extra checks, and
several problems reported at once, in the order the fields were given."""

from __future__ import annotations

from typing import Any

import pytest

from apidesk.domain.fields import (
    INT32_MAX,
    Field,
    Kind,
    Null,
    changes,
    check,
    from_wire,
    missing,
    prose,
    table,
)
from apidesk.errors import Collection, FieldProblem


def _no_spaces(problems: Collection, field: Field, value: str) -> str | None:
    if " " in value:
        problems.add(field.target, f"'{field.target}' must not contain spaces.")
        return None
    return value.lower()


def _even(problems: Collection, field: Field, value: Any) -> int | None:
    if isinstance(value, int) and value % 2 == 0:
        return value
    problems.add(field.target, "Give an even number.")
    return None


FIELDS = table(
    Field("name", "displayName", Kind.TEXT, max_length=5),
    Field(
        "note",
        "note",
        Kind.TEXT,
        min_length=0,
        max_length=20,
        allow_blank=True,
        multiline=True,
        null=Null.KEPT,
    ),
    Field("email", "email", Kind.EMAIL, max_length=30),
    Field("kind", "type", Kind.CHOICE, choices=("custom", "external")),
    Field(
        "state", "state", Kind.CHOICE, choices=("notPublished", "published"), case_sensitive=True
    ),
    Field("on", "enabled", Kind.BOOLEAN),
    Field("limit", "limit", Kind.COUNT, maximum=10, null=Null.KEPT),
    Field("slug", "path.slug", Kind.TEXT, max_length=10, check=_no_spaces),
    Field("even", "even", Kind.CUSTOM, check=_even, null=Null.IGNORED),
    Field("raw", "raw", Kind.CUSTOM),
)


def checked(given: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    problems = Collection()
    clean = check(problems, FIELDS, given)
    return clean, [(p.target, p.message) for p in problems.problems]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ({"name": "Shop"}, {"name": "Shop"}),
        ({"note": "  \nline two"}, {"note": "  \nline two"}),
        ({"note": ""}, {"note": ""}),
        ({"email": "Ann@Example.com"}, {"email": "Ann@example.com"}),  # domain normalized
        ({"kind": "EXTERNAL"}, {"kind": "external"}),
        ({"state": "published"}, {"state": "published"}),
        ({"on": False}, {"on": False}),
        ({"limit": 0}, {"limit": 0}),
        ({"limit": 10}, {"limit": 10}),
        ({"slug": "Echo"}, {"slug": "echo"}),
        ({"even": 4}, {"even": 4}),
        ({"raw": {"any": ["thing"]}}, {"raw": {"any": ["thing"]}}),
    ],
)
def test_a_good_value_is_returned_clean(given: dict[str, Any], expected: dict[str, Any]) -> None:
    assert checked(given) == (expected, [])


@pytest.mark.parametrize(
    ("given", "problem"),
    [
        ({"name": 5}, ("displayName", "'displayName' must be a string.")),
        ({"name": ""}, ("displayName", "'displayName' must be at least 1 character(s) long.")),
        ({"name": "Shop!!"}, ("displayName", "'displayName' must be at most 5 characters long.")),
        ({"name": "   "}, ("displayName", "'displayName' must not be blank.")),
        ({"name": "a\nb"}, ("displayName", "'displayName' must not contain control characters.")),
        ({"note": "a\x00b"}, ("note", "'note' must not contain control characters.")),
        ({"email": ""}, ("email", "'email' must not be empty.")),
        (
            {"email": "x" * 20 + "@example.com"},
            ("email", "'email' must be at most 30 characters long."),
        ),
        ({"kind": "system"}, ("type", "'type' must be one of: custom, external.")),
        ({"kind": 3}, ("type", "'type' must be one of: custom, external.")),
        ({"state": "Published"}, ("state", "'state' must be one of: notPublished, published.")),
        ({"state": ["published"]}, ("state", "'state' must be one of: notPublished, published.")),
        ({"on": "true"}, ("enabled", "'enabled' must be true or false.")),
        ({"on": 1}, ("enabled", "'enabled' must be true or false.")),
        ({"limit": -1}, ("limit", "'limit' must be a whole number from 0 to 10, or null.")),
        ({"limit": 11}, ("limit", "'limit' must be a whole number from 0 to 10, or null.")),
        ({"limit": True}, ("limit", "'limit' must be a whole number from 0 to 10, or null.")),
        ({"limit": 2.0}, ("limit", "'limit' must be a whole number from 0 to 10, or null.")),
        ({"slug": "a b"}, ("path.slug", "'path.slug' must not contain spaces.")),
        ({"even": 3}, ("even", "Give an even number.")),
    ],
)
def test_a_bad_value_is_reported_under_the_target_and_left_out(
    given: dict[str, Any], problem: tuple[str, str]
) -> None:
    assert checked(given) == ({}, [problem])


def test_an_e_mail_address_is_checked_in_full_when_it_is_not_a_plain_one() -> None:
    clean, problems = checked({"email": "not an address"})
    assert clean == {}
    assert [target for target, _ in problems] == ["email"]
    assert problems[0][1].startswith("'email' is not a valid address: ")


def test_the_extra_check_runs_only_on_a_value_the_kind_accepted() -> None:
    # Too long for the text check: the extra check would have said "spaces" as well.
    assert checked({"slug": "a b c d e f g"}) == (
        {},
        [("path.slug", "'path.slug' must be at most 10 characters long.")],
    )


def test_null_is_refused_kept_or_ignored_as_the_field_says() -> None:
    clean, problems = checked({"name": None, "note": None, "limit": None, "even": None})
    assert clean == {"note": None, "limit": None}
    assert problems == [("displayName", "'displayName' cannot be null.")]


def test_absent_fields_stay_absent() -> None:
    assert checked({}) == ({}, [])
    assert checked({"on": True}) == ({"on": True}, [])


def test_a_field_the_table_does_not_declare_is_a_programming_error() -> None:
    with pytest.raises(KeyError):
        checked({"colour": "red"})


def test_every_problem_is_reported_at_once_in_the_order_given() -> None:
    clean, problems = checked(
        {"on": "yes", "name": "Shop", "kind": "other", "note": None, "limit": -5, "state": None}
    )
    assert clean == {"name": "Shop", "note": None}
    assert problems == [
        ("enabled", "'enabled' must be true or false."),
        ("type", "'type' must be one of: custom, external."),
        ("limit", "'limit' must be a whole number from 0 to 10, or null."),
        ("state", "'state' cannot be null."),
    ]


def test_problems_already_collected_are_kept() -> None:
    problems = Collection()
    problems.add("id", "'id' is required.")
    check(problems, FIELDS, {"on": None})
    assert [p.target for p in problems.problems] == ["id", "enabled"]


def test_missing_names_each_required_field_without_a_value() -> None:
    assert missing(FIELDS, {"name": "Shop", "note": None}, ("name", "note", "kind")) == [
        FieldProblem("note", "'note' is required."),
        FieldProblem("type", "'type' is required."),
    ]
    assert missing(FIELDS, {"name": "Shop"}, ("name",)) == []


def test_changes_are_keyed_by_target() -> None:
    assert changes(FIELDS, {"name": "Shop", "slug": "echo", "limit": None}) == {
        "displayName": "Shop",
        "path.slug": "echo",
        "limit": None,
    }


def test_a_count_is_bounded_by_a_32_bit_integer_unless_told_otherwise() -> None:
    count = table(Field("n", "n", Kind.COUNT))
    problems = Collection()
    assert check(problems, count, {"n": INT32_MAX}) == {"n": INT32_MAX}
    assert check(problems, count, {"n": INT32_MAX + 1}) == {}
    assert [p.message for p in problems.problems] == [
        "'n' must be a whole number from 0 to 2147483647."
    ]


def test_from_wire_renames_targets_to_domain_names_in_the_order_given() -> None:
    given = {"enabled": True, "appType": "portal", "displayName": "Shop", "path.slug": "x"}
    assert list(from_wire(FIELDS, given).items()) == [
        ("on", True),
        ("name", "Shop"),
        ("slug", "x"),
    ]


def test_prose_may_be_empty_blank_or_several_lines_and_null_clears_it() -> None:
    notes = table(prose("note", "note", 12))
    problems = Collection()
    given = {"note": "two\nlines"}
    assert check(problems, notes, given) == given
    assert check(problems, notes, {"note": "   "}) == {"note": "   "}
    assert check(problems, notes, {"note": ""}) == {"note": ""}
    assert check(problems, notes, {"note": None}) == {"note": None}
    assert not problems.problems
    assert check(problems, notes, {"note": "x" * 13}) == {}
    assert [p.target for p in problems.problems] == ["note"]
