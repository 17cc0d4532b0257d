"""Reading an import file: CSV with a header row, or JSON Lines, one user per record.

Each record keeps the line it starts on, so every problem can be reported as file, line,
field and reason. A problem with one record never stops the reading; only a file that cannot
be read as its format at all (no header, an unknown column) does.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import IO, Any, Literal

from apidesk.errors import FieldProblem, Invalid

Format = Literal["csv", "jsonl"]
FORMATS: tuple[Format, ...] = ("csv", "jsonl")
EXTENSIONS: dict[str, Format] = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}

# The fields of a record, under their names in the management API, and the other spellings
# an import file may use for them.
FIELDS = (
    "id",
    "email",
    "firstName",
    "lastName",
    "state",
    "groups",
    "note",
    "passwordHash",
    "registrationDate",
)
ALIASES = {
    **{name: name for name in FIELDS},
    **{name.lower(): name for name in FIELDS},
    "userid": "id",
    "user_id": "id",
    "first_name": "firstName",
    "last_name": "lastName",
    "password_hash": "passwordHash",
    "registration_date": "registrationDate",
}
GROUP_SEPARATOR = ";"
# A spreadsheet runs a cell that starts with one of these as a formula ("=HYPERLINK(...)" in a
# first name). CSV written by Apidesk puts an apostrophe before such a cell, which spreadsheets
# read as "text", and reading CSV takes exactly that apostrophe off again, so a round trip
# keeps every value. A value that itself starts with an apostrophe followed by one of these
# (or by another apostrophe) gets one too, which keeps the mapping one-to-one; "'t Hooft"
# is left as it is both ways.
_FORMULA_STARTS = frozenset("=+-@\t\r")
_ESCAPED_STARTS = _FORMULA_STARTS | {"'"}
# csv's own default is 128 KiB; a note may hold 10,000 characters, so this is plenty.
_CSV_FIELD_LIMIT = 1 << 20


@dataclass
class Record:
    line: int
    values: dict[str, Any]
    problems: list[FieldProblem] = field(default_factory=list)


def format_of(name: str, given: str | None = None) -> Format:
    """The format asked for, or else the one the file name's extension says."""
    if given:
        if given.lower() not in FORMATS:
            raise Invalid.field("format", f"'format' must be one of: {', '.join(FORMATS)}.")
        return given.lower()  # type: ignore[return-value]
    for extension, fmt in EXTENSIONS.items():
        if name.lower().endswith(extension):
            return fmt
    raise Invalid.field(
        "format",
        f"Cannot tell the format of '{name}' from its extension (.csv, .jsonl or .ndjson); "
        "name it with --format.",
    )


def _field_name(name: str) -> str | None:
    return ALIASES.get(name.strip()) or ALIASES.get(name.strip().lower())


def _unknown(name: str) -> str:
    if name.strip().lower() == "password":
        return (
            "Plain passwords are not imported; give 'passwordHash', or invite the user to "
            "choose a password."
        )
    return f"'{name}' is not a field of an import; the fields are {', '.join(FIELDS)}."


def read(stream: IO[bytes], fmt: Format) -> Iterator[Record]:
    """The records of `stream`, in order. `Invalid` (target `file`) when the file as a whole
    cannot be read, raised before the first record for a bad header."""
    return _read_csv(stream) if fmt == "csv" else _read_jsonl(stream)


def _read_csv(stream: IO[bytes]) -> Iterator[Record]:
    csv.field_size_limit(_CSV_FIELD_LIMIT)
    # Bytes that are not UTF-8 survive decoding as surrogates, so they can be reported per
    # record instead of failing the whole file.
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="surrogateescape", newline="")
    reader = csv.reader(text)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise Invalid.field("file", f"line 1: the header is not valid CSV: {exc}") from None
    if not header or all(not cell.strip() for cell in header):
        raise Invalid.field("file", "The CSV file is empty: it needs a header row.")
    names: list[str] = []
    problems = []
    for cell in header:
        name = _field_name(cell)
        if name is None:
            problems.append(_unknown(cell))
        elif name in names:
            problems.append(f"The column '{cell}' appears twice.")
        else:
            names.append(name)
    if "id" not in names and "email" not in names:
        problems.append("The header needs an 'id' or an 'email' column.")
    if problems:
        raise Invalid.field("file", "line 1: " + " ".join(problems))
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader, None)
        except csv.Error as exc:
            raise Invalid.field("file", f"line {start}: not valid CSV: {exc}") from None
        if row is None:
            return
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        yield _csv_record(start, names, row)


def _csv_record(line: int, names: list[str], row: list[str]) -> Record:
    record = Record(line, {})
    if len(row) != len(names):
        record.problems.append(
            FieldProblem("line", f"The row has {len(row)} fields; the header has {len(names)}.")
        )
        return record
    suspect = _not_utf8("".join(row))
    for name, cell in zip(names, row, strict=True):
        if suspect and _not_utf8(cell):
            record.problems.append(FieldProblem(name, f"'{name}' is not valid UTF-8."))
            continue
        if cell == "":
            continue  # an empty cell leaves the field as it is
        cell = from_spreadsheet_cell(cell)
        if name == "groups":
            record.values[name] = [g.strip() for g in cell.split(GROUP_SEPARATOR) if g.strip()]
        else:
            record.values[name] = cell
    return record


def spreadsheet_cell(value: str) -> str:
    """`value` as a CSV cell that no spreadsheet runs as a formula."""
    if value[:1] in _FORMULA_STARTS or (value[:1] == "'" and value[1:2] in _ESCAPED_STARTS):
        return "'" + value
    return value


def from_spreadsheet_cell(cell: str) -> str:
    """The value `spreadsheet_cell` wrote as `cell`."""
    if cell[:1] == "'" and cell[1:2] in _ESCAPED_STARTS:
        return cell[1:]
    return cell


def _not_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _read_jsonl(stream: IO[bytes]) -> Iterator[Record]:
    for number, raw in enumerate(stream, start=1):
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        if not raw.strip():
            continue
        record = Record(number, {})
        try:
            decoded = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError:
            record.problems.append(FieldProblem("line", "The line is not valid UTF-8."))
        except ValueError as exc:
            record.problems.append(FieldProblem("line", f"The line is not valid JSON: {exc}."))
        else:
            if isinstance(decoded, Mapping):
                _jsonl_values(record, decoded)
            else:
                record.problems.append(FieldProblem("line", "Each line must be a JSON object."))
        yield record


def _jsonl_values(record: Record, decoded: Mapping[str, Any]) -> None:
    for key, value in decoded.items():
        name = _field_name(str(key))
        if name is None:
            record.problems.append(FieldProblem(str(key), _unknown(str(key))))
        elif name in record.values:
            record.problems.append(FieldProblem(name, f"'{name}' is given twice."))
        else:
            record.values[name] = value
