"""Small, shared field checks. Each one reports into a `Collection` so one request can name
every bad field at once."""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from collections.abc import Iterable
from datetime import UTC, datetime
from functools import cache
from typing import Any
from urllib.parse import SplitResult, urlsplit, urlunsplit

from apidesk.errors import Collection, Invalid

EMAIL_MAX = 254
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Client-chosen ids are URL path segments: they must survive a round trip through a URL and an
# ARM id unchanged. The pattern is also published in the OpenAPI document.
ID_PATTERN = r"^[^\x00-\x1f\x7f/\\?#\s](?:[^\x00-\x1f\x7f/\\?#]*[^\x00-\x1f\x7f/\\?#\s])?$"
_ID = re.compile(ID_PATTERN)
# Most addresses are plain ASCII ones that the full check (some 50 us each) would return
# unchanged; a bulk import of a million users notices. This recognizes a safe subset of them:
# anything it does not match, or any doubt, goes through `validate_email`. A property test
# holds the two to agreement.
_PLAIN_EMAIL = re.compile(
    r"[A-Za-z0-9_+-]{1,64}(?:\.[A-Za-z0-9_+-]{1,64})*"
    r"@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}",
    re.ASCII,
)


# A host name as DNS spells it (after IDNA), with '_' allowed since local service names use it.
_LABEL = r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?"
_HOST_NAME = re.compile(rf"(?=.{{1,253}}$){_LABEL}(?:\.{_LABEL})*", re.ASCII)


def digits(value: str) -> bool:
    """Whether `value` is one or more of 0-9. `str.isdigit` alone also takes '²' and the
    digits of other scripts, which `int()` refuses or reads: a check with it let a 500 through."""
    return value.isascii() and value.isdigit()


def text(
    problems: Collection,
    target: str,
    value: Any,
    *,
    min_length: int = 1,
    max_length: int,
    allow_blank: bool = False,
    multiline: bool = False,
) -> str | None:
    if not isinstance(value, str):
        problems.add(target, f"'{target}' must be a string.")
        return None
    if len(value) < min_length:
        problems.add(target, f"'{target}' must be at least {min_length} character(s) long.")
        return None
    if len(value) > max_length:
        problems.add(target, f"'{target}' must be at most {max_length} characters long.")
        return None
    if value and not allow_blank and value.strip() == "":
        problems.add(target, f"'{target}' must not be blank.")
        return None
    if not multiline and _CONTROL.search(value):
        problems.add(target, f"'{target}' must not contain control characters.")
        return None
    if multiline and re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", value):
        problems.add(target, f"'{target}' must not contain control characters.")
        return None
    return value


def email(
    problems: Collection, target: str, value: Any, *, max_length: int = EMAIL_MAX
) -> str | None:
    if not isinstance(value, str):
        problems.add(target, f"'{target}' must be a string.")
        return None
    if not value:
        problems.add(target, f"'{target}' must not be empty.")
        return None
    if len(value) > max_length:
        problems.add(target, f"'{target}' must be at most {max_length} characters long.")
        return None
    if _plain_email(value):
        return value
    from email_validator import EmailNotValidError, validate_email

    try:
        checked = validate_email(value, check_deliverability=False)
    except EmailNotValidError as exc:
        problems.add(target, f"'{target}' is not a valid address: {exc}")
        return None
    normalized = checked.normalized
    if max(len(normalized), len(email_key(normalized))) > max_length:
        problems.add(target, f"'{target}' must be at most {max_length} characters long.")
        return None
    return normalized


def sender_email(
    problems: Collection, target: str, value: Any, *, max_length: int = EMAIL_MAX
) -> str | None:
    """An address e-mail can be sent from through any mail server: its part before the '@'
    in ASCII (an internationalized domain is fine, it has an ASCII spelling). Others need
    SMTPUTF8, which not every server offers, and every message would fail on those that
    do not."""
    address = email(problems, target, value, max_length=max_length)
    if address is not None and not address.rpartition("@")[0].isascii():
        problems.add(
            target,
            f"'{target}' is an address e-mail is sent from: the part before the '@' must be "
            "ASCII, since not every mail server accepts others.",
        )
        return None
    return address


def _plain_email(value: str) -> bool:
    if not _PLAIN_EMAIL.fullmatch(value):
        return False
    local, _, domain = value.rpartition("@")
    if len(local) > 64 or len(domain) > 253 or "--" in domain:
        return False
    # Reserved names such as `localhost` or `.test` are refused by the full check.
    reserved = _reserved_domains()
    labels = domain.split(".")
    return not any(".".join(labels[i:]) in reserved for i in range(len(labels)))


@cache
def _reserved_domains() -> frozenset[str]:
    # email_validator is loaded on first use: most commands never check an address.
    import email_validator

    return frozenset(email_validator.SPECIAL_USE_DOMAIN_NAMES)


def email_key(address: str) -> str:
    """The form in which addresses are compared: case does not make two addresses different."""
    return unicodedata.normalize("NFC", address).lower()


def sign_in_key(typed: str) -> str:
    """The key under which a sign-in with the address `typed` is counted and audited: its
    `email_key`; or "" for an address no account can have (longer than an address may be,
    or with a control character), which the sign-in then refuses like a wrong password after
    the same work, writing nothing. No account's password can be guessed with such an
    address, so leaving it uncounted takes nothing from the throttle, and the throttle and
    audit tables hold no junk keys."""
    key = email_key(typed.strip())
    if len(key) > EMAIL_MAX or any(unicodedata.category(c) == "Cc" for c in key):
        return ""
    return key


def entity_id(value: str, *, target: str, max_length: int, min_length: int = 1) -> str:
    """Validate a client-chosen id from a URL path; raise at once, there is nothing else to add."""
    # Ids are compared lowercased, and a few letters grow when lowercased ("İ" becomes two
    # characters): the lowercased form must fit as well.
    if len(value) < min_length or max(len(value), len(value.lower())) > max_length:
        raise Invalid.field(
            target, f"'{target}' must be between {min_length} and {max_length} characters long."
        )
    if not _ID.fullmatch(value):
        raise Invalid.field(
            target,
            f"'{target}' must not contain control characters, '/', '\\', '?', '#', "
            "or leading or trailing spaces.",
        )
    return value


def moment(problems: Collection, target: str, value: Any) -> datetime | None:
    """A date-time as an aware UTC value; naive ones are read as UTC."""
    if not isinstance(value, datetime):
        problems.add(target, f"'{target}' must be a date-time.")
        return None
    try:
        result = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except OverflowError:
        result = None
    if result is None or not 1 < result.year < 9999:
        problems.add(target, f"'{target}' must be a date-time between the years 2 and 9998.")
        return None
    return result


def choice(problems: Collection, target: str, value: Any, allowed: Iterable[str]) -> str | None:
    """Match `value` against `allowed` case-insensitively and return the canonical spelling."""
    options = list(allowed)
    if isinstance(value, str):
        for option in options:
            if option.lower() == value.lower():
                return option
    problems.add(target, f"'{target}' must be one of: {', '.join(options)}.")
    return None


def ascii_host(value: str) -> str | None:
    """`value` as a browser puts it on the wire: an IP address as written, a DNS name in
    lower case, without a final dot, each internationalized label in its ASCII (punycode)
    spelling by UTS 46 as browsers apply it; None when it is neither. A header, a cookie or a
    CSP source can carry only this form."""
    if not value or len(value) > 254 or "%" in value:  # '%': an IPv6 zone, or an escape
        return None
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        pass
    import idna  # loaded on first use: most commands never check a host

    try:
        if value.isascii():
            name = value.lower().removesuffix(".")
            for label in name.split("."):
                if label.startswith("xn--"):
                    idna.decode(label)  # a punycode label must spell a name
        else:
            name = idna.encode(value, uts46=True, transitional=False).decode("ascii").lower()
            name = name.removesuffix(".")
    except (idna.IDNAError, UnicodeError):
        return None
    if not _HOST_NAME.fullmatch(name) or name.rpartition(".")[2].isdigit():
        return None  # a last label of digits is an IPv4 address a browser would refuse
    return name


def web_url(
    problems: Collection,
    target: str,
    value: Any,
    *,
    max_length: int,
    site: bool = False,
    example: str = "https://example.com/path",
) -> str | None:
    """An absolute http or https URL with a host, no credentials and no fragment. A `site` is
    an address pages live below: nor a query, nor an empty or dot segment in its path, which
    a browser or proxy would resolve to somewhere else; it comes back without a trailing '/'."""
    checked = text(problems, target, value, max_length=max_length)
    if checked is None:
        return None
    parts = _split(checked)
    host = ascii_host(parts.hostname or "") if parts is not None else None
    if (
        parts is None
        or host is None
        or ("[" in parts.netloc) != (":" in host)  # brackets hold an IPv6 address, and only
        or parts.scheme not in ("http", "https")
        or parts.username is not None
        or parts.fragment
        or "#" in checked
        or any(c.isspace() or c == "\\" for c in checked)
        or (site and ("?" in checked or not _plain_path(parts.path)))
    ):
        if site:
            problems.add(
                target,
                f"'{target}' must be an http or https address such as {example}, without "
                "credentials, a query, a fragment, or an empty or dot segment in its path.",
            )
        else:
            problems.add(
                target,
                f"'{target}' must be an absolute http or https URL without credentials or a "
                f"fragment, e.g. {example}.",
            )
        return None
    url = urlunsplit((parts.scheme, netloc(host, parts.port), parts.path, parts.query, ""))
    url = url.rstrip("/") if site else url
    if len(url) > max_length:  # a name's ASCII spelling is longer
        problems.add(target, f"'{target}' must be at most {max_length} characters long.")
        return None
    return url


def netloc(host: str, port: int | None = None) -> str:
    """`host[:port]` as a URL writes it: an IPv6 address in brackets."""
    written = f"[{host}]" if ":" in host else host
    return written if port is None else f"{written}:{port}"


def path_escapes(path: str) -> bool:
    """Whether a browser or a proxy could read `path` as another path: a dot segment ('.',
    '..', or either spelled with %2e), or an encoded slash or backslash, which a proxy in
    front may decode before it resolves the path."""
    lowered = path.lower()
    if "%2f" in lowered or "%5c" in lowered:
        return True
    return any(part.replace("%2e", ".") in (".", "..") for part in lowered.split("/"))


def _split(value: str) -> SplitResult | None:
    try:
        parts = urlsplit(value)
        return parts if parts.port is None or parts.port > 0 else None
    except ValueError:  # a port that is not a number or out of range, a bad IPv6 literal
        return None


def _plain_path(path: str) -> bool:
    """A site's path: nothing `path_escapes` would take elsewhere, and no empty segment."""
    trimmed = path.rstrip("/")
    return not path_escapes(trimmed) and all(trimmed.split("/")[1:])
