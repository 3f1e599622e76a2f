"""Demo data of the ledger: keys and tools that are not polled, loans (one overdue), a
stock-take to look at, and purchase/warranty dates on the demo room's devices (one expired,
one expiring soon) so the warranty flags show.

Called by demo/records.py (``seed(session, now)``) after the demo room exists. Idempotent:
nothing is added when the demo key is already in the ledger.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from inventory import assets, loans, stocktake
from store.models import Device, Room

ACTOR = "demo"
KEY_TAG = "KEY-001"

# (asset tag, name, type, title_zh, title_en, status)
THINGS: tuple[tuple[str, str, str, str, str, str], ...] = (
    (KEY_TAG, "key-room-door", "key", "机房门钥匙", "Room door key", "in_use"),
    ("KEY-002", "key-rack-a", "key", "机柜钥匙（A 列）", "Rack key (row A)", "in_use"),
    ("TOOL-001", "tool-multimeter", "tool", "万用表", "Multimeter", "in_use"),
    ("TOOL-002", "tool-power-meter", "tool", "光功率计", "Optical power meter", "in_use"),
    ("SPARE-001", "spare-psu", "spare_part", "备用交换机电源模块", "Spare switch PSU", "spare"),
)


def _dates(index: int, today: date) -> tuple[date, date]:
    """Purchase and warranty dates for the n-th demo device: the first expired, the
    second expiring within the warning period, the rest covered for a while."""
    bought = today - timedelta(days=365 * 3 + 30 * index)
    until = {0: today - timedelta(days=20), 1: today + timedelta(days=25)}.get(
        index, today + timedelta(days=400 + 30 * index)
    )
    return bought, until


def seed(session: Session, now: datetime) -> None:
    room = session.scalar(select(Room).order_by(Room.id).limit(1))
    if room is None or session.scalar(select(Device.id).where(Device.asset_tag == KEY_TAG)):
        return
    today = now.date()
    earlier = now - timedelta(days=2)
    polled = list(session.scalars(
        select(Device).where(Device.kind != "asset").order_by(Device.id)
    ))  # fmt: skip
    for i, d in enumerate(polled):
        if d.warranty_until is not None:
            continue
        bought, until = _dates(i, today)
        fields: dict[str, Any] = {"purchase_date": bought, "warranty_until": until}
        if not d.owner:
            fields["owner"] = "信息中心"
        assets.save(session, d.id, fields, actor=ACTOR, now=earlier)
    made: dict[str, Device] = {}
    for tag, name, dtype, zh, en, status in THINGS:
        if session.scalar(select(Device.id).where(Device.name == name)):
            continue
        made[tag] = assets.save(session, None, {
            "name": name, "asset_tag": tag, "kind": "asset", "device_type": dtype,
            "title_zh": zh, "title_en": en, "status": status, "room_id": room.id,
            "owner": "信息中心", "purchase_date": today - timedelta(days=400),
            "enabled": False,
        }, actor=ACTOR, now=earlier)  # fmt: skip
    if KEY_TAG in made:  # lent yesterday with the supervisor's approval, due 2 h ago: overdue
        lent_at = now - timedelta(days=1)
        loans.lend(session, made[KEY_TAG].id, "王强（华信机电）", now - timedelta(hours=2),
                   purpose="空调冷凝水管更换施工", actor=ACTOR, now=lent_at,
                   approval=loans.KeyApproval(ACTOR, lent_at))  # fmt: skip
    if "TOOL-001" in made:  # lent this morning, due tomorrow
        loans.lend(session, made["TOOL-001"].id, "张三", now + timedelta(days=1),
                   purpose="UPS 电池巡检", actor=ACTOR, now=now - timedelta(hours=3))  # fmt: skip
    if "TOOL-002" in made:  # lent and returned in good order
        loan = loans.lend(session, made["TOOL-002"].id, "李四", now - timedelta(days=1),
                          purpose="光纤链路测试", actor=ACTOR, now=earlier)  # fmt: skip
        loans.give_back(session, loan.id, "ok", actor=ACTOR, now=now - timedelta(days=1, hours=2))
    # a stock-take under way: the spare found where expected, a stray tag typed in
    st = stocktake.start(session, room.id, actor=ACTOR, now=now - timedelta(hours=1))
    stocktake.scan(session, st.id, "SPARE-001", actor=ACTOR, now=now - timedelta(minutes=50))
    stocktake.scan(session, st.id, "TAG-UNKNOWN-9", actor=ACTOR, now=now - timedelta(minutes=45))
    session.flush()
