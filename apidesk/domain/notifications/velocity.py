"""Compiling e-mail templates (Velocity, through airspeed) within a bounded cost, checked
against the sandbox, and kept in a cache bounded by the memory its parse trees take.

A template's text comes from whoever may manage the service, so compiling it must cost a
bounded amount of time and memory whatever it says:

- texts are at most `MAX_SOURCE` characters;
- a linear pre-scan refuses what makes airspeed's own regular expressions rescan the rest of
  the text again and again (a `#*` comment that is never closed: every later `#*` would look
  for its end once more);
- every element airspeed builds counts against `MAX_PARSE_STEPS`, and the parse stops past
  `COMPILE_SECONDS` whatever it is doing.

Only templates that passed every check enter the cache, and the cache holds at most
`CACHE_BYTES` of parse trees, measured node by node.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections import OrderedDict
from contextvars import ContextVar
from dataclasses import dataclass, field

import airspeed

from apidesk.domain.notifications import sandbox
from apidesk.domain.notifications.sandbox import TemplateProblem, nodes

log = logging.getLogger("apidesk.notifications")

MAX_SOURCE = 200_000
MAX_PARSE_STEPS = 100_000
COMPILE_SECONDS = 2.0
CACHE_BYTES = 32 * 1024 * 1024


class OverBudget(Exception):
    """A compile or a render spent more than it may."""


@dataclass
class _ParseBudget:
    steps: int
    deadline: float
    scanned: set[int] = field(default_factory=set)


_parse_budget: ContextVar[_ParseBudget | None] = ContextVar("template_parse_budget", default=None)
_airspeed_init = airspeed._Element.__init__


def _budgeted_init(self: airspeed._Element, filename: str, text: str, start: int = 0) -> None:
    budget = _parse_budget.get()
    if budget is not None:
        budget.steps -= 1
        if budget.steps < 0:
            raise OverBudget(f"the template is too complex: more than {MAX_PARSE_STEPS:,} parts")
        if time.monotonic() > budget.deadline:
            raise OverBudget("the template takes too long to compile")
        if id(text) not in budget.scanned:
            # The text of an interpolated string ("...") is parsed on its own.
            prescan(text)
            budget.scanned.add(id(text))
    _airspeed_init(self, filename, text, start)


# airspeed has no hook to stop a parse; every element it builds passes through here, so this
# is where a parse is counted and timed. Outside `compile_template`, nothing changes.
airspeed._Element.__init__ = _budgeted_init


def prescan(text: str) -> None:
    """Refuse, in one pass, what airspeed's parser would scan quadratically."""
    last_open = text.rfind("#*")
    if last_open >= 0 and text.find("*#", last_open + 2) < 0:
        line = text.count("\n", 0, last_open) + 1
        raise TemplateProblem(f"line {line}: a '#*' comment is never closed with '*#'")


def compile_template(source: str, *, seconds: float = COMPILE_SECONDS) -> airspeed.Template:
    """Compile and check `source`; never cached. Raises `TemplateProblem`."""
    if len(source) > MAX_SOURCE:
        raise TemplateProblem(f"a template is at most {MAX_SOURCE:,} characters")
    budget = _ParseBudget(steps=MAX_PARSE_STEPS, deadline=time.monotonic() + seconds)
    token = _parse_budget.set(budget)
    try:
        template = airspeed.Template(source)
        template.ensure_compiled()
        sandbox.check(template.root_element)
        sandbox.bound(template.root_element)
    except MemoryError:
        raise
    except Exception as exc:
        raise engine_failure(exc, "compiled") from None
    finally:
        _parse_budget.reset(token)
    return template


def engine_failure(error: Exception, done: str) -> TemplateProblem:
    """What an exception out of airspeed says about the operator's template.

    The text is the operator's, and airspeed was written for trusted text: besides its own
    `TemplateError`, hostile text makes it raise whatever Python raises inside it (ValueError
    for a number past Python's 4,300-digit bound on `int()`, RecursionError on deep nesting,
    TypeError, IndexError...). So every `Exception` out of a compile or a render is a problem
    of the template, reported on its field as a 400. What is no `Exception` (KeyboardInterrupt,
    SystemExit, a cancelled task) and MemoryError (the process, not one template, is short: the
    parse and the render are bounded by `MAX_SOURCE`, the parse steps and the render budget)
    are not caught by the callers, and still end the request as the failure they are.
    """
    if isinstance(error, TemplateProblem):
        return error
    if isinstance(error, OverBudget | sandbox.RenderOverBudget):
        return TemplateProblem(str(error))
    if isinstance(error, airspeed.TemplateError):
        return TemplateProblem(str(error).splitlines()[0] if str(error) else type(error).__name__)
    if isinstance(error, RecursionError):
        return TemplateProblem("the template is nested too deeply")
    if isinstance(error, ValueError) and "digits" in str(error) and "limit" in str(error):
        return TemplateProblem("a number in the template has more than 4,300 digits")
    if done == "rendered" and isinstance(error, TypeError | ValueError | AttributeError | KeyError):
        # What a render with real values commonly trips on (a comparison of unlike values):
        # the operator sees why in the preview.
        return TemplateProblem(f"the template cannot be rendered: {error}")
    # Not the exception's text: it speaks of Python's internals, and may quote a value.
    log.warning("template engine failed with %s", type(error).__name__, exc_info=error)
    return TemplateProblem(f"the template cannot be {done} (the engine failed on its text)")


def tree_size(template: airspeed.Template) -> int:
    """The bytes a parse tree holds: every node, its attributes and the strings, lists and
    bound methods they keep, and the source text once."""
    total = sys.getsizeof(template.content)
    for node in nodes(template.root_element):
        attributes = vars(node)
        total += sys.getsizeof(node) + sys.getsizeof(attributes)
        for name, value in attributes.items():
            if name == "_full_text" and value is template.content:
                continue
            if isinstance(value, str | bytes | list | tuple | dict) or hasattr(value, "__self__"):
                total += sys.getsizeof(value)
    return total


class TemplateCache:
    """Compiled templates by source text, least recently used first out, within `max_bytes`."""

    def __init__(self, max_bytes: int = CACHE_BYTES) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[str, tuple[airspeed.Template, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    @property
    def size(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, source: object) -> bool:
        return source in self._entries

    def get(self, source: str) -> airspeed.Template:
        with self._lock:
            found = self._entries.get(source)
            if found is not None:
                self._entries.move_to_end(source)
                return found[0]
        # Compiled outside the lock: one slow compile does not hold up cached templates.
        template = compile_template(source)
        self._put(source, template, tree_size(template))
        return template

    def _put(self, source: str, template: airspeed.Template, size: int) -> None:
        if size > self.max_bytes:
            return
        with self._lock:
            if source in self._entries:
                return
            self._entries[source] = (template, size)
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, (_, dropped) = self._entries.popitem(last=False)
                self._bytes -= dropped

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0


CACHE = TemplateCache()
