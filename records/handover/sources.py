"""The alarm source of the handover: every alarm still open is carried over."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.duty import CarryOver
from core.types import Severity
from rules.alarms import AlarmStatus
from store.models import Alarm

# the summary is stored as one line in the seeds' language (zh_CN first)
SEVERITY_ZH: dict[int, str] = {
    Severity.INFO: "提示",
    Severity.WARNING: "警告",
    Severity.CRITICAL: "严重",
}


def open_alarms(session: Session) -> list[Alarm]:
    """Firing and acknowledged-but-unresolved alarms, worst first."""
    return list(session.scalars(
        select(Alarm).where(Alarm.status != AlarmStatus.RESOLVED.value)
        .order_by(Alarm.severity.desc(), Alarm.first_seen, Alarm.id)))  # fmt: skip


def alarm_items(session: Session, now: datetime) -> list[CarryOver]:
    """One item per open alarm. It does not block by itself: the gate decides whether an
    alarm is still in the outgoing shift's hands (it knows who the outgoing people are)."""
    items = []
    for a in open_alarms(session):
        sev = SEVERITY_ZH.get(a.severity, str(a.severity))
        holder = f"（{a.owner or a.acked_by} 已确认处理）" if a.acked_by or a.owner else ""
        summary = f"[{sev}] {a.device} {a.summary_zh or a.summary_en or a.rule}{holder}"
        items.append(CarryOver("alarm", f"alarm:{a.id}", summary[:1000], url=f"/alarms/{a.id}"))
    return items
