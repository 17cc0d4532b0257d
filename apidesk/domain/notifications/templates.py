"""E-mail templates: APIM's 14, built in; an instance stores only the ones it customizes."""

from __future__ import annotations

import base64
import hashlib
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypedDict

from sqlalchemy import select

from apidesk.domain import audit, validation
from apidesk.domain.context import InstanceContext
from apidesk.domain.notifications import defaults, render, samples
from apidesk.errors import Collection, Conflict, Invalid, NotFound, PreconditionFailed
from apidesk.query import ListQuery, Page, matches
from apidesk.storage.models import EmailTemplate

log = logging.getLogger("apidesk.templates")

_PARAMETER_NAME = re.compile(r"^[A-Za-z0-9-._]+$")
WIRE = {
    "subject": "subject",
    "body": "body",
    "title": "title",
    "description": "description",
    "parameters": "parameters",
}


class TemplateFields(TypedDict, total=False):
    subject: Any
    body: Any
    title: Any
    description: Any
    parameters: Any


@dataclass(frozen=True)
class TemplateView:
    name: str
    title: str | None
    description: str | None
    subject: str
    body: str
    parameters: list[dict[str, Any]]
    is_default: bool
    etag: str


def _default_etag(template: defaults.DefaultTemplate) -> str:
    digest = hashlib.sha256(f"{template.subject}\0{template.body}".encode()).digest()
    return base64.b64encode(digest[:8]).decode("ascii")


def _default_parameters(template: defaults.DefaultTemplate) -> list[dict[str, Any]]:
    return [{"name": p.name, "title": p.title} for p in template.parameters]


def _default_or_raise(name: str) -> defaults.DefaultTemplate:
    template = defaults.TEMPLATES.get(name.lower())
    if template is None:
        raise NotFound(f"There is no e-mail template named '{name}'.")
    return template


def _row(ctx: InstanceContext, name: str) -> EmailTemplate | None:
    return ctx.session.scalars(
        select(EmailTemplate).where(
            EmailTemplate.instance_id == ctx.instance.id,
            EmailTemplate.name_key == name.lower(),
        )
    ).first()


def _view(default: defaults.DefaultTemplate, row: EmailTemplate | None) -> TemplateView:
    if row is None:
        return TemplateView(
            name=default.name,
            title=default.title,
            description=default.description,
            subject=default.subject,
            body=default.body,
            parameters=_default_parameters(default),
            is_default=True,
            etag=_default_etag(default),
        )
    return TemplateView(
        name=default.name,
        title=row.title,
        description=row.description,
        subject=row.subject,
        body=row.body,
        parameters=list(row.parameters),
        is_default=False,
        etag=row.etag,
    )


def get(ctx: InstanceContext, name: str) -> TemplateView:
    default = _default_or_raise(name)
    return _view(default, _row(ctx, name))


def list_templates(ctx: InstanceContext, query: ListQuery) -> Page[TemplateView]:
    rows = {
        row.name_key: row
        for row in ctx.session.scalars(
            select(EmailTemplate).where(EmailTemplate.instance_id == ctx.instance.id)
        )
    }
    views = [_view(default, rows.get(key)) for key, default in sorted(defaults.TEMPLATES.items())]
    if query.filter is not None:
        views = [view for view in views if matches(query.filter, {"name": view.name})]
    page = views[query.skip : query.skip + query.top]
    return Page(items=page, total=len(views), skip=query.skip, top=query.top)


def _validate(fields: Mapping[str, Any]) -> dict[str, Any]:
    problems = Collection()
    clean: dict[str, Any] = {}
    for name, value in fields.items():
        target = WIRE[name]
        if value is None:
            if name in ("title", "description"):
                clean[name] = None
            else:
                problems.add(target, f"'{target}' cannot be null.")
            continue
        if name == "subject":
            clean[name] = validation.text(problems, target, value, max_length=1000)
        elif name == "body":
            clean[name] = validation.text(
                problems, target, value, max_length=200_000, multiline=True
            )
        elif name in ("title", "description"):
            clean[name] = validation.text(
                problems,
                target,
                value,
                min_length=0,
                max_length=4096,
                allow_blank=True,
                multiline=True,
            )
        elif name == "parameters":
            clean[name] = _parameters(problems, value)
    problems.raise_if_any()
    return clean


def _parameters(problems: Collection, value: Any) -> list[dict[str, Any]] | None:
    if not isinstance(value, list) or len(value) > 100:
        problems.add("parameters", "'parameters' must be a list of up to 100 parameters.")
        return None
    result = []
    for index, item in enumerate(value):
        target = f"parameters[{index}]"
        if not isinstance(item, Mapping):
            problems.add(target, "Each parameter is an object with name, title and description.")
            continue
        name = item.get("name")
        if (
            not isinstance(name, str)
            or not 1 <= len(name) <= 256
            or not _PARAMETER_NAME.fullmatch(name)
        ):
            problems.add(
                f"{target}.name", "A parameter name is 1-256 letters, digits, '-', '.' or '_'."
            )
            continue
        title = item.get("title")
        if title is not None and (not isinstance(title, str) or not 1 <= len(title) <= 4096):
            problems.add(f"{target}.title", "A parameter title is 1-4096 characters.")
            continue
        description = item.get("description")
        if description is not None and (
            not isinstance(description, str)
            or not 1 <= len(description) <= 256
            or not _PARAMETER_NAME.fullmatch(description)
        ):
            problems.add(
                f"{target}.description",
                "A parameter description is 1-256 letters, digits, '-', '.' or '_' (APIM's rule).",
            )
            continue
        result.append({"name": name, "title": title, "description": description})
    return result


def _sample_values(parameters: list[dict[str, Any]]) -> dict[str, Any]:
    """Values to prove a template renders before it is saved."""
    return {p["name"]: f"[{p['name']}]" for p in parameters} | {"Apis": []}


@dataclass(frozen=True)
class Draft:
    """A change to a template, merged onto the version it was read from. It is checked
    (compiled and rendered) with no unit of work open, then saved in a short one."""

    name: str
    expected_etag: str | None
    base_etag: str
    clean: dict[str, Any]
    merged: dict[str, Any]


def prepare(
    ctx: InstanceContext, name: str, fields: TemplateFields, *, expected_etag: str | None
) -> Draft:
    """Validate `fields` and merge them onto the current template (a read-only step)."""
    default = _default_or_raise(name)
    clean = _validate(fields)
    current = _view(default, _row(ctx, name))
    if expected_etag not in (None, "*") and expected_etag != current.etag:
        raise PreconditionFailed()
    return Draft(default.name, expected_etag, current.etag, clean, _merged(current, clean))


def edit(ctx: InstanceContext, name: str, subject: str, body: str) -> Draft:
    """An edit of the subject and body over the template as it is now, as a web form makes
    it: validated and merged, to be checked and saved (`save` refuses it should the template
    change in between)."""
    return prepare(ctx, name, {"subject": subject, "body": body}, expected_etag=None)


def _merged(current: TemplateView, clean: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "subject": clean.get("subject", current.subject),
        "body": clean.get("body", current.body),
        "title": clean.get("title", current.title),
        "description": clean.get("description", current.description),
        "parameters": clean.get("parameters", current.parameters),
    }


def check(draft: Draft) -> None:
    """Prove the drafted template compiles, is allowed and renders. The costly part of a
    save: run it while no unit of work is open, so no lock waits for it."""
    subject, body = draft.merged["subject"], draft.merged["body"]
    problems = Collection()
    compiled: dict[str, Any] = {}
    for target, text in (("subject", subject), ("body", body)):
        try:
            compiled[target] = render.check_source(text)
        except render.TemplateProblem as exc:
            problems.add(target, f"The {target} is not a usable template: {exc}.")
    try:
        render.check_body(body)
    except render.TemplateProblem as exc:
        problems.add("body", f"{str(exc)[0].upper()}{str(exc)[1:]}.")
    problems.raise_if_any()
    samples = _sample_values(draft.merged["parameters"])
    empty = render.check_source("")
    for target in ("subject", "body"):
        try:
            render.render_compiled(
                compiled["subject"] if target == "subject" else empty,
                compiled["body"] if target == "body" else empty,
                samples,
            )
        except render.TemplateProblem as exc:
            problems.add(target, f"The {target} does not render: {exc}.")
    problems.raise_if_any()


def save(ctx: InstanceContext, draft: Draft) -> tuple[TemplateView, bool]:
    """Store a checked draft; True when the template was the built-in default. Should the
    template have changed since the draft was read, in a way that changes what was checked,
    the save is refused rather than storing an unchecked mix."""
    default = _default_or_raise(draft.name)
    row = _row(ctx, draft.name)
    current = _view(default, row)
    if draft.expected_etag not in (None, "*") and draft.expected_etag != current.etag:
        raise PreconditionFailed()
    if current.etag != draft.base_etag and _merged(current, draft.clean) != draft.merged:
        raise Conflict(
            f"The template '{default.name}' was changed while this change was checked; "
            "read it again and retry."
        )
    was_default = row is None
    if row is None:
        row = EmailTemplate(
            instance_id=ctx.instance.id, name=default.name, name_key=default.name.lower()
        )
        ctx.session.add(row)
    for key, value in draft.merged.items():
        setattr(row, key, value)
    audit.record(
        ctx,
        "template.update",
        f"templates/{default.name}",
        {WIRE[key]: ("changed" if key == "body" else value) for key, value in draft.clean.items()},
    )
    ctx.session.flush()
    return _view(default, row), was_default


def reset(ctx: InstanceContext, name: str, *, expected_etag: str) -> bool:
    """Back to the built-in default; False when it already was."""
    default = _default_or_raise(name)
    row = _row(ctx, name)
    current = _view(default, row)
    if expected_etag != "*" and expected_etag != current.etag:
        raise PreconditionFailed()
    if row is None:
        return False
    ctx.session.delete(row)
    audit.record(ctx, "template.reset", f"templates/{default.name}")
    ctx.session.flush()
    return True


def restore_default(ctx: InstanceContext, name: str) -> bool:
    """Back to the built-in text, whatever the template is now; False when it already was."""
    return reset(ctx, name, expected_etag="*")


def preview(ctx: InstanceContext, name: str, subject: str, body: str) -> render.Rendered:
    """A draft of the template rendered with sample values, as the console shows it while
    it is edited; `TemplateProblem`-based `Invalid` when it does not compile or render."""
    draft = edit(ctx, name, subject, body)
    check(draft)
    values = samples.values(ctx.instance, draft.merged["parameters"])
    try:
        return render.render(draft.merged["subject"], draft.merged["body"], values)
    except render.TemplateProblem as exc:
        raise Invalid.field("body", f"The template does not render: {exc}.") from None


def sample(ctx: InstanceContext, name: str) -> tuple[TemplateView, render.Rendered]:
    """The stored template and what it looks like with sample values."""
    view = get(ctx, name)
    return view, render_template(ctx, name, samples.values(ctx.instance, view.parameters))


def render_template(ctx: InstanceContext, name: str, values: Mapping[str, Any]) -> render.Rendered:
    """The e-mail `name` with `values`. A customized template is proven to render when it is
    saved, but with sample values: should the real ones trip it (a loop over more APIs than
    its budget allows, a comparison of unlike values), the built-in text goes out instead, so
    the change that sends it still happens and the developer still gets the message."""
    default = _default_or_raise(name)
    view = _view(default, _row(ctx, name))
    try:
        return render.render(view.subject, view.body, values)
    except render.TemplateProblem:
        if view.is_default:
            raise
        # Not the problem's text: it may quote a value, and values can hold one-time links.
        log.warning(
            "template %s of service %s did not render with a message's values; "
            "the built-in text was sent instead",
            default.name,
            ctx.instance.name,
        )
        return render.render(default.subject, default.body, values)
