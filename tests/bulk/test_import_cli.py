"""`apidesk users import` and `export`, run as the real command line against the live server's
database: bad rows are reported and the rest imported, a dry run writes nothing, an export
imports again as the same users."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from support.server import LiveServer, ServiceRef, cli, create_service

from apidesk.storage.database import create_database_engine

V = {"api-version": "2024-05-01"}
HEADER = "id,email,firstName,lastName,state,groups,note,passwordHash\n"


def users_of(http: httpx.Client, service: ServiceRef) -> dict[str, dict[str, object]]:
    body = http.get(
        service.url("/users"), params={**V, "expandGroups": "true", "$top": 1000}
    ).json()
    return {item["name"]: item["properties"] for item in body["value"]}


def make_group(http: httpx.Client, service: ServiceRef, group_id: str) -> None:
    http.put(
        service.url(f"/groups/{group_id}"), params=V, json={"properties": {"displayName": group_id}}
    ).raise_for_status()


def export(server: LiveServer, service: ServiceRef, *extra: str) -> list[dict[str, object]]:
    done = cli(server.env, "users", "export", "--service", service.name, *extra)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


def test_every_kind_of_bad_row_is_reported_and_the_rest_imported(
    server: LiveServer, service: ServiceRef, http: httpx.Client, tmp_path: Path
) -> None:
    make_group(http, service, "partners")
    http.put(
        service.url("/users/taken"),
        params=V,
        json={"properties": {"email": "taken@example.com", "firstName": "T", "lastName": "K"}},
    ).raise_for_status()
    rows = [
        "good1,good1@example.com,Good,One,active,partners,a note,",  # 2
        "good2,good2@example.com,Good,Two,blocked,,,",  # 3
        "bad-email,not-an-address,Bad,Email,,,,",  # 4
        "bad-state,state@example.com,Bad,State,deleted,,,",  # 5
        "no-names,nonames@example.com,,,,,,",  # 6
        "bad-group,group@example.com,Bad,Group,,nosuchgroup,,",  # 7
        "system-group,system@example.com,Sys,Group,,administrators,,",  # 8
        "thief,taken@example.com,Takes,Address,,,,",  # 9
        "twin,good1@example.com,Same,Address,,,,",  # 10
        "bad/id,slash@example.com,Bad,Id,,,,",  # 11
        "hash,hash@example.com,Bad,Hash,,,,md5$abc",  # 12
        "costly,costly@example.com,Too,Costly,,,,$2b$31$" + "a" * 53,  # 13
        "short,short@example.com,Short",  # 14
        "x" * 81 + ",long@example.com,Long,Id,,,,",  # 15
        "good3,good3@example.com,Good,Three,pending,,,",  # 16
    ]
    source = tmp_path / "people.csv"
    source.write_text(HEADER + "\n".join(rows) + "\n")
    report = tmp_path / "errors.csv"

    done = cli(
        server.env,
        "users",
        "import",
        str(source),
        "--service",
        service.name,
        "--errors",
        str(report),
    )

    assert done.returncode == 2, done.stderr
    with report.open() as stream:
        found = {(int(r["line"]), r["field"]) for r in csv.DictReader(stream)}
    assert found == {
        (4, "email"),
        (5, "state"),
        (6, "firstName"),
        (6, "lastName"),
        (7, "groups"),
        (8, "groups"),
        (9, "email"),
        (10, "email"),
        (11, "id"),
        (12, "passwordHash"),
        (13, "passwordHash"),
        (14, "line"),
        (15, "id"),
    }
    assert f"{source}:9: email: The e-mail address belongs to another user, 'taken'." in done.stderr
    users = users_of(http, service)
    assert {"good1", "good2", "good3"} <= set(users)
    assert not {"bad-email", "bad-state", "no-names", "thief", "twin", "hash", "costly"} & set(
        users
    )
    assert users["good2"]["state"] == "blocked"
    assert users["good1"]["note"] == "a note"
    assert [g["displayName"] for g in users["good1"]["groups"]] == ["Developers", "partners"]  # type: ignore[index]
    assert "3 user(s) were created" in done.stdout and "12 row(s) refused" in done.stdout


def test_jsonl_rows_with_bad_json_or_types_are_reported(
    server: LiveServer, service: ServiceRef, http: httpx.Client, tmp_path: Path
) -> None:
    lines = [
        json.dumps({"id": "j1", "email": "j1@example.com", "firstName": "J", "lastName": "One"}),
        "{not json",
        json.dumps(["a", "list"]),
        json.dumps({"id": "j2", "email": "j2@example.com", "firstName": 5, "lastName": "Two"}),
        json.dumps(
            {
                "id": "j3",
                "email": "j3@example.com",
                "firstName": "J",
                "lastName": "T",
                "password": "plain",
            }
        ),
        json.dumps(
            {
                "id": "j4",
                "email": "j4@example.com",
                "firstName": "J",
                "lastName": "F",
                "groups": "developers",
            }
        ),
        json.dumps(
            {
                "id": "j5",
                "email": "j5@example.com",
                "firstName": "J",
                "lastName": "Five",
                "groups": ["developers"],
                "note": None,
            }
        ),
    ]
    source = tmp_path / "people.jsonl"
    source.write_text("\n".join(lines) + "\n")
    report = tmp_path / "errors.jsonl"

    done = cli(
        server.env,
        "users",
        "import",
        str(source),
        "--service",
        service.name,
        "--errors",
        str(report),
    )

    assert done.returncode == 2
    found = [json.loads(line) for line in report.read_text().splitlines()]
    assert [(e["line"], e["field"]) for e in found] == [
        (2, "line"),
        (3, "line"),
        (4, "firstName"),
        (5, "password"),
        (6, "groups"),
    ]
    assert all(e["file"] == str(source) and e["message"] for e in found)
    assert {"j1", "j5"} <= set(users_of(http, service))


def test_a_dry_run_writes_nothing(
    server: LiveServer, service: ServiceRef, http: httpx.Client, tmp_path: Path
) -> None:
    source = tmp_path / "dry.csv"
    source.write_text(
        HEADER
        + "dry1,dry1@example.com,Dry,One,,,,\n"
        + "dry2,dry1@example.com,Dry,Two,,,,\n"  # the address row 2 would have taken
        + "1,admin-renamed@example.com,Admin,Renamed,,,,\n"
    )
    before = users_of(http, service)

    done = cli(server.env, "users", "import", str(source), "--service", service.name, "--dry-run")

    assert done.returncode == 2
    assert f"{source}:3: email" in done.stderr
    assert "1 user(s) would be created, 1 updated" in done.stdout
    assert users_of(http, service) == before
    again = cli(server.env, "users", "import", str(source), "--service", service.name)
    assert "Resuming" not in again.stderr  # a dry run leaves no import record behind


def test_import_twice_changes_nothing_the_second_time(
    server: LiveServer, service: ServiceRef, http: httpx.Client, tmp_path: Path
) -> None:
    source = tmp_path / "twice.csv"
    source.write_text(HEADER + "tw,tw@example.com,Tw,Ice,,,,\n")
    assert cli(server.env, "users", "import", str(source), "-s", service.name).returncode == 0
    etag = http.get(service.url("/users/tw"), params=V).headers["ETag"]
    second = cli(server.env, "users", "import", str(source), "-s", service.name)
    assert second.returncode == 0 and "1 unchanged" in second.stdout
    assert http.get(service.url("/users/tw"), params=V).headers["ETag"] == etag


def test_matching_by_email_updates_the_holder_and_keeps_its_id(
    server: LiveServer, service: ServiceRef, http: httpx.Client, tmp_path: Path
) -> None:
    http.put(
        service.url("/users/kept-id"),
        params=V,
        json={"properties": {"email": "Mail@Example.com", "firstName": "Old", "lastName": "N"}},
    ).raise_for_status()
    source = tmp_path / "by-email.jsonl"
    rows = [
        {"email": "mail@example.com", "firstName": "New", "lastName": "Name"},
        {"id": "other-id", "email": "mail@example.com", "firstName": "X", "lastName": "Y"},
        {"email": "fresh@example.com", "firstName": "Fresh", "lastName": "User"},
    ]
    source.write_text("\n".join(json.dumps(r) for r in rows) + "\n")

    done = cli(server.env, "users", "import", str(source), "-s", service.name, "--match", "email")

    assert done.returncode == 2
    assert f"{source}:2: id: The user with this e-mail address has the id 'kept-id'" in done.stderr
    users = users_of(http, service)
    assert users["kept-id"]["firstName"] == "New"
    assert any(p["email"] == "fresh@example.com" for p in users.values())


def test_export_imported_elsewhere_gives_the_same_users(
    server: LiveServer, service: ServiceRef, http: httpx.Client, tmp_path: Path
) -> None:
    make_group(http, service, "beta")
    source = tmp_path / "seed.jsonl"
    rows = [
        {
            "id": "r1",
            "email": "r1@example.com",
            "firstName": "Ré",
            "lastName": "One",
            "groups": ["beta"],
            "note": 'line one\nline two, "quoted"',
        },
        {
            "id": "r2",
            "email": "r2@example.com",
            "firstName": "R",
            "lastName": "Two",
            "state": "blocked",
            "passwordHash": "$2b$04$" + "a" * 53,
        },
        {
            "id": "r3",
            "email": "r3@example.com",
            "firstName": "R",
            "lastName": "Three",
            "state": "pending",
        },
    ]
    source.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n")
    assert cli(server.env, "users", "import", str(source), "-s", service.name).returncode == 0
    target = create_service(http)
    make_group(http, target, "beta")

    for fmt in ("csv", "jsonl"):
        dump = tmp_path / f"export.{fmt}"
        done = cli(
            server.env,
            "users",
            "export",
            "-s",
            service.name,
            "--filter",
            "startswith(name,'r')",
            "--with-password-hashes",
            "--output",
            str(dump),
        )
        assert done.returncode == 0, done.stderr
        assert "password hashes" in done.stderr
        assert "Exported 3 user(s)" in done.stdout
        loaded = cli(server.env, "users", "import", str(dump), "-s", target.name)
        assert loaded.returncode == 0, loaded.stderr
        filtered = "--filter", "startswith(name,'r')", "--with-password-hashes"
        assert export(server, target, *filtered) == export(server, service, *filtered)
    assert export(server, service, "--filter", "state eq 'blocked'")[0]["id"] == "r2"
    assert "passwordHash" not in export(server, service)[0]


def test_a_whole_export_imports_again_with_the_built_in_administrator(
    server: LiveServer, http: httpx.Client, tmp_path: Path
) -> None:
    service, target = create_service(http), create_service(http)
    body = {"properties": {"email": "w1@example.com", "firstName": "W", "lastName": "One"}}
    assert http.put(service.url("/users/w1"), params=V, json=body).status_code == 201
    # The built-in administrator's last name is empty, which no import row may set.
    assert any(row["id"] == "1" and "lastName" not in row for row in export(server, service))
    for fmt in ("csv", "jsonl"):
        dump = tmp_path / f"whole.{fmt}"
        done = cli(server.env, "users", "export", "-s", service.name, "--output", str(dump))
        assert done.returncode == 0, done.stderr
        for extra in (("--dry-run",), ()):
            loaded = cli(server.env, "users", "import", str(dump), "-s", target.name, *extra)
            assert loaded.returncode == 0, loaded.stdout + loaded.stderr
        imported = users_of(http, target)
        assert imported["1"]["lastName"] == "" and imported["w1"]["lastName"] == "One"


def test_a_bad_filter_is_refused_with_the_parsers_message(
    server: LiveServer, service: ServiceRef
) -> None:
    done = cli(server.env, "users", "export", "-s", service.name, "--filter", "colour eq 'red'")
    assert done.returncode == 1
    assert "--filter" in done.stderr and "colour" in done.stderr


def test_an_import_leaves_postgresql_fresh_statistics(
    server: LiveServer, service: ServiceRef, tmp_path: Path
) -> None:
    """The planner learns the tables' new size at the end of an import, and the new pages are
    marked all-visible, not whenever autovacuum comes round (apidesk.storage.statistics):
    the import runs `VACUUM (ANALYZE)`, which sets both times (autovacuum sets others).
    SQLite keeps no statistics."""
    if not server.database_url.startswith("postgresql"):
        pytest.skip("SQLite keeps no planner statistics")
    engine = create_database_engine(server.database_url)
    query = text("SELECT last_analyze, last_vacuum FROM pg_stat_user_tables WHERE relname = :table")

    def times() -> dict[str, tuple[Any, Any]]:
        with engine.connect() as connection:
            return {
                table: tuple(connection.execute(query, {"table": table}).one())
                for table in ("users", "group_members")
            }

    before = times()
    file = tmp_path / "stats.csv"
    file.write_text(HEADER + "".join(f"st{n},st{n}@example.com,S,T,,,,\n" for n in range(30)))
    done = cli(server.env, "users", "import", str(file), "--service", service.name)
    assert done.returncode == 0, done.stderr
    after = times()
    engine.dispose()
    for table, stamps in after.items():
        for was, now in zip(before[table], stamps, strict=True):
            assert now is not None and (was is None or now > was), (table, before, after)
