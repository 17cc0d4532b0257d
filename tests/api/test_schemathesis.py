"""Schemathesis fuzzes the user operations of the served OpenAPI document: never a 5xx."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from support.server import LiveServer, ServiceRef

# Examples per operation; CI keeps the default, a developer can raise it for a longer hunt.
MAX_EXAMPLES = int(os.environ.get("APIDESK_FUZZ_EXAMPLES", "40"))
V = {"api-version": "2024-05-01"}


def write_config(path: Path, service: ServiceRef, user_id: str | None) -> None:
    # Fixing the instance path and api-version lets generated requests reach the user
    # operations instead of stopping at "no such service"; fixing the user id as well points
    # every operation at one existing user.
    lines = [
        "[parameters]",
        f'"path.subscriptionId" = "{service.subscription_id}"',
        f'"path.resourceGroupName" = "{service.resource_group}"',
        f'"path.serviceName" = "{service.name}"',
        '"query.api-version" = "2024-05-01"',
    ]
    if user_id is not None:
        lines.append(f'"path.userId" = "{user_id}"')
    path.write_text("\n".join([*lines, ""]))


@pytest.mark.slow
@pytest.mark.parametrize("target", ["any-user", "existing-user"])
def test_user_operations_never_answer_5xx(
    server: LiveServer, service: ServiceRef, http: httpx.Client, tmp_path: Path, target: str
) -> None:
    user_id = None
    if target == "existing-user":
        user_id = "fuzz-target"
        body = {"properties": {"email": "fuzz@example.com", "firstName": "F", "lastName": "Z"}}
        http.put(service.url(f"/users/{user_id}"), params=V, json=body).raise_for_status()
    config = tmp_path / "schemathesis.toml"
    write_config(config, service, user_id)
    log_start = len(server.log())
    report = tmp_path / "report.json"
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--config-file",
        str(config),
        "run",
        f"{server.url}/openapi.json",
        "--url",
        server.url,
        "--include-path-regex",
        "/users",
        # Every check but one: schema-valid input may still break a domain rule (a taken
        # e-mail address, an expiry in the past) and then rightly gets a 4xx.
        "--checks",
        "all",
        "--exclude-checks",
        "positive_data_acceptance",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--phases",
        "examples,coverage,fuzzing",
        "--header",
        f"Authorization: Bearer {server.token}",
        "--seed",
        "20241124",
        # One worker: hypothesis parses lambda sources with `ast.parse`, which CPython 3.11
        # can fail with "AST constructor recursion depth mismatch" when two threads do it
        # at once (python/cpython#106905), failing the run for nothing the service did.
        "--workers",
        "1",
        "--request-timeout",
        "30",
        "--report",
        "json",
        "--report-json-path",
        str(report),
        "--output-sanitize",
        "true",
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=900, check=False)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    assert "unhandled error" not in server.log()[log_start:]
    assert json.loads(report.read_text()), "schemathesis wrote no report"
    # The run really reached the operations: some generated requests succeeded.
    answered = [
        line
        for line in server.log()[log_start:].splitlines()
        if f"/service/{service.name}/users" in line
    ]
    assert any('" 20' in line for line in answered)
    if user_id is not None:
        # Reads of the user succeeded, and writes got as far as comparing entity tags.
        mine = [line for line in answered if f"/users/{user_id}?" in line]
        assert any('"GET ' in line and '" 200 ' in line for line in mine)
        assert any('"PATCH ' in line and '" 412 ' in line for line in mine)
