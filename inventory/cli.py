"""``roomwatch ledger import FILE [--dry-run]``, ``roomwatch ledger export [FILE]`` and
``roomwatch ledger seal`` (encrypt credentials still stored in plaintext)."""

from __future__ import annotations

import getpass
import sys
from datetime import UTC, datetime
from pathlib import Path

import click
from sqlalchemy import Engine, select
from sqlalchemy.orm.attributes import flag_modified

from core.messages import translate
from inventory import vault
from inventory.errors import LedgerError
from inventory.ledger_csv import write_csv, write_xlsx
from inventory.ledger_import import (
    ImportRefused,
    error_lines,
    export_records,
    outcome_words,
    plan,
)
from inventory.ledger_import import apply as apply_import
from store.cli import _settings, config_option, open_engine
from store.db import session_factory
from store.models import Device
from store.models_ledger import CredentialProfile


@click.group()
def ledger() -> None:
    """The equipment ledger (设备台账): CSV/XLSX import and export."""


def _open(config_path: str | None) -> Engine:
    settings = _settings(config_path)
    vault.install(vault.secret_from_settings(settings))
    return open_engine(settings.database_url)


@ledger.command("import")
@config_option
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
@click.option("--by", default="", help="Who imports (audited); default: the OS user.")
def import_(config_path: str | None, file: str, dry_run: bool, by: str) -> None:
    """Import a CSV (UTF-8 or GBK) or XLSX file: all rows or none."""
    data = Path(file).read_bytes()
    engine = _open(config_path)
    actor = by or f"cli:{getpass.getuser()}"
    try:
        with session_factory(engine)() as s, s.begin():
            if dry_run:
                result = plan(s, data, file)
            else:
                result = apply_import(s, data, file, actor=actor, now=datetime.now(UTC))
    except ImportRefused as exc:
        result = exc.result
    except LedgerError as exc:
        click.echo(_cannot_read(file, exc), err=True)
        raise SystemExit(2) from None
    finally:
        engine.dispose()
    for o in result.outcomes:
        if o.status != "unchanged" or dry_run:  # no language of its own: 中文 / English
            click.echo(f"{outcome_words('zh_CN', o)} / {outcome_words('en', o)}")
    for line in error_lines(result.errors):
        click.echo(line, err=True)
    summary = (f"{result.count('new')} new, {result.count('updated')} updated, "
               f"{result.count('unchanged')} unchanged")  # fmt: skip
    if result.errors:
        click.echo(f"refused: {len(result.errors)} errors, nothing written ({summary})", err=True)
        raise SystemExit(1)
    click.echo(("dry run, nothing written: " if dry_run else "imported: ") + summary)


def _cannot_read(file: str, exc: LedgerError) -> str:
    """Why a file cannot be read at all, in words: 中文 / English."""
    return " / ".join(
        translate(lang, "ledger.cannot_read", file=file,
                  reason=translate(lang, exc.msgid, **{"detail": "", **exc.params}))
        for lang in ("zh_CN", "en")
    )  # fmt: skip


@ledger.command("export")
@config_option
@click.argument("file", required=False, type=click.Path(dir_okay=False))
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
              help="Header language.")  # fmt: skip
def export(config_path: str | None, file: str | None, lang: str) -> None:
    """Write the ledger as CSV (UTF-8 with BOM) or XLSX (by FILE's extension); no FILE:
    CSV to standard output. Credentials are never exported."""
    engine = _open(config_path)
    try:
        with session_factory(engine)() as s:
            records = export_records(s)
    finally:
        engine.dispose()
    if file and file.lower().endswith(".xlsx"):
        Path(file).write_bytes(write_xlsx(records, lang))
    elif file:
        Path(file).write_bytes(write_csv(records, lang))
    else:
        sys.stdout.buffer.write(write_csv(records, lang))
        sys.stdout.flush()
    if file:
        click.echo(f"{len(records)} assets written to {file}")


@ledger.command("seal")
@config_option
def seal(config_path: str | None) -> None:
    """Encrypt every SNMP secret still stored in plaintext (rows from before 0009)."""
    engine = _open(config_path)
    count = 0
    try:
        with session_factory(engine)() as s, s.begin():
            for row in [*s.scalars(select(Device)), *s.scalars(select(CredentialProfile))]:
                for column in ("community", "snmp_auth_key", "snmp_priv_key"):
                    if getattr(row, column):
                        flag_modified(row, column)
                        count += 1
    finally:
        engine.dispose()
    click.echo(f"{count} secrets sealed")
