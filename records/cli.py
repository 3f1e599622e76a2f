"""``roomwatch journal verify`` and ``roomwatch journal purge``."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import click

from store.cli import _settings, config_option, database_errors, open_engine
from store.db import session_factory

if TYPE_CHECKING:
    from records.journal import Verification


@click.group()
def journal() -> None:
    """The journal of signed duty records (hash chain)."""


@journal.command()
@config_option
def verify(config_path: str | None) -> None:
    """Check the chain, the purges, the checkpoints and every signed record's rows; name each
    mismatch (exit 1 on any)."""
    from records.checkpoints import file_for
    from records.journal import verify as walk

    settings = _settings(config_path)
    engine = open_engine(settings.database_url)
    kept = file_for(settings.journal.checkpoint_file, engine.url)
    show = sys.stderr.isatty()

    def progress(done: int, total: int) -> None:
        if show:
            click.echo(f"\r  {done}/{total} entries checked", err=True, nl=False)

    with database_errors(engine), session_factory(engine)() as s:
        result = walk(s, progress, records=True, checkpoint_file=kept)
    if show:
        click.echo("", err=True)
    engine.dispose()
    for line in report(result, datetime.now(UTC), kept):
        click.echo(line)
    if not result.ok:
        raise SystemExit(1)


def report(result: Verification, now: datetime, kept: Path) -> list[str]:
    """What verify checked and found, one fact a line (English, like every CLI message)."""
    if result.broken_seq is not None:
        head = (f"journal BROKEN at entry {result.broken_seq}: {result.problem} "
                f"({result.checked} entries before it are intact)")  # fmt: skip
    elif result.ok:
        head = f"journal OK: {result.checked} entries, chain unbroken"
    else:
        n = len(result.problems)
        head = (f"journal NOT OK: {result.checked} entries, chain unbroken, but {n} "
                f"mismatch{'es' if n != 1 else ''}")  # fmt: skip
    age = ("none yet (one is made at every supervisor day review)"
           if result.last_checkpoint is None
           else f"{result.checkpoints}, newest {_age(now - result.last_checkpoint)} old "
                f"({result.last_checkpoint:%Y-%m-%d %H:%M} UTC)")  # fmt: skip
    lines = [
        head,
        f"  entries checked: {result.checked}",
        f"  signed records compared with their rows: {result.records}",
        f"  purges checked: {result.purges}",
        f"  checkpoints: {age}; file {kept}",
    ]
    # a broken chain is the first problem, already the head line
    rest = result.problems[1:] if result.broken_seq is not None else result.problems
    lines += [f"  MISMATCH: {p.en}" for p in rest]
    return lines


def _age(span: timedelta) -> str:
    minutes = max(0, int(span.total_seconds() // 60))
    if minutes >= 2 * 24 * 60:
        return f"{minutes // (24 * 60)} days"
    if minutes >= 120:
        return f"{minutes // 60} hours"
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


@journal.command()
@config_option
@click.option(
    "--before",
    required=True,
    type=click.DateTime(["%Y-%m-%d"]),
    help="Remove entries and signed records signed before this date (UTC).",
)
@click.option("--by", default="admin", show_default=True, help="Who purges (journaled).")
def purge(config_path: str | None, before: datetime, by: str) -> None:
    """Remove what is older than the retention period (three years); journaled."""
    from records.journal import RETENTION, purge_before
    from records.retention import RECORD_TABLES

    engine = open_engine(_settings(config_path).database_url)
    if before.replace(tzinfo=UTC) > datetime.now(UTC) - RETENTION:
        raise click.ClickException(
            f"records signed after {before.date()} are within the three-year retention period: "
            "give an earlier --before date"
        )
    with session_factory(engine)() as s, s.begin():
        n = purge_before(s, before.replace(tzinfo=UTC), by=by, now=datetime.now(UTC),
                         record_tables=RECORD_TABLES)  # fmt: skip
    engine.dispose()
    click.echo(f"purged {n} journal entries signed before {before.date()}")
