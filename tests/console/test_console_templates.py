"""The console's E-mail templates pages over HTTP: edit with a preview on sample values, a
test message through the outbox to a real SMTP server, restore the built-in text; a broken
template saves nothing."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
from support.console import Person, signed_in_operator
from support.inprocess import InProcessServer
from support.mailbox import Mailbox
from support.server import ServiceRef

import apidesk
from apidesk.domain.notifications.defaults import NEVER_SENT
from apidesk.domain.notifications.publisher import NEVER_SENT as PUBLISHER_NEVER_SENT

V = {"api-version": "2024-05-01"}
NAME = "NewDeveloperNotificationMessage"
BODY = (
    "<!DOCTYPE html><html><head><title>t</title></head><body>"
    "<p>Hello $DevFirstName, welcome to $OrganizationName.</p></body></html>"
)


def editor(person: Person, shop: ServiceRef, name: str = NAME) -> httpx.Response:
    page = person.get(f"/console/{shop.name}/templates/{name}")
    assert page.status_code == 200, page.text
    return page


def wire(admin: httpx.Client, shop: ServiceRef, name: str = NAME) -> dict[str, object]:
    answer = admin.get(shop.url(f"/templates/{name}"), params=V)
    assert answer.status_code == 200, answer.text
    return dict(answer.json()["properties"])


def test_the_list_shows_the_fourteen_templates(
    app: InProcessServer, shop: ServiceRef, person: Person
) -> None:
    signed_in_operator(app, person)
    page = person.get(f"/console/{shop.name}/templates")
    assert page.status_code == 200
    links = re.findall(rf'href="/console/{shop.name}/templates/(\w+)"', page.text)
    assert len(set(links)) == 14 and NAME in links
    # Built-in is no state: not the active (green) badge, its words as written, on one line.
    assert page.text.count('<span class="badge plain">Built-in</span>') == 14
    assert page.text.count("Not sent: Apidesk has no") == len(NEVER_SENT)


def test_the_templates_and_notifications_of_missing_features_say_they_are_never_sent(
    app: InProcessServer, shop: ServiceRef, person: Person
) -> None:
    signed_in_operator(app, person)
    page = editor(person, shop, "ApplicationApprovedNotificationMessage").text
    assert "Apidesk never sends this e-mail: it has no application gallery." in page
    assert "never sends" not in editor(person, shop).text
    notices = person.get(f"/console/{shop.name}/notifications").text
    assert notices.count("Never sent: Apidesk has no") == len(PUBLISHER_NEVER_SENT)
    issues = notices[notices.index('id="NewIssuePublisherNotificationMessage"') :]
    assert issues.index("Never sent: Apidesk has no issue tracker.") < issues.index("</section>")


def test_what_is_never_sent_is_named_by_no_sending_code() -> None:
    """A feature that comes to send one of them must take it off the never-sent lists."""
    package = Path(apidesk.__file__).parent
    lists = {
        package / "domain/notifications/defaults.py",
        package / "domain/notifications/publisher.py",
    }
    sources = [p.read_text() for p in package.rglob("*.py") if p not in lists]
    for name in [*NEVER_SENT, *PUBLISHER_NEVER_SENT]:
        assert not any(f'"{name}"' in text for text in sources), name
    assert any('"InviteUserNotificationMessage"' in text for text in sources)  # the check sees


def test_a_saved_template_is_what_the_api_reads_and_the_list_marks(
    app: InProcessServer, shop: ServiceRef, admin: httpx.Client, person: Person
) -> None:
    signed_in_operator(app, person)
    saved = person.submit(
        editor(person, shop),
        f"/console/{shop.name}/templates/{NAME}",
        subject="Welcome, $DevFirstName",
        body=BODY,
    )
    assert saved.status_code == 303, saved.text
    page = person.follow(saved)
    assert 'role="status">The changes were saved.' in page.text
    assert ">Customized</span>" in page.text
    stored = wire(admin, shop)
    assert (stored["subject"], stored["body"], stored["isDefault"]) == (
        "Welcome, $DevFirstName",
        BODY,
        False,
    )
    listed = person.get(f"/console/{shop.name}/templates").text
    assert listed.count("Customized</span>") == 1
    audit = person.get(f"/console/{shop.name}/audit", action="template.update").text
    assert f"templates/{NAME}" in audit


def test_a_broken_template_saves_nothing_and_keeps_what_was_typed(
    app: InProcessServer, shop: ServiceRef, admin: httpx.Client, person: Person
) -> None:
    signed_in_operator(app, person)
    before = wire(admin, shop)
    broken = "<html><body><p>#if ($DevFirstName) unclosed</p></body></html>"
    refused = person.submit(
        editor(person, shop), f"/console/{shop.name}/templates/{NAME}", subject="S", body=broken
    )
    assert refused.status_code == 400
    assert "not a usable template" in refused.text
    assert "#if ($DevFirstName) unclosed" in refused.text  # the text typed is still there
    not_xhtml = person.submit(
        editor(person, shop),
        f"/console/{shop.name}/templates/{NAME}",
        subject="S",
        body="<p>unclosed",
    )
    assert not_xhtml.status_code == 400 and "well-formed" in not_xhtml.text
    empty = person.submit(
        editor(person, shop), f"/console/{shop.name}/templates/{NAME}", subject="", body=BODY
    )
    assert empty.status_code == 400
    assert 'role="alert">The subject must be at least 1 character' in empty.text
    assert wire(admin, shop) == before


def test_the_preview_fills_in_sample_values_in_a_sandbox(
    app: InProcessServer, shop: ServiceRef, admin: httpx.Client, person: Person
) -> None:
    signed_in_operator(app, person)
    page = editor(person, shop)
    assert f'src="/console/{shop.name}/templates/{NAME}/preview"' in page.text
    saved = person.get(f"/console/{shop.name}/templates/{NAME}/preview")
    assert saved.status_code == 200 and "Ada" in saved.text
    draft = person.submit(
        page,
        f"/console/{shop.name}/templates/{NAME}/preview",
        subject="Hi",
        body=BODY.replace("Hello", "Howdy") + "",
    )
    assert draft.status_code == 200
    assert "Howdy Ada, welcome to" in draft.text
    policy = draft.headers["content-security-policy"]
    assert policy.startswith("sandbox;") and "script-src" not in policy
    assert draft.headers["x-frame-options"] == "SAMEORIGIN"
    broken = person.submit(
        page, f"/console/{shop.name}/templates/{NAME}/preview", subject="Hi", body="<p>x"
    )
    assert broken.status_code == 400 and "No preview" in broken.text
    assert wire(admin, shop)["isDefault"] is True  # previews save nothing


def test_a_test_message_reaches_the_operator_with_sample_values(
    app: InProcessServer, shop: ServiceRef, person: Person, mailbox: Mailbox
) -> None:
    me = signed_in_operator(app, person)
    sent = person.submit(editor(person, shop), f"/console/{shop.name}/templates/{NAME}/test")
    assert sent.status_code == 303
    assert "A test message with sample values" in person.follow(sent).text
    (mail,) = mailbox.wait_for(to=me, subject="[Test]")
    assert mail.subject.startswith("[Test] ") and "Ada" in mail.text
    audit = person.get(f"/console/{shop.name}/audit", action="template.test").text
    assert me in audit


def test_restore_default_asks_first(
    app: InProcessServer, shop: ServiceRef, admin: httpx.Client, person: Person
) -> None:
    signed_in_operator(app, person)
    person.submit(
        editor(person, shop), f"/console/{shop.name}/templates/{NAME}", subject="X", body=BODY
    )
    page = editor(person, shop)
    asked = person.submit(page, f"/console/{shop.name}/templates/{NAME}/reset")
    assert asked.status_code == 200 and "Restore the built-in text" in asked.text
    assert wire(admin, shop)["isDefault"] is False
    done = person.submit(asked, f"/console/{shop.name}/templates/{NAME}/reset", confirm="yes")
    assert "back to its built-in text" in person.follow(done).text
    assert wire(admin, shop)["isDefault"] is True


def test_forms_need_their_token_and_the_right_operator(
    app: InProcessServer,
    shop: ServiceRef,
    admin: httpx.Client,
    person: Person,
    other_person: Person,
) -> None:
    signed_in_operator(app, person)
    editor(person, shop)
    forged = person.client.post(
        f"/console/{shop.name}/templates/{NAME}", data={"subject": "Forged", "body": BODY}
    )
    assert forged.status_code == 403 and wire(admin, shop)["isDefault"] is True
    assert person.get(f"/console/{shop.name}/templates/NoSuchTemplate").status_code == 404
    missing = f"/console/{shop.name}/templates/NoSuchTemplate/preview"
    assert person.get(missing).status_code == 404
    assert person.submit(editor(person, shop), missing, subject="S", body=BODY).status_code == 404
    elsewhere = app.new_service(f"{shop.name}-t")
    signed_in_operator(app, other_person, elsewhere.name)
    assert other_person.get(f"/console/{shop.name}/templates").status_code == 404
    assert other_person.get(f"/console/{shop.name}/templates/{NAME}/preview").status_code == 404


def test_a_template_that_reaches_beyond_its_values_is_refused_with_the_reason(
    app: InProcessServer, shop: ServiceRef, admin: httpx.Client, person: Person
) -> None:
    signed_in_operator(app, person)
    before = wire(admin, shop)
    url = f"/console/{shop.name}/templates/{NAME}"
    for body, reason in (
        (BODY.replace("$DevFirstName", "$DevFirstName.upper()"), "method calls"),
        (BODY.replace("$DevFirstName", "$DevFirstName.__class__"), "names are ASCII letters"),
        (BODY.replace("Hello", '#include("/etc/passwd")'), "is not allowed"),
        (BODY.replace("Hello", f"#set($x = {'9' * 4301})"), "4,300 digits"),
    ):
        refused = person.submit(editor(person, shop), url, subject="S", body=body)
        assert refused.status_code == 400, body
        alert = re.search(r'<p class="notice error" role="alert">([^<]*)</p>', refused.text)
        assert alert is not None and reason in alert.group(1), (reason, refused.text[-2000:])
        preview = person.submit(editor(person, shop), f"{url}/preview", subject="S", body=body)
        assert preview.status_code == 400 and reason in preview.text
    assert wire(admin, shop) == before


def test_what_was_typed_comes_back_as_text(
    app: InProcessServer, shop: ServiceRef, admin: httpx.Client, person: Person
) -> None:
    signed_in_operator(app, person)
    typed = "</textarea><script>alert(1)</script>"
    refused = person.submit(
        editor(person, shop),
        f"/console/{shop.name}/templates/{NAME}",
        subject='"><script>alert(2)</script>',
        body=typed,
    )
    assert refused.status_code == 400
    assert "<script>alert" not in refused.text
    assert "&lt;/textarea&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in refused.text
    assert wire(admin, shop)["isDefault"] is True


def test_another_instances_operator_changes_nothing(
    app: InProcessServer,
    shop: ServiceRef,
    admin: httpx.Client,
    person: Person,
    other_person: Person,
    mailbox: Mailbox,
) -> None:
    elsewhere = app.new_service(f"{shop.name}-o")
    signed_in_operator(app, other_person, elsewhere.name)
    own = other_person.get(f"/console/{elsewhere.name}/templates/{NAME}")
    assert own.status_code == 200
    mine = f"/console/{shop.name}/templates/{NAME}"
    saved = other_person.submit(own, mine, subject="Mine now", body=BODY)
    assert saved.status_code == 404
    assert other_person.submit(own, f"{mine}/reset", confirm="yes").status_code == 404
    assert other_person.submit(own, f"{mine}/test").status_code == 404
    assert other_person.submit(own, f"{mine}/preview", subject="S", body=BODY).status_code == 404
    assert wire(admin, shop)["isDefault"] is True and not mailbox.messages
