"""A domain refusal in the words of a web page rather than the API's: the domain names a field
as the management API spells it ('firstName'), and the console and the portal say the label
the person sees on the form (First name)."""

from __future__ import annotations

from collections.abc import Mapping

from apidesk.domain.subscriptions.fields import ALL_ACCESS
from apidesk.errors import Conflict, DomainError, FieldProblem, Invalid
from apidesk.security.passwords import MAX_LENGTH, PasswordPolicy

# Endings that read better rewritten, once a field's name is replaced by its label.
SENTENCES = {
    " must be at least 1 character(s) long.": " is required.",
    " must not be empty.": " is required.",
}


def problem_text(error: DomainError) -> str:
    """Every problem of a refusal, in the domain's words, as one text."""
    if isinstance(error, Invalid) and error.problems:
        return " ".join(problem.message for problem in error.problems)
    return error.message


def in_words(
    error: DomainError, labels: Mapping[str, str], sentences: Mapping[str, str] = SENTENCES
) -> str:
    """`problem_text` with each quoted field name replaced by its label in `labels`, and each
    of `sentences` rewritten."""
    text = problem_text(error)
    for sentence, plain in sentences.items():
        text = text.replace(sentence, plain)
    for wire, label in sorted(labels.items(), key=lambda item: -len(item[0])):
        text = text.replace(f"'{wire}'", label)
    return text


def scope_words(scope: str) -> str:
    """A subscription's scope, named as APIM's pages name it, for a subscription no product
    holds: the built-in all-access one ('/') covers all APIs; '/apis/echo' is the API echo."""
    if scope == ALL_ACCESS:
        return "All APIs"
    kind, _, name = scope.strip("/").partition("/")
    return f"API {name}" if kind == "apis" and name else scope


def password_rules(policy: PasswordPolicy) -> str:
    """The password policy as a form's hint says it, before anyone is refused by it."""
    length = f"{policy.min_length} to {MAX_LENGTH} characters"
    if policy.min_strength > 0:
        return (
            f"A password needs {length} and must not be easy to guess: a few unrelated words "
            "work well, names and e-mail addresses do not."
        )
    return f"A password needs {length}."


class FieldErrors(dict[str, str]):
    """What a refusal says of each form field it names, keyed by the field's id on the form,
    in the form's order; in `elsewhere`, what it says of no field on the form. A page's error
    summary links each of the first to its field and lists the second as text."""

    def __init__(self) -> None:
        super().__init__()
        self.elsewhere: list[str] = []


def field_errors(
    error: DomainError,
    fields: Mapping[str, str],
    labels: Mapping[str, str],
    sentences: Mapping[str, str] = SENTENCES,
) -> FieldErrors:
    """Each problem of a refusal in a page's words (`in_words`), at the form field it names:
    `fields` maps the domain's name of a field to its id on the form, in the form's order.
    The problems of an `Invalid`, or a `Conflict` that names its field (an address taken);
    a refusal that names no field has none (the page says it as one text)."""
    if isinstance(error, Invalid):
        named = list(error.problems)
    elif isinstance(error, Conflict) and error.target:
        named = [FieldProblem(error.target, error.message)]
    else:
        named = []
    found = FieldErrors()
    said: dict[str, str] = {}
    for problem in named:
        text = in_words(Invalid(problems=[problem]), labels, sentences)
        name = fields.get(problem.target)
        if name is None:
            found.elsewhere.append(text)
        else:
            said[name] = f"{said[name]} {text}" if name in said else text
    found.update((name, said[name]) for name in fields.values() if name in said)
    return found
