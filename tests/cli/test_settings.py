"""Settings read without Pydantic (issue 12, CLI start-up) say what Pydantic would say.

`Settings` takes a value in its plain form itself and hands anything else to a pydantic-settings
model built from the same declarations. These tests hold the plain reader to that model, value
by value, and check that an ordinary start does not import Pydantic at all.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr, ValidationError

from apidesk.settings import AFTER, FIELDS, Secret, Settings, pydantic_model
from apidesk.settings_reader import read_plainly


def _plainly(values: dict[str, Any]) -> dict[str, Any] | None:
    """What the plain reader makes of `values` and the environment (None: Pydantic decides)."""
    return read_plainly(FIELDS, AFTER, values)


TEXTS = [
    *("", " ", "0", "1", "-1", "4", "5", "8", "64", "65", "128", "129", "1023", "1024"),
    *("65535", "65536", "007", " 5", "5 ", "+5", "1_000", "1.5", "1.0", "0.5", "0.0", "-0.5"),
    *("1e3", "inf", "nan", "x", "none", "tls", "starttls", "NONE", "debug", "Info", "warning"),
    *("true", "error", "null", "/srv/x", "./k", "http://h/", "http://h//", "ünïcode", "\udcff"),
    "99999999999999999999",
]
GIVEN: list[Any] = [None, 0, 1, 5, 30, 0.1, 1.5, -1, True, "5", "x", "", Path("/srv/k")]
GIVEN += ["/srv/k", "none", 10**20, float("inf"), SecretStr("s"), Secret("s")]


def _plain(value: Any) -> Any:
    if isinstance(value, SecretStr | Secret):
        return ("secret", value.get_secret_value())
    return (type(value), value)


def _by_pydantic(values: dict[str, Any]) -> tuple[str, Any]:
    try:
        model = pydantic_model()(**values)
    except ValidationError as error:
        return "refused", str(error)
    return "read", {name: _plain(getattr(model, name)) for name in FIELDS}


def _outcome(values: dict[str, Any]) -> tuple[str, Any]:
    try:
        read = Settings(**values)
    except ValidationError as error:
        return "refused", str(error)
    return "read", {name: _plain(getattr(read, name)) for name in FIELDS}


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for key in list(os.environ):
        if key.lower().startswith("apidesk_"):
            monkeypatch.delenv(key)
    return monkeypatch


@pytest.mark.parametrize("name", sorted(FIELDS))
def test_each_variable_reads_as_pydantic_reads_it(
    name: str, clean_environment: pytest.MonkeyPatch
) -> None:
    plain = 0
    for text in TEXTS:
        clean_environment.setenv(f"APIDESK_{name.upper()}", text)
        wanted = _by_pydantic({})
        assert _outcome({}) == wanted, (name, text)
        if _plainly({}) is not None:
            plain += 1
            assert wanted[0] == "read", (name, text)  # plain only what Pydantic accepts
    assert plain >= 3, name  # the plain reader took some of them itself


@pytest.mark.parametrize("name", sorted(FIELDS))
def test_each_keyword_argument_is_taken_as_pydantic_takes_it(
    name: str, clean_environment: pytest.MonkeyPatch
) -> None:
    for value in GIVEN:
        wanted = _by_pydantic({name: value})
        assert _outcome({name: value}) == wanted, (name, value)
        if _plainly({name: value}) is not None:
            assert wanted[0] == "read", (name, value)


def test_defaults_and_names_are_those_of_the_model(clean_environment: pytest.MonkeyPatch) -> None:
    assert _plainly({}) is not None
    assert _outcome({}) == _by_pydantic({})
    model_fields = pydantic_model().model_fields
    assert set(model_fields) == set(FIELDS)
    assert model_fields["password_min_length"].metadata  # the bounds reached the model


BOUNDED = sorted(
    name
    for name, field in FIELDS.items()
    if field.spec.ge is not None or field.spec.le is not None or field.spec.gt is not None
)


@pytest.mark.parametrize("name", BOUNDED)
def test_every_bound_is_kept(name: str, clean_environment: pytest.MonkeyPatch) -> None:
    """A value just past a bound is refused, in Pydantic's words, and the bound itself taken
    (or refused, for `gt`): the bounds reach the model the plain reader hands values to."""
    spec = FIELDS[name].spec
    cases = []
    if spec.ge is not None:
        cases += [(spec.ge - 1, "greater than or equal to"), (spec.ge, None)]
    if spec.le is not None:
        cases += [(spec.le + 1, "less than or equal to"), (spec.le, None)]
    if spec.gt is not None:
        cases += [(spec.gt, "greater than"), (spec.gt + 1, None)]
    for number, refusal in cases:
        clean_environment.setenv(f"APIDESK_{name.upper()}", str(int(number)))
        if refusal is None:
            assert getattr(Settings(), name) == number
        else:
            with pytest.raises(ValidationError, match=refusal):
                Settings()


def test_names_are_compared_without_regard_to_case(clean_environment: pytest.MonkeyPatch) -> None:
    clean_environment.setenv("apidesk_page_size", "7")
    assert Settings().page_size == 7
    clean_environment.setenv("APIDESK_Page_Size", "9")  # two spellings: Pydantic decides
    assert _plainly({}) is None
    assert _outcome({}) == _by_pydantic({})


def test_a_bad_value_is_refused_in_pydantics_words(clean_environment: pytest.MonkeyPatch) -> None:
    clean_environment.setenv("APIDESK_PASSWORD_MIN_LENGTH", "0")
    clean_environment.setenv("APIDESK_SMTP_SECURITY", "ssl")
    with pytest.raises(ValidationError) as caught:
        Settings()
    text = str(caught.value)
    assert text.startswith("2 validation errors for Settings")
    assert "Input should be greater than or equal to 1" in text
    assert "Input should be 'none', 'starttls' or 'tls'" in text


def test_secrets_are_not_shown(clean_environment: pytest.MonkeyPatch) -> None:
    clean_environment.setenv("APIDESK_SMTP_PASSWORD", "hunter2")
    read = Settings()
    assert read.smtp_password is not None
    assert read.smtp_password.get_secret_value() == "hunter2"
    assert "hunter2" not in repr(read) and "hunter2" not in str(read.smtp_password)
    assert not Secret("") and Secret("x")  # an empty secret is false, as SecretStr's is


def test_settings_are_frozen_and_copied_unchecked(clean_environment: pytest.MonkeyPatch) -> None:
    read = Settings(workers=2)
    with pytest.raises(AttributeError):
        read.workers = 3  # type: ignore[misc]
    copied = read.model_copy(update={"workers": 0})
    assert (copied.workers, read.workers) == (0, 2)
    assert copied.model_copy(update={"workers": 2}) == read
    assert hash(copied.model_copy(update={"workers": 2})) == hash(read)


def test_reading_the_settings_does_not_import_pydantic(tmp_path: Path) -> None:
    code = (
        "import sys; from apidesk.settings import Settings; s = Settings(); "
        "print(s.page_size, sorted(n for n in sys.modules if n.startswith('pydantic')))"
    )
    env = {key: value for key, value in os.environ.items() if not key.startswith("APIDESK_")}
    env["APIDESK_PAGE_SIZE"] = "50"
    shown = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert shown.stdout.split() == ["50", "[]"]
