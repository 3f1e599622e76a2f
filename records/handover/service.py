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
from core.messages import LANGUAGES, label
from core.types import Role, Severity
from records import journal
from records.carryover import collect
from records.errors import NotFound, RecordError, RecordFrozen
from records.handover.gate import (
    GateAlarm,
    GateInput,
    GateItem,
    Refusal,
    kept_by_outgoing,
    refusals,
)
from records.handover.sources import open_alarms
from records.signing import confirm_signer
from store import audit
from store.accounts import display_names
from store.models import Alarm, AlarmEvent
from store.models_handover import Handover, HandoverItem

KIND = "handover"
OVERRIDE_KIND = "handover_override"  # a supervisor let a refused handover through
# 接班人员应提前10分钟到岗 (machine room; the engineering rule says 15): the default of the
# [handover] settings, which give each room its own
DEFAULT_ARRIVE_MINUTES = 10
MAX_NOTES = 4000
MAX_NOTE_ITEM = 500
OVERRIDE_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN})


class GateRefused(RecordError):
    """The gate refused the handover; ``refusals`` holds every reason. ``kept`` are the
    alarms the outgoing shift stays in charge of, ``outgoing`` the outgoing signer: the
    caller gives them that owner (:func:`keep_with_outgoing`) once this transaction is
    rolled back."""

    def __init__(
        self, reasons: list[Refusal], kept: tuple[int, ...] = (), outgoing: str = ""
    ) -> None:
        super().__init__("handover.gate.refused", count=len(reasons))
        self.refusals = reasons
        self.kept = kept
        self.outgoing = outgoing


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


def is_late(
    arrived_at: datetime | None, due_at: datetime, minutes: int = DEFAULT_ARRIVE_MINUTES
) -> bool:
    """Late when the incoming person arrived after ``minutes`` before the shift's start."""
    return arrived_at is not None and arrived_at > due_at - timedelta(minutes=minutes)


def arrive_by(row: Handover) -> datetime:
    """When the incoming person must be here at the latest (the record's rule)."""
    return row.due_at - timedelta(minutes=row.arrive_before_minutes)


def minutes_late(row: Handover) -> int | None:
    """Whole minutes (rounded up) the arrival came after :func:`arrive_by`; None when on
    time or not arrived."""
    if row.arrived_at is None or not is_late(row.arrived_at, row.due_at,
                                             row.arrive_before_minutes):  # fmt: skip
        return None
    return -(-int((row.arrived_at - arrive_by(row)).total_seconds()) // 60)


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
    opened_by: str = "system", arrive_before_minutes: int = DEFAULT_ARRIVE_MINUTES,
) -> Handover:  # fmt: skip
    """The handover from ``outgoing`` to ``incoming`` (the existing one when already open),
    filled with every carried-over item the sources report."""
    existing = find(session, incoming.code, incoming.start)
    if existing is not None:
        return existing
    row = Handover(outgoing_code=outgoing.code[:40], incoming_code=incoming.code[:40],
                   due_at=incoming.start, outgoing_people=_join(outgoing.people),
                   incoming_people=_join(incoming.people), opened_at=now,
                   opened_by=opened_by[:100], notes="", switching=False, fault=False,
                   arrive_before_minutes=arrive_before_minutes)  # fmt: skip
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


def record_arrival(
    session: Session, handover_id: int, username: str, now: datetime,
    arrive_before_minutes: int | None = None,
) -> Handover:  # fmt: skip
    """The incoming person says they are here, face to face (once; the first arrival
    counts). ``arrive_before_minutes`` is the room's rule at this moment, fixed on the
    record (None: the rule the handover was opened with)."""
    row = _draft(session, handover_id)
    if row.arrived_at is not None:
        raise RecordError("handover.already_arrived", user=row.arrived_by or "")
    if username in people(row.outgoing_people):
        raise RecordError("handover.arrival_not_outgoing")
    if arrive_before_minutes is not None:
        row.arrive_before_minutes = arrive_before_minutes
    row.arrived_at, row.arrived_by = now, username[:100]
    audit.record(session, username, "handover.arrive", "handover", row.id,
                 after={"arrived_at": now.isoformat(), "minutes_late": minutes_late(row),
                        "arrive_before_minutes": row.arrive_before_minutes},
                 now=now)  # fmt: skip
    session.flush()
    return row


def gate_input(session: Session, row: Handover, min_severity: int = Severity.CRITICAL) -> GateInput:
    alarms = tuple(GateAlarm(a.id, a.severity, a.status, a.owner, a.acked_by, a.device,
                             a.first_seen, a.summary_zh or a.rule, a.summary_en or a.rule)
                   for a in open_alarms(session))  # fmt: skip
    items = tuple(GateItem(i.ref, i.summary, i.blocking, i.confirmed) for i in row.items)
    return GateInput(outgoing=frozenset(people(row.outgoing_people)), notes=row.notes,
                     switching=row.switching, fault=row.fault, alarms=alarms,
                     items=items, opened_at=row.opened_at,
                     min_severity=min_severity)  # fmt: skip


def content(row: Handover) -> dict[str, Any]:
    """The full record as it is frozen into the journal."""
    return {
        "id": row.id, "outgoing_code": row.outgoing_code, "incoming_code": row.incoming_code,
        "due_at": row.due_at, "outgoing_people": people(row.outgoing_people),
        "incoming_people": people(row.incoming_people), "opened_at": row.opened_at,
        "opened_by": row.opened_by, "notes": row.notes, "switching": row.switching,
        "fault": row.fault, "arrived_at": row.arrived_at, "arrived_by": row.arrived_by,
        "late": is_late(row.arrived_at, row.due_at, row.arrive_before_minutes),
        "outgoing_signer": row.outgoing_signer, "incoming_signer": row.incoming_signer,
        "override": None if row.override_by is None
        else {"by": row.override_by, "reason": row.override_reason},
        "items": [{"source": i.source, "ref": i.ref, "summary": i.summary,
                   "blocking": i.blocking, "confirmed": i.confirmed,
                   "confirmed_by": i.confirmed_by, "confirmed_at": i.confirmed_at,
                   "url": i.url} for i in row.items],
    }  # fmt: skip


def frozen(session: Session, row: Handover) -> dict[str, Any]:
    """What signing freezes: :func:`content` (the rows) and the words a reader of the
    record needs that are not its rows: the shifts' names and each person's display name
    (left out when the rows are compared with the entry, records.integrity)."""
    body = content(row)
    logins = {*people(row.outgoing_people), *people(row.incoming_people), row.arrived_by,
              row.outgoing_signer, row.incoming_signer, row.override_by,
              *(i.confirmed_by for i in row.items)}  # fmt: skip
    body["names"] = display_names(session, [n for n in logins if n])
    body["shifts"] = {"outgoing": shift_names(row.outgoing_code),
                      "incoming": shift_names(row.incoming_code)}  # fmt: skip
    return body


def shift_names(code: str) -> dict[str, str]:
    """A shift code in words in every language (the roster's codes; "manual" by hand)."""
    family = "handover.shift" if code == "manual" else "roster.code"
    return {"code": code, **{lang: label(lang, family, code) for lang in LANGUAGES}}


def may_take_over(row: Handover, username: str) -> bool:
    """The incoming person: one of the incoming shift's people, or whoever recorded their
    arrival; anyone but the outgoing people when the handover was opened by hand."""
    planned = people(row.incoming_people)
    return not planned or username in planned or username == row.arrived_by


def _check_sides(row: Handover, outgoing_user: str, incoming_user: str) -> None:
    outgoing = people(row.outgoing_people)
    if outgoing_user not in outgoing:
        raise RecordError("handover.not_outgoing", user=outgoing_user)
    if incoming_user in outgoing:
        raise RecordError("handover.incoming_is_outgoing", user=incoming_user)
    if not may_take_over(row, incoming_user):
        raise RecordError("handover.not_incoming", user=incoming_user,
                          people=", ".join(people(row.incoming_people)))  # fmt: skip


def sign(
    session: Session, handover_id: int, *, outgoing_user: str, outgoing_password: str,
    incoming_user: str, incoming_password: str, address: str, now: datetime,
    confirmed: Collection[str] | None = None, override: Override | None = None,
    notes: str | None = None, switching: bool | None = None, fault: bool | None = None,
    gate_severity: int = Severity.CRITICAL,
) -> Handover:  # fmt: skip
    """Both people sign on the same screen; one journal entry when both signatures are in.

    ``notes``, ``switching`` and ``fault`` (when given) are what the screen shows as the
    outgoing shift's words at signing. Refused (nothing written) on a wrong password, the
    same person on both sides, an outgoing signer not on the outgoing shift, a second
    signature, an incoming signer whose arrival (face to face) is not recorded, or the
    gate's reasons (alarms from ``gate_severity`` up) unless a supervisor overrides with a
    reason and their password; the override is a journal entry of its own
    (``handover_override``). Every alarm still open passes to the incoming signer.
    """
    row = get(session, handover_id, lock=True)
    if row.signed_at is not None:
        raise RecordError("journal.already_signed", kind=KIND, record_id=row.id)
    if outgoing_user.strip() == incoming_user.strip():
        raise RecordError("handover.same_person")
    _check_sides(row, outgoing_user.strip(), incoming_user.strip())  # who, before passwords
    out = confirm_signer(session, outgoing_user.strip(), outgoing_password)
    inc = confirm_signer(session, incoming_user.strip(), incoming_password)
    if row.arrived_at is None:  # 交接班人员必须当面交接: the arrival comes first
        raise RecordError("handover.not_arrived_yet")
    if row.arrived_by != inc.username:
        raise RecordError("handover.arrived_other", user=row.arrived_by or "",
                          signer=inc.username)  # fmt: skip
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
    gate = gate_input(session, row, gate_severity)
    reasons = refusals(gate)
    if reasons:
        if override is None:
            raise GateRefused(reasons, tuple(kept_by_outgoing(gate)), out.username)
        if not override.reason.strip():
            raise RecordError("handover.override_needs_reason")
        sup = confirm_signer(session, override.username, override.password, OVERRIDE_ROLES)
        row.override_by, row.override_reason = sup.username, override.reason.strip()[:2000]
        audit.record(session, sup.username, "handover.override", "handover", row.id,
                     after={"reason": row.override_reason,
                            "refusals": [r.msgid for r in reasons]},
                     address=address, now=now)  # fmt: skip
        journal.append(session, kind=OVERRIDE_KIND, record_id=row.id, action="override",
                       content={"handover": row.id, "by": sup.username,
                                "reason": row.override_reason,
                                "outgoing": out.username, "incoming": inc.username,
                                "refusals": [{"msgid": r.msgid, **r.params}
                                             for r in reasons]},
                       signer=sup.username, address=address, now=now,
                       reason=row.override_reason)  # fmt: skip
    row.outgoing_signer, row.incoming_signer = out.username, inc.username
    if not people(row.incoming_people):  # opened by hand: whoever signed took over
        row.incoming_people = inc.username[:200]
    body = frozen(session, row)
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


def keep_with_outgoing(
    session: Session, handover_id: int, alarm_ids: Collection[int], person: str, now: datetime
) -> None:
    """The handover stopped on these alarms: the outgoing ``person`` owns them (§6.3 由交班
    人员负责处理), unless another outgoing person already does."""
    outgoing = people(get(session, handover_id).outgoing_people)
    for a in open_alarms(session):
        if a.id in alarm_ids and a.owner not in outgoing:
            _set_owner(session, a, person, handover_id, now)


def _set_owner(session: Session, a: Alarm, owner: str, handover_id: int, now: datetime) -> None:
    before = a.owner
    a.owner = owner
    detail = f"{before or '—'} → {owner} (handover #{handover_id})"
    a.events.append(AlarmEvent(ts=now, kind="owner", actor=owner, value=a.value, detail=detail))
    audit.record(session, owner, "alarm.owner", "alarm", a.id, before={"owner": before},
                 after={"owner": owner, "handover": handover_id}, now=now)  # fmt: skip


def _hand_over_alarms(session: Session, handover_id: int, owner: str, now: datetime) -> None:
    """Every alarm still open (firing or acknowledged) passes to the incoming person as its
    owner, one event each: nothing carried over is left without an owner."""
    for a in open_alarms(session):
        if a.owner != owner:
            _set_owner(session, a, owner, handover_id, now)


def recent(session: Session, limit: int = 50) -> list[Handover]:
    return list(
        session.scalars(
            select(Handover).order_by(Handover.due_at.desc(), Handover.id.desc()).limit(limit)
        )
    )


def drafts(session: Session) -> list[Handover]:
    return list(session.scalars(select(Handover).where(Handover.signed_at.is_(None))
                                .order_by(Handover.due_at)))  # fmt: skip
