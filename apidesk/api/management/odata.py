"""The OData `$filter` subset Azure API Management accepts, parsed into the neutral filter tree.

A recursive-descent parser over the tokens of `odata_tokens`. Precedence is `not` > `and` > `or`;
keywords, function names and field names are matched case-insensitively. Every failure is a
`FilterError` whose message goes to the API client verbatim; positions in those messages are
0-based character offsets into the filter text, as Microsoft's OData libraries report them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Final

from apidesk.api.management.odata_tokens import (
    DATETIME_EXAMPLE,
    FilterError,
    Kind,
    Token,
    parse_datetime,
    shorten,
    tokenize,
)
from apidesk.query import (
    And,
    Compare,
    CompareOp,
    FieldKind,
    Filter,
    Not,
    Or,
    Scalar,
    TextFunction,
    TextMatch,
)

MAX_LENGTH: Final = 4000
MAX_DEPTH: Final = 32
"""Levels of parentheses and `not` one filter may nest."""
MAX_COMPARISONS: Final = 200

OPERATORS: Final[tuple[CompareOp, ...]] = ("eq", "ne", "gt", "ge", "lt", "le")
CMP: Final = frozenset(OPERATORS)
EQ: Final = frozenset({"eq"})
EQ_NE: Final = frozenset({"eq", "ne"})

_OPERATORS: Final[dict[str, CompareOp]] = {op: op for op in OPERATORS}
_FLIPPED: Final[dict[CompareOp, CompareOp]] = {
    "eq": "eq",
    "ne": "ne",
    "gt": "lt",
    "ge": "le",
    "lt": "gt",
    "le": "ge",
}
_TEXT_FUNCTIONS: Final[dict[str, TextFunction]] = {
    "contains": "contains",
    "startswith": "startswith",
    "endswith": "endswith",
    "substringof": "contains",
}
_KEYWORDS: Final = frozenset({"and", "or", "not", *OPERATORS})
_BOOLEANS: Final = {"true": True, "false": False}
_RESERVED: Final = _KEYWORDS | {"true", "false", "null"}


@dataclass(frozen=True)
class FieldSpec:
    """How one field of a list operation may be filtered."""

    kind: FieldKind
    operators: frozenset[str]
    """A subset of `CMP`."""
    functions: bool = False
    """Whether contains, startswith, endswith and substringof apply to this field."""
    normalize: Callable[[str], str] | None = None
    """Applied to the string literals this field is compared with (and to `startswith`
    prefixes, not to `contains` or `endswith` fragments). A `ValueError` it raises becomes a
    `FilterError` carrying its message."""


def parse_filter(text: str, fields: Mapping[str, FieldSpec]) -> Filter:
    """Parse `text` against the fields one list operation allows; raises only `FilterError`."""
    if len(text) > MAX_LENGTH:
        raise FilterError(f"$filter is longer than {MAX_LENGTH} characters")
    if not text.strip():
        raise FilterError("$filter is empty")
    return _Parser(tokenize(text), fields).parse()


# Parser ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _FieldRef:
    name: str
    """The canonical key in the field mapping."""
    token: Token


_Operand = _FieldRef | Token


class _Parser:
    def __init__(self, tokens: list[Token], fields: Mapping[str, FieldSpec]) -> None:
        self._tokens = tokens
        self._index = 0
        self._fields = fields
        self._canonical: dict[str, str] = {}
        for name in fields:
            self._canonical.setdefault(name.lower(), name)
        self._depth = 0
        self._comparisons = 0

    def parse(self) -> Filter:
        node = self._or()
        token = self._peek()
        if token.kind is Kind.RPAREN:
            raise FilterError(f"Unbalanced ')' at position {token.pos} without a matching '('")
        if token.kind is not Kind.END:
            raise self._unexpected(token, "'and', 'or' or the end of $filter")
        return node

    # Token access

    def _peek(self, ahead: int = 0) -> Token:
        return self._tokens[min(self._index + ahead, len(self._tokens) - 1)]

    def _advance(self) -> Token:
        token = self._peek()
        if token.kind is not Kind.END:
            self._index += 1
        return token

    def _keyword(self, word: str) -> bool:
        if self._peek().is_word(word):
            self._advance()
            return True
        return False

    def _expect(self, kind: Kind, expected: str) -> Token:
        token = self._peek()
        if token.kind is not kind:
            raise self._unexpected(token, expected)
        return self._advance()

    def _unexpected(self, token: Token, expected: str) -> FilterError:
        if token.kind is Kind.END:
            after = self._tokens[self._index - 1].text if self._index else ""
            return FilterError(
                f"Unexpected end of $filter after {shorten(after)!r}; expected {expected}"
            )
        return FilterError(
            f"Unexpected {_describe(token)} at position {token.pos}; expected {expected}"
        )

    @contextmanager
    def _nested(self, token: Token) -> Iterator[None]:
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise FilterError(
                f"$filter nests parentheses and 'not' more than {MAX_DEPTH} levels deep "
                f"(at position {token.pos})"
            )
        yield
        self._depth -= 1

    def _counted(self, node: Filter) -> Filter:
        self._comparisons += 1
        if self._comparisons > MAX_COMPARISONS:
            raise FilterError(f"$filter has more than {MAX_COMPARISONS} comparisons")
        return node

    # Grammar

    def _or(self) -> Filter:
        items = [self._and()]
        while self._keyword("or"):
            items.append(self._and())
        return _combine(Or, items)

    def _and(self) -> Filter:
        items = [self._unary()]
        while self._keyword("and"):
            items.append(self._unary())
        return _combine(And, items)

    def _unary(self) -> Filter:
        token = self._peek()
        if self._keyword("not"):
            with self._nested(token):
                return Not(self._unary())
        return self._primary()

    def _primary(self) -> Filter:
        token = self._peek()
        if token.kind is Kind.LPAREN:
            self._advance()
            with self._nested(token):
                node = self._or()
            closing = self._peek()
            if closing.kind is Kind.END:
                raise FilterError(f"Missing ')' to close the '(' at position {token.pos}")
            if closing.kind is not Kind.RPAREN:
                raise self._unexpected(closing, f"')' to close the '(' at position {token.pos}")
            self._advance()
            return node
        if token.kind is Kind.WORD and self._peek(1).kind is Kind.LPAREN:
            return self._function()
        return self._comparison()

    def _function(self) -> Filter:
        name_token = self._advance()
        name = name_token.text.lower()
        if name not in _TEXT_FUNCTIONS:
            raise FilterError(
                f"Unsupported function {shorten(name_token.text)!r} at position "
                f"{name_token.pos}; supported: contains, startswith, endswith, substringof"
            )
        self._advance()
        if name == "substringof":  # OData v3 puts the value first
            literal = self._function_value(name)
            self._expect(Kind.COMMA, f"',' between the arguments of {name}()")
            field = self._function_field(name)
        else:
            field = self._function_field(name)
            self._expect(Kind.COMMA, f"',' between the arguments of {name}()")
            literal = self._function_value(name)
        self._expect(Kind.RPAREN, f"')' to close {name}()")
        spec = self._fields[field.name]
        if not spec.functions:
            raise FilterError(
                f"Field '{field.name}' does not support the function '{name}' "
                f"(position {name_token.pos})"
            )
        function = _TEXT_FUNCTIONS[name]
        value = str(literal.value)
        if function == "startswith":
            # A prefix can be written in the field's short form; a fragment inside or at the
            # end of a value cannot be rewritten into anything meaningful.
            value = self._normalized(field.name, spec, value)
        node = self._counted(TextMatch(function, field.name, value))
        return self._boolean_suffix(node, name)

    def _function_field(self, function: str) -> _FieldRef:
        token = self._peek()
        if token.kind is not Kind.WORD or token.text.lower() in _RESERVED:
            raise self._unexpected(token, f"a field name as an argument of {function}()")
        self._advance()
        return self._resolve(token)

    def _function_value(self, function: str) -> Token:
        token = self._peek()
        if token.kind is not Kind.STRING:
            raise self._unexpected(token, f"a string literal as an argument of {function}()")
        return self._advance()

    def _boolean_suffix(self, node: Filter, function: str) -> Filter:
        """The v3 style `contains(name,'x') eq true`; `eq false` and `ne true` negate."""
        op_token = self._peek()
        if not op_token.is_word(*OPERATORS):
            return node
        self._advance()
        literal = self._peek()
        if not (op_token.is_word("eq", "ne") and literal.is_word(*_BOOLEANS)):
            raise FilterError(
                f"The result of {function}() can only be compared with 'eq' or 'ne' and "
                f"true or false (position {op_token.pos})"
            )
        self._advance()
        positive = op_token.is_word("eq") == _BOOLEANS[literal.text.lower()]
        return node if positive else Not(node)

    def _comparison(self) -> Filter:
        left = self._operand()
        op_token = self._peek()
        if not op_token.is_word(*OPERATORS):
            raise self._unexpected(op_token, "a comparison operator (eq, ne, gt, ge, lt, le)")
        self._advance()
        right = self._operand()
        op = _OPERATORS[op_token.text.lower()]
        if isinstance(left, _FieldRef) and isinstance(right, Token):
            return self._compare(left, op, right)
        if isinstance(left, Token) and isinstance(right, _FieldRef):
            return self._compare(right, _FLIPPED[op], left)
        if isinstance(left, _FieldRef) and isinstance(right, _FieldRef):
            raise FilterError(
                f"Cannot compare field '{left.name}' with field '{right.name}' "
                f"(position {op_token.pos}); one side must be a literal"
            )
        raise FilterError(
            f"The comparison at position {op_token.pos} has no field; "
            f"one side of '{op_token.text}' must be a field name"
        )

    def _operand(self) -> _Operand:
        token = self._peek()
        if token.kind in (Kind.STRING, Kind.DATETIME, Kind.NUMBER):
            return self._advance()
        if token.kind is Kind.WORD and token.text.lower() not in _KEYWORDS:
            self._advance()
            return token if token.is_word("true", "false", "null") else self._resolve(token)
        raise self._unexpected(token, "a field name or a literal")

    def _resolve(self, token: Token) -> _FieldRef:
        name = self._canonical.get(token.text.lower())
        if name is None:
            allowed = ", ".join(self._fields) or "none"
            raise FilterError(
                f"Unknown field {shorten(token.text)!r} in $filter at position {token.pos}; "
                f"allowed fields: {allowed}"
            )
        return _FieldRef(name, token)

    def _compare(self, field: _FieldRef, op: CompareOp, literal: Token) -> Filter:
        spec = self._fields[field.name]
        if op not in spec.operators:
            allowed = ", ".join(o for o in OPERATORS if o in spec.operators) or "none"
            raise FilterError(
                f"Field '{field.name}' does not support the operator '{op}'; allowed: {allowed}"
            )
        value = self._value(field.name, spec, op, literal)
        return self._counted(Compare(field.name, op, value))

    # Literals

    def _value(self, name: str, spec: FieldSpec, op: CompareOp, literal: Token) -> Scalar:
        if literal.is_word("null") and spec.kind is not FieldKind.BOOLEAN:
            if op not in ("eq", "ne"):
                raise FilterError(
                    f"Field '{name}' can only be compared with null using 'eq' or 'ne', not '{op}'"
                )
            return None
        if spec.kind is FieldKind.BOOLEAN:
            if literal.is_word(*_BOOLEANS):
                return _BOOLEANS[literal.text.lower()]
            raise _type_error(name, "true or false", literal)
        if literal.kind is not Kind.STRING:
            if spec.kind is FieldKind.DATETIME and literal.kind is Kind.DATETIME:
                return literal.value
            expected = "a datetime" if spec.kind is FieldKind.DATETIME else "a string literal"
            raise _type_error(name, expected, literal)
        text = self._normalized(name, spec, str(literal.value))
        if spec.kind is not FieldKind.DATETIME:
            return text
        moment = parse_datetime(text)
        if moment is None:
            raise _type_error(name, f"a datetime such as {DATETIME_EXAMPLE}", literal)
        return moment

    def _normalized(self, name: str, spec: FieldSpec, value: str) -> str:
        if spec.normalize is None:
            return value
        try:
            return spec.normalize(value)
        except ValueError as exc:
            raise FilterError(f"Invalid value for field '{name}': {exc}") from None


def _combine(kind: type[And] | type[Or], items: list[Filter]) -> Filter:
    if len(items) == 1:
        return items[0]
    flat: list[Filter] = []
    for item in items:
        flat.extend(item.items if isinstance(item, kind) else (item,))
    return kind(tuple(flat))


def _describe(token: Token) -> str:
    if token.kind is Kind.STRING:
        return f"string {shorten(token.text)}"
    if token.kind is Kind.DATETIME:
        return f"datetime {shorten(token.text)}"
    if token.kind is Kind.NUMBER:
        return f"number {shorten(token.text)}"
    return repr(shorten(token.text))


def _type_error(name: str, expected: str, literal: Token) -> FilterError:
    return FilterError(
        f"Field '{name}' expects {expected}, not {_describe(literal)} (position {literal.pos})"
    )
