"""Demo changes: one approved (its devices in maintenance soon), one submitted that
conflicts with it, an emergency change in progress, one implemented a week ago and not
yet verified. Idempotent: nothing is added once any change exists."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.types import Role
from records.changes import service
from records.changes.form import ChangeInput
from records.changes.service import Actor
from records.changes.states import Action
from store.models import Device
from store.models_changes import ChangeRequest

DUTY = Actor("duty", Role.DUTY)
BOSS = Actor("supervisor", Role.SUPERVISOR)
H = timedelta(hours=1)


def _input(title: str, devices: list[int], start: datetime, hours: int, **kw: bool) -> ChangeInput:
    return ChangeInput(
        title=title, plan="1. 通知相关人员\n2. 按说明书操作\n3. 检查指示灯与告警",
        impact="同机柜业务短时中断", risk="medium", device_ids=tuple(devices),
        window_start=start, window_end=start + hours * H, backout_plan="恢复原配置与连线",
        backup_taken=True, global_impact=False, announced_at=None,
        emergency=kw.get("emergency", False),
    )  # fmt: skip


def _steps(s: Session, cid: int, when: datetime, *steps: tuple[Action, Actor]) -> None:
    for action, who in steps:
        service.act(s, cid, action, who, when)


def seed(session: Session, now: datetime) -> None:
    if session.scalar(select(func.count()).select_from(ChangeRequest)):
        return
    ids = list(session.scalars(select(Device.id).order_by(Device.name).limit(3)))
    if not ids:
        return
    first, second = ids[0], ids[-1]
    a = service.create(session, _input("更换 UPS 电池组", [first], now + H, 2), DUTY, now)
    _steps(session, a.id, now, (Action.SUBMIT, DUTY), (Action.APPROVE, BOSS))
    b = service.create(session, _input("机柜线缆整理", [first], now + 2 * H, 2), DUTY, now)
    _steps(session, b.id, now, (Action.SUBMIT, DUTY))
    c = service.create(session, _input("紧急更换故障风扇", [second], now - H, 2, emergency=True),
                       DUTY, now)  # fmt: skip
    _steps(session, c.id, now, (Action.START, DUTY))
    past = now - timedelta(days=9)
    d = service.create(session, _input("交换机固件升级", [second], past, 2), DUTY, past)
    _steps(session, d.id, past, (Action.SUBMIT, DUTY), (Action.APPROVE, BOSS),
           (Action.START, DUTY))  # fmt: skip
    _steps(session, d.id, past + H, (Action.IMPLEMENT, DUTY))
