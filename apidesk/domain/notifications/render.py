"""Rendering e-mail templates: Velocity (`$Name`, `#if`, `#foreach`) through airspeed, values
escaped for HTML, and a plain-text part derived from the HTML."""

from __future__ import annotations

import html
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

import airspeed
from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

from apidesk.domain.notifications import sandbox, velocity
from apidesk.domain.notifications.sandbox import TemplateProblem

__all__ = ["Rendered", "TemplateProblem", "check_body", "check_source", "render"]

_render_lock = threading.Lock()


@dataclass(frozen=True)
class Rendered:
    subject: str
    html: str
    text: str


def check_source(text: str) -> airspeed.Template:
    """Compile and check a template's text (never cached); `TemplateProblem` if it fails."""
    return velocity.compile_template(text)


def _merge(template: airspeed.Template, context: Mapping[str, Any]) -> str:
    try:
        output = sandbox.BoundedStream()
        token = sandbox.budget.set(sandbox.Budget())
        try:
            # airspeed keeps parse state on the template object; merging is cheap and
            # bounded, so serialize.
            with _render_lock:
                template.merge_to(dict(context), output)
        finally:
            sandbox.budget.reset(token)
    except MemoryError:
        raise
    except Exception as exc:
        spent = _over_budget(exc)
        raise velocity.engine_failure(spent or exc, "rendered") from None
    return str(output.getvalue())


def _over_budget(error: BaseException) -> sandbox.RenderOverBudget | None:
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, sandbox.RenderOverBudget):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


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
    """Render one message from template texts, compiled once and cached."""
    return render_compiled(velocity.CACHE.get(subject), velocity.CACHE.get(body), values)


def render_compiled(
    subject: airspeed.Template, body: airspeed.Template, values: Mapping[str, Any]
) -> Rendered:
    """The subject is plain text: values go in as they are, with line breaks removed so no
    header can be injected. The body is HTML: values are escaped."""
    plain_values = {
        name: re.sub(r"[\r\n]+", " ", value) if isinstance(value, str) else value
        for name, value in values.items()
    }
    rendered_subject = re.sub(r"\s+", " ", _merge(subject, plain_values)).strip()
    rendered_html = _merge(body, _escaped(values))
    return Rendered(rendered_subject, rendered_html, html_to_text(rendered_html))


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
