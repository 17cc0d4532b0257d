"""A real SMTP server on loopback (aiosmtpd) that keeps every message it receives."""

from __future__ import annotations

import email
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from support.server import free_port


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def to(self) -> str:
        return str(self.message["To"])

    def part(self, subtype: str) -> str:
        found = self.message.get_body(preferencelist=(subtype,))
        assert found is not None, f"no text/{subtype} part"
        return str(found.get_content())

    @property
    def html(self) -> str:
        return self.part("html")

    @property
    def text(self) -> str:
        return self.part("plain")

    def link(self, page: str) -> str:
        """The first link to a portal page, from the plain-text part."""
        match = re.search(rf"https?://\S+/{re.escape(page)}\?token=[\w-]+", self.text)
        assert match, f"no {page} link in:\n{self.text}"
        return match.group(0)


@dataclass
class Mailbox:
    port: int
    messages: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    refuse_with: str | None = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse_with:
            return self.refuse_with
        parsed = email.message_from_bytes(envelope.original_content, policy=default)
        with self.lock:
            self.messages.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), parsed)  # type: ignore[arg-type]
            )
        return "250 Message accepted for delivery"

    def wait_for(self, count: int = 1, timeout: float = 15, **match: str) -> list[Received]:
        """Wait until `count` messages matching `match` (to=..., subject=...) have arrived."""
        deadline = time.monotonic() + timeout
        while True:
            with self.lock:
                found = [m for m in self.messages if _matches(m, match)]
            if len(found) >= count or time.monotonic() > deadline:
                assert len(found) >= count, (
                    f"expected {count} message(s) matching {match}, got {len(found)}: "
                    f"{[(m.to, m.subject) for m in self.messages]}"
                )
                return found
            time.sleep(0.05)

    def to(self, address: str) -> list[Received]:
        with self.lock:
            return [m for m in self.messages if address.lower() in m.to.lower()]


def _matches(message: Received, match: dict[str, str]) -> bool:
    for key, wanted in match.items():
        if key == "to" and wanted.lower() not in message.to.lower():
            return False
        if key == "subject" and wanted not in message.subject:
            return False
        if key == "rcpt" and wanted.lower() not in [r.lower() for r in message.recipients]:
            return False
    return True


@contextmanager
def smtp_server(
    port: int | None = None, mailbox: Mailbox | None = None, *, smtputf8: bool = False
) -> Iterator[Mailbox]:
    """With `smtputf8`, the server offers SMTPUTF8 (internationalized addresses)."""
    box = mailbox or Mailbox(port=port or free_port())
    controller = Controller(box, hostname="127.0.0.1", port=box.port, enable_SMTPUTF8=smtputf8)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


@pytest.fixture(scope="module")
def mailbox() -> Iterator[Mailbox]:
    """An SMTP server for the module (tests/conftest.py loads this fixture for every
    folder)."""
    with smtp_server() as box:
        yield box
