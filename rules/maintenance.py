"""Maintenance windows: devices whose alarms are recorded but not notified for a while.

Set by hand in the console by a supervisor now; approved changes will create them later
through :func:`create_window`. Session from the caller, never committed here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import RoomwatchError
from store import audit
from store.models import Device, MaintenanceDevice, MaintenanceWindow

MAX_WINDOW = timedelta(days=31)


class MaintenanceError(RoomwatchError):
    """A maintenance window that cannot be set (bad times, unknown devices, no reason)."""


def create_window(
    session: Session,
    devices: Sequence[str],
    start: datetime,
    end: datetime,
    reason: str,
    actor: str,
    now: datetime,
) -> MaintenanceWindow:
    reason = reason.strip()
    if not reason:
        raise MaintenanceError("a reason is required for a maintenance window — say what is done")
    if end <= start:
        raise MaintenanceError("the window ends before it starts — set the end after the start")
    if end <= now:
        raise MaintenanceError("the window is already over — set an end in the future")
    if end - start > MAX_WINDOW:
        raise MaintenanceError("a window longer than 31 days — split it or shorten it")
    names = sorted({d.strip() for d in devices if d.strip()})
    if not names:
        raise MaintenanceError("no device chosen — pick the devices under maintenance")
    rows = list(session.scalars(select(Device).where(Device.name.in_(names))))
    missing = sorted(set(names) - {d.name for d in rows})
    if missing:
        raise MaintenanceError(f"unknown device {', '.join(missing)} — check the device names")
    window = MaintenanceWindow(
        start=start, end=end, reason=reason[:2000], created_by=actor, created_at=now
    )
    window.devices = [MaintenanceDevice(device_id=d.id) for d in rows]
    session.add(window)
    session.flush()
    audit.record(
        session,
        actor,
        "maintenance.create",
        "maintenance_window",
        window.id,
        after={
            "devices": names,
            "start": start.isoformat(),
            "end": end.isoformat(),
            "reason": reason,
        },
        now=now,
    )
    return window


def cancel_window(session: Session, window_id: int, actor: str, now: datetime) -> None:
    window = session.get(MaintenanceWindow, window_id)
    if window is None or window.cancelled_at is not None:
        raise MaintenanceError(f"maintenance window {window_id} is not active — reload the page")
    window.cancelled_at = now
    audit.record(session, actor, "maintenance.cancel", "maintenance_window", window.id, now=now)
    session.flush()


def active_windows(session: Session, now: datetime) -> dict[str, int]:
    """Device name → id of a window covering ``now``."""
    q = (
        select(Device.name, MaintenanceWindow.id)
        .join(MaintenanceDevice, MaintenanceDevice.device_id == Device.id)
        .join(MaintenanceWindow, MaintenanceWindow.id == MaintenanceDevice.window_id)
        .where(
            MaintenanceWindow.start <= now,
            MaintenanceWindow.end > now,
            MaintenanceWindow.cancelled_at.is_(None),
        )
    )
    return {name: wid for name, wid in session.execute(q)}


def list_windows(session: Session, now: datetime) -> list[MaintenanceWindow]:
    """Windows not yet over and not cancelled, soonest first."""
    return list(
        session.scalars(
            select(MaintenanceWindow)
            .where(MaintenanceWindow.end > now, MaintenanceWindow.cancelled_at.is_(None))
            .order_by(MaintenanceWindow.start)
        )
    )
