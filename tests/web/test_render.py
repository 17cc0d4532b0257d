"""The pages' shared rendering: Jinja's `urlencode` in a quicker form with the same output,
each security header once on every page, and templates compiled once per process."""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from jinja2.filters import do_urlencode

from apidesk.web import render
from apidesk.web.headers import PAGE_HEADERS

# Any text, and text of the characters a URL carries as they are (the quick path).
TEXT = st.text() | st.from_regex(r"[A-Za-z0-9_.~/%&=+ -]*", fullmatch=True)


@given(TEXT)
def test_text_is_quoted_as_jinja_quotes_it(value: str) -> None:
    assert render.urlencode(value) == do_urlencode(value)


@given(st.dictionaries(TEXT, TEXT | st.none() | st.integers()))
def test_a_query_is_written_as_jinja_writes_it(values: dict[str, object]) -> None:
    assert render.urlencode(values) == do_urlencode(values)


def test_other_values_are_left_to_jinja() -> None:
    for value in (42, [("a b", "c/d")], "a/b c", "é/ü", "50%", ""):
        assert render.urlencode(value) == do_urlencode(value), value
    # What the quick path must still quote: a slash in a query, a space, a plus, a percent.
    assert render.urlencode({"after": "a/b", "q": "x y+z%"}) == "after=a%2Fb&q=x+y%2Bz%25"
    assert render.urlencode("odd%26&x:y é") == "odd%2526%26x%3Ay%20%C3%A9"


def test_a_page_carries_each_security_header_once(tmp_path: Path) -> None:
    (tmp_path / "page.html").write_text("<p>{{ text }}</p>")
    response = render.page(render.environment(tmp_path), "page.html", 201, text="<b>&'\"")
    assert response.status_code == 201
    assert response.body == b"<p>&lt;b&gt;&amp;&#39;&#34;</p>"
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    for name, value in PAGE_HEADERS.items():
        assert response.headers.getlist(name) == [value], name
    names = [name for name, _ in response.raw_headers]
    assert len(names) == len(set(names)) == len(PAGE_HEADERS) + 2  # and length, type


def test_a_template_is_compiled_once_per_process(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text("first")
    env = render.environment(tmp_path)
    assert render.page(env, "page.html").body == b"first"
    page.write_text("second")
    later = page.stat().st_mtime + 60
    os.utime(page, (later, later))
    assert render.page(env, "page.html").body == b"first"
    assert render.page(render.environment(tmp_path), "page.html").body == b"second"
