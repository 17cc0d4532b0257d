"""How `apidesk.settings` reads its fields: the declarations (`setting`, `Secret`), the plain
reader that takes a value in its plain form as it is, and the pydantic-settings model built
from the same declarations, which decides everything else (see `apidesk.settings`)."""

from __future__ import annotations

import os
import re
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints


class Secret:
    """A value kept out of logs and reprs, as `pydantic.SecretStr` keeps it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get_secret_value(self) -> str:
        return self._value

    def __len__(self) -> int:
        return len(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __str__(self) -> str:
        return "**********" if self._value else ""

    def __repr__(self) -> str:
        return f"Secret('{self}')"


@dataclass(frozen=True)
class _Spec:
    default: Any
    ge: float | None = None
    le: float | None = None
    gt: float | None = None
    description: str | None = None


def setting(
    default: Any,
    *,
    ge: float | None = None,
    le: float | None = None,
    gt: float | None = None,
    description: str | None = None,
) -> Any:
    """A field's default, bounds and description (what `pydantic.Field` took here)."""
    return _Spec(default, ge, le, gt, description)


# The plain reader's answer when a value is not in its plain form: Pydantic decides.
_ASK_PYDANTIC = object()
_WHOLE = re.compile(r"-?(0|[1-9][0-9]{0,17})")
_DECIMAL = re.compile(r"-?(0|[1-9][0-9]{0,14})(\.[0-9]{1,15})?")


@dataclass(frozen=True)
class Field:
    name: str
    hint: Any
    spec: _Spec

    @cached_property
    def kind(self) -> Any:
        """The type without `None`, or a tuple of a `Literal`'s words."""
        hint = self.hint
        if get_origin(hint) in (Union, types.UnionType):
            hint = next(arg for arg in get_args(hint) if arg is not type(None))
        if get_origin(hint) is Literal:
            return get_args(hint)
        return hint

    @property
    def optional(self) -> bool:
        return type(None) in get_args(self.hint)

    def from_text(self, text: str) -> Any:
        """An environment variable's value, as Pydantic would read it, or `_ASK_PYDANTIC`."""
        kind = self.kind
        if not _is_text(text):
            return _ASK_PYDANTIC
        if kind is str:
            return text
        if isinstance(kind, tuple):
            return text if text in kind else _ASK_PYDANTIC
        if kind is int:
            return self._bounded(int(text)) if _WHOLE.fullmatch(text) else _ASK_PYDANTIC
        if kind is float:
            return self._bounded(float(text)) if _DECIMAL.fullmatch(text) else _ASK_PYDANTIC
        if kind is Path and text:
            return Path(text)
        if kind is Secret and text:
            return Secret(text)
        return _ASK_PYDANTIC

    def given(self, value: Any) -> Any:
        """A keyword argument's value, as Pydantic would take it, or `_ASK_PYDANTIC`."""
        kind = self.kind
        if value is None:
            return None if self.optional else _ASK_PYDANTIC
        if isinstance(value, str):
            plain_text = kind in (str, Path, Secret) or isinstance(kind, tuple)
            return self.from_text(value) if plain_text else _ASK_PYDANTIC
        if kind is int and type(value) is int:
            return self._bounded(value)
        if kind is float and type(value) in (int, float) and abs(value) < 2**53:  # finite
            return self._bounded(float(value))
        if kind is Path and type(value) is type(Path()):
            return value
        return _ASK_PYDANTIC

    def _bounded(self, number: float) -> Any:
        ge, le, gt = self.spec.ge, self.spec.le, self.spec.gt
        inside = (ge is None or number >= ge) and (le is None or number <= le)
        return number if inside and (gt is None or number > gt) else _ASK_PYDANTIC


def _is_text(text: str) -> bool:
    try:
        text.encode()
    except UnicodeEncodeError:  # lone surrogates: what undecodable bytes in the environment give
        return False
    return True


def declared_fields(cls: type) -> dict[str, Field]:
    """The fields declared on `cls` as annotated class attributes (a `setting(...)` or a plain
    default), taken off the class: an instance's own value is the only one."""
    hints = get_type_hints(cls)
    found = {}
    for name, hint in hints.items():
        declared = cls.__dict__[name]
        spec = declared if isinstance(declared, _Spec) else _Spec(declared)
        found[name] = Field(name, hint, spec)
        delattr(cls, name)
    return found


PREFIX = "apidesk_"


def _environment() -> dict[str, str] | None:
    """`APIDESK_*` variables by their lower-case name, or None if a name is spelt twice."""
    found: dict[str, str] = {}
    for key, value in os.environ.items():
        lower = key.lower()
        if lower.startswith(PREFIX):
            if lower in found:
                return None
            found[lower] = value
    return found


def read_plainly(
    fields: Mapping[str, Field],
    after: Mapping[str, Callable[[Any], Any]],
    values: Mapping[str, Any],
) -> dict[str, Any] | None:
    """Every field's value, or None where one is for Pydantic to decide."""
    if any(name not in fields for name in values):
        return None
    environment = _environment()
    if environment is None:
        return None
    read: dict[str, Any] = {}
    for name, field in fields.items():
        if name in values:
            value = field.given(values[name])
        elif PREFIX + name in environment:
            value = field.from_text(environment[PREFIX + name])
        else:
            value = field.given(field.spec.default)  # pydantic-settings checks defaults too
        if value is _ASK_PYDANTIC:
            return None
        then = after.get(name)
        read[name] = value if then is None else then(value)
    return read


def read_by_pydantic(model_class: Any, values: Mapping[str, Any]) -> dict[str, Any]:
    from pydantic import SecretStr

    model = model_class(**values)
    read = {}
    for name in model_class.model_fields:
        value = getattr(model, name)
        read[name] = Secret(value.get_secret_value()) if isinstance(value, SecretStr) else value
    return read


def pydantic_model(
    fields: Mapping[str, Field], after: Mapping[str, Callable[[Any], Any]], module: str
) -> Any:
    """`fields` as a pydantic-settings model (with `pydantic.SecretStr` for `Secret`)."""
    from pydantic import Field as PydanticField
    from pydantic import SecretStr, create_model, field_validator
    from pydantic_settings import BaseSettings, SettingsConfigDict

    class Base(BaseSettings):
        model_config = SettingsConfigDict(env_prefix="APIDESK_", extra="ignore", frozen=True)

    declared: dict[str, Any] = {}
    for name, field in fields.items():
        hint = field.hint
        if field.kind is Secret:
            hint = SecretStr | None if field.optional else SecretStr
        spec = field.spec
        bounds = {key: getattr(spec, key) for key in ("ge", "le", "gt")}
        bounds = {key: value for key, value in bounds.items() if value is not None}
        declared[name] = (hint, PydanticField(spec.default, description=spec.description, **bounds))
    validators = {
        f"_after_{name}": field_validator(name)(_as_validator(check))
        for name, check in after.items()
    }
    return create_model(
        "Settings", __base__=Base, __module__=module, __validators__=validators, **declared
    )


def _as_validator(check: Any) -> Any:
    def validate(cls: type, value: Any) -> Any:
        return check(value)

    return classmethod(validate)
