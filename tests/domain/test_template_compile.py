"""Compiling a template costs a bounded amount of time and memory whatever its text says, and
only templates that passed every check are kept compiled."""

from __future__ import annotations

import gc
import tracemalloc

import pytest

from apidesk.domain.notifications import defaults, sandbox, velocity
from apidesk.domain.notifications.render import TemplateProblem, check_source, render
from apidesk.domain.notifications.velocity import TemplateCache, compile_template, tree_size

INVITE = defaults.TEMPLATES["inviteusernotificationmessage"]


def test_unclosed_comments_are_refused_before_airspeed_scans_them() -> None:
    # Each unclosed '#*' made airspeed's comment pattern scan to the end of the text again:
    # 198 KB of them took most of a minute.
    with pytest.raises(TemplateProblem, match="never closed"):
        check_source("#* " * 66_000)


def test_an_unclosed_comment_inside_a_string_is_refused_too() -> None:
    with pytest.raises(TemplateProblem, match="never closed"):
        check_source('#set($a = "' + "#*" * 5_000 + '")*#')


def test_closed_comments_still_pass() -> None:
    check_source("<p>#* a note for editors *#Hello $DevFirstName</p>")


def test_a_template_with_too_many_parts_is_refused_when_compiled() -> None:
    # Dense but harmless syntax: every reference is several parse elements.
    with pytest.raises(TemplateProblem, match="too complex"):
        check_source("$a.b.c" * 30_000)


def test_a_compile_stops_at_its_time_budget() -> None:
    with pytest.raises(TemplateProblem, match="too long to compile"):
        compile_template(INVITE.body, seconds=0)


def test_texts_longer_than_the_limit_are_refused() -> None:
    with pytest.raises(TemplateProblem, match="at most"):
        check_source("x" * (velocity.MAX_SOURCE + 1))


def test_a_large_ordinary_template_compiles() -> None:
    body = INVITE.body * (velocity.MAX_SOURCE // len(INVITE.body))
    check_source(body)


def test_a_refused_template_is_not_kept_compiled() -> None:
    refused = "$a.upper() and some unique text 7f3a"
    with pytest.raises(TemplateProblem):
        render("subject", refused, {"a": "x"})
    assert refused not in velocity.CACHE


def test_a_checked_template_is_not_kept_compiled_until_it_is_rendered() -> None:
    text = "<p>Checked only, 51c2 $DevFirstName</p>"
    check_source(text)
    assert text not in velocity.CACHE
    render("s", text, {"DevFirstName": "Ada"})
    assert text in velocity.CACHE


def test_the_cache_holds_no_more_bytes_than_its_budget() -> None:
    texts = [f"<p>Template {n}: $DevFirstName #if($X)x#end</p>" * 20 for n in range(30)]
    one = tree_size(compile_template(texts[0]))
    cache = TemplateCache(max_bytes=one * 5)
    for text in texts:
        cache.get(text)
        assert cache.size <= cache.max_bytes
    assert 1 <= len(cache) <= 5
    assert texts[-1] in cache and texts[0] not in cache


def test_a_template_larger_than_the_whole_cache_is_not_kept() -> None:
    cache = TemplateCache(max_bytes=1000)
    cache.get(INVITE.body)
    assert len(cache) == 0 and cache.size == 0


def test_the_measured_size_of_a_parse_tree_is_close_to_what_it_takes() -> None:
    body = INVITE.body * 20
    gc.collect()
    tracemalloc.start()
    try:
        template = compile_template(body)
        gc.collect()
        taken, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    measured = tree_size(template)
    assert taken / 2 <= measured <= taken * 2, (measured, taken)


def test_a_loop_that_writes_nothing_still_stops_at_the_render_time_budget(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sandbox, "RENDER_SECONDS", 0)
    quiet_loop = "#foreach($i in $Many)#if($i == 'never')x#end#end"
    with pytest.raises(TemplateProblem, match="too long to render"):
        render("", quiet_loop, {"Many": ["a", "b", "c"]})
