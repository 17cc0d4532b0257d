"""What the command line prints is data, never Rich markup or emoji codes: a path or a name
with `[/]` or `:smile:` in it comes out as written (and does not stop the command)."""

from __future__ import annotations

from pathlib import Path

from support.server import LiveServer, ServiceRef, cli

V = {"api-version": "2024-05-01"}


def test_an_export_path_with_markup_and_emoji_codes_prints_as_written(
    server: LiveServer, service: ServiceRef, tmp_path: Path
) -> None:
    # A directory `a[` holding `b]`: the path spells the closing tag `[/b]`.
    folder = tmp_path / "a[" / "b]"
    folder.mkdir(parents=True)
    target = folder / "users [bold] :smile:.csv"
    done = cli(
        server.env, "users", "export", "--service", service.name, "--format", "csv",
        "--output", str(target),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert target.exists()
    assert f"to {target}." in done.stdout
    assert "\N{SMILING FACE WITH OPEN MOUTH}" not in done.stdout


def test_a_message_naming_data_keeps_its_brackets(server: LiveServer, service: ServiceRef) -> None:
    done = cli(server.env, "users", "show", "[/]x :smile:", "--service", service.name)
    assert done.returncode != 0
    assert "[/]x :smile:" in done.stderr, done.stderr


def test_an_export_to_a_missing_folder_is_refused_in_one_line(
    server: LiveServer, service: ServiceRef, tmp_path: Path
) -> None:
    target = tmp_path / "no such folder" / "users.csv"
    done = cli(server.env, "users", "export", "--service", service.name, "--output", str(target))
    assert done.returncode == 1
    assert done.stderr.strip().startswith("error: --output: cannot write")
    assert "Traceback" not in done.stderr


def test_an_export_for_an_unknown_service_leaves_no_file(
    server: LiveServer, tmp_path: Path
) -> None:
    target = tmp_path / "users.csv"
    done = cli(server.env, "users", "export", "--service", "no-such", "--output", str(target))
    assert done.returncode == 1
    assert "no-such" in done.stderr
    assert not target.exists()
