"""The one check for URLs an operator sets (a delegation endpoint, a portal's own address):
what a browser or proxy would read as another host, a user, a port, or another path is
refused, and each refusal names the field."""

from __future__ import annotations

import pytest

from apidesk.domain import validation
from apidesk.errors import Collection

BOTH_GOOD = [
    "https://developer.example.com",
    "http://localhost:8080/delegate",
    "https://[::1]:8443/portal",
    "https://dev_box/portal/",
]
NEITHER = [
    "ftp://example.com/",
    "/relative",
    "https:///no-host",
    "https://user:secret@example.com/",
    "https://example.com:99999/",
    "https://example.com:0/",
    "https://example.com/#part",
    "https://example.com\\path",
    "https://exa mple.com/",
    "https://-example.com/",
    "https://example..com/",
    "https://example.com/a\tb",
    "https://[::1%25eth0]/",
    "https://[v1.x]/",
    "https://[example.com]/",
    "https://::1/",
    "https://xn--zz.example/",
    "https://1.2.3.4.5/",
    "https://a\u200db.example/",
    7,
]
NOT_A_SITE = [
    "https://example.com/?x=1",
    "https://example.com/portal?",
    "https://example.com//portal",
    "https://example.com/a/../b",
    "https://example.com/%2E%2e/b",
    "https://example.com/a%2Fb",
    "https://example.com/a%5cb",
]


def check(value: object, *, site: bool) -> tuple[str | None, Collection]:
    problems = Collection()
    return validation.web_url(problems, "url", value, max_length=2000, site=site), problems


@pytest.mark.parametrize("value", BOTH_GOOD)
def test_a_plain_address_is_taken_as_it_is(value: str) -> None:
    assert check(value, site=False)[0] == value
    assert check(value, site=True)[0] == value.rstrip("/")


@pytest.mark.parametrize(
    ("value", "wire"),
    [
        ("https://bücher.example/portal/", "https://xn--bcher-kva.example/portal"),
        ("https://例え.jp/delegation", "https://xn--r8jz45g.jp/delegation"),
        ("https://Developer.Example.COM:8443/Path", "https://developer.example.com:8443/Path"),
        # UTS 46 as browsers apply it, not IDNA 2003's strasse.de: another domain.
        ("https://straße.de/p", "https://xn--strae-oqa.de/p"),
        ("https://xn--strae-oqa.de/p", "https://xn--strae-oqa.de/p"),
        ("https://developer.example.com./", "https://developer.example.com"),
    ],
)
def test_a_host_is_kept_as_a_browser_writes_it(value: str, wire: str) -> None:
    """Headers, cookies and CSP sources carry only ASCII: a name is kept in that spelling."""
    assert check(value, site=True)[0] == wire


@pytest.mark.parametrize("value", NEITHER)
def test_what_is_not_an_http_address_is_refused(value: object) -> None:
    for site in (False, True):
        taken, problems = check(value, site=site)
        assert taken is None
        [problem] = problems.problems
        assert problem.target == "url" and problem.message.startswith("'url' must ")


@pytest.mark.parametrize("value", NOT_A_SITE)
def test_a_site_has_no_query_and_no_path_a_proxy_would_resolve(value: str) -> None:
    assert check(value, site=False)[0] == value.removesuffix("?")  # an empty query is none
    assert check(value, site=True)[0] is None


@pytest.mark.parametrize(
    ("name", "ok"),
    [
        ("developer.example.com", True),
        ("DEV.Example.COM.", True),
        ("straße.de", True),
        ("xn--strae-oqa.de", True),
        ("10.0.0.1", True),
        ("bücher.example", True),
        ("xn--bcher-kva.example", True),
        ("xn--zz.example", False),
        ("1.2.3.4.5", False),
        ("fe80::1%eth0", False),
        ("dev.example:8443", False),
        ("dev.example/x", False),
        ("me@dev.example", False),
        ("a" * 64 + ".example", False),
        ("", False),
    ],
)
def test_a_host_name_is_a_dns_name_or_an_address(name: str, ok: bool) -> None:
    assert (validation.ascii_host(name) is not None) is ok


def test_a_url_is_no_longer_than_its_limit_once_spelled_in_ascii() -> None:
    """The limit holds for what is kept: a name's ASCII spelling is longer than its own."""
    url = "https://例え.jp/" + "a" * 80
    assert len(url) <= 100
    problems = Collection()
    assert validation.web_url(problems, "url", url, max_length=100) is None
    assert problems.problems[0].message == "'url' must be at most 100 characters long."
    assert validation.web_url(Collection(), "url", url, max_length=200) is not None
    assert validation.ascii_host("Developer.Example.COM.") == "developer.example.com"
