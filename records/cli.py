"""``roomwatch journal verify`` and ``roomwatch journal purge``."""

from __future__ import annotations

import sys
from datetime import UTC, datetime

import click

from store.cli import _settings, config_option, open_engine
from store.db import session_factory


@click.group()
def journal() -> None:
    """The journal of signed duty records (hash chain)."""


@journal.command()
@config_option
def verify(config_path: str | None) -> None:
    """Check the whole chain; name the first broken entry (exit 1 when broken)."""
    from records.journal import verify as walk

    engine = open_engine(_settings(config_path).database_url)
    show = sys.stderr.isatty()

    def progress(done: int, total: int) -> None:
        if show:
            click.echo(f"\r  {done}/{total} entries checked", err=True, nl=False)

    with session_factory(engine)() as s:
        result = walk(s, progress)
    if show:
        click.echo("", err=True)
    engine.dispose()
    if result.ok:
        click.echo(f"journal OK: {result.checked} entries, chain unbroken")
        return
    click.echo(f"journal BROKEN at entry {result.broken_seq}: {result.problem} "
               f"({result.checked} entries before it are intact)")  # fmt: skip
    raise SystemExit(1)


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
