"""Stock-taking (盘存) of one room: what the ledger says should be there, confirmed one by
one (or by typing/scanning the asset tag); discrepancies (missing, wrong place, unknown
tag) are recorded, and each is resolved with a note. Closing marks the unchecked missing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from inventory.errors import LedgerError
from store import audit
from store.models import Device, Room
from store.models_ledger import StockTake, StockTakeItem

DISCREPANCIES = ("missing", "wrong_place", "unknown_tag")
NOT_EXPECTED = ("retired", "on_loan")  # lent items are with the borrower, not in the room


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
    session: Session, room_id: int, *, actor: str, now: datetime, address: str = ""
) -> StockTake:
    room = session.get(Room, room_id)
    if room is None:
        raise LedgerError("ledger.error.unknown_room", field="room_id")
    st = StockTake(room_id=room_id, started_by=actor, started_at=now, closed_by="")
    session.add(st)
    session.flush()
    expected = session.scalars(
        select(Device)
        .where(Device.room_id == room_id, Device.status.not_in(NOT_EXPECTED))
        .order_by(Device.rack_id, Device.position_u, Device.name)
    )
    for d in expected:
        session.add(StockTakeItem(stocktake_id=st.id, device_id=d.id, asset_tag=d.asset_tag or "",
                                  expected_place=place_of(d)[:200], state="pending",
                                  checked_by="", note="", resolved_by=""))  # fmt: skip
    session.flush()
    _audit(session, "ledger.stocktake_start", st, actor, now, address, room=room.name)
    return st


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
