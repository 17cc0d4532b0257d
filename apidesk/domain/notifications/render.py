"""Rendering e-mail templates: Velocity (`$Name`, `#if`, `#foreach`) through airspeed, values
escaped for HTML, and a plain-text part derived from the HTML."""

from __future__ import annotations

import html
import re
import threading
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from html.parser import HTMLParser
from typing import Any

import airspeed
from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

_render_lock = threading.Lock()


class TemplateProblem(ValueError):
    """A template that does not parse or does not render."""


@dataclass(frozen=True)
class Rendered:
    subject: str
    html: str
    text: str


# What one render may spend. Every character a render produces, in its output or in a string
# it builds, counts against MAX_OUTPUT; every pass through a #foreach body counts against
# MAX_LOOP_PASSES. Together they bound a render's time and memory whatever the template says
# (nested loops, strings that double with every #set), and a template that overspends is
# refused when it is saved, since saving renders it.
MAX_OUTPUT = 2_000_000
MAX_LOOP_PASSES = 10_000


class _OverBudget(Exception):
    pass


@dataclass
class _Budget:
    characters: int = MAX_OUTPUT
    passes: int = MAX_LOOP_PASSES


_budget: ContextVar[_Budget] = ContextVar("template_budget")


class _BoundedStream(airspeed.StoppableStream):
    """Where text goes: the output, or a string being interpolated."""

    def write(self, s: str) -> int:
        budget = _budget.get()
        budget.characters -= len(s)
        if budget.characters < 0:
            raise _OverBudget(f"the template produces more than {MAX_OUTPUT:,} characters")
        return super().write(s) or 0


class _BoundedInterpolation(airspeed.InterpolatedStringLiteral):
    def calculate(self, namespace: Any, loader: Any) -> str:
        output = _BoundedStream()
        self.block.evaluate(output, namespace, loader)
        return output.getvalue()


class _BoundedForeach(airspeed.ForeachDirective):
    def evaluate_raw(self, stream: Any, namespace: Any, loader: Any) -> None:
        items = self.value.calculate(namespace, loader)
        # Anything that is not a collection, airspeed's own loop refuses.
        if hasattr(items, "__len__"):
            budget = _budget.get()
            budget.passes -= len(items)
            if budget.passes < 0:
                raise _OverBudget(f"the template's loops run more than {MAX_LOOP_PASSES:,} times")
        super().evaluate_raw(stream, namespace, loader)


_BOUNDED = {
    airspeed.InterpolatedStringLiteral: _BoundedInterpolation,
    airspeed.ForeachDirective: _BoundedForeach,
}


@lru_cache(maxsize=256)
def _compiled(source: str) -> airspeed.Template:
    template = airspeed.Template(source)
    template.ensure_compiled()
    # Our own parse tree only: its loops and interpolations become the budgeted kinds.
    for node in _nodes(template.root_element):
        bounded = _BOUNDED.get(type(node))
        if bounded is not None:
            node.__class__ = bounded
    return template


def _over_budget(error: BaseException) -> _OverBudget | None:
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, _OverBudget):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def _merge(source: str, context: Mapping[str, Any]) -> str:
    try:
        template = _compiled(source)
        output = _BoundedStream()
        token = _budget.set(_Budget())
        try:
            # airspeed keeps parse state on the template object; merging is cheap, so
            # serialize.
            with _render_lock:
                template.merge_to(dict(context), output)
        finally:
            _budget.reset(token)
    except (airspeed.TemplateError, _OverBudget) as exc:
        spent = _over_budget(exc)
        if spent is not None:
            raise TemplateProblem(str(spent)) from None
        raise TemplateProblem(
            str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        ) from None
    except (RecursionError, TypeError, ValueError, AttributeError, KeyError) as exc:
        raise TemplateProblem(f"the template cannot be rendered: {exc}") from None
    return str(output.getvalue())


def _escaped(values: Mapping[str, Any]) -> dict[str, Any]:
    escaped: dict[str, Any] = {}
    for name, value in values.items():
        if isinstance(value, str):
            escaped[name] = html.escape(value, quote=True)
        elif isinstance(value, list):
            escaped[name] = [html.escape(v, quote=True) if isinstance(v, str) else v for v in value]
        else:
            escaped[name] = value
    return escaped


def render(subject: str, body: str, values: Mapping[str, Any]) -> Rendered:
    """Render one message. The subject is plain text: values go in as they are, with line
    breaks removed so no header can be injected. The body is HTML: values are escaped."""
    check_source(subject)
    check_source(body)
    plain_values = {
        name: re.sub(r"[\r\n]+", " ", value) if isinstance(value, str) else value
        for name, value in values.items()
    }
    rendered_subject = re.sub(r"\s+", " ", _merge(subject, plain_values)).strip()
    rendered_html = _merge(body, _escaped(values))
    return Rendered(rendered_subject, rendered_html, html_to_text(rendered_html))


# The sandbox. airspeed evaluates references with Python's own item and attribute access, so a
# template must not be able to call, index, reach a private name or load other templates. The
# check walks airspeed's parse tree, the very structure that will be evaluated, so no spelling
# trick (Unicode look-alikes, odd spacing) can slip a construct past it.
_SAFE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*", re.ASCII)
_REFUSED = (
    airspeed.Range,
    airspeed.EvaluateDirective,
    airspeed.MacroDefinition,
    airspeed.MacroCall,
    airspeed.DefineDefinition,
    airspeed.IncludeDirective,
    airspeed.ParseDirective,
    airspeed.UserDefinedDirective,
    airspeed.ParameterList,
    airspeed.ArrayIndex,
    # Lists and maps built in a template can hold themselves: `#set($a = [$a, $a])` doubles
    # with every line, and printing or comparing the result costs that much before a single
    # character reaches the budgeted output.
    airspeed.ArrayLiteral,
    airspeed.DictionaryLiteral,
)
# Comparisons and logic only: arithmetic on strings repeats (`*`), formats (`%`) or grows
# (`+`) them, and templates have no use for numbers.
_OPERATORS = frozenset(
    {"<", "<=", ">", ">=", "==", "!=", "lt", "le", "gt", "ge", "eq", "ne", "&&", "||", "and", "or"}
)


def _safe(name: str, where: airspeed._Element) -> None:
    if not _SAFE_NAME.fullmatch(name):
        raise TemplateProblem(
            f"'{_excerpt(where)}': names are ASCII letters, digits and '_', starting with a letter"
        )


def _excerpt(node: airspeed._Element) -> str:
    text = node.my_text().strip()
    return text if len(text) <= 60 else text[:57] + "..."


def check_source(text: str) -> None:
    """Refuse anything but values, their plain properties and the basic directives."""
    try:
        root = _compiled(text).root_element
    except airspeed.TemplateError as exc:
        raise TemplateProblem(
            str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        ) from None
    except RecursionError:
        raise TemplateProblem("the template is nested too deeply") from None
    for node in _nodes(root):
        if isinstance(node, _REFUSED):
            kind = type(node).__name__
            raise TemplateProblem(
                f"'{_excerpt(node)}': {kind} is not allowed; templates use values, their "
                "properties, #if, #foreach and #set"
            )
        if isinstance(node, airspeed.NameOrCall):
            _safe(node.name, node)
            if node.parameters is not None or node.index is not None:
                raise TemplateProblem(
                    f"'{_excerpt(node)}': method calls and indexing are not allowed"
                )
        elif isinstance(node, airspeed.SetDirective):
            for term in node.terms:
                _safe(term, node)
        elif isinstance(node, airspeed.ForeachDirective):
            _safe(node.loop_var_name, node)
        elif isinstance(node, airspeed.BinaryOperator):
            operator = node.my_text().strip()
            if operator not in _OPERATORS:
                raise TemplateProblem(
                    f"'{operator}': arithmetic is not allowed; conditions may compare and "
                    "combine values"
                )


def _nodes(root: airspeed._Element) -> Iterator[airspeed._Element]:
    """Every element of a parse tree, each once, wherever airspeed keeps it."""
    stack: list[Any] = [root]
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if isinstance(node, list | tuple):
            stack.extend(node)
            continue
        if isinstance(node, dict):
            stack.extend(node.keys())
            stack.extend(node.values())
            continue
        # Some nodes keep their child only as a bound method (`calculate = child.calculate`).
        owner = getattr(node, "__self__", None)
        if isinstance(owner, airspeed._Element):
            stack.append(owner)
            continue
        if not isinstance(node, airspeed._Element) or id(node) in seen:
            continue
        seen.add(id(node))
        yield node
        stack.extend(value for key, value in vars(node).items() if not key.startswith("_"))


def check_body(body: str) -> None:
    """A body must be a well-formed (X)HTML document, as APIM requires."""
    try:
        ElementTree.fromstring(body.encode("utf-8"))
    except (ElementTree.ParseError, DefusedXmlException) as exc:
        raise TemplateProblem(f"the body is not well-formed XHTML: {exc}") from None


class _TextExtractor(HTMLParser):
    BLOCKS = frozenset({"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "table", "tr", "ul", "ol"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0
        self._links: list[tuple[str | None, int]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "script", "title", "head"):
            self._skip += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag in self.BLOCKS:
            self.parts.append("\n\n")
        elif tag == "li":
            self.parts.append("\n- ")
        elif tag == "a":
            self._links.append((dict(attrs).get("href"), len(self.parts)))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script", "title", "head"):
            self._skip = max(0, self._skip - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n\n")
        elif tag == "a" and self._links:
            href, start = self._links.pop()
            shown = "".join(self.parts[start:]).strip()
            if href and href != shown and not href.startswith(("mailto:", "#")):
                self.parts.append(f" ({href})")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(re.sub(r"\s+", " ", data))


def html_to_text(document: str) -> str:
    extractor = _TextExtractor()
    extractor.feed(document)
    extractor.close()
    text = "".join(extractor.parts)
    lines = [line.strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"
