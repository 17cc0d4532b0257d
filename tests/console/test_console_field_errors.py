"""Field errors on the console's Users forms, below the server: what a refusal says of each
field (`wording.field_errors`), the password policy in a hint's words
(`apidesk.web.wording.password_rules`), and the forms' markup with and without
`field_errors` and the error summary that links to them, rendered by the console's own
templates. The browser checks of the same are in test_console_field_errors_browser.py."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from types import SimpleNamespace
from typing import Any

import pytest

from apidesk.console import wording
from apidesk.console.base import PAGES
from apidesk.errors import Conflict, FieldProblem, Invalid, NotFound, PreconditionFailed
from apidesk.security.passwords import MAX_LENGTH, PasswordPolicy
from apidesk.web.wording import password_rules

USER = SimpleNamespace(name="u1", first_name="Ada", last_name="Lovelace", etag="e1")
VALUES = {"email": "ada@example", "first_name": "", "last_name": "L", "note": ""}


def render(template: str, **values: Any) -> str:
    instance = SimpleNamespace(name="shop", id=1)
    return PAGES.get_template(template).render(
        base="/console",
        static="/console/static",
        csrf="token",
        instance=instance,
        operator=SimpleNamespace(email="me@example.com", instance_id=None),
        services=[instance],
        user=USER,
        values=VALUES,
        **values,
    )


class Elements(HTMLParser):
    """Each element's attributes by id, and each element's text by id."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.by_id: dict[str, dict[str, str | None]] = {}
        self.text: dict[str, str] = {}
        self._open: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.by_id[str(found["id"])] = found
            self.text[str(found["id"])] = ""
            if tag not in ("input",):
                self._open.append(str(found["id"]))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("p", "textarea") and self._open:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        for name in self._open:
            self.text[name] += data


def described(page: Elements, field: str) -> str:
    """The texts a field's aria-describedby points at, in order (each id must exist)."""
    ids = (page.by_id[field].get("aria-describedby") or "").split()
    return " | ".join(" ".join(page.text[name].split()) for name in ids)


def test_each_problem_goes_to_its_field_in_the_pages_words() -> None:
    error = Invalid(
        problems=[
            FieldProblem("email", "'email' is not a valid address."),
            FieldProblem("firstName", "'firstName' must not be empty."),
            FieldProblem("firstName", "'firstName' must be at most 100 characters."),
            FieldProblem("identities", "'identities' must be a list."),
        ]
    )
    found = wording.field_errors(error, wording.USER_FIELDS, wording.USER_LABELS)
    assert found == {
        "email": "Email is not a valid address.",
        "first_name": "First name is required. First name must be at most 100 characters.",
    }
    assert found.elsewhere == ["'identities' must be a list."]
    # The summary still says every problem, those of no field on the form too.
    assert "'identities' must be a list." in wording.said(error, wording.USER_LABELS)


def test_the_summary_names_the_fields_in_the_forms_order() -> None:
    """However the domain orders its problems, the summary follows the form: Email, First
    name, Last name, Password, Note."""
    error = Invalid(
        problems=[
            FieldProblem("note", "'note' must be at most 1000 characters."),
            FieldProblem("password", "'password' must be at least 12 character(s) long."),
            FieldProblem("email", "'email' must not be empty."),
        ]
    )
    found = wording.field_errors(error, wording.USER_FIELDS, wording.USER_LABELS)
    assert list(found) == ["email", "password", "note"]


def test_a_taken_address_is_the_email_fields_and_other_refusals_name_none() -> None:
    taken = Conflict("A user with the e-mail address 'a@b.c' already exists.", target="email")
    assert wording.field_errors(taken, wording.USER_FIELDS, wording.USER_LABELS) == {
        "email": "A user with the e-mail address 'a@b.c' already exists."
    }
    for error in (
        Conflict("Taken."),
        PreconditionFailed("Changed."),
        NotFound("Gone."),
        Invalid("No problems listed."),
    ):
        assert wording.field_errors(error, wording.USER_FIELDS, wording.USER_LABELS) == {}


def summary(html: str) -> str:
    """The page's error summary, from its opening tag to the end of its list."""
    found = re.search(r'<div class="notice error summary" role="alert".*?</ul>', html, re.S)
    assert found, html
    return " ".join(found.group(0).split())


@pytest.mark.parametrize("template", ["users/add.html", "users/invite.html", "users/edit.html"])
def test_the_error_summary_links_each_field_error_to_its_field(template: str) -> None:
    error = Invalid(
        problems=[
            FieldProblem("email", "'email' is not a valid address."),
            FieldProblem("identities", "'identities' must be a list."),
            FieldProblem("lastName", "'lastName' must not be empty <b>."),
        ]
    )
    html = render(
        template,
        error=wording.said(error, wording.USER_LABELS),
        field_errors=wording.field_errors(error, wording.USER_FIELDS, wording.USER_LABELS),
    )
    assert summary(html) == (
        '<div class="notice error summary" role="alert" aria-labelledby="error-summary-title">'
        ' <h2 id="error-summary-title">There is a problem</h2> <ul>'
        ' <li><a href="#email">Email is not a valid address.</a></li>'
        ' <li><a href="#last_name">Last name must not be empty &lt;b&gt;.</a></li>'
        " <li>&#39;identities&#39; must be a list.</li> </ul>"
    )
    # Each link goes to a field of the page, the one whose error it says.
    page = Elements(html)
    assert page.by_id["email"].get("aria-describedby") == "email-error"
    assert page.by_id["last_name"].get("aria-describedby") == "last_name-error"
    assert html.count('role="alert"') == 1


def test_a_refusal_of_no_field_on_the_form_stays_one_paragraph() -> None:
    for error in (
        PreconditionFailed("Changed."),
        Invalid(problems=[FieldProblem("identities", "'identities' must be a list.")]),
    ):
        html = render(
            "users/add.html",
            error=wording.said(error, wording.USER_LABELS),
            field_errors=wording.field_errors(error, wording.USER_FIELDS, wording.USER_LABELS),
        )
        assert "error summary" not in html and "error-summary-title" not in html
        said = wording.said(error, wording.USER_LABELS).replace("'", "&#39;")
        assert f'<p class="notice error" role="alert">{said}</p>' in html


@pytest.mark.parametrize("length", [1, 8, 12])
def test_the_password_rules_follow_the_policy(length: int) -> None:
    strict = password_rules(PasswordPolicy(min_length=length, min_strength=1))
    assert f"{length} to {MAX_LENGTH} characters" in strict and "easy to guess" in strict
    plain = password_rules(PasswordPolicy(min_length=length, min_strength=0))
    assert plain == f"A password needs {length} to {MAX_LENGTH} characters."
    # What the hint promises is what the policy checks.
    policy = PasswordPolicy(min_length=length, min_strength=0)
    policy.check("x" * length)
    with pytest.raises(Invalid):
        policy.check("x" * (length - 1) if length > 1 else "")
    with pytest.raises(Invalid):
        policy.check("x" * (MAX_LENGTH + 1))


@pytest.mark.parametrize(
    ("template", "fields"),
    [
        ("users/add.html", ("email", "first_name", "last_name", "password", "note")),
        ("users/invite.html", ("email", "first_name", "last_name")),
        ("users/edit.html", ("email", "first_name", "last_name", "note")),
    ],
)
def test_a_named_field_is_invalid_and_described_by_its_error(
    template: str, fields: tuple[str, ...]
) -> None:
    plain = Elements(render(template))
    for name in fields:
        assert "aria-invalid" not in plain.by_id[name], name
        assert f"{name}-error" not in plain.by_id

    errors = {name: f"Something about {name} <b>." for name in ("email", "first_name", "last_name")}
    page = Elements(render(template, field_errors=errors))
    for name in fields:
        if name in errors:
            assert page.by_id[name].get("aria-invalid") == "true", name
            assert described(page, name).startswith(f"Something about {name} <b>."), name
        else:
            assert "aria-invalid" not in page.by_id[name], name
    # The message is text, not markup.
    assert "<b>" not in render(template, field_errors=errors)


def test_the_password_field_shows_the_rules_and_its_error_before_them() -> None:
    before = Elements(render("users/add.html"))
    assert described(before, "password").startswith("Leave empty")
    rules = password_rules(PasswordPolicy(min_length=11))
    shown = Elements(render("users/add.html", password_rules=rules))
    assert described(shown, "password") == f"{rules} Leave empty: the user sets one with " + (
        '"Forgot password" or a reset you send.'
    )
    refused = Elements(
        render(
            "users/add.html",
            password_rules=rules,
            field_errors={"password": "The password must be at least 11 characters long."},
        )
    )
    assert refused.by_id["password"].get("aria-invalid") == "true"
    assert described(refused, "password").startswith(
        f"The password must be at least 11 characters long. | {rules}"
    )


def test_the_operators_own_password_form_takes_the_rules_too() -> None:
    plain = render("set_password.html", email="me@example.com", token="t")
    assert "aria-describedby" not in plain and "password-hint" not in plain
    rules = password_rules(PasswordPolicy(min_length=9))
    page = Elements(
        render(
            "set_password.html",
            email="me@example.com",
            token="t",
            password_rules=rules,
            field_errors={"confirm": "The two passwords differ."},
        )
    )
    assert described(page, "password") == rules
    assert described(page, "confirm") == "The two passwords differ."
    assert re.search(r"9 to \d+ characters", rules)
