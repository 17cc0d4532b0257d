"""The template sandbox: a saved template can read values and their plain properties, nothing
more, whatever spelling it uses."""

from __future__ import annotations

import contextlib
from typing import Any

import airspeed
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apidesk.domain.notifications.render import (
    TemplateProblem,
    check_source,
    render,
    render_compiled,
)

LONG_S = "\u017f"  # LATIN SMALL LETTER LONG S: matches [a-z] case-insensitively

ESCAPES = [
    # Code execution through the long-s look-alike, as a reviewer demonstrated it.
    f"#set(${LONG_S} = '')#set(${LONG_S}c = ${LONG_S}.__class__.__mro__[1].__subclasses__())"
    f"#foreach(${LONG_S}k in ${LONG_S}c)${LONG_S}k#end",
    f"${LONG_S}.__class__",
    "$\u0131.upper",  # dotless i
    "$\u212a.x",  # Kelvin sign
    "$_x",
    "$__builtins__",
    "$a.__class__",
    "${a.__class__.__name__}",
    "$a.upper()",
    "$a.format('{0.__class__}')",
    "$a[0]",
    "$a.b[0]",
    "#if($a.b())x#end",
    "#if(!$a.__x)x#end",
    "#set($x = {'a': $_y})",
    "#set($x = [$a.b()])",
    "#set($a.__dict__ = 1)",
    '#set($x = "$_y")',
    "#foreach($_i in $L)#end",
    "#foreach($x in $a.b())#end",
    "#foreach($i in [1..3000000])#end",
    # Self-nesting lists and maps grow exponentially where no output is counted.
    "#set($a = 'x')" + "#set($a = [$a, $a])" * 30 + "$a",
    "#set($a = 'x')" + "#set($a = {'l': $a, 'r': $a})" * 30 + "#if($a == $a)y#end",
    "#foreach($x in ['a', 'b'])$x#end",
    "#include('x')",
    "#parse('x')",
    "#evaluate('$a')",
    "#macro(m)x#end#m()",
    "#define($x)y#end",
    "$a.b|$c.d()",
]


@pytest.mark.parametrize("template", ESCAPES)
def test_escapes_are_refused(template: str) -> None:
    with pytest.raises(TemplateProblem):
        check_source(template)
    with pytest.raises(TemplateProblem):
        render("subject", template, {"a": "x", "L": []})


ALLOWED = [
    "Hello $DevFirstName ${DevLastName}, $!Missing",
    "#if ($SubTerm)term: $SubTerm#else no term#end",
    "#foreach ($Api in $Apis)$Api.Name, #end",
    "#set($who = $DevFirstName)$who",
    '<a href="#top" style="color:#ff0000">top</a>',
]


@pytest.mark.parametrize("template", ALLOWED)
def test_ordinary_templates_pass(template: str) -> None:
    check_source(template)


class Recorder:
    """Records every name airspeed evaluates, and whether it was called or indexed."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, bool]] = []
        self._original = airspeed.NameOrCall.calculate

    def __enter__(self) -> Recorder:
        recorder = self

        def calculate(node: Any, *args: Any) -> Any:
            active = node.parameters is not None or node.index is not None
            recorder.seen.append((node.name, active))
            return recorder._original(node, *args)

        airspeed.NameOrCall.calculate = calculate  # type: ignore[method-assign]
        return self

    def __exit__(self, *_: object) -> None:
        airspeed.NameOrCall.calculate = self._original  # type: ignore[method-assign]


TOKENS = st.sampled_from(
    [
        "$",
        "$!",
        "${",
        "}",
        ".",
        "(",
        ")",
        "[",
        "]",
        "_",
        "__class__",
        "a",
        "b",
        LONG_S,
        "\u0131",
        "\u212a",
        "#set(",
        "#if(",
        "#foreach(",
        " in ",
        "#end",
        "=",
        "'x'",
        "1",
        "..",
        ",",
        "{",
        ":",
        "#include(",
        "#macro(",
        " ",
        "x",
    ]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(TOKENS, min_size=1, max_size=14).map("".join))
def test_whatever_passes_the_check_evaluates_only_plain_names(template: str) -> None:
    try:
        check_source(template)
    except TemplateProblem:
        return
    # Evaluate exactly what passed the check and watch every name airspeed resolves.
    with (
        Recorder() as recorder,
        contextlib.suppress(
            airspeed.TemplateError, TypeError, ValueError, AttributeError, KeyError
        ),
    ):
        airspeed.Template(template).merge({"a": "v", "b": ["w"], "x": "y"})
    for name, active in recorder.seen:
        assert not active, template
        assert name.isascii() and not name.startswith("_"), template


def test_the_recorder_would_notice() -> None:
    with Recorder() as recorder:
        airspeed.Template("$a.upper()").merge({"a": "v"})
    assert ("upper", True) in recorder.seen


# Templates that would run for minutes or fill memory: each is small and passes every
# name rule, so only the render budgets stop them.
NESTED_LOOPS = "#foreach($a in $Ten)" * 7 + "x" + "#end" * 7
DOUBLING = "#set($s = 'xxxxxxxx')" + '#set($s = "$s$s")' * 40 + "$s"
WIDE_LOOP = "#foreach($i in $Many)" + "y" * 300 + "#end"


@pytest.mark.parametrize(
    ("template", "reason"),
    [
        (NESTED_LOOPS, "loops run more than"),
        (DOUBLING, "more than"),
        (WIDE_LOOP, "more than"),
    ],
)
def test_runaway_templates_stop_at_the_budget(template: str, reason: str) -> None:
    check_source(template)  # nothing in the text itself is forbidden
    with pytest.raises(TemplateProblem, match=reason):
        render("subject", template, {"Many": list(range(9_999)), "Ten": list(range(10))})


@pytest.mark.parametrize("operator", ["*", "%", "+", "-", "/"])
def test_arithmetic_is_refused(operator: str) -> None:
    template = f"#set($x = $DevFirstName {operator} 3)$x"
    with pytest.raises(TemplateProblem, match="arithmetic is not allowed"):
        check_source(template)


def test_templates_within_the_budget_still_render() -> None:
    apis = [{"Name": f"api{n}"} for n in range(200)]
    rendered = render(
        "Hi $DevFirstName",
        "#foreach($Api in $Apis)#if($Api.Name != 'api3')$Api.Name #end#end"
        "#if($DevFirstName == 'Ada' && $Apis)done#end",
        {"DevFirstName": "Ada", "Apis": apis},
    )
    assert rendered.subject == "Hi Ada"
    assert "api0 api1 api2 api4" in rendered.html
    assert "api3 " not in rendered.html
    assert rendered.html.endswith("done")


@pytest.mark.parametrize(
    "inside",
    [
        "$Apis",  # a list
        "$Apis.get",  # a method, unbound from its call
        "$DevFirstName.upper",  # a method of a string
        "#foreach($Api in $Apis)$Api#end",  # a map
        "#foreach($Api in $Apis)$foreach#end",  # the loop's own map
        '#set($copy = "$Apis")$copy',  # a list spelled into a string
    ],
)
def test_values_without_text_of_their_own_print_nothing(inside: str) -> None:
    rendered = render("subject", f"<p>[{inside}]</p>", {"DevFirstName": "Ada", "Apis": [{}]})
    assert rendered.html == "<p>[]</p>"


def test_plain_values_still_print() -> None:
    rendered = render(
        "subject",
        "<p>$DevFirstName $velocityCount #foreach($Api in $Apis)$Api.Name $foreach.count "
        "$foreach.last#end $!Missing $Missing</p>",
        {"DevFirstName": "Ada", "Apis": [{"Name": "a"}]},
    )
    assert rendered.html == "<p>Ada $velocityCount a 1 true  $Missing</p>"


# Hostile text that airspeed's parser itself trips on, outside its own TemplateError.
BIG_NUMBER = "9" * 4301  # past Python's bound on converting digits to an int


@pytest.mark.parametrize(
    "template",
    [
        f"#set($x = {BIG_NUMBER})$x",
        f"#if($a == {BIG_NUMBER})y#end",
        f"#foreach($i in $L)#if($i != -{BIG_NUMBER})y#end#end",
        f'#set($x = "${{a}}{BIG_NUMBER}")#set($y = {BIG_NUMBER})',
    ],
)
def test_a_number_too_long_to_read_is_a_template_problem(template: str) -> None:
    with pytest.raises(TemplateProblem, match="4,300 digits"):
        check_source(template)
    with pytest.raises(TemplateProblem, match="4,300 digits"):
        render("subject", template, {"a": "x", "L": []})
    with pytest.raises(TemplateProblem, match="4,300 digits"):
        render(template, "body", {"a": "x", "L": []})


# Whatever else airspeed may raise on a text no test foresaw: the class, not the instances.
ENGINE_FAILURES = [
    ValueError,
    TypeError,
    IndexError,
    KeyError,
    AttributeError,
    OverflowError,
    ZeroDivisionError,
    RuntimeError,
    RecursionError,
    AssertionError,
    UnicodeError,
]


@pytest.mark.parametrize("kind", ENGINE_FAILURES)
def test_any_failure_of_compiling_is_a_template_problem(
    monkeypatch: pytest.MonkeyPatch, kind: type[Exception]
) -> None:
    def fails(self: airspeed.Template) -> None:
        raise kind("inside the engine")

    monkeypatch.setattr(airspeed.Template, "ensure_compiled", fails)
    with pytest.raises(TemplateProblem):
        check_source("Hello $a")
    with pytest.raises(TemplateProblem):
        render("never cached before", "nor this", {})


@pytest.mark.parametrize("kind", ENGINE_FAILURES)
def test_any_failure_of_rendering_is_a_template_problem(
    monkeypatch: pytest.MonkeyPatch, kind: type[Exception]
) -> None:
    subject, body = check_source("Hi $a"), check_source("<p>$a</p>")

    def fails(self: airspeed.Template, *args: Any) -> None:
        raise kind("inside the engine")

    monkeypatch.setattr(airspeed.Template, "merge_to", fails)
    with pytest.raises(TemplateProblem):
        render_compiled(subject, body, {"a": "x"})


@pytest.mark.parametrize("kind", [KeyboardInterrupt, SystemExit, MemoryError])
def test_what_is_no_fault_of_the_template_is_not_hidden(
    monkeypatch: pytest.MonkeyPatch, kind: type[BaseException]
) -> None:
    def fails(self: airspeed.Template, *args: Any) -> None:
        raise kind()

    monkeypatch.setattr(airspeed.Template, "ensure_compiled", fails)
    with pytest.raises(kind):
        check_source("Hello $a")
    monkeypatch.undo()
    subject, body = check_source("Hi $a"), check_source("<p>$a</p>")
    monkeypatch.setattr(airspeed.Template, "merge_to", fails)
    with pytest.raises(kind):
        render_compiled(subject, body, {"a": "x"})
