"""Change requests on a Session: create, edit the draft, move through the states, close.

Each function takes the caller's session and ``now`` and never commits. Every action is
audited (store/audit.py) and written to the change's history. An approved change's window
becomes a maintenance window (rules/maintenance.py: alarms recorded, not notified);
cancelling or closing before the window ends cancels it. Closing signs: the content is
frozen in the journal and the row can no longer change (service and database).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.types import Role
from records import journal
from records.changes.form import ChangeInput
from records.changes.states import Action, Facts, State, decide
from records.errors import NotFound, RecordError, RecordFrozen
from rules import maintenance
from store import audit
from store.models import Device, MaintenanceWindow, User
from store.models_changes import ChangeDevice, ChangeEvent, ChangeRequest

KIND = "change"


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts: the name, the role and the address the request came from."""

    username: str
    role: Role
    address: str = ""


def get(s: Session, change_id: int) -> ChangeRequest:
    row = s.get(ChangeRequest, change_id)
    if row is None:
        raise NotFound("record.not_found")
    return row


def facts(row: ChangeRequest, actor: Actor) -> Facts:
    return Facts(
        state=State(row.state),
        role=actor.role,
        is_requester=row.requested_by == actor.username,
        emergency=row.emergency,
        approved=row.approved_at is not None,
        global_impact=row.global_impact,
        announced=row.announced_at is not None,
    )


def _writable(row: ChangeRequest) -> None:
    if row.signed_at is not None:
        raise RecordFrozen("record.frozen")


def _devices(s: Session, ids: tuple[int, ...]) -> list[Device]:
    rows = list(s.scalars(select(Device).where(Device.id.in_(ids)).order_by(Device.name)))
    if len(rows) != len(set(ids)):
        raise RecordError("changes.err.unknown_device")
    return rows


def _fields(data: ChangeInput) -> dict[str, Any]:
    return {
        "title": data.title, "plan": data.plan, "impact": data.impact, "risk": data.risk,
        "window_start": data.window_start, "window_end": data.window_end,
        "backout_plan": data.backout_plan, "backup_taken": data.backup_taken,
        "global_impact": data.global_impact, "announced_at": data.announced_at,
        "emergency": data.emergency,
    }  # fmt: skip


def _event(
    s: Session, row: ChangeRequest, actor: Actor, action: str, to: str, now: datetime,
    note: str = "",
) -> None:  # fmt: skip
    s.add(ChangeEvent(change_id=row.id, ts=now, actor=actor.username, action=action,
                      from_state=row.state, to_state=to, note=note[:2000]))  # fmt: skip


def _audit(
    s: Session, actor: Actor, action: str, row: ChangeRequest, now: datetime,
    before: dict[str, Any] | None = None, after: dict[str, Any] | None = None,
) -> None:  # fmt: skip
    audit.record(s, actor.username, f"change.{action}", "change", row.id, before=before,
                 after=after, address=actor.address, now=now)  # fmt: skip


def _jsonable(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in data.items()}


def create(s: Session, data: ChangeInput, actor: Actor, now: datetime) -> ChangeRequest:
    """A new draft by an acting user (on-duty staff, supervisor, admin)."""
    if actor.role not in (Role.DUTY, Role.SUPERVISOR, Role.ADMIN):
        raise RecordError("changes.err.readonly")
    devices = _devices(s, data.device_ids)
    row = ChangeRequest(**_fields(data), state=State.DRAFT.value, requested_by=actor.username,
                        created_at=now)  # fmt: skip
    row.devices = [ChangeDevice(device_id=d.id, device_name=d.name) for d in devices]
    s.add(row)
    s.flush()
    _event(s, row, actor, "create", State.DRAFT.value, now)
    after = {**_jsonable(_fields(data)), "devices": [d.name for d in devices]}
    _audit(s, actor, "create", row, now, after=after)
    s.flush()
    return row


def update(
    s: Session, change_id: int, data: ChangeInput, actor: Actor, now: datetime
) -> ChangeRequest:
    """Edit a draft (its requester only)."""
    row = get(s, change_id)
    _writable(row)
    if row.state != State.DRAFT.value:
        raise RecordError("changes.err.bad_state")
    if row.requested_by != actor.username:
        raise RecordError("changes.err.not_requester")
    devices = _devices(s, data.device_ids)
    before = {**_jsonable({k: getattr(row, k) for k in _fields(data)}),
              "devices": [d.device_name for d in row.devices]}  # fmt: skip
    for key, value in _fields(data).items():
        setattr(row, key, value)
    keep = {d.id for d in devices}
    for cd in [cd for cd in row.devices if cd.device_id not in keep]:
        row.devices.remove(cd)
    have = {cd.device_id for cd in row.devices}
    row.devices.extend(ChangeDevice(device_id=d.id, device_name=d.name)
                       for d in devices if d.id not in have)  # fmt: skip
    _event(s, row, actor, "edit", row.state, now)
    after = {**_jsonable(_fields(data)), "devices": [d.name for d in devices]}
    _audit(s, actor, "edit", row, now, before=before, after=after)
    s.flush()
    return row


def announce(s: Session, change_id: int, actor: Actor, now: datetime) -> ChangeRequest:
    """Record that a global-impact change was announced (预先发布通知) now."""
    row = get(s, change_id)
    _writable(row)
    if row.state not in (State.DRAFT.value, State.SUBMITTED.value):
        raise RecordError("changes.err.bad_state")
    f = facts(row, actor)
    if f.role not in (Role.DUTY, Role.SUPERVISOR, Role.ADMIN):
        raise RecordError("changes.err.readonly")
    row.announced_at = now
    _event(s, row, actor, "announce", row.state, now)
    _audit(s, actor, "announce", row, now, after={"announced_at": now.isoformat()})
    s.flush()
    return row


def _start_window(s: Session, row: ChangeRequest, actor: Actor, now: datetime) -> None:
    """The approved window puts the devices in maintenance (nothing when already over)."""
    if row.window_end <= now or row.maintenance_window_id is not None:
        return
    # the ledger's current names (a device may have been renamed since it was picked)
    ids = [d.device_id for d in row.devices]
    names = list(s.scalars(select(Device.name).where(Device.id.in_(ids))))
    reason = f"变更 #{row.id} {row.title}"
    try:
        window = maintenance.create_window(s, names, row.window_start, row.window_end, reason,
                                           actor.username, now)  # fmt: skip
    except maintenance.MaintenanceError as exc:
        raise RecordError("changes.err.maintenance", reason=str(exc)) from exc
    row.maintenance_window_id = window.id


def _end_window(s: Session, row: ChangeRequest, actor: Actor, now: datetime) -> None:
    if row.maintenance_window_id is None:
        return
    window = s.get(MaintenanceWindow, row.maintenance_window_id)
    if window is not None and window.cancelled_at is None and window.end > now:
        maintenance.cancel_window(s, window.id, actor.username, now)


def act(
    s: Session, change_id: int, action: Action, actor: Actor, now: datetime, note: str = ""
) -> ChangeRequest:
    """Move a change by one action (all but closing, which signs: :func:`close`)."""
    if action is Action.CLOSE:
        raise RecordError("changes.err.close_needs_signature")
    row = get(s, change_id)
    _writable(row)
    decision = decide(action, facts(row, actor))
    if decision.to is None:
        raise RecordError(decision.reason, state=row.state)
    before = {"state": row.state}
    _event(s, row, actor, action.value, decision.to.value, now, note)
    if action is Action.SUBMIT:
        row.submitted_at = now
    elif action is Action.APPROVE:
        row.approved_by, row.approved_at = actor.username, now
        _start_window(s, row, actor, now)
    elif action is Action.REJECT:
        row.rejected_by, row.rejected_at = actor.username, now
        _end_window(s, row, actor, now)
    elif action is Action.START:
        row.started_at = now
    elif action is Action.IMPLEMENT:
        row.implemented_at = now
    elif action is Action.VERIFY:
        row.verified_by, row.verified_at = actor.username, now
    elif action is Action.CANCEL:
        row.cancelled_at = now
        _end_window(s, row, actor, now)
    row.state = decision.to.value
    after = {"state": row.state, "note": note, "maintenance_window": row.maintenance_window_id}
    _audit(s, actor, action.value, row, now, before=before, after=after)
    s.flush()
    return row


def content(row: ChangeRequest) -> dict[str, Any]:
    """The full record as the journal keeps it."""
    cols = [c.key for c in ChangeRequest.__table__.columns
            if c.key not in ("signed_at", "signed_by", "signed_from")]  # fmt: skip
    data = _jsonable({k: getattr(row, k) for k in cols})
    data["devices"] = [{"id": d.device_id, "name": d.device_name} for d in row.devices]
    data["history"] = [
        {"ts": e.ts.isoformat(), "actor": e.actor, "action": e.action, "from": e.from_state,
         "to": e.to_state, "note": e.note}
        for e in row.events
    ]  # fmt: skip
    return data


def close(
    s: Session, change_id: int, signer: User, address: str, now: datetime, note: str = ""
) -> ChangeRequest:
    """Close and sign (the signer confirmed by password: records.signing.confirm_signer)."""
    row = get(s, change_id)
    _writable(row)
    actor = Actor(signer.username, Role(signer.role), address)
    decision = decide(Action.CLOSE, facts(row, actor))
    if decision.to is None:
        raise RecordError(decision.reason, state=row.state)
    before = {"state": row.state}
    _end_window(s, row, actor, now)
    _event(s, row, actor, Action.CLOSE.value, State.CLOSED.value, now, note)
    row.state = State.CLOSED.value
    s.flush()  # history and state written before the row is signed (then frozen)
    s.refresh(row, ["events"])
    entry = journal.freeze(s, kind=KIND, record_id=row.id, content=content(row),
                           signer=signer.username, address=address, now=now)  # fmt: skip
    row.signed_at, row.signed_by, row.signed_from = now, signer.username, address[:100]
    _audit(s, actor, "close", row, now, before=before,
           after={"state": row.state, "journal_seq": entry.seq})  # fmt: skip
    s.flush()
    return row
