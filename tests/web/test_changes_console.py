"""The alarm console marks an alarm quieted by an approved change's window as under that
change (a link to it); a window set by hand, or an alarm outside any window, is not."""

from __future__ import annotations

from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.types import Role
from records.changes import service
from records.changes.form import ChangeInput
from records.changes.service import Actor
from records.changes.states import Action
from store.models import Alarm, Device
from tests.web.conftest import NOW

H = timedelta(hours=1)


def _approved_change(sessions: sessionmaker[Session], device: str) -> tuple[int, int]:
    with sessions() as s, s.begin():
        dev = s.scalar(select(Device.id).where(Device.name == device))
        assert dev is not None
        data = ChangeInput(
            title="更换电源模块", plan="热插拔更换", impact="无", risk="low", device_ids=(dev,),
            window_start=NOW - H, window_end=NOW + H, backout_plan="装回", backup_taken=True,
            global_impact=False, announced_at=None, emergency=False,
        )  # fmt: skip
        cid = service.create(s, data, Actor("duty", Role.DUTY), NOW - 3 * H).id
        service.act(s, cid, Action.SUBMIT, Actor("duty", Role.DUTY), NOW - 3 * H)
        row = service.act(s, cid, Action.APPROVE, Actor("boss", Role.SUPERVISOR), NOW - 2 * H)
        assert row.maintenance_window_id is not None
        return cid, row.maintenance_window_id


def _alarm(sessions: sessionmaker[Session], device: str, window: int | None) -> int:
    with sessions() as s, s.begin():
        a = Alarm(rule="device_down", device=device, severity=3, peak_severity=3,
                  first_seen=NOW - timedelta(minutes=5), last_seen=NOW,
                  maintenance_id=window)  # fmt: skip
        s.add(a)
        s.flush()
        return a.id


def test_alarms_under_an_approved_change_link_to_it(
    client: FlaskClient, logged_in, room, sessions: sessionmaker[Session]
) -> None:
    cid, window = _approved_change(sessions, "srv-1")
    quiet = _alarm(sessions, "srv-1", window)
    loud = _alarm(sessions, "sw-1", None)
    logged_in(Role.READONLY)
    page = client.get("/alarms/").get_data(as_text=True)
    assert f'href="/changes/{cid}"' in page and f"变更中 #{cid}" in page
    assert page.count("change-under") == 1  # only the alarm on the device under change
    detail = client.get(f"/alarms/{quiet}").get_data(as_text=True)
    assert f'href="/changes/{cid}"' in detail
    assert "change-under" not in client.get(f"/alarms/{loud}").get_data(as_text=True)
