"""Rendering e-mail templates: Velocity (`$Name`, `#if`, `#foreach`) through airspeed, values
escaped for HTML, and a plain-text part derived from the HTML."""

from __future__ import annotations

import html
import re
import threading
from collections.abc import Mapping
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


@lru_cache(maxsize=256)
def _compiled(source: str) -> airspeed.Template:
    template = airspeed.Template(source)
    template.ensure_compiled()
    return template


def _merge(source: str, context: Mapping[str, Any]) -> str:
    try:
        template = _compiled(source)
        # airspeed keeps parse state on the template object; merging is cheap, so serialize.
        with _render_lock:
            return str(template.merge(dict(context)))
    except airspeed.TemplateError as exc:
        raise TemplateProblem(
            str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        ) from None
    except (RecursionError, TypeError, ValueError, AttributeError, KeyError) as exc:
        raise TemplateProblem(f"the template cannot be rendered: {exc}") from None


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


# Velocity references may name a value and, inside #foreach, a property of an item. Method
# calls, indexing and names starting with "_" are refused: airspeed evaluates them with Python's
# own attribute access, which would let a template reach far beyond its values.
_REFERENCE = re.compile(r"\$!?(\{)?([A-Za-z_][\w-]*)((?:\.[\w-]+)*)(\}?)([(\[]?)")
_DIRECTIVE = re.compile(r"#\{?([A-Za-z]+)\}?")
_ALLOWED_DIRECTIVES = frozenset({"if", "elseif", "else", "end", "foreach", "set", "break", "stop"})
_PROPERTY = re.compile(r"^[A-Za-z][A-Za-z0-9]*$")


def check_source(text: str) -> None:
    """Refuse template constructs that could reach beyond the values they are given."""
    for match in _REFERENCE.finditer(text):
        _, root, chain, _, opener = match.groups()
        properties = [part for part in chain.split(".") if part]
        if root.startswith("_") or "__" in root:
            raise TemplateProblem(f"'${root}' is not allowed: names cannot start with '_'")
        if opener:
            raise TemplateProblem(
                f"'{match.group(0)}': method calls and indexing are not allowed in templates"
            )
        for part in properties:
            if not _PROPERTY.match(part):
                raise TemplateProblem(f"'{match.group(0)}': '{part}' is not an allowed property")
    for match in _DIRECTIVE.finditer(text):
        name = match.group(1).lower()
        # "#" also starts colours and anchors (href="#x"); only directive-like words matter.
        if name not in _ALLOWED_DIRECTIVES and _looks_like_directive(text, match):
            raise TemplateProblem(f"the directive '#{match.group(1)}' is not allowed")


def _looks_like_directive(text: str, match: re.Match[str]) -> bool:
    following = text[match.end() : match.end() + 1]
    return match.group(1).lower() in {
        "include",
        "parse",
        "evaluate",
        "define",
        "macro",
        "local",
        "global",
    } or (following == "(" and match.group(1).lower() not in _ALLOWED_DIRECTIVES)


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
