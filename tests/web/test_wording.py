"""Refusals in the words of the web pages: each field the domain names as the API spells it is
said with its label, and stock endings read as a person would write them."""

from __future__ import annotations

from apidesk.console import wording as console_wording
from apidesk.errors import Conflict, FieldProblem, Invalid, PreconditionFailed
from apidesk.portal.base import problem_text as portal_text
from apidesk.web.wording import in_words, problem_text


def refusal(*problems: tuple[str, str]) -> Invalid:
    return Invalid(problems=[FieldProblem(target, message) for target, message in problems])


def test_labels_replace_the_quoted_field_names_longest_first() -> None:
    error = refusal(
        ("subscriptionKeyParameterNames.header", "'subscriptionKeyParameterNames.header' is bad."),
        ("email", "'email' must not be empty."),
        ("firstName", "'firstName' must be at least 1 character(s) long."),
    )
    labels = {
        "email": "Email",
        "firstName": "First name",
        "subscriptionKeyParameterNames.header": "Header name",
        "subscriptionKeyParameterNames": "Names",
    }
    assert in_words(error, labels) == (
        "Header name is bad. Email is required. First name is required."
    )
    # Without a label a name stays as the domain said it.
    assert in_words(error, {}) == (
        "'subscriptionKeyParameterNames.header' is bad. 'email' is required. "
        "'firstName' is required."
    )
    assert problem_text(error).startswith("'subscriptionKeyParameterNames.header' is bad.")
    assert in_words(Conflict("Taken."), {"email": "Email"}) == "Taken."


def test_the_console_and_the_portal_speak_their_own_pages_words() -> None:
    terms = refusal(
        (
            "termsOfService.consentRequired",
            "Consent can only be required to terms that are shown: enable termsOfService too.",
        )
    )
    signup = console_wording.SIGNUP_LABELS
    assert console_wording.said(terms, signup) == (
        "Require consent needs Show terms of use on sign-up page."
    )
    stale = PreconditionFailed("The entity changed.")
    assert console_wording.said(stale, signup) == console_wording.CHANGED_SINCE
    assert portal_text(refusal(("lastName", "'lastName' must not be empty."))) == (
        "Last name is required."
    )
