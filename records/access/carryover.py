"""The handover's visitors: everybody still inside the room at shift change (R4.2, R5.3).

One item per person inside; an overstay beyond the approved stay is said in the summary.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.duty import CarryOver
from records.access.states import State
from records.access.stay import minutes_text, overstay
from store.models import Room
from store.models_access import AccessEntry


def summary(entry: AccessEntry, room: str, now: datetime) -> str:
    since = entry.time_in.astimezone().strftime("%m-%d %H:%M") if entry.time_in else "?"
    escort = f"，陪同 {entry.escort}" if entry.escort else ""
    line = f"{entry.person}（{entry.organisation}）在 {room} 内，{since} 进入{escort}"
    over = overstay(entry.state, entry.planned_out, now)
    if over is not None:
        line += (
            f"；超时 {minutes_text(over)}（批准至 {entry.planned_out.astimezone():%m-%d %H:%M}）"
        )
    return line


def carry_over(session: Session, now: datetime) -> list[CarryOver]:
    rows = session.execute(
        select(AccessEntry, Room.name).join(Room, Room.id == AccessEntry.room_id)
        .where(AccessEntry.state == State.INSIDE.value)
        .order_by(AccessEntry.time_in, AccessEntry.id))  # fmt: skip
    return [CarryOver(source="visitor", ref=f"visitor:{e.id}", summary=summary(e, room, now),
                      url=f"/access/{e.id}") for e, room in rows]  # fmt: skip
