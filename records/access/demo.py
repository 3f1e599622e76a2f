"""Demo data: a visitor inside the first room and an approved construction application."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from records.access import service, works
from records.access.forms import Kind, Registration, WorkRequest, local_day
from store.models import Room
from store.models_access import AccessEntry


def seed(session: Session, now: datetime) -> None:
    """Once (nothing is added when the register already has entries)."""
    room = session.scalar(select(Room).order_by(Room.id).limit(1))
    if room is None or session.scalar(select(func.count()).select_from(AccessEntry)):
        return
    today = local_day(now)
    work = works.request(session, WorkRequest(
        room.id, "华信机电工程有限公司", "精密空调冷凝水管更换", ("王强", "刘洋"), today,
        today + timedelta(days=3)), by="zhang.wei", now=now - timedelta(days=1))  # fmt: skip
    works.decide(session, work.id, approve=True, by="demo", note="同意，注意防尘", now=now)
    visit = Registration(room.id, Kind.REPAIR, "李明", "某网络设备厂商",
                         "110101199001011234", "核心交换机板卡更换", "张三", None,
                         now + timedelta(hours=1))  # fmt: skip
    # registered by the person on duty, approved by the head (nobody approves their own)
    entry = service.register(session, visit, by="zhang.wei", now=now - timedelta(hours=2))
    service.decide(session, entry.id, approve=True, by="demo", note="", address="",
                   now=now - timedelta(hours=2))  # fmt: skip
    service.enter(session, entry.id, by="demo", now=now - timedelta(hours=1, minutes=50))
