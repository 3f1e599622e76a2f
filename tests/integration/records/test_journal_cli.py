"""``roomwatch journal verify`` on a real database file: OK, then a tampered row named."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text

from records import journal
from store.db import make_engine, session_factory, upgrade
from store.immutable import drop_journal_append_only

ROOMWATCH = Path(sys.executable).with_name("roomwatch")
NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


def _run(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    cmd = [str(ROOMWATCH)] if ROOMWATCH.exists() else [sys.executable, "-m", "core.cli"]
    env = {"ROOMWATCH_DATABASE_URL": url, "PATH": "/usr/bin:/bin"}
    return subprocess.run([*cmd, "journal", *args], capture_output=True, text=True, env=env,
                          timeout=60, check=False)  # fmt: skip


def test_verify_reports_ok_then_names_the_tampered_entry(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'rw.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with session_factory(engine)() as s, s.begin():
        for i in range(1, 6):
            # a kind with no duty record behind it: only the chain is checked here
            journal.freeze(s, kind="note", record_id=i, content={"notes": f"第{i}班"},
                           signer="duty", address="127.0.0.1", now=NOW)  # fmt: skip
    ok = _run(url, "verify")
    assert ok.returncode == 0, ok.stderr
    assert "journal OK: 5 entries" in ok.stdout

    with engine.begin() as conn:
        for sql in drop_journal_append_only("sqlite"):
            conn.execute(text(sql))
        conn.execute(text("""UPDATE journal SET content = '{"notes":"改过"}' WHERE seq = 4"""))
    engine.dispose()
    broken = _run(url, "verify")
    assert broken.returncode == 1
    assert "BROKEN at entry 4" in broken.stdout and "3 entries before it" in broken.stdout


def test_purge_inside_retention_is_one_line_error(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'rw.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    run = _run(url, "purge", "--before", "2026-01-01")
    assert run.returncode != 0
    assert run.stderr.count("\n") == 1 and "three-year retention period" in run.stderr
