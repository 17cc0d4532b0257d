"""The bodies of the built-in e-mail templates and operator messages: well-formed XHTML that
renders through airspeed and through the production renderer with their declared parameters."""

from __future__ import annotations

import re

import airspeed
import pytest
from defusedxml import ElementTree
from support.template_defaults import EXPECTED, OPERATOR_PARAMETERS

from apidesk.domain.notifications import defaults, publisher, render

# A Velocity reference: $Name, $!Name, ${Name}, $Name.property (airspeed stops a name at "-").
REFERENCE = re.compile(r"\$!?\{?([A-Za-z][A-Za-z0-9_]*)")
CONDITION = re.compile(r"#(?:if|elseif|foreach)\s*\((.*?)\)\s*$", re.MULTILINE)
IF_VARIABLE = re.compile(r"#(?:if|elseif)\s*\(\s*\$!?\{?([A-Za-z][A-Za-z0-9_]*)\}?\s*\)")
LOOP_VARIABLE = re.compile(r"#foreach\s*\(\s*\$([A-Za-z][A-Za-z0-9_]*)\s+in\b")
NAMED_ENTITY = re.compile(r"&(?!(?:amp|lt|gt|quot|apos);)[A-Za-z][A-Za-z0-9]*;")

SAMPLE_URL = "https://portal.example.test/acme/invitation?token=T0k3n-xyz"
SAMPLE_LIST = ["sample-Apis-first", "sample-Apis-second"]

Message = tuple[str, str, str, tuple[str, ...]]  # (name, subject, body, parameter names)


def _messages() -> list[Message]:
    found: list[Message] = [
        (t.name, t.subject, t.body, tuple(p.name for p in t.parameters))
        for t in defaults.TEMPLATES.values()
    ]
    found += [
        (name, m.subject, m.body, OPERATOR_PARAMETERS[name])
        for name, m in publisher.OPERATOR_MESSAGES.items()
    ]
    return found


MESSAGES = _messages()
MESSAGE_IDS = [m[0] for m in MESSAGES]


def _sample(name: str) -> object:
    if name == "ConfirmUrl":
        return SAMPLE_URL
    if name == "Apis":
        return list(SAMPLE_LIST)
    return f"sample-{name}-value"


def _context(parameters: tuple[str, ...]) -> dict[str, object]:
    return {name: _sample(name) for name in parameters}


def _merge(text: str, context: dict[str, object]) -> str:
    return str(airspeed.Template(text).merge(dict(context)))


def _references(text: str) -> set[str]:
    loops = set(LOOP_VARIABLE.findall(text))
    return set(REFERENCE.findall(text)) - loops


def _printed_references(text: str) -> set[str]:
    """References whose value is written out, not only tested in a directive."""
    loops = set(LOOP_VARIABLE.findall(text))
    return set(REFERENCE.findall(CONDITION.sub("", text))) - loops


def _leftovers(rendered: str, parameters: tuple[str, ...]) -> list[str]:
    return [
        name
        for name in parameters
        if re.search(rf"\$!?\{{?{re.escape(name)}(?![A-Za-z0-9_])", rendered)
    ]


# --- bodies: XHTML ---------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "subject", "body", "parameters"), MESSAGES, ids=MESSAGE_IDS)
def test_body_is_a_well_formed_xhtml_document(
    name: str, subject: str, body: str, parameters: tuple[str, ...]
) -> None:
    assert body.startswith("<!DOCTYPE html>\n<html")
    root = ElementTree.fromstring(body)
    assert root.tag == "html"
    assert [child.tag for child in root] == ["head", "body"]
    render.check_body(body)
    assert not NAMED_ENTITY.search(body)
    lowered = body.lower()
    for forbidden in ("<img", "<script", "src=", "url(", "@import", "http://", "https://"):
        assert forbidden not in lowered
    assert "$OrganizationName" in body
    assert all(len(line) <= 100 for line in body.splitlines())


# --- rendering -------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "subject", "body", "parameters"), MESSAGES, ids=MESSAGE_IDS)
def test_only_declared_parameters_are_referenced(
    name: str, subject: str, body: str, parameters: tuple[str, ...]
) -> None:
    assert _references(subject) <= set(parameters)
    assert _references(body) <= set(parameters)
    render.check_source(subject)
    render.check_source(body)


@pytest.mark.parametrize(("name", "subject", "body", "parameters"), MESSAGES, ids=MESSAGE_IDS)
def test_renders_every_value_with_airspeed(
    name: str, subject: str, body: str, parameters: tuple[str, ...]
) -> None:
    context = _context(parameters)
    for text in (subject, body):
        rendered = _merge(text, context)
        assert not _leftovers(rendered, parameters)
        for reference in _printed_references(text):
            value = context[reference]
            for item in value if isinstance(value, list) else [value]:
                assert str(item) in rendered, reference
    for item in SAMPLE_LIST if "Apis" in parameters else []:
        assert item in _merge(body, context)
    ElementTree.fromstring(_merge(body, context))


@pytest.mark.parametrize(("name", "subject", "body", "parameters"), MESSAGES, ids=MESSAGE_IDS)
def test_if_blocks_render_both_ways(
    name: str, subject: str, body: str, parameters: tuple[str, ...]
) -> None:
    for variable in set(IF_VARIABLE.findall(subject + body)):
        assert variable in parameters
        present = _context(parameters)
        absent = {**present, variable: ""}
        shown, hidden = _merge(body, present), _merge(body, absent)
        assert shown != hidden
        for rendered in (shown, hidden):
            ElementTree.fromstring(rendered)
            assert not _leftovers(rendered, parameters)
            assert "#if" not in rendered
            assert "#end" not in rendered
        if isinstance(present[variable], str) and variable in _printed_references(body):
            assert str(present[variable]) in shown
            assert str(present[variable]) not in hidden


def test_optional_subscription_details_appear_only_when_given() -> None:
    purchase = defaults.TEMPLATES["purchasedevelopernotificationmessage"]
    context = _context(EXPECTED[purchase.name][2])
    assert "sample-SubTerm-value" in _merge(purchase.body, context)
    without = _merge(purchase.body, {**context, "SubTerm": ""})
    assert "Term:" not in without
    assert "sample-SubStartDate-value" in without

    reject = defaults.TEMPLATES["rejectdevelopernotificationmessage"]
    context = _context(EXPECTED[reject.name][2])
    assert "sample-SubDeclineReason-value" in _merge(reject.body, context)
    assert "Reason" not in _merge(reject.body, {**context, "SubDeclineReason": ""})


def test_quota_warning_lists_apis_and_alerts() -> None:
    quota = defaults.TEMPLATES["quotalimitapproachingdevelopernotificationmessage"]
    context = _context(EXPECTED[quota.name][2])
    full = _merge(quota.body, context)
    assert "sample-Calls-value" in full
    assert "sample-BandwidthQuota-value" in full
    quiet = _merge(quota.body, {**context, "CallsAlert": False, "BandwidthAlert": "", "Apis": []})
    for value in ("sample-Calls-value", "sample-Bandwidth-value", *SAMPLE_LIST):
        assert value not in quiet
    ElementTree.fromstring(quiet)
    assert "sample-SubPrimaryKey-value" not in full  # keys stay out of e-mail


@pytest.mark.parametrize(("name", "subject", "body", "parameters"), MESSAGES, ids=MESSAGE_IDS)
def test_production_renderer_escapes_values_into_valid_xhtml(
    name: str, subject: str, body: str, parameters: tuple[str, ...]
) -> None:
    hostile = {
        p: (f"<b>{p}</b> & \"'" if p not in ("ConfirmUrl", "Apis") else _sample(p))
        for p in parameters
    }
    rendered = render.render(subject, body, hostile)
    ElementTree.fromstring(rendered.html)
    assert "<b>" not in rendered.html.split("</head>", 1)[1]
    assert rendered.subject
    assert "The " in rendered.text


@pytest.mark.parametrize(("name", "subject", "body", "parameters"), MESSAGES, ids=MESSAGE_IDS)
def test_confirmation_link_is_shown_as_link_and_text(
    name: str, subject: str, body: str, parameters: tuple[str, ...]
) -> None:
    if "ConfirmUrl" not in parameters:
        assert "$ConfirmUrl" not in body
        return
    assert 'href="$ConfirmUrl"' in body
    assert re.search(r">[^<]*\$ConfirmUrl", body)
    rendered = render.render(subject, body, _context(parameters))
    assert f'href="{SAMPLE_URL}"' in rendered.html
    assert SAMPLE_URL in rendered.text


def test_templates_with_a_confirmation_link() -> None:
    with_link = {t.name for t in defaults.TEMPLATES.values() if "$ConfirmUrl" in t.body}
    assert with_link == {
        "ConfirmSignUpIdentityDefault",
        "EmailChangeIdentityDefault",
        "InviteUserNotificationMessage",
        "PasswordResetByAdminNotificationMessage",
        "PasswordResetIdentityDefault",
    }


def test_portal_links_are_absolute_and_visible() -> None:
    for template in defaults.TEMPLATES.values():
        if "$DevPortalUrl" in template.body:
            assert 'href="$DevPortalUrl"' in template.body
            assert "http://$DevPortalUrl" not in template.body
            context = _context(tuple(p.name for p in template.parameters))
            context["DevPortalUrl"] = "https://portal.example.test/acme"
            rendered = render.render(template.subject, template.body, context)
            assert "https://portal.example.test/acme" in rendered.text
