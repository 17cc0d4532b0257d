"""Writing exported users and import error reports as CSV or JSON Lines."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import Any

from apidesk.domain.bulk.export import Exported
from apidesk.domain.bulk.importer import RowError
from apidesk.domain.bulk.records import (
    GROUP_SEPARATOR,
    Format,
    from_spreadsheet_cell,
    spreadsheet_cell,
)
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


REPAIR = (
    "so a resumed import cannot tell which entries to keep: repair or remove that line, or "
    "give another --errors file (--restart starts the import over)"
)


class UnreadableReport(ValueError):
    """An earlier error report with an entry this command does not write (a corrupted or
    hand-edited file): which of its entries to keep cannot be told."""

    def __init__(self, line: int, why: str) -> None:
        super().__init__(f"line {line} {why}")


def error_lines_up_to(fmt: Format, data: bytes, last_line: int) -> str:
    """The entries of an earlier error report for lines up to `last_line`: what a resumed
    import keeps of the report its interrupted run was writing. A run killed while writing
    leaves its last entry torn: it belongs to the batch that did not commit, and goes.
    Anything else that is not an entry as `error_line` writes it raises `UnreadableReport`."""
    whole_lines = data[: data.rfind(b"\n") + 1]
    try:
        text = whole_lines.decode("utf-8")
    except UnicodeDecodeError as error:
        line = whole_lines.count(b"\n", 0, error.start) + 1
        raise UnreadableReport(line, "is not UTF-8 text") from None
    if fmt == "jsonl":
        return "".join(
            entry + "\n"
            for number, entry in enumerate(text.split("\n")[:-1], 1)
            if entry.strip() and _json_entry_line(number, entry) <= last_line
        )
    return _csv_entries_up_to(text, last_line)


def _json_entry_line(number: int, entry: str) -> int:
    try:
        record = json.loads(entry)
    except (ValueError, RecursionError):
        raise UnreadableReport(number, "is not JSON") from None
    line = record.get("line") if isinstance(record, dict) else None
    if type(line) is not int or line < 0:
        raise UnreadableReport(number, "is not an entry with a whole line number")
    return line


def _csv_entries_up_to(text: str, last_line: int) -> str:
    reader = csv.reader(io.StringIO(text))
    kept: list[str] = []
    try:
        rows = [(reader.line_num, row) for row in reader if row]
    except csv.Error as error:
        raise UnreadableReport(reader.line_num, f"is not CSV ({error})") from None
    if not rows:
        return ""
    if tuple(rows[0][1]) != ERROR_FIELDS:
        raise UnreadableReport(rows[0][0], f"is not the header {','.join(ERROR_FIELDS)}")
    for index, (number, row) in enumerate(rows[1:], 2):
        # A line number as the report writes it: digits, counted before int() reads them.
        line = whole(row[1]) if len(row) == len(ERROR_FIELDS) else None
        if line is None:
            if index == len(rows):  # the torn last entry of a killed run
                break
            raise UnreadableReport(number, "is not an entry: file,line,field,message")
        if line <= last_line:  # as it was written: each resume escaped a formula again
            kept.append(_csv_line(from_spreadsheet_cell(cell) for cell in row))
    return error_header("csv") + "".join(kept)
