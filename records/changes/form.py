"""Validation of a change request as typed in the form: every field, a message id each.

Pure: the caller passes the raw fields, the ledger's devices (id → name), the time and
the duty room's time zone (``datetime-local`` fields carry none).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

RISKS = ("low", "medium", "high")
MAX_WINDOW = timedelta(days=31)  # the longest maintenance window (rules/maintenance.py)
MAX_TEXT = 5000
MAX_TITLE = 200
CHECKED = ("on", "1", "true", "yes")


@dataclass(frozen=True, slots=True)
class ChangeInput:
    title: str
    plan: str
    impact: str
    risk: str
    device_ids: tuple[int, ...]
    window_start: datetime
    window_end: datetime
    backout_plan: str
    backup_taken: bool
    global_impact: bool
    announced_at: datetime | None
    emergency: bool


def parse_local(raw: str, tz: tzinfo) -> datetime | None:
    """A ``datetime-local`` value (or ISO text with an offset) as an aware UTC-able time."""
    raw = raw.strip()
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=tz)


def _text(raw: Mapping[str, str], name: str, limit: int, errors: dict[str, str]) -> str:
    value = raw.get(name, "").strip()
    if not value:
        errors[name] = "changes.err.required"
    elif len(value) > limit:
        errors[name] = "changes.err.too_long"
    return value


def validate(
    raw: Mapping[str, str],
    devices: Sequence[str],
    known: Mapping[int, str],
    now: datetime,
    tz: tzinfo,
) -> tuple[ChangeInput | None, dict[str, str]]:
    """The typed request, or None and field → message id for every bad field."""
    errors: dict[str, str] = {}
    title = _text(raw, "title", MAX_TITLE, errors)
    plan = _text(raw, "plan", MAX_TEXT, errors)
    impact = _text(raw, "impact", MAX_TEXT, errors)
    backout = _text(raw, "backout_plan", MAX_TEXT, errors)
    risk = raw.get("risk", "").strip()
    if risk not in RISKS:
        errors["risk"] = "changes.err.risk"
    ids: list[int] = []
    for d in devices:
        d = d.strip()
        if not d.isdigit() or int(d) not in known:
            errors["devices"] = "changes.err.unknown_device"
            break
        ids.append(int(d))
    if not devices and "devices" not in errors:
        errors["devices"] = "changes.err.no_devices"
    emergency = raw.get("emergency", "") in CHECKED
    start = parse_local(raw.get("window_start", ""), tz)
    end = parse_local(raw.get("window_end", ""), tz)
    if start is None:
        errors["window_start"] = "changes.err.bad_time"
    if end is None:
        errors["window_end"] = "changes.err.bad_time"
    if start is not None and end is not None:
        if end <= start:
            errors["window_end"] = "changes.err.end_before_start"
        elif end - start > MAX_WINDOW:
            errors["window_end"] = "changes.err.window_too_long"
        elif end <= now and not emergency:
            errors["window_end"] = "changes.err.window_over"
    global_impact = raw.get("global_impact", "") in CHECKED
    announced: datetime | None = None
    if raw.get("announced_at", "").strip():
        announced = parse_local(raw.get("announced_at", ""), tz)
        if announced is None:
            errors["announced_at"] = "changes.err.bad_time"
        elif announced > now:
            errors["announced_at"] = "changes.err.announced_future"
    if errors or start is None or end is None:
        return None, errors
    return (
        ChangeInput(
            title=title,
            plan=plan,
            impact=impact,
            risk=risk,
            device_ids=tuple(sorted(set(ids))),
            window_start=start,
            window_end=end,
            backout_plan=backout,
            backup_taken=raw.get("backup_taken", "") in CHECKED,
            global_impact=global_impact,
            announced_at=announced,
            emergency=emergency,
        ),
        {},
    )
