"""Alarm reads and actions for the screens and the API (rules.* does the work)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from core.types import Severity
from rules.alarm_stats import Handled
from rules.alarms import AlarmError, acknowledge, alarm_counts_by_device, open_alarms
from rules.lifecycle import active_suppression
from rules.maintenance import active_windows
from store.models import Alarm, AlarmSuppression, Device, Room

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

FILTERS = ("open", "firing", "acknowledged", "suppressed", "resolved", "all")
LIST_LIMIT = 500


@dataclass(frozen=True, slots=True)
class AlarmFilter:
    """The console's filters, read from the query string (unknown values fall back)."""

    show: str = "open"
    severity: int | None = None
    room: str = ""
    mine: bool = False

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> AlarmFilter:
        show = args.get("show", "open")
        sev = args.get("severity", "")
        return cls(
            show=show if show in FILTERS else "open",
            severity=int(sev) if sev.isdigit() and int(sev) in {int(s) for s in Severity} else None,
            room=args.get("room", "")[:100],
            mine=args.get("mine") == "1",
        )

    def args(self) -> dict[str, str]:
        out = {"show": self.show}
        if self.severity:
            out["severity"] = str(self.severity)
        if self.room:
            out["room"] = self.room
        if self.mine:
            out["mine"] = "1"
        return out


@dataclass(frozen=True, slots=True)
class AlarmRow:
    """One line of the console: the alarm, where it is, and why it is quiet."""

    alarm: Alarm
    room: str
    quiet: str  # "" | suppressed | inhibited | maintenance | flapping


def list_alarms(s: Session, which: str) -> list[Alarm]:
    """Open alarms (worst first), or all / resolved ones (latest first, bounded)."""
    return [r.alarm for r in console_rows(s, AlarmFilter(show=which), "", None)]


def console_rows(s: Session, f: AlarmFilter, username: str, now: datetime | None) -> list[AlarmRow]:
    q = select(Alarm, Room.name).outerjoin(Device, Device.name == Alarm.device)
    q = q.outerjoin(Room, Room.id == Device.room_id)
    if f.show in ("open", "suppressed"):
        q = q.where(Alarm.status != "resolved")
    elif f.show in ("firing", "acknowledged", "resolved"):
        q = q.where(Alarm.status == f.show)
    if f.severity:
        q = q.where(Alarm.severity == f.severity)
    if f.room:
        q = q.where(Room.name == f.room)
    if f.mine:
        q = q.where(or_(Alarm.owner == username, Alarm.acked_by == username))
    if f.show in ("open", "firing", "acknowledged", "suppressed"):
        q = q.order_by(Alarm.severity.desc(), Alarm.first_seen.desc(), Alarm.id.desc())
    else:
        q = q.order_by(Alarm.last_seen.desc(), Alarm.id.desc())
    rows = list(s.execute(q.limit(LIST_LIMIT)))
    windows = active_windows(s, now) if now is not None else {}
    suppressed = _suppressed_ids(s, [a for a, _ in rows], now) if now is not None else set()
    out = []
    for alarm, room in rows:
        quiet = _quiet(alarm, windows, suppressed)
        if f.show == "suppressed" and quiet != "suppressed":
            continue
        out.append(AlarmRow(alarm, room or "", quiet))
    return out


def _suppressed_ids(s: Session, alarms: list[Alarm], now: datetime | None) -> set[int]:
    ids = [a.id for a in alarms if a.status != "resolved"]
    if not ids or now is None:
        return set()
    has_rows = set(
        s.scalars(
            select(AlarmSuppression.alarm_id).where(
                AlarmSuppression.alarm_id.in_(ids), AlarmSuppression.lifted_at.is_(None)
            )
        )
    )
    return {a.id for a in alarms if a.id in has_rows and active_suppression(s, a, now)}


def _quiet(alarm: Alarm, windows: Mapping[str, int], suppressed: set[int]) -> str:
    if alarm.status == "resolved":
        return ""
    if alarm.id in suppressed:
        return "suppressed"
    if alarm.inhibited_by_id is not None:
        return "inhibited"
    if alarm.device in windows:
        return "maintenance"
    if alarm.flapping:
        return "flapping"
    return ""


def rooms(s: Session) -> list[str]:
    return list(s.scalars(select(Room.name).order_by(Room.name)))


def handled_since(s: Session, since: datetime) -> list[Handled]:
    """Alarms fired since a time, as the response-time statistics need them."""
    q = select(Alarm).where(Alarm.first_seen >= since, Alarm.rule != "notify_channel_failing")
    return [
        Handled(a.first_seen, a.acked_at, a.acked_by, a.resolved_at, a.closed_by)
        for a in s.scalars(q)
    ]


def stats_window(now: datetime, days: int) -> datetime:
    return now - timedelta(days=days)


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
        "priority": a.priority,
        "owner": a.owner,
        "flapping": a.flapping,
        "inhibited_by": a.inhibited_by_id,
        "escalation_level": a.escalation_level,
    }
