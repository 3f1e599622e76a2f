"""The server verifies the journal on its own, once a day (``[journal] verify_hours``).

The same check as ``roomwatch journal verify``: the chain, the purges, the checkpoints
(table and file) and every signed record's rows. A failure opens one critical alarm on
``roomwatch`` (rule ``journal_integrity``) whose text names the mismatches in Chinese and
English and is notified by the routes like any firing alarm; while it stays open a later
failing check updates it; a passing check resolves it.

The check runs on its own thread: over years of records it takes a while, and the rule
tick must not wait for it.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.types import Severity
from records.journal import Verification, verify
from records.problems import Problem
from rules.alarms import AlarmStatus
from rules.notify.planner import add_notification
from rules.notify.templates import Kind
from store.models import Alarm, AlarmEvent

log = logging.getLogger(__name__)

RULE = "journal_integrity"
DEVICE = "roomwatch"
SHOWN = 5  # mismatches named in the alarm's text; the rest are counted


def _open(session: Session) -> Alarm | None:
    return session.scalars(select(Alarm).where(
        Alarm.rule == RULE, Alarm.device == DEVICE, Alarm.instance == "",
        Alarm.status != AlarmStatus.RESOLVED.value)).one_or_none()  # fmt: skip


def texts(problems: tuple[Problem, ...]) -> tuple[str, str]:
    """The alarm's words: (Chinese, English)."""
    more = len(problems) - SHOWN
    zh = "签名记录日志校验失败：" + "；".join(p.zh for p in problems[:SHOWN])
    en = "The journal of signed records failed verification: " + "; ".join(
        p.en for p in problems[:SHOWN])  # fmt: skip
    if more > 0:
        zh += f"；另有 {more} 项"
        en += f"; and {more} more"
    return zh[:1000], en[:1000]


def record_result(session: Session, result: Verification, now: datetime) -> Alarm | None:
    """Open (or update) the alarm when the check failed, resolve it when it passed."""
    alarm = _open(session)
    if result.ok:
        if alarm is not None:
            alarm.status = AlarmStatus.RESOLVED.value
            alarm.resolved_at = alarm.last_seen = now
            alarm.events.append(AlarmEvent(ts=now, kind="resolved", actor="system",
                                           detail="journal verified"))  # fmt: skip
        return None
    zh, en = texts(result.problems)
    if alarm is not None:
        alarm.summary_zh, alarm.summary_en, alarm.last_seen = zh, en, now
        alarm.count += 1
        return alarm
    severity = int(Severity.CRITICAL)
    alarm = Alarm(rule=RULE, device=DEVICE, instance="", severity=severity,
                  peak_severity=severity, status=AlarmStatus.FIRING.value, summary_zh=zh,
                  summary_en=en, first_seen=now, last_seen=now)  # fmt: skip
    alarm.events.append(AlarmEvent(ts=now, kind="fired", actor="system", detail=en[:500]))
    session.add(alarm)
    session.flush()
    add_notification(session, f"journal:{alarm.id}", Kind.FIRE, severity, now,
                     ("【严重】签名记录日志校验失败", zh),
                     ("[Critical] Journal of signed records failed verification", en),
                     alarm_id=alarm.id)  # fmt: skip
    log.error("journal verification failed: %s", en)
    return alarm


class DailyJournalCheck:
    """Runs the check when it is due (``maybe_start``, from the background tick)."""

    def __init__(
        self, factory: sessionmaker[Session], checkpoint_file: Path, every: timedelta
    ) -> None:
        self.factory = factory
        self.checkpoint_file = checkpoint_file
        self.every = every
        self.last_run: datetime | None = None
        self._thread: threading.Thread | None = None

    def run(self, now: datetime) -> Verification:
        """Check now (on the calling thread) and record the result as the alarm."""
        with self.factory() as s:
            result = verify(s, records=True, checkpoint_file=self.checkpoint_file)
        with self.factory() as s, s.begin():
            record_result(s, result, now)
        return result

    def maybe_start(self, now: datetime) -> bool:
        """Start a check on its own thread when one is due and none is running."""
        running = self._thread is not None and self._thread.is_alive()
        if running or (self.last_run is not None and now - self.last_run < self.every):
            return False
        self.last_run = now
        self._thread = threading.Thread(target=self._run_logged, args=(now,),
                                        name="journal-check", daemon=True)  # fmt: skip
        self._thread.start()
        return True

    def wait(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def _run_logged(self, now: datetime) -> None:
        try:
            self.run(now)
        except Exception:  # the server goes on; the next check is tomorrow
            log.exception("journal verification could not run")
