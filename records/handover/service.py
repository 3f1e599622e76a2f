"""Handover records: open (by the tick or by hand), fill, confirm, sign face to face.

Every function takes the caller's Session and ``now`` and never commits; a refusal raises
a :class:`records.errors.RecordError` before anything is written, and the caller's
transaction rolls back whatever the call had staged, so nothing is half-written.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.duty import CarryOver, ShiftSlot
from core.types import Role
from records import journal
from records.carryover import collect
from records.errors import NotFound, RecordError, RecordFrozen
from records.handover.gate import GateAlarm, GateInput, GateItem, Refusal, refusals
from records.handover.sources import open_alarms
from records.signing import confirm_signer
from rules.alarms import AlarmStatus
from store import audit
from store.models import AlarmEvent
from store.models_handover import Handover, HandoverItem

KIND = "handover"
ARRIVE_BEFORE = timedelta(minutes=15)  # 接班人员提前15分钟到岗
MAX_NOTES = 4000
MAX_NOTE_ITEM = 500
OVERRIDE_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN})


class GateRefused(RecordError):
    """The gate refused the handover; ``refusals`` holds every reason."""

    def __init__(self, reasons: list[Refusal]) -> None:
        super().__init__("handover.gate.refused", count=len(reasons))
        self.refusals = reasons


@dataclass(frozen=True, slots=True)
class Override:
    """A supervisor's override of the gate: who, their password, and why."""

    username: str
    password: str
    reason: str


def people(text: str) -> list[str]:
    return [p for p in (x.strip() for x in text.split(",")) if p]


def _join(names: Collection[str]) -> str:
    return ",".join(sorted(set(names)))[:200]


def is_late(arrived_at: datetime | None, due_at: datetime) -> bool:
    """Late when the incoming person arrived after 15 minutes before the shift's start."""
    return arrived_at is not None and arrived_at > due_at - ARRIVE_BEFORE


def get(session: Session, handover_id: int, *, lock: bool = False) -> Handover:
    row = session.get(Handover, handover_id, with_for_update=lock)
    if row is None:
        raise NotFound("record.not_found")
    return row


def _draft(session: Session, handover_id: int) -> Handover:
    row = get(session, handover_id, lock=True)
    if row.signed_at is not None:
        raise RecordFrozen("record.frozen")
    return row


def find(session: Session, incoming_code: str, due_at: datetime) -> Handover | None:
    return session.scalars(select(Handover).where(
        Handover.incoming_code == incoming_code, Handover.due_at == due_at)).first()  # fmt: skip


def open_handover(
    session: Session, outgoing: ShiftSlot, incoming: ShiftSlot, now: datetime,
    opened_by: str = "system",
) -> Handover:  # fmt: skip
    """The handover from ``outgoing`` to ``incoming`` (the existing one when already open),
    filled with every carried-over item the sources report."""
    existing = find(session, incoming.code, incoming.start)
    if existing is not None:
        return existing
    row = Handover(outgoing_code=outgoing.code[:40], incoming_code=incoming.code[:40],
                   due_at=incoming.start, outgoing_people=_join(outgoing.people),
                   incoming_people=_join(incoming.people), opened_at=now,
                   opened_by=opened_by[:100], notes="", switching=False, fault=False)  # fmt: skip
    session.add(row)
    session.flush()
    refresh_items(session, row, now)
    audit.record(session, opened_by, "handover.open", "handover", row.id,
                 after={"outgoing": outgoing.code, "incoming": incoming.code,
                        "due_at": incoming.start.isoformat()}, now=now)  # fmt: skip
    return row


def refresh_items(session: Session, row: Handover, now: datetime) -> None:
    """Bring the draft's items up to date: new ones added, gone unconfirmed ones dropped,
    ``blocking`` and summaries refreshed. Confirmed items stay (the person saw them)."""
    current: dict[str, CarryOver] = {c.ref: c for c in collect(session, now)}
    have = {i.ref: i for i in row.items}
    for ref, item in have.items():
        if ref in current:
            c = current[ref]
            item.summary, item.blocking, item.url = c.summary, c.blocking[:100], c.url[:200]
        elif not item.confirmed and item.source != "note":
            row.items.remove(item)
            session.delete(item)
    for ref, c in current.items():
        if ref not in have:
            row.items.append(HandoverItem(source=c.source[:40], ref=ref[:100], summary=c.summary,
                                          blocking=c.blocking[:100], url=c.url[:200],
                                          confirmed=False))  # fmt: skip
    session.flush()


def _confirm(row: Handover, refs: Collection[str], who: str, now: datetime) -> None:
    known = {i.ref for i in row.items}
    unknown = sorted(set(refs) - known)
    if unknown:
        raise RecordError("handover.unknown_item", ref=unknown[0])
    for item in row.items:
        want = item.ref in refs
        if want and not item.confirmed:
            item.confirmed, item.confirmed_by, item.confirmed_at = True, who, now
        elif not want and item.confirmed:
            item.confirmed, item.confirmed_by, item.confirmed_at = False, None, None


def save_draft(
    session: Session, handover_id: int, *, actor: str, now: datetime, notes: str,
    switching: bool, fault: bool, confirmed: Collection[str] | None = None,
) -> Handover:  # fmt: skip
    """Store the outgoing shift's notes and flags and the confirmations ticked so far."""
    row = _draft(session, handover_id)
    if len(notes) > MAX_NOTES:
        raise RecordError("handover.notes_too_long", max=MAX_NOTES)
    before = {"notes": row.notes, "switching": row.switching, "fault": row.fault}
    row.notes, row.switching, row.fault = notes.strip(), switching, fault
    refresh_items(session, row, now)
    if confirmed is not None:
        _confirm(row, confirmed, actor, now)
    audit.record(session, actor, "handover.save", "handover", row.id, before=before,
                 after={"notes": row.notes, "switching": switching, "fault": fault,
                        "confirmed": sorted(i.ref for i in row.items if i.confirmed)},
                 now=now)  # fmt: skip
    session.flush()
    return row


def add_note(
    session: Session, handover_id: int, text: str, actor: str, now: datetime
) -> HandoverItem:
    """A follow-up item written by hand (待跟进事项): the incoming person confirms it too."""
    row = _draft(session, handover_id)
    text = " ".join(text.split())
    if not text:
        raise RecordError("handover.note_required")
    if len(text) > MAX_NOTE_ITEM:
        raise RecordError("handover.note_too_long", max=MAX_NOTE_ITEM)
    n = 1 + sum(1 for i in row.items if i.source == "note")
    item = HandoverItem(source="note", ref=f"note:{n}", summary=text, blocking="", url="",
                        confirmed=False)  # fmt: skip
    row.items.append(item)
    audit.record(session, actor, "handover.note", "handover", row.id, after={"note": text},
                 now=now)  # fmt: skip
    session.flush()
    return item


def record_arrival(session: Session, handover_id: int, username: str, now: datetime) -> Handover:
    """The incoming person says they are here (once; the first arrival counts)."""
    row = _draft(session, handover_id)
    if row.arrived_at is not None:
        raise RecordError("handover.already_arrived", user=row.arrived_by or "")
    if username in people(row.outgoing_people):
        raise RecordError("handover.arrival_not_outgoing")
    row.arrived_at, row.arrived_by = now, username[:100]
    audit.record(session, username, "handover.arrive", "handover", row.id,
                 after={"arrived_at": now.isoformat(), "late": is_late(now, row.due_at)},
                 now=now)  # fmt: skip
    session.flush()
    return row


def gate_input(session: Session, row: Handover) -> GateInput:
    alarms = tuple(GateAlarm(a.id, a.severity, a.status, a.owner, a.acked_by, a.device)
                   for a in open_alarms(session))  # fmt: skip
    items = tuple(GateItem(i.ref, i.summary, i.blocking, i.confirmed) for i in row.items)
    return GateInput(outgoing=frozenset(people(row.outgoing_people)), notes=row.notes,
                     switching=row.switching, fault=row.fault, alarms=alarms,
                     items=items)  # fmt: skip


def content(row: Handover) -> dict[str, Any]:
    """The full record as it is frozen into the journal."""
    return {
        "id": row.id, "outgoing_code": row.outgoing_code, "incoming_code": row.incoming_code,
        "due_at": row.due_at, "outgoing_people": people(row.outgoing_people),
        "incoming_people": people(row.incoming_people), "opened_at": row.opened_at,
        "opened_by": row.opened_by, "notes": row.notes, "switching": row.switching,
        "fault": row.fault, "arrived_at": row.arrived_at, "arrived_by": row.arrived_by,
        "late": is_late(row.arrived_at, row.due_at),
        "outgoing_signer": row.outgoing_signer, "incoming_signer": row.incoming_signer,
        "override": None if row.override_by is None
        else {"by": row.override_by, "reason": row.override_reason},
        "items": [{"source": i.source, "ref": i.ref, "summary": i.summary,
                   "blocking": i.blocking, "confirmed": i.confirmed,
                   "confirmed_by": i.confirmed_by, "confirmed_at": i.confirmed_at,
                   "url": i.url} for i in row.items],
    }  # fmt: skip


def sign(
    session: Session, handover_id: int, *, outgoing_user: str, outgoing_password: str,
    incoming_user: str, incoming_password: str, address: str, now: datetime,
    confirmed: Collection[str] | None = None, override: Override | None = None,
    notes: str | None = None, switching: bool | None = None, fault: bool | None = None,
) -> Handover:  # fmt: skip
    """Both people sign on the same screen; one journal entry when both signatures are in.

    ``notes``, ``switching`` and ``fault`` (when given) are what the screen shows as the
    outgoing shift's words at signing. Refused (nothing written) on a wrong password, the
    same person on both sides, an outgoing signer not on the outgoing shift, a second
    signature, or the gate's reasons unless a supervisor overrides with a reason and their
    password.
    """
    row = get(session, handover_id, lock=True)
    if row.signed_at is not None:
        raise RecordError("journal.already_signed", kind=KIND, record_id=row.id)
    if outgoing_user.strip() == incoming_user.strip():
        raise RecordError("handover.same_person")
    out = confirm_signer(session, outgoing_user.strip(), outgoing_password)
    inc = confirm_signer(session, incoming_user.strip(), incoming_password)
    outgoing = people(row.outgoing_people)
    if out.username not in outgoing:
        raise RecordError("handover.not_outgoing", user=out.username)
    if inc.username in outgoing:
        raise RecordError("handover.incoming_is_outgoing", user=inc.username)
    if notes is not None:
        if len(notes) > MAX_NOTES:
            raise RecordError("handover.notes_too_long", max=MAX_NOTES)
        row.notes = notes.strip()
    row.switching = row.switching if switching is None else switching
    row.fault = row.fault if fault is None else fault
    refresh_items(session, row, now)
    if confirmed is not None:
        _confirm(row, confirmed, inc.username, now)
    session.flush()  # the items are written while the parent is still a draft (trigger)
    reasons = refusals(gate_input(session, row))
    if reasons:
        if override is None:
            raise GateRefused(reasons)
        if not override.reason.strip():
            raise RecordError("handover.override_needs_reason")
        sup = confirm_signer(session, override.username, override.password, OVERRIDE_ROLES)
        row.override_by, row.override_reason = sup.username, override.reason.strip()[:2000]
        audit.record(session, sup.username, "handover.override", "handover", row.id,
                     after={"reason": row.override_reason,
                            "refusals": [r.msgid for r in reasons]},
                     address=address, now=now)  # fmt: skip
    row.outgoing_signer, row.incoming_signer = out.username, inc.username
    body = content(row)
    if reasons:
        body["gate_refusals"] = [{"msgid": r.msgid, **r.params} for r in reasons]
    journal.freeze(session, kind=KIND, record_id=row.id, content=body,
                   signer=f"{out.username}/{inc.username}", address=address, now=now)  # fmt: skip
    row.signed_at, row.signed_by = now, f"{out.username}/{inc.username}"
    row.signed_from = address[:100]
    _hand_over_alarms(session, row.id, inc.username, now)
    audit.record(session, inc.username, "handover.sign", "handover", row.id,
                 after={"outgoing": out.username, "incoming": inc.username,
                        "override_by": row.override_by}, address=address, now=now)  # fmt: skip
    session.flush()
    return row


def _hand_over_alarms(session: Session, handover_id: int, owner: str, now: datetime) -> None:
    """Acknowledged alarms pass to the incoming person as owner (one event each)."""
    for a in open_alarms(session):
        if a.status != AlarmStatus.ACKNOWLEDGED.value or a.owner == owner:
            continue
        before = a.owner
        a.owner = owner
        a.events.append(
            AlarmEvent(
                ts=now,
                kind="owner",
                actor=owner,
                value=a.value,
                detail=f"{before or '—'} → {owner} (handover #{handover_id})",
            )
        )
        audit.record(session, owner, "alarm.owner", "alarm", a.id, before={"owner": before},
                     after={"owner": owner, "handover": handover_id}, now=now)  # fmt: skip


def recent(session: Session, limit: int = 50) -> list[Handover]:
    return list(
        session.scalars(
            select(Handover).order_by(Handover.due_at.desc(), Handover.id.desc()).limit(limit)
        )
    )


def drafts(session: Session) -> list[Handover]:
    return list(session.scalars(select(Handover).where(Handover.signed_at.is_(None))
                                .order_by(Handover.due_at)))  # fmt: skip
