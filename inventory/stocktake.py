"""Stock-taking (盘存) of one room: what the ledger says should be there, confirmed one by
one (or by typing/scanning the asset tag); discrepancies (missing, wrong place, unknown
tag) are recorded, and each is resolved with a note. Closing marks the unchecked missing.

A stock-take covers the whole room (scope "room") or only its key cabinet (scope "keys").
The key cabinet is checked at least every half month (每半月至少一次对钥匙柜进行盘存,
seed 000 §4.4.3): :func:`key_checks` says, per room with keys, when the next check is due;
the handover carries a due check over (inventory/loans_carryover.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from inventory.errors import LedgerError
from inventory.loans import KEY_TYPES
from store import audit
from store.models import Device, Room
from store.models_ledger import StockTake, StockTakeItem

DISCREPANCIES = ("missing", "wrong_place", "unknown_tag")
NOT_EXPECTED = ("retired", "on_loan")  # lent items are with the borrower, not in the room
SCOPES = ("room", "keys")
KEY_CHECK_DAYS = 15  # half a month


@dataclass(frozen=True, slots=True)
class KeyCheck:
    """Where a room's key cabinet stands: the last check closed, when the next is due (None:
    never checked, so due now), and a key stock-take under way if any."""

    room_id: int
    room: str
    last_done: datetime | None
    due_on: date | None
    open_id: int | None

    def is_due(self, now: datetime) -> bool:
        return key_check_due(self.due_on, now)


def next_key_check(last_done: datetime | None) -> date | None:
    """The local day the next key-cabinet check is due: half a month after the day of the
    last one; None when the cabinet was never checked (due at once)."""
    if last_done is None:
        return None
    return last_done.astimezone().date() + timedelta(days=KEY_CHECK_DAYS)


def key_check_due(due_on: date | None, now: datetime) -> bool:
    """Due from the start of ``due_on`` (local time), or at once when never checked."""
    return due_on is None or now >= datetime.combine(due_on, time()).astimezone()


def place_of(d: Device) -> str:
    parts = [d.room.name if d.room else ""]
    if d.rack is not None:
        parts.append(d.rack.name)
    if d.position_u is not None:
        parts.append(f"U{d.position_u}")
    return " / ".join(p for p in parts if p)


def _audit(session: Session, action: str, st: StockTake, actor: str, now: datetime,
           address: str = "", **after: object) -> None:  # fmt: skip
    audit.record(session, actor, action, "stocktake", st.id, after=dict(after),
                 address=address, now=now)  # fmt: skip


def start(
    session: Session, room_id: int, *, actor: str, now: datetime, address: str = "",
    scope: str = "room",
) -> StockTake:  # fmt: skip
    room = session.get(Room, room_id)
    if room is None:
        raise LedgerError("ledger.error.unknown_room", field="room_id")
    if scope not in SCOPES:
        raise LedgerError("ledger.error.bad_scope", field="scope")
    q = select(Device).where(Device.room_id == room_id, Device.status.not_in(NOT_EXPECTED))
    if scope == "keys":
        q = q.where(Device.device_type.in_(KEY_TYPES))
        if not _has_keys(session, room_id):
            raise LedgerError("ledger.error.no_keys", field="room_id", room=room.name)
    st = StockTake(room_id=room_id, scope=scope, started_by=actor, started_at=now, closed_by="")
    session.add(st)
    session.flush()
    expected = session.scalars(q.order_by(Device.rack_id, Device.position_u, Device.name))
    for d in expected:
        session.add(StockTakeItem(stocktake_id=st.id, device_id=d.id, asset_tag=d.asset_tag or "",
                                  expected_place=place_of(d)[:200], state="pending",
                                  checked_by="", note="", resolved_by=""))  # fmt: skip
    session.flush()
    _audit(session, "ledger.stocktake_start", st, actor, now, address, room=room.name,
           scope=scope)  # fmt: skip
    return st


def _keys(room_id: int | None = None) -> list[ColumnElement[bool]]:
    cond = [Device.device_type.in_(KEY_TYPES), Device.status != "retired"]
    return cond if room_id is None else [*cond, Device.room_id == room_id]


def _has_keys(session: Session, room_id: int) -> bool:
    return bool(session.scalar(select(func.count(Device.id)).where(*_keys(room_id))))


def key_checks(session: Session) -> list[KeyCheck]:
    """Every room holding keys (not retired), with its key cabinet's schedule."""
    rooms = session.execute(
        select(Room.id, Room.name).where(Room.id.in_(select(Device.room_id).where(*_keys())))
        .order_by(Room.name)
    ).all()  # fmt: skip
    checks = []
    for room_id, name in rooms:
        keyed = (StockTake.room_id == room_id, StockTake.scope == "keys")
        last = session.scalar(select(func.max(StockTake.closed_at)).where(*keyed))
        open_id = session.scalar(select(func.max(StockTake.id))
                                 .where(*keyed, StockTake.closed_at.is_(None)))  # fmt: skip
        checks.append(KeyCheck(room_id, name, last, next_key_check(last), open_id))
    return checks


def items(session: Session, stocktake_id: int) -> list[tuple[StockTakeItem, Device | None]]:
    rows = session.execute(
        select(StockTakeItem, Device)
        .outerjoin(Device, Device.id == StockTakeItem.device_id)
        .where(StockTakeItem.stocktake_id == stocktake_id)
        .order_by(StockTakeItem.id)
    )
    return [(i, d) for i, d in rows]


def _open(session: Session, stocktake_id: int) -> StockTake:
    st = session.get(StockTake, stocktake_id)
    if st is None:
        raise LedgerError("ledger.error.not_found")
    if st.closed_at is not None:
        raise LedgerError("ledger.error.stocktake_closed")
    return st


def confirm(
    session: Session, item_id: int, *, actor: str, now: datetime, address: str = ""
) -> StockTakeItem:
    item = session.get(StockTakeItem, item_id)
    if item is None:
        raise LedgerError("ledger.error.not_found")
    st = _open(session, item.stocktake_id)
    item.state, item.checked_by, item.checked_at = "confirmed", actor, now
    session.flush()
    _audit(session, "ledger.stocktake_confirm", st, actor, now, address, item=item.id)
    return item


def scan(
    session: Session, stocktake_id: int, tag: str, *, actor: str, now: datetime, address: str = ""
) -> StockTakeItem:
    """A tag typed or scanned in the room: confirms its line, or records a discrepancy."""
    st = _open(session, stocktake_id)
    tag = tag.strip()
    if not tag:
        raise LedgerError("ledger.error.required", field="tag")
    if len(tag) > 100:
        raise LedgerError("ledger.error.too_long", field="tag")
    item = session.scalar(
        select(StockTakeItem).where(
            StockTakeItem.stocktake_id == st.id, StockTakeItem.asset_tag == tag,
            StockTakeItem.state.in_(("pending", "confirmed", "missing")),
        )
    )  # fmt: skip
    if item is None:
        d = session.scalar(select(Device).where(Device.asset_tag == tag))
        state = "unknown_tag" if d is None else "wrong_place"
        item = StockTakeItem(stocktake_id=st.id, device_id=d.id if d else None, asset_tag=tag,
                             expected_place=place_of(d)[:200] if d else "", state=state,
                             note="", resolved_by="")  # fmt: skip
        session.add(item)
    else:
        item.state = "confirmed"
    item.checked_by, item.checked_at = actor, now
    session.flush()
    _audit(session, "ledger.stocktake_scan", st, actor, now, address, tag=tag, state=item.state)
    return item


def mark_missing(
    session: Session, item_id: int, *, actor: str, now: datetime, address: str = ""
) -> None:
    item = session.get(StockTakeItem, item_id)
    if item is None:
        raise LedgerError("ledger.error.not_found")
    st = _open(session, item.stocktake_id)
    item.state, item.checked_by, item.checked_at = "missing", actor, now
    _audit(session, "ledger.stocktake_missing", st, actor, now, address, item=item.id)


def close(
    session: Session, stocktake_id: int, *, actor: str, now: datetime, address: str = ""
) -> int:
    """Close the session; lines never checked become missing. Returns the discrepancies."""
    st = _open(session, stocktake_id)
    for item, _d in items(session, st.id):
        if item.state == "pending":
            item.state = "missing"
    st.closed_at, st.closed_by = now, actor
    session.flush()
    count = sum(i.state in DISCREPANCIES for i, _d in items(session, st.id))
    _audit(session, "ledger.stocktake_close", st, actor, now, address, discrepancies=count)
    return count


def resolve(
    session: Session, item_id: int, note: str, *, actor: str, now: datetime, address: str = ""
) -> None:
    item = session.get(StockTakeItem, item_id)
    if item is None:
        raise LedgerError("ledger.error.not_found")
    if item.state not in DISCREPANCIES:
        raise LedgerError("ledger.error.not_discrepancy")
    if item.resolved_at is not None:
        raise LedgerError("ledger.error.already_resolved")
    if not note.strip():
        raise LedgerError("ledger.error.note_required", field="note")
    item.note, item.resolved_by, item.resolved_at = note.strip(), actor, now
    st = session.get(StockTake, item.stocktake_id)
    assert st is not None
    _audit(
        session, "ledger.stocktake_resolve", st, actor, now, address, item=item.id, note=item.note
    )


def sessions_of(session: Session, limit: int = 30) -> list[tuple[StockTake, Room]]:
    rows = session.execute(
        select(StockTake, Room).join(Room, Room.id == StockTake.room_id)
        .order_by(StockTake.id.desc()).limit(limit)
    )  # fmt: skip
    return [(st, r) for st, r in rows]
