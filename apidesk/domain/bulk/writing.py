"""Writing exported users and import error reports as CSV or JSON Lines."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import Any

from apidesk.domain.bulk.export import Exported
from apidesk.domain.bulk.importer import RowError
from apidesk.domain.bulk.records import GROUP_SEPARATOR, Format, spreadsheet_cell
from apidesk.domain.numbers import whole

EXPORT_FIELDS = (
    "id",
    "email",
    "firstName",
    "lastName",
    "state",
    "groups",
    "note",
    "registrationDate",
)
ERROR_FIELDS = ("file", "line", "field", "message")


def _iso(exported: Exported) -> str:
    return exported.registration_date.isoformat().replace("+00:00", "Z")


def export_fields(with_password_hashes: bool) -> tuple[str, ...]:
    return (*EXPORT_FIELDS, "passwordHash") if with_password_hashes else EXPORT_FIELDS


def _csv_line(values: Iterable[Any]) -> str:
    buffer = io.StringIO()
    cells = [spreadsheet_cell(v) if isinstance(v, str) else v for v in values]
    csv.writer(buffer, lineterminator="\n").writerow(cells)
    return buffer.getvalue()


def export_header(fmt: Format, with_password_hashes: bool) -> str:
    return _csv_line(export_fields(with_password_hashes)) if fmt == "csv" else ""


def export_line(fmt: Format, user: Exported, with_password_hashes: bool) -> str:
    if fmt == "jsonl":
        record: dict[str, Any] = {
            "id": user.id,
            "email": user.email,
            "firstName": user.first_name,
            "lastName": user.last_name,
            "state": user.state,
            "groups": user.groups,
            "note": user.note,
            "registrationDate": _iso(user),
        }
        if with_password_hashes:
            record["passwordHash"] = user.password_hash
        # A name left empty (the built-in administrator's last name) is left out, as CSV
        # leaves its cell empty: to an import both mean "as it is", where "" would be refused.
        kept = {name: value for name, value in record.items() if value != ""}
        return json.dumps(kept, ensure_ascii=False) + "\n"
    values = [
        user.id,
        user.email,
        user.first_name,
        user.last_name,
        user.state,
        GROUP_SEPARATOR.join(user.groups),
        user.note or "",
        _iso(user),
    ]
    if with_password_hashes:
        values.append(user.password_hash or "")
    return _csv_line(values)


def error_header(fmt: Format) -> str:
    return _csv_line(ERROR_FIELDS) if fmt == "csv" else ""


def error_line(fmt: Format, source: str, error: RowError) -> str:
    if fmt == "jsonl":
        record = {
            "file": source,
            "line": error.line,
            "field": error.target,
            "message": error.message,
        }
        return json.dumps(record, ensure_ascii=False) + "\n"
    return _csv_line((source, error.line, error.target, error.message))


def error_lines_up_to(fmt: Format, text: str, last_line: int) -> str:
    """The entries of an earlier error report for lines up to `last_line`: what a resumed
    import keeps of the report its interrupted run was writing."""
    if fmt == "jsonl":
        kept = [
            line + "\n"
            for line in text.splitlines()
            if line.strip() and int(json.loads(line).get("line", 0)) <= last_line
        ]
        return "".join(kept)
    rows = list(csv.reader(io.StringIO(text)))
    # A line number as the report writes it: digits, counted before int() reads them.
    body = [row for row in rows[1:] if len(row) == 4 and whole(row[1], 0, last_line) is not None]
    return error_header(fmt) + "".join(_csv_line(row) for row in body)
