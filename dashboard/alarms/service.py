"""Alarm reads and actions for the screens and the API (rules.alarms does the work)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.types import Severity
from rules.alarms import AlarmError, acknowledge, alarm_counts_by_device, open_alarms
from store.models import Alarm

__all__ = [
    "AlarmError",
    "acknowledge",
    "alarm_counts_by_device",
    "alarm_json",
    "by_severity",
    "list_alarms",
    "open_alarms",
    "worst_by_device",
]

FILTERS = ("open", "all", "resolved")
LIST_LIMIT = 500


def list_alarms(s: Session, which: str) -> list[Alarm]:
    """Open alarms (worst first), or all / resolved ones (latest first, bounded)."""
    if which == "open":
        return open_alarms(s)
    q = select(Alarm).order_by(Alarm.last_seen.desc(), Alarm.id.desc()).limit(LIST_LIMIT)
    if which == "resolved":
        q = q.where(Alarm.status == "resolved")
    return list(s.scalars(q))


def by_severity(alarms: Iterable[Alarm]) -> dict[int, int]:
    """Open alarms counted by severity, every severity present (0 when none)."""
    counts = Counter(a.severity for a in alarms)
    return {int(sev): counts.get(int(sev), 0) for sev in sorted(Severity, reverse=True)}


def worst_by_device(alarms: Iterable[Alarm]) -> dict[str, Alarm]:
    """Each device's worst open alarm (the latest among equally severe ones)."""
    worst: dict[str, Alarm] = {}
    for a in alarms:
        cur = worst.get(a.device)
        if cur is None or (a.severity, a.last_seen) > (cur.severity, cur.last_seen):
            worst[a.device] = a
    return worst


def alarm_json(a: Alarm) -> dict[str, Any]:
    def iso(ts: Any) -> str | None:
        return ts.isoformat() if ts is not None else None

    return {
        "id": a.id,
        "rule": a.rule,
        "device": a.device,
        "instance": a.instance,
        "severity": a.severity,
        "severity_label": Severity(a.severity).label,
        "status": a.status,
        "summary_zh": a.summary_zh,
        "summary_en": a.summary_en,
        "value": a.value,
        "first_seen": iso(a.first_seen),
        "last_seen": iso(a.last_seen),
        "count": a.count,
        "acked_by": a.acked_by,
        "acked_at": iso(a.acked_at),
    }
