"""The portal pages behind the links in e-mails (invitation, password reset, e-mail
confirmation) and the form that asks for a reset link."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from apidesk.domain import passwords, throttle
from apidesk.domain.context import InstanceContext
from apidesk.domain.flows import invitation, links, recovery, signup
from apidesk.domain.flows.links import LinkState, LinkUnusable, Purpose
from apidesk.domain.validation import email_key
from apidesk.errors import Invalid
from apidesk.portal.base import SESSION_COOKIE, Portal, client_address, refusal_status, refused
from apidesk.portal.base import form_field as _field
from apidesk.portal.base import problem_text as _problem

# The fields of the forms that set a password (their ids) for the domain's names of them.
PASSWORD_FIELDS = {"password": "password", "confirm": "confirm"}


def _dead_link_reason(state: LinkState) -> str:
    return {
        LinkState.EXPIRED: "This link has expired.",
        LinkState.USED: "This link has already been used.",
        LinkState.REPLACED: "A newer link was sent; this one no longer works.",
        LinkState.VOIDED: "The account changed since this link was sent; it no longer works.",
    }.get(state, "This link is not valid.")


def invitation_page(portal: Portal, request: Request, form: FormData | None) -> Response:
    token = request.query_params.get("token", "")
    with portal.unit(request, write=False) as ctx:
        try:
            user = invitation.invitee(ctx, token)
        except LinkUnusable:
            return _dead_invitation(portal, request, ctx, token)
        return portal.render(request, ctx, "invitation.html", user=user, token=token)


def _dead_invitation(
    portal: Portal, request: Request, ctx: InstanceContext, token: str, status: int | None = None
) -> Response:
    dead = invitation.dead_link(ctx, token)
    return portal.render(
        request,
        ctx,
        "invitation_dead.html",
        status or (404 if dead.state is LinkState.UNKNOWN else 410),
        reason=_dead_link_reason(dead.state),
        token=token,
        standing=dead.standing.value,
    )


def invitation_submit(portal: Portal, request: Request, form: FormData | None) -> Response:
    token = ""
    try:
        with portal.unit(request, write=False) as ctx:
            form = portal.checked(request, form)
            token = _field(form, "token")
            user = invitation.invitee(ctx, token)
            if _field(form, "password") != _field(form, "confirm"):
                raise Invalid.field("confirm", "The two passwords differ.")
        # Checked and hashed with no unit of work open (no connection is held meanwhile).
        prepared = passwords.prepare(
            portal.runtime, _field(form, "password"), passwords.hints_of(user)
        )
        with portal.unit(request, write=True) as ctx:
            ctx.actor = f"user:{user.name}"
            accepted = invitation.accept(ctx, token, prepared)
            return portal.sign_in(request, ctx, accepted, f"{portal.base_path(request)}/")
    except LinkUnusable:
        with portal.unit(request, write=False) as ctx:
            return _dead_invitation(portal, request, ctx, token)
    except Invalid as error:
        with portal.unit(request, write=False) as ctx:
            try:
                # The form goes back with its error, if the link still works by now.
                page_user = invitation.invitee(ctx, token) if token else None
            except LinkUnusable:
                return _dead_invitation(portal, request, ctx, token)
            template = "invitation.html" if page_user else "message.html"
            return portal.render(
                request,
                ctx,
                template,
                refusal_status(error),
                user=page_user,
                token=token,
                **refused(error, PASSWORD_FIELDS),
                title="Try again",
                message=_problem(error),
            )


def invitation_renew(portal: Portal, request: Request, form: FormData | None) -> Response:
    with portal.unit(request, write=True) as ctx:
        try:
            form = portal.checked(request, form)
        except Invalid as error:
            return _try_again(portal, request, ctx, error)
        token = _field(form, "token")
        outcome, _ = invitation.renew(ctx, token, client_address(request))
        if outcome is invitation.Renewal.REFUSED:
            # The link's own page says what it can still do, and nothing was sent.
            try:
                user = invitation.invitee(ctx, token)
            except LinkUnusable:
                return _dead_invitation(portal, request, ctx, token)
            return portal.render(request, ctx, "invitation.html", user=user, token=token)
        if outcome is invitation.Renewal.HELD:
            response = portal.render(
                request,
                ctx,
                "message.html",
                429,
                title="Too many requests",
                message="New invitations were asked for too often. Check your e-mail for the "
                "latest one, or try again in an hour.",
            )
            response.headers["Retry-After"] = "3600"
            return response
        return portal.render(
            request,
            ctx,
            "message.html",
            title="Check your e-mail",
            message="A new link is on its way to the address on file for your account.",
        )


def reset_page(portal: Portal, request: Request, form: FormData | None) -> Response:
    token = request.query_params.get("token", "")
    with portal.unit(request, write=False) as ctx:
        try:
            user = recovery.account_of(ctx, token)
        except LinkUnusable as dead:
            return _dead_reset(portal, request, ctx, dead)
        return portal.render(request, ctx, "reset.html", user=user, token=token)


def _dead_reset(
    portal: Portal, request: Request, ctx: InstanceContext, dead: LinkUnusable
) -> Response:
    return portal.render(
        request,
        ctx,
        "reset_dead.html",
        410 if dead.state is not LinkState.UNKNOWN else 404,
        reason=_dead_link_reason(dead.state),
    )


def reset_submit(portal: Portal, request: Request, form: FormData | None) -> Response:
    token = ""
    try:
        with portal.unit(request, write=False) as ctx:
            form = portal.checked(request, form)
            token = _field(form, "token")
            user = recovery.account_of(ctx, token)
            if _field(form, "password") != _field(form, "confirm"):
                raise Invalid.field("confirm", "The two passwords differ.")
        # Checked and hashed with no unit of work open (no connection is held meanwhile).
        prepared = passwords.prepare(
            portal.runtime, _field(form, "password"), passwords.hints_of(user)
        )
        with portal.unit(request, write=True) as ctx:
            ctx.actor = f"user:{user.name}"
            recovery.complete(ctx, token, prepared)
            response = portal.render(
                request,
                ctx,
                "message.html",
                title="Password changed",
                message="Your password is changed and you are signed out everywhere. Sign in "
                "with the new password.",
                signin=True,
                user=None,  # this browser's session ends with the answer, whoever's it was
            )
            response.delete_cookie(SESSION_COOKIE, path=portal.cookie_path(request))
            return response
    except LinkUnusable as dead:
        with portal.unit(request, write=False) as ctx:
            return _dead_reset(portal, request, ctx, dead)
    except Invalid as error:
        with portal.unit(request, write=False) as ctx:
            try:
                page_user = recovery.account_of(ctx, token) if token else None
            except LinkUnusable as dead:
                return _dead_reset(portal, request, ctx, dead)
            template = "reset.html" if page_user else "message.html"
            return portal.render(
                request,
                ctx,
                template,
                refusal_status(error),
                user=page_user,
                token=token,
                **refused(error, PASSWORD_FIELDS),
                title="Try again",
                message=_problem(error),
            )


def forgot_page(portal: Portal, request: Request, form: FormData | None) -> Response:
    with portal.unit(request, write=False) as ctx:
        return portal.render(request, ctx, "forgot.html")


# Every answer of the form takes this long, on the event loop (see `apidesk.portal.app`).
FORGOT_ANSWER_SECONDS = 0.3


def forgot_submit(portal: Portal, request: Request, form: FormData | None) -> Response:
    with portal.unit(request, write=True) as ctx:
        try:
            form = portal.checked(request, form)
        except Invalid as error:
            return portal.render(
                request, ctx, "forgot.html", refusal_status(error), error=_problem(error)
            )
        email = _field(form, "email").strip()
        if email and throttle.allow_reset_request(ctx, email_key(email)):
            recovery.request_by_email(ctx, email)
        return portal.render(
            request,
            ctx,
            "message.html",
            title="Check your e-mail",
            message="If an account uses this address, a link to choose a new password is on "
            "its way.",
        )


def confirm_page(portal: Portal, request: Request, form: FormData | None) -> Response:
    token = request.query_params.get("token", "")
    with portal.unit(request, write=False) as ctx:
        found = links.look_up(ctx, token, Purpose.SIGNUP)
        if found.state is not LinkState.OPEN:
            return _dead_confirmation(portal, request, ctx, found.state)
        return portal.render(request, ctx, "confirm.html", token=token, user=found.user)


def confirm_submit(portal: Portal, request: Request, form: FormData | None) -> Response:
    # As a sign-in: the link is read in a read-only unit, the password checked with no unit
    # open (argon2 holds no connection), and the account activated in a short unit.
    token = ""
    try:
        with portal.unit(request, write=False) as ctx:
            form = portal.checked(request, form)
            token = _field(form, "token")
            claimed = signup.claim(ctx, token)
        genuine = portal.runtime.passwords.verify(claimed.stored_hash, _field(form, "password"))
        with portal.unit(request, write=True) as ctx:
            user = signup.confirm(ctx, token, claimed, genuine)
            ctx.actor = f"user:{user.name}"
            return portal.sign_in(request, ctx, user, f"{portal.base_path(request)}/")
    except LinkUnusable as dead:
        with portal.unit(request, write=False) as ctx:
            return _dead_confirmation(portal, request, ctx, dead.state)
    except Invalid as error:
        with portal.unit(request, write=False) as ctx:
            found = links.look_up(ctx, token, Purpose.SIGNUP) if token else None
            if found is None:
                return _try_again(portal, request, ctx, error)
            if found.state is not LinkState.OPEN:
                return _dead_confirmation(portal, request, ctx, found.state)
            return portal.render(
                request,
                ctx,
                "confirm.html",
                refusal_status(error),
                token=token,
                user=found.user,
                **refused(error, {"password": "password"}),
            )


def _dead_confirmation(
    portal: Portal, request: Request, ctx: InstanceContext, state: LinkState
) -> Response:
    return portal.render(
        request,
        ctx,
        "message.html",
        410,
        title="Link not valid",
        message=_dead_link_reason(state),
    )


def _try_again(portal: Portal, request: Request, ctx: InstanceContext, error: Invalid) -> Response:
    """A form refused before its link was looked at: what was wrong, and nothing changed."""
    return portal.render(
        request,
        ctx,
        "message.html",
        refusal_status(error),
        title="Try again",
        message=_problem(error),
    )
