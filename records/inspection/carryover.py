"""What a shift hands over from the inspection (records.carryover source "inspection"):
sheets still open (not signed, not closed as not needed) and abnormal items found in the
last day (not those of an on-site check closed because its alarms cleared)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.duty import CarryOver
from records.inspection.completeness import ItemState, gaps
from store.models import Room
from store.models_inspection import InspectionItem, InspectionSheet

RECENT = timedelta(hours=24)
ONSITE_BLOCKS = "handover.block.onsite_open"


def carry_over(session: Session, now: datetime) -> list[CarryOver]:
    items: list[CarryOver] = []
    rooms = {r.id: r.name for r in session.scalars(select(Room))}
    for sheet in session.scalars(
        select(InspectionSheet)
        .where(InspectionSheet.signed_at.is_(None), InspectionSheet.closed_at.is_(None))
        .order_by(InspectionSheet.opened_at)
    ):
        left = len(gaps([ItemState(i.id, i.result, i.note, i.reported) for i in sheet.items]))
        when = sheet.opened_at.astimezone().strftime("%m-%d %H:%M")
        overdue = "，已超时" if now > sheet.due_by else ""
        items.append(
            CarryOver(
                source="inspection",
                ref=f"inspection:{sheet.id}",
                summary=f"巡检单 #{sheet.id} {rooms.get(sheet.room_id, '')} {when} 未签字"
                f"（{left} 项待填{overdue}）",
                # an on-site check still open is a fault being handled (§6.2 事故处理过程中)
                blocking=ONSITE_BLOCKS if sheet.kind == "onsite" else "",
                url=f"/inspection/{sheet.id}",
            )
        )
    abnormal = session.execute(
        select(InspectionItem, InspectionSheet)
        .join(InspectionSheet, InspectionSheet.id == InspectionItem.sheet_id)
        .where(InspectionItem.result == "fail", InspectionSheet.opened_at >= now - RECENT)
        .where(InspectionSheet.closed_at.is_(None))  # not needed: its alarms cleared
        .order_by(InspectionSheet.id, InspectionItem.position)
    )
    for item, sheet in abnormal:
        where = f"{item.device} " if item.device else ""
        note = f"：{item.note}" if item.note else ""
        items.append(
            CarryOver(
                source="inspection",
                ref=f"inspection-item:{item.id}",
                summary=f"巡检异常 {rooms.get(sheet.room_id, '')} {where}{item.title_zh} "
                f"{item.reading}{note}".strip()[:300],
                url=f"/inspection/{sheet.id}#item-{item.id}",
            )
        )
    return items
