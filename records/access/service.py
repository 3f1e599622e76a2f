"""Registrations of the access log: register, approve or reject, sign in, sign out, items.

Every function takes the caller's session and ``now`` and audits what it did; the caller
commits. Signing out (or a rejection) closes a registration: its content is frozen into
the journal and the row is signed, after which services and database triggers refuse
any change (不得涂改).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from records import journal
from records.access.forms import ItemLine, Kind, Registration, local_day
from records.access.identity import hash_id, mask_id, new_salt
from records.access.staff import is_staff
from records.access.states import Action, State, initial_state, next_state
from records.access.stay import overstay
from records.errors import NotFound, RecordError, RecordFrozen
from records.signing import confirm_signer
from store import audit
from store.models import Room
from store.models_access import AccessEntry, AccessItem, WorkApplication

KIND = "access"  # journal kind


def get(session: Session, entry_id: int) -> AccessEntry:
    entry = session.get(AccessEntry, entry_id)
    if entry is None:
        raise NotFound("record.not_found")
    return entry


def _audit(session: Session, by: str, action: str, entry: AccessEntry, now: datetime,
           address: str = "", **after: Any) -> None:  # fmt: skip
    audit.record(session, by, f"access.{action}", "access_entry", entry.id,
                 after={"state": entry.state, **after}, address=address, now=now)  # fmt: skip


def _work_for(session: Session, reg: Registration, now: datetime) -> WorkApplication:
    """The approved application covering today in the room (外来施工须递交《施工申请单》)."""
    work = session.get(WorkApplication, reg.work_application_id or 0)
    if work is None or work.room_id != reg.room_id:
        raise RecordError("access.err.work", field="work_application")
    if work.status != "approved":
        raise RecordError("access.err.work_not_approved", field="work_application")
    today = local_day(now)
    if not work.start_date <= today <= work.end_date:
        raise RecordError("access.err.work_not_active", field="work_application")
    last = datetime.combine(work.end_date + timedelta(days=1), time()).astimezone()
    if reg.planned_out > last:
        raise RecordError("access.err.planned_out_after_work", field="planned_out")
    return work


def register(session: Session, reg: Registration, *, by: str, now: datetime,
             address: str = "") -> AccessEntry:  # fmt: skip
    """A new registration: staff are inside at once, an approved construction is approved,
    anyone else waits for the room's head. Who is staff is looked up (an account or the
    admin's staff list), never taken from the caller."""
    if session.get(Room, reg.room_id) is None:
        raise RecordError("access.err.room", field="room")
    work = _work_for(session, reg, now) if reg.kind is Kind.CONSTRUCTION else None
    staff = is_staff(session, reg.person, reg.id_number)
    if not staff and not reg.escort:
        raise RecordError("access.err.escort_required", field="escort")
    state = initial_state(staff=staff, approved_work=work is not None)
    salt = new_salt()
    entry = AccessEntry(
        room_id=reg.room_id, kind=reg.kind.value, person=reg.person,
        organisation=reg.organisation, id_masked=mask_id(reg.id_number), id_salt=salt,
        id_hash=hash_id(salt, reg.id_number), purpose=reg.purpose, escort=reg.escort,
        staff=staff, work_application_id=work.id if work else None,
        planned_out=reg.planned_out, state=state.value, requested_by=by, requested_at=now,
        decision_note="",
    )  # fmt: skip
    if work is not None:  # the application's approval is the head's approval of the entry
        entry.decided_by, entry.decided_at = work.decided_by, now
    if state is State.INSIDE:
        entry.time_in, entry.entered_by = now, by
    session.add(entry)
    session.flush()
    _audit(session, by, "register", entry, now, address, person=entry.person, id=entry.id_masked)
    return entry


def _ensure_open(entry: AccessEntry) -> None:
    if entry.signed_at is not None:
        raise RecordFrozen("record.frozen")


def decide(session: Session, entry_id: int, *, approve: bool, by: str, note: str,
           address: str, now: datetime) -> AccessEntry:  # fmt: skip
    """The room's head approves or rejects an entry; a rejection closes it (signed).

    Whoever registered the entry does not decide it: the head decides someone else's
    registration (as for work applications)."""
    entry = get(session, entry_id)
    _ensure_open(entry)
    if entry.requested_by == by:
        raise RecordError("access.self_approval")
    entry.state = next_state(entry.state, Action.APPROVE if approve else Action.REJECT).value
    entry.decided_by, entry.decided_at, entry.decision_note = by, now, note.strip()[:2000]
    if not approve:
        _sign(session, entry, by, address, now)
    _audit(session, by, "approve" if approve else "reject", entry, now, address, note=note)
    return entry


def enter(session: Session, entry_id: int, *, by: str, now: datetime,
          address: str = "") -> AccessEntry:  # fmt: skip
    """Sign in (进入机房): only once approved, and not after the approved stay ended."""
    entry = get(session, entry_id)
    _ensure_open(entry)
    new = next_state(entry.state, Action.ENTER)
    if now >= entry.planned_out:
        raise RecordError("access.err.approval_expired")
    entry.state, entry.time_in, entry.entered_by = new.value, now, by
    _audit(session, by, "enter", entry, now, address)
    return entry


def leave(session: Session, entry_id: int, *, username: str, password: str, address: str,
          now: datetime) -> AccessEntry:  # fmt: skip
    """Sign out (签名登记后离开): the on-duty person signs with their password and the
    registration, with its items, is frozen in the journal."""
    user = confirm_signer(session, username, password)
    entry = get(session, entry_id)
    _ensure_open(entry)
    entry.state = next_state(entry.state, Action.LEAVE).value
    entry.time_out = now
    _sign(session, entry, user.username, address, now)
    _audit(session, user.username, "leave", entry, now, address)
    return entry


def _sign(session: Session, entry: AccessEntry, signer: str, address: str, now: datetime) -> None:
    session.flush()
    journal.freeze(session, kind=KIND, record_id=entry.id, content=content(session, entry),
                   signer=signer, address=address, now=now)  # fmt: skip
    entry.signed_at, entry.signed_by, entry.signed_from = now, signer, address[:100]
    session.flush()


def add_item(session: Session, entry_id: int, line: ItemLine, *, by: str,
             now: datetime, address: str = "") -> AccessItem:  # fmt: skip
    """机房物品进出登记: an item carried in or out, checked by the person on duty."""
    entry = get(session, entry_id)
    _ensure_open(entry)
    item = AccessItem(entry_id=entry.id, item=line.item, quantity=line.quantity,
                      direction=line.direction.value, checked_by=by, checked_at=now)  # fmt: skip
    session.add(item)
    session.flush()
    _audit(session, by, "item", entry, now, address, item=line.item, quantity=line.quantity,
           direction=line.direction.value)  # fmt: skip
    return item


def content(session: Session, entry: AccessEntry) -> dict[str, Any]:
    """The registration as the journal keeps it (the masked ID only, never the number)."""
    room = session.get(Room, entry.room_id)
    items = session.scalars(select(AccessItem).where(AccessItem.entry_id == entry.id)
                            .order_by(AccessItem.id))  # fmt: skip
    return {
        "id": entry.id, "room": room.name if room else "", "kind": entry.kind,
        "person": entry.person, "organisation": entry.organisation, "id_number": entry.id_masked,
        "purpose": entry.purpose, "escort": entry.escort, "staff": entry.staff,
        "work_application": entry.work_application_id, "planned_out": entry.planned_out,
        "state": entry.state, "requested_by": entry.requested_by,
        "requested_at": entry.requested_at, "decided_by": entry.decided_by,
        "decided_at": entry.decided_at, "decision_note": entry.decision_note,
        "time_in": entry.time_in, "entered_by": entry.entered_by, "time_out": entry.time_out,
        "items": [{"item": i.item, "quantity": i.quantity, "direction": i.direction,
                   "checked_by": i.checked_by, "checked_at": i.checked_at} for i in items],
    }  # fmt: skip


@dataclass(frozen=True, slots=True)
class Present:
    """A registration on the board, with how long it overstays (None: within its stay)."""

    entry: AccessEntry
    room: str
    over: timedelta | None


@dataclass(frozen=True, slots=True)
class Board:
    """What the index page shows: waiting for approval, approved, inside now."""

    requested: list[Present]
    approved: list[Present]
    inside: list[Present]

    @property
    def overstays(self) -> list[Present]:
        return [p for p in self.inside if p.over is not None]


def open_entries(session: Session, now: datetime) -> list[Present]:
    rows = session.execute(
        select(AccessEntry, Room.name).join(Room, Room.id == AccessEntry.room_id)
        .where(AccessEntry.state.in_([State.REQUESTED, State.APPROVED, State.INSIDE]))
        .options(selectinload(AccessEntry.items))
        .order_by(AccessEntry.requested_at, AccessEntry.id))  # fmt: skip
    return [Present(e, name, overstay(e.state, e.planned_out, now)) for e, name in rows]


def board(session: Session, now: datetime) -> Board:
    entries = open_entries(session, now)
    return Board(*([p for p in entries if p.entry.state == s]
                   for s in (State.REQUESTED, State.APPROVED, State.INSIDE)))  # fmt: skip
