"""`apidesk users import --invite-rate`: a rate in ASCII digits, or a clear refusal."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from support.server import LiveServer, ServiceRef, cli

from apidesk.domain.bulk.options import parse_rate
from apidesk.errors import Invalid


@pytest.mark.parametrize(
    ("text", "interval"),
    [("10/s", 0.1), (" 10 /s", 0.1), ("600/min", 0.1), ("1.5/h", 2400), ("7", 1 / 7)],
)
def test_a_rate_is_read(text: str, interval: float) -> None:
    assert parse_rate(text) == timedelta(seconds=interval)


@pytest.mark.parametrize(
    "text",
    ["1e-300/s", "\u0661\u0660/s", "1_0/s", "inf/s", "nan/s", "0/s", "-1/s", "1" * 5000 + "/s"],
)
def test_a_rate_that_is_no_plain_number_is_refused(text: str) -> None:
    with pytest.raises(Invalid):
        parse_rate(text)


def test_the_command_line_refuses_it_with_an_error_line(
    server: LiveServer, service: ServiceRef, tmp_path: Path
) -> None:
    source = tmp_path / "people.csv"
    source.write_text("id,email,firstName,lastName\nr1,r1@example.com,R,One\n")
    done = cli(
        server.env, "users", "import", str(source), "-s", service.name, "--invite-rate", "1e-300/s"
    )
    assert done.returncode == 1, done.stderr
    assert done.stderr.startswith("error: ") and "Traceback" not in done.stderr
    assert "1e-300/s" in done.stderr
