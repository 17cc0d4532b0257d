"""Schemathesis fuzzes every operation of the served OpenAPI document: never a 5xx, every answer
in the documented shape, with a documented status code and content type."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest
from support.fuzz_targets import prepare, write_config
from support.server import LiveServer

# Examples per operation. CI keeps the default, which holds the run to a few minutes per
# database; a developer can raise it for a longer hunt.
MAX_EXAMPLES = int(os.environ.get("APIDESK_FUZZ_EXAMPLES", "10"))


def operation_count(server: LiveServer) -> int:
    paths = httpx.get(f"{server.url}/openapi.json").json()["paths"]
    return sum(len(methods) for methods in paths.values())


@pytest.mark.slow
def test_every_management_operation_keeps_its_documented_shape(
    server: LiveServer, http: httpx.Client, tmp_path: Path
) -> None:
    """Every operation is aimed at entities that exist, so that reads, changes and deletes
    reach their rules rather than stopping at "not found"."""
    parameters = prepare(http, f"fuzz-{uuid.uuid4().hex[:8]}")
    config = tmp_path / "schemathesis.toml"
    write_config(config, parameters, MAX_EXAMPLES, fixed=tuple(parameters))
    log_start = len(server.log())
    report = tmp_path / "report"
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
        # Every check but one: schema-valid input may still break a domain rule (a taken
        # e-mail address, an expiry in the past) and then rightly gets a 4xx. Among them:
        # no 5xx, responses and headers that conform to the schema, documented status codes
        # and content types, refused bad input, and no access without the token.
        "--checks",
        "all",
        "--exclude-checks",
        "positive_data_acceptance",
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
        "junit",
        "--report-dir",
        str(report),
        "--output-sanitize",
        "true",
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=1200, check=False)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-8000:]
    assert "unhandled error" not in server.log()[log_start:]
    assert list(report.iterdir()), "schemathesis wrote no report"
    count = operation_count(server)
    assert f"Selected: {count}/{count}" in output
    assert f"Tested: {count}" in output
    answered = [
        line
        for line in server.log()[log_start:].splitlines()
        if f"/service/{parameters['serviceName']}/" in line
    ]
    # The run reached the entities behind the operations: reads of each succeeded, and
    # conditional writes got as far as comparing entity tags.
    for entity in (
        "users/fuzz-user",
        "groups/fuzz-group",
        "products/fuzz-product",
        "apis/fuzz-api",
        "subscriptions/fuzz-sub",
        f"templates/{parameters['templateName']}",
    ):
        mine = [line for line in answered if f"/{entity}?" in line]
        assert any('"GET ' in line and '" 200 ' in line for line in mine), entity
    patches = [line for line in answered if '"PATCH ' in line and "/users/fuzz-user?" in line]
    assert any('" 412 ' in line for line in patches)
