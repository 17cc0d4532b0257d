"""A tiny publisher site that Apidesk's developer portal delegates sign-in, sign-up and sign-out
to (see docs/portal.md). Standard library only; an example, not a production site: its
accounts live in memory and its pages are bare.

    APIDESK_SERVICE_URL=http://127.0.0.1:8000/subscriptions/.../service/apidesk \
    APIDESK_TOKEN=... VALIDATION_KEY=... python delegation_publisher.py 127.0.0.1 9000

VALIDATION_KEY is what `POST .../portalsettings/delegation/listSecrets` returns; the portal's
delegation URL is then http://127.0.0.1:9000/delegate.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import json
import os
import sys
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit
from urllib.request import Request, urlopen

API_VERSION = "2024-05-01"


class Publisher:
    def __init__(self, service_url: str, token: str, validation_key: str) -> None:
        self.service_url = service_url.rstrip("/")
        self.token = token
        self.key = base64.b64decode(validation_key)
        # email -> (password, Apidesk user id). A real site has its own user database.
        self.accounts: dict[str, tuple[str, str]] = {}

    def genuine(self, query: dict[str, str]) -> bool:
        """Check `sig` the way the portal made it: HMAC-SHA512 over the salt and the
        operation's parameters, one per line."""
        operation = query.get("operation", "")
        if operation in ("SignIn", "SignUp"):
            names = ["returnUrl"]
        elif operation == "Subscribe":
            names = ["productId", "userId"]
        elif operation in ("Unsubscribe", "Renew"):
            names = ["subscriptionId"]
        else:
            names = ["userId"]
        message = "\n".join([query.get("salt", ""), *(query.get(name, "") for name in names)])
        expected = base64.b64encode(hmac.new(self.key, message.encode(), hashlib.sha512).digest())
        return hmac.compare_digest(expected, query.get("sig", "").encode())

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        request = Request(  # noqa: S310 (the configured Apidesk URL)
            f"{self.service_url}{path}?api-version={API_VERSION}",
            method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
        )
        with urlopen(request, timeout=30) as answer:  # noqa: S310
            return json.loads(answer.read() or b"null")

    def sso_url(self, user_id: str, return_url: str) -> str:
        """Sign the user in on the portal: a one-time link, back to where they were."""
        value = self.call("POST", f"/users/{quote(user_id, safe='')}/generateSsoUrl")["value"]
        return f"{value}&returnUrl={quote(return_url, safe='')}"

    def sign_up(self, email: str, password: str, first: str, last: str) -> str:
        user_id = uuid.uuid4().hex
        properties = {"email": email, "firstName": first, "lastName": last, "state": "active"}
        self.call("PUT", f"/users/{user_id}", {"properties": properties})
        self.accounts[email.lower()] = (password, user_id)
        return user_id


FORM = """<!doctype html><title>{title}</title><h1>{title}</h1>
<form method="post" action="/{action}"><input type="hidden" name="returnUrl" value="{back}">
<label>Email <input name="email"></label> <label>Password <input name="password"
type="password"></label>{extra}<button>{title}</button></form>"""
NAMES = (
    '<label>First name <input name="first"></label> <label>Last name <input name="last"></label>'
)


def handler(publisher: Publisher) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def send(self, status: int, text: str = "", location: str | None = None) -> None:
            self.send_response(status)
            if location:
                self.send_header("Location", location)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(text.encode())

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            if parts.path != "/delegate" or not publisher.genuine(query):
                return self.send(403, "Not a genuine delegation request.")
            back = html.escape(query.get("returnUrl", "/"))
            operation = query["operation"]
            if operation == "SignIn":
                return self.send(
                    200, FORM.format(title="Sign in", action="signin", back=back, extra="")
                )
            if operation == "SignUp":
                return self.send(
                    200, FORM.format(title="Sign up", action="signup", back=back, extra=NAMES)
                )
            if operation == "SignOut":
                return self.send(200, "<p>You are signed out.</p>")
            return self.send(501, f"{html.escape(operation)} is not handled by this example.")

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            email, password = form.get("email", "").lower(), form.get("password", "")
            back = form.get("returnUrl", "/")
            if self.path == "/signup" and email and email not in publisher.accounts:
                user_id = publisher.sign_up(
                    email, password, form.get("first", ""), form.get("last", "")
                )
                return self.send(303, location=publisher.sso_url(user_id, back))
            account = publisher.accounts.get(email)
            if self.path == "/signin" and account and hmac.compare_digest(account[0], password):
                return self.send(303, location=publisher.sso_url(account[1], back))
            return self.send(400, "Wrong e-mail or password.")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


def serve(publisher: Publisher, host: str, port: int) -> ThreadingHTTPServer:
    return ThreadingHTTPServer((host, port), handler(publisher))


if __name__ == "__main__":
    site = Publisher(
        os.environ["APIDESK_SERVICE_URL"], os.environ["APIDESK_TOKEN"], os.environ["VALIDATION_KEY"]
    )
    serve(site, sys.argv[1], int(sys.argv[2])).serve_forever()
