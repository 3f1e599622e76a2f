"""``roomwatch journal verify`` reports what it checked and exits 1 naming each mismatch; the
server runs the same check once a day and raises an alarm when it fails; a read-only SQLite
file is named as such (issue 11, point 4 and the smaller item)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import tempfile
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from core.config import JournalSettings, Settings
from records import checkpoints, journal
from records.cli import journal as journal_cli
from records.daily_check import DEVICE, RULE, DailyJournalCheck
from store.db import make_engine, upgrade
from store.models import Alarm
from tests.integration.records.test_journal_integrity import tamper

NOW = datetime.now(UTC).replace(microsecond=0)


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def _signed(sessions: sessionmaker[Session], n: int, *, review_at: datetime | None) -> None:
    with sessions() as s, s.begin():
        for i in range(1, n + 1):
            journal.freeze(s, kind="note", record_id=i, content={"n": i}, signer="duty",
                           address="", now=NOW)  # fmt: skip
        if review_at is not None:
            checkpoints.record(s, by="boss", reason="day review", now=review_at)


def _verify(engine: Engine, kept: Path) -> tuple[int, str]:
    env = {"ROOMWATCH_DATABASE_URL": _url(engine), "ROOMWATCH_JOURNAL_CHECKPOINT_FILE": str(kept)}
    result = CliRunner().invoke(journal_cli, ["verify"], env=env)
    return result.exit_code, result.output


def test_verify_reports_what_it_checked_and_exits_1_naming_the_mismatch(
    engine: Engine, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    kept = tmp_path / "checkpoints.jsonl"
    _signed(sessions, 4, review_at=NOW - timedelta(hours=5))
    with sessions() as s:
        latest = checkpoints.latest(s)
    assert latest is not None
    checkpoints.append_file(kept, latest)
    code, out = _verify(engine, kept)
    assert code == 0, out
    assert out.splitlines() == [
        "journal OK: 4 entries, chain unbroken",
        "  entries checked: 4",
        "  signed records compared with their rows: 0",
        "  purges checked: 0",
        f"  checkpoints: 1, newest 5 hours old ({latest.made_at:%Y-%m-%d %H:%M} UTC); file {kept}",
    ]
    tamper(engine, "journal", "DELETE FROM journal WHERE seq = 4")
    code, out = _verify(engine, kept)
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == "journal NOT OK: 3 entries, chain unbroken, but 1 mismatch"
    assert lines[-1] == (
        f"  MISMATCH: the checkpoint of {latest.made_at.date()} (table) names entry 4, but the "
        "journal ends at entry 3: entries were removed from its end"
    )


def test_verify_without_checkpoints_says_so(engine: Engine, tmp_path: Path) -> None:
    code, out = _verify(engine, tmp_path / "none.jsonl")
    assert code == 0
    assert "  checkpoints: none yet (one is made at every supervisor day review)" in out


def test_the_daily_check_raises_an_alarm_and_clears_it(
    engine: Engine, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    kept = tmp_path / "checkpoints.jsonl"
    _signed(sessions, 2, review_at=None)
    # a checkpoint the chain never held: the file says entry 7 was signed
    checkpoints.append_file(kept, checkpoints.Checkpoint(7, "e" * 64, NOW, "day review"))
    check = DailyJournalCheck(sessions, kept, timedelta(hours=24))
    assert not check.run(NOW).ok
    assert not check.run(NOW + timedelta(hours=24)).ok  # still failing: the same alarm
    with sessions() as s:
        [alarm] = s.scalars(select(Alarm).where(Alarm.rule == RULE)).all()
        assert (alarm.device, alarm.status, alarm.severity, alarm.count) == (DEVICE, "firing", 3, 2)
        assert alarm.summary_zh.startswith("签名记录日志校验失败：")
        assert "记到第 7 条，而日志只到第 2 条" in alarm.summary_zh
        assert "names entry 7, but the journal ends at entry 2" in alarm.summary_en
    kept.unlink()  # the operator restores the right file: the next check passes
    assert check.run(NOW + timedelta(hours=48)).ok
    with sessions() as s:
        assert s.scalars(select(Alarm.status).where(Alarm.rule == RULE)).all() == ["resolved"]


def test_the_server_runs_the_check_once_a_day_from_its_background_tick(
    engine: Engine, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    from dashboard.serve import BackgroundServices

    kept = tmp_path / "checkpoints.jsonl"
    _signed(sessions, 2, review_at=NOW)
    tamper(engine, "journal", "DELETE FROM journal WHERE seq = 2")
    settings = Settings(database_url=_url(engine),
                        journal=JournalSettings(checkpoint_file=str(kept)))  # fmt: skip
    background = BackgroundServices(engine, settings, threading.Event())
    background.tick_once()
    background.journal_check.wait(60)
    background.tick_once()  # within the day: not again
    background.journal_check.wait(60)
    with sessions() as s:
        [alarm] = s.scalars(select(Alarm).where(Alarm.rule == RULE)).all()
    assert alarm.status == "firing" and alarm.count == 1
    assert "removed from its end" in alarm.summary_en


@pytest.mark.skipif(sys.platform != "linux", reason="file modes and uids as on Linux")
def test_verify_on_a_read_only_sqlite_file_says_so() -> None:
    folder = Path(tempfile.mkdtemp(prefix="rw-readonly-"))  # a path another user can reach
    try:
        folder.chmod(0o755)
        db = folder / "rw.db"
        engine = make_engine(f"sqlite:///{db}")
        upgrade(engine)
        engine.dispose()
        db.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
        folder.chmod(0o555)
        # root writes whatever the modes say: the check runs as nobody then (after imports)
        drop = "import os; os.setgid(65534); os.setuid(65534); " if os.geteuid() == 0 else ""
        code = (f"import sys, sqlite3, core.cli, records.cli, records.integrity; {drop}"
                "sys.exit(core.cli.main(['journal', 'verify']))")  # fmt: skip
        env = {**os.environ, "ROOMWATCH_DATABASE_URL": f"sqlite:///{db}",
               "ROOMWATCH_JOURNAL_CHECKPOINT_FILE": str(folder / "checkpoints.jsonl")}  # fmt: skip
        run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             env=env, cwd=folder, timeout=60, check=False)  # fmt: skip
    finally:
        folder.chmod(0o755)
        for p in folder.iterdir():
            p.unlink()
        folder.rmdir()
    assert run.returncode == 2, run.stdout + run.stderr
    assert run.stderr.count("\n") == 1, run.stderr
    assert f"the database file {db} is read-only for this user" in run.stderr
    assert "server is running" not in run.stderr
