"""`apidesk users import` and `apidesk users export`: many users at once, from and to files."""

from __future__ import annotations

import gc
import hashlib
import multiprocessing
import os
import sys
import time
from collections.abc import Iterator
from contextlib import nullcontext
from multiprocessing.queues import Queue
from pathlib import Path
from queue import Full
from typing import IO, Any, TextIO

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from sqlalchemy.exc import IntegrityError

from apidesk.api.management import filters
from apidesk.api.management.odata import FilterError, parse_filter
from apidesk.cli.common import (
    ServiceOption,
    actor,
    console,
    describe,
    errors,
    fail,
    pick_instance,
    runtime,
    unit_of_work,
)
from apidesk.domain.bulk import export, progress, records, writing
from apidesk.domain.bulk.importer import Importer, RowError, Totals
from apidesk.domain.bulk.options import Options, parse_rate
from apidesk.domain.bulk.records import Format, Record
from apidesk.domain.bulk.rows import MATCHES, Refused, Row
from apidesk.domain.context import Context
from apidesk.errors import Collided, DomainError, FieldProblem, Invalid, Vanished
from apidesk.security.passwords import PasswordHashing

# Row errors shown on the terminal; the --errors file gets every one.
SHOWN_ERRORS = 50
# A batch that lost a race with another writer (PostgreSQL) is tried again this often.
ATTEMPTS = 3


def _scan(path: Path) -> tuple[str, int]:
    """The file's SHA-256 and its number of lines."""
    digest = hashlib.sha256()
    lines = 0
    last = b"\n"
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    return digest.hexdigest(), lines + (last != b"\n")


def _batches(items: Iterator[Record], size: int, after: int) -> Iterator[list[Record]]:
    batch: list[Record] = []
    for record in items:
        if record.line <= after:
            continue
        batch.append(record)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _produce(
    path: Path,
    fmt: Format,
    size: int,
    after: int,
    importer: Importer,
    passwords: PasswordHashing,
    queue: Queue[Any],
    parent: int,
) -> None:
    """In the second process: read and check the file, batch by batch."""

    def put(item: Any) -> None:
        while True:
            try:
                queue.put(item, timeout=1)
                return
            except Full:
                if os.getppid() != parent:  # the importing process is gone (kill -9)
                    os._exit(0)

    try:
        with path.open("rb") as stream:
            for batch in _batches(records.read(stream, fmt), size, after):
                put(importer.check(passwords, batch))
    except Invalid as error:
        put([(problem.target, problem.message) for problem in error.problems] or error.message)
        return
    except Exception as error:  # any failure must reach the parent, which waits for batches
        put(f"reading {path} failed: {type(error).__name__}: {error}")
        return
    put(None)


def _checked(
    path: Path, fmt: Format, size: int, after: int, importer: Importer, passwords: PasswordHashing
) -> Iterator[list[Row | Refused]]:
    """Checked batches of the file. Reading and checking rows costs about as much as writing
    them, so a second process does it while this one writes: two cores, twice the speed."""
    context = multiprocessing.get_context("fork")
    queue: Queue[Any] = context.Queue(maxsize=2)
    child = context.Process(
        target=_produce,
        args=(path, fmt, size, after, importer, passwords, queue, os.getpid()),
        daemon=True,
    )
    child.start()
    try:
        while True:
            item = queue.get()
            if item is None:
                return
            if isinstance(item, str):
                raise Invalid.field("file", item)
            if item and isinstance(item[0], tuple):
                raise Invalid(problems=[FieldProblem(target, text) for target, text in item])
            yield item
    finally:
        if child.is_alive():
            child.terminate()
        child.join()


def _open_output(output: Path) -> TextIO:
    try:
        return output.open("w", encoding="utf-8", newline="")
    except OSError as exc:
        raise fail(f"--output: cannot write {output}: {exc.strerror or exc}") from None


def _bar() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("lines"),
        TimeRemainingColumn(),
        console=errors,
    )


class ErrorReport:
    """Row errors: the first few on the terminal, all of them in the --errors file. Each
    batch's errors are written before the batch commits, and a resumed run keeps only the
    entries of lines its interrupted run had committed, so the file ends up exact."""

    def __init__(self, source: str, path: Path | None, resume_after: int | None) -> None:
        self.source = source
        self.shown = 0
        self.fmt: Format = "csv" if path is not None and path.suffix == ".csv" else "jsonl"
        self.file: IO[str] | None = None
        if path is None:
            return
        kept = writing.error_header(self.fmt)
        try:
            if resume_after is not None and path.exists():
                kept = writing.error_lines_up_to(self.fmt, path.read_bytes(), resume_after)
                kept = kept or writing.error_header(self.fmt)
            self.file = path.open("w", encoding="utf-8")
        except writing.UnreadableReport as error:  # left as it is; no row was written yet
            raise fail(f"--errors: {path}: {error}; {writing.REPAIR}") from None
        except OSError as error:
            raise fail(f"--errors: cannot use {path}: {error.strerror or error}") from None
        self.file.write(kept)
        self.file.flush()

    def mark(self) -> int:
        return self.file.tell() if self.file is not None else 0

    def undo(self, position: int) -> None:
        if self.file is not None:
            self.file.seek(position)
            self.file.truncate()

    def write(self, found: list[RowError]) -> None:
        for error in found:
            if self.shown < SHOWN_ERRORS:
                errors.print(
                    f"{self.source}:{error.line}: {error.target}: {error.message}",
                    highlight=False,
                    markup=False,
                    soft_wrap=True,
                )
            self.shown += 1
            if self.file is not None:
                self.file.write(writing.error_line(self.fmt, self.source, error))
        if self.file is not None:
            self.file.flush()

    def close(self) -> None:
        if self.shown > SHOWN_ERRORS:
            errors.print(f"... {self.shown - SHOWN_ERRORS} more row error(s) not shown.")
        if self.file is not None:
            self.file.close()


def import_users(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True),
    file_format: str = typer.Option(None, "--format", help="csv or jsonl (default: by extension)."),
    service: str = ServiceOption,
    match: str = typer.Option("id", help="Match existing users by 'id' or by 'email'."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check every row; write nothing."),
    errors_file: Path = typer.Option(
        None, "--errors", help="Write every row error here (.csv, or else JSON Lines)."
    ),
    invite: bool = typer.Option(
        False, "--invite", help="Invite the file's pending users (new ones start pending)."
    ),
    invite_rate: str = typer.Option("10/s", help="How fast invitations leave: 10/s, 600/min."),
    batch_size: int = typer.Option(5000, min=1, max=50000, help="Rows per transaction."),
    restart: bool = typer.Option(
        False, "--restart", help="Start over instead of resuming an unfinished import."
    ),
) -> None:
    """Create or update users from a CSV or JSON Lines file; resumes an interrupted import.

    Exit status: 0 when every row was imported, 2 when some rows were refused (each is
    reported), 1 when nothing could be done."""
    if match not in MATCHES:
        raise fail("--match must be 'id' or 'email'")
    try:
        fmt = records.format_of(file.name, file_format)
        options = Options(match, invite, parse_rate(invite_rate), dry_run)
    except DomainError as error:
        raise fail(describe(error)) from None
    began = time.perf_counter()
    digest, lines = _scan(file)
    source = str(file)
    start = progress.Start(0, 0, False, Totals(), None)
    if not dry_run:
        with unit_of_work() as ctx:
            start = progress.begin(
                pick_instance(ctx, service), digest, source, options, restart=restart
            )
    if start.resumed:
        errors.print(
            f"Resuming the import of {file} after line {start.last_line}.",
            highlight=False,
            soft_wrap=True,
        )
    importer = Importer(options, invite_next_at=start.invite_next_at)
    report = ErrorReport(source, errors_file, start.last_line if start.resumed else None)
    totals, done_line = start.totals, start.last_line
    fresh = Totals()
    # A batch makes tens of thousands of objects; the collector would walk them again and
    # again while they are being made. They hold no cycles worth chasing: collect once per
    # batch instead.
    gc.freeze()
    gc.disable()
    try:
        with _bar() if sys.stderr.isatty() else nullcontext() as bar:
            task = bar.add_task(file.name, total=lines, completed=done_line) if bar else None
            checking = _checked(file, fmt, batch_size, done_line, importer, runtime().passwords)
            for batch in checking:
                outcome = _run_batch(service, importer, report, start.job_id, done_line, batch)
                done_line = batch[-1].line
                totals.add(outcome)
                fresh.add(outcome)
                if bar is not None and task is not None:
                    bar.update(task, completed=done_line)
                gc.collect()
        if not dry_run:
            with unit_of_work() as ctx:
                progress.finish(pick_instance(ctx, service), start.job_id)
            progress.settle(runtime())
    except DomainError as error:
        raise fail(describe(error)) from None
    finally:
        gc.enable()
        report.close()
    _summary(file, totals, fresh, time.perf_counter() - began, dry_run)
    if totals.failed:
        raise typer.Exit(2)


def _run_batch(
    service: str | None,
    importer: Importer,
    report: ErrorReport,
    job_id: int,
    after_line: int,
    batch: list[Row | Refused],
) -> Totals:
    """One batch in one transaction, with its place in the import record."""
    rt = runtime()
    for attempt in range(1, ATTEMPTS + 1):
        invite_next_at, position = importer.invite_next_at, report.mark()
        try:
            with rt.database.unit_of_work(write=not importer.options.dry_run) as session:
                ctx = pick_instance(Context(rt, session, actor()), service)
                outcome = importer.apply_checked(ctx, batch)
                report.write(outcome.errors)
                if not importer.options.dry_run:
                    progress.advance(
                        ctx,
                        job_id,
                        after_line=after_line,
                        to_line=batch[-1].line,
                        batch=outcome,
                        invite_next_at=importer.invite_next_at,
                    )
            return outcome
        except (IntegrityError, Collided, Vanished):
            # A concurrent writer took an id or an address this batch meant to use, or deleted
            # a group it names: load the batch again, and that row is reported as any other.
            importer.invite_next_at = invite_next_at
            report.undo(position)
            if attempt == ATTEMPTS:
                raise
    raise AssertionError("unreachable")


def _summary(file: Path, totals: Totals, fresh: Totals, seconds: float, dry_run: bool) -> None:
    rows = fresh.created + fresh.updated + fresh.unchanged + fresh.failed
    rate = f"{rows / seconds:,.0f} rows/s" if seconds > 0 else ""
    verb = "would be" if dry_run else "were"
    console.print(
        f"{file}: {totals.created} user(s) {verb} created, {totals.updated} updated, "
        f"{totals.unchanged} unchanged; {totals.failed} row(s) refused"
        + (f"; {totals.invited} invitation(s) queued" if totals.invited else "")
        + f". ({rows:,} rows in {seconds:.1f} s, {rate})"
        + (" Dry run: nothing was written." if dry_run else ""),
        highlight=False,
        soft_wrap=True,
    )


def export_users(
    service: str = ServiceOption,
    filter_text: str = typer.Option(
        None, "--filter", help="An OData $filter, as the management API takes it."
    ),
    file_format: str = typer.Option(None, "--format", help="csv or jsonl (default: jsonl)."),
    output: Path = typer.Option(None, "--output", "-o", help="Write here instead of stdout."),
    with_password_hashes: bool = typer.Option(
        False, "--with-password-hashes", help="Include password hashes (handle with care)."
    ),
) -> None:
    """Write users, all or those a filter selects, as CSV or JSON Lines."""
    try:
        fmt = records.format_of(
            output.name if output else "", file_format or (None if output else "jsonl")
        )
    except DomainError as error:
        raise fail(describe(error)) from None
    node = None
    if filter_text:
        try:
            node = parse_filter(filter_text, filters.USERS)
        except FilterError as exc:
            raise fail(f"--filter: {exc}") from None
    if with_password_hashes:
        errors.print(
            "[bold yellow]warning:[/] the export holds password hashes: anyone who gets the "
            "file can try to guess passwords offline. Keep it safe and delete it after use.",
            markup=True,
        )
    rt = runtime()
    target = sys.stdout
    try:
        # A read-only unit: a long export must not hold the write lock.
        with rt.database.unit_of_work(write=False) as session:
            ctx = Context(rt, session, actor())
            export.snapshot(ctx)
            ictx = pick_instance(ctx, service)
            total = export.count(ictx, node)
            # Opened once the service is known: an unknown one leaves no empty file behind.
            if output:
                target = _open_output(output)
            show = output is not None and sys.stderr.isatty()
            with _bar() if show else nullcontext() as bar:
                task = bar.add_task("export", total=total) if bar else None
                target.write(writing.export_header(fmt, with_password_hashes))
                exported = export.stream(ictx, node, with_password_hashes=with_password_hashes)
                for index, user in enumerate(exported, 1):
                    target.write(writing.export_line(fmt, user, with_password_hashes))
                    if bar is not None and task is not None and index % 1000 == 0:
                        bar.update(task, completed=index)
                if bar is not None and task is not None:
                    bar.update(task, completed=total)
    except DomainError as error:
        raise fail(describe(error)) from None
    finally:
        if target is not sys.stdout:
            target.close()
    if output:
        console.print(f"Exported {total} user(s) to {output}.", highlight=False, soft_wrap=True)
