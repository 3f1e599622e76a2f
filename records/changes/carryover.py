"""What the outgoing shift hands over about changes (R4.2: changes in progress).

A change being carried out that does switching or power work blocks the handover (seed 000,
工程部 §6.2: 正在进行倒闸操作…不能交接班): a power device among its devices, or switching /
power words in its title or plan.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from core.duty import CarryOver
from records.changes.queries import overdue
from records.changes.states import State
from store.models import Device
from store.models_changes import ChangeRequest

# device types of the power chain, and the words of switching and power work
POWER_TYPES = frozenset({"ups", "pdu", "ats", "sts", "switchgear", "generator", "power",
                         "distribution", "battery"})  # fmt: skip
POWER_WORDS = ("倒闸", "断电", "停电", "送电", "切换", "合闸", "分闸", "配电", "switching",
               "switchover", "power")  # fmt: skip
BLOCKS = "handover.block.change_switching"


def power_work(session: Session, row: ChangeRequest) -> bool:
    """Whether the change does switching or power work (device types, or its words)."""
    ids = [d.device_id for d in row.devices]
    types = (
        set(session.scalars(select(Device.device_type).where(Device.id.in_(ids)))) if ids else set()
    )
    text = f"{row.title} {row.plan}".lower()
    return bool({t.lower() for t in types} & POWER_TYPES) or any(w in text for w in POWER_WORDS)


def _line(row: ChangeRequest, what: str) -> str:
    names = ", ".join(d.device_name for d in row.devices)
    return f"变更 #{row.id} {row.title} ({names}): {what}"


def carry_over(session: Session, now: datetime) -> list[CarryOver]:
    """Changes in progress, emergency changes awaiting approval, overdue verifications."""
    q = (
        select(ChangeRequest)
        .where(
            or_(
                ChangeRequest.state == State.IN_PROGRESS.value,
                ChangeRequest.state == State.IMPLEMENTED.value,
            )
        )
        .order_by(ChangeRequest.id)
    )
    items: list[CarryOver] = []
    for row in session.scalars(q):
        awaiting = row.emergency and row.approved_at is None
        if row.state == State.IN_PROGRESS.value:
            what = "紧急变更实施中, 待补批" if awaiting else "实施中"
        elif awaiting:
            what = "紧急变更待补批"
        elif overdue(row, now):
            what = "超过一周未确认运行无误"
        else:
            continue
        running = row.state == State.IN_PROGRESS.value
        blocking = BLOCKS if running and power_work(session, row) else ""
        items.append(CarryOver("change", f"change:{row.id}", _line(row, what),
                               blocking=blocking, url=f"/changes/{row.id}"))  # fmt: skip
    return items
