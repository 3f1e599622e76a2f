"""Handover carry-over sources of the loan desk and key cabinet:

- "loan": every item still out, overdue ones noted, a key with the supervisor who
  approved its loan; a key past its due time blocks the handover;
- "key_check": a key cabinet whose half-monthly stock-take (每半月至少一次对钥匙柜进行盘存)
  is due, from its due day until a key stock-take of that room is closed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from core.duty import CarryOver
from inventory.loans import is_overdue, needs_approval, outstanding
from inventory.stocktake import KeyCheck, key_checks

KEY_OVERDUE = "handover.block.key_overdue"


def carry_over(session: Session, now: datetime) -> list[CarryOver]:
    items = []
    for loan, d in outstanding(session):
        title = d.title_zh or d.name
        tag = f" [{d.asset_tag}]" if d.asset_tag else ""
        # the duty room's time, as the visitors' lines on the same handover say it
        due = loan.due_at.astimezone().strftime("%m-%d %H:%M")
        late = "（已逾期）" if is_overdue(loan, now) else ""
        approved = f"（{loan.approved_by} 批准）" if loan.approved_by else ""
        items.append(
            CarryOver(
                source="loan",
                ref=f"loan:{loan.id}",
                summary=f"{title}{tag} 借给 {loan.borrower}{approved}，应还 {due}{late}",
                # 交接班时检查各类工具和钥匙: a key past due cannot be checked at the handover
                blocking=KEY_OVERDUE if late and needs_approval(d) else "",
                url=f"/ledger/loans#loan-{loan.id}",
            )
        )
    return items


def _key_check_line(check: KeyCheck) -> str:
    if check.last_done is None:
        line = f"{check.room} 钥匙柜从未盘存，应每半月至少盘存一次"
    else:
        last = check.last_done.astimezone().strftime("%m-%d")
        line = f"{check.room} 钥匙柜盘存已到期（上次 {last}，应每半月至少一次）"
    if check.open_id is not None:
        line += f"；盘存 #{check.open_id} 进行中，尚未完成"
    return line


def key_check_items(session: Session, now: datetime) -> list[CarryOver]:
    """One item per room whose key-cabinet check is due (none before its due day)."""
    return [
        CarryOver(
            source="key_check",
            ref=f"key_check:{c.room_id}:{c.due_on.isoformat() if c.due_on else 'never'}",
            summary=_key_check_line(c),
            url=f"/ledger/stocktake/{c.open_id}" if c.open_id else "/ledger/stocktake#keys",
        )
        for c in key_checks(session)
        if c.is_due(now)
    ]
