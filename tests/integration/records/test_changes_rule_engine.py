"""An approved change with the rule engine running, on both backends: during its window the
devices' alarms are recorded and not notified (marked maintenance, under the change's
window); a device outside the change still notifies; cancelling the change ends that."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from core.types import Role
from records.changes import queries, service
from records.changes.form import ChangeInput
from records.changes.service import Actor
from records.changes.states import Action
from rules.maintenance import active_windows
from store.models import Device, MaintenanceWindow, Notification
from store.models_changes import ChangeRequest
from tests.integration.rules.conftest import (  # noqa: F401 (fixtures)
    Factory,
    add_channel,
    all_alarms,
    at,
    feed,
    make_runner,
    room_db,
    tick,
)

DUTY = Actor("duty", Role.DUTY)
BOSS = Actor("boss", Role.SUPERVISOR)


def _notified(factory: Factory) -> list[tuple[str, str]]:
    with factory() as s:
        q = select(Notification.kind, Notification.alarm_id).order_by(Notification.id)
        alarms = {a.id: a.device for a in all_alarms(factory)}
        return [(k, alarms.get(a or 0, "")) for k, a in s.execute(q)]


def test_an_approved_window_records_without_notifying(room_db: Factory, make_runner) -> None:  # noqa: F811
    add_channel(room_db, "hook", "webhook", "http://127.0.0.1:9/x")
    with room_db() as s, s.begin():
        ups = s.scalar(select(Device.id).where(Device.name == "ups1"))
        assert ups is not None
        data = ChangeInput(
            title="更换 UPS 电池", plan="断开旁路, 更换电池组", impact="A01 市电直供",
            risk="medium", device_ids=(ups,), window_start=at(-10),
            window_end=at(-10) + timedelta(hours=2), backout_plan="装回旧电池",
            backup_taken=True, global_impact=False, announced_at=None, emergency=False,
        )  # fmt: skip
        cid = service.create(s, data, DUTY, at(-60)).id
        service.act(s, cid, Action.SUBMIT, DUTY, at(-50))
        service.act(s, cid, Action.APPROVE, BOSS, at(-40))
        row = s.get(ChangeRequest, cid)
        assert row is not None and row.maintenance_window_id is not None
        wid = row.maintenance_window_id
        window = s.get(MaintenanceWindow, wid)
        assert window is not None and f"#{cid}" in window.reason  # says which change
    runner = make_runner()
    feed(room_db, 0, ups_output_source=5)  # on battery: the work on the UPS
    tick(room_db, runner, 0)
    [alarm] = all_alarms(room_db)
    assert alarm.device == "ups1" and alarm.maintenance_id == wid
    assert _notified(room_db) == []
    with room_db() as s:
        assert active_windows(s, at(0)) == {"ups1": wid}
        # an alarm on a device the change does not cover is flagged while work goes on
        row = s.get(ChangeRequest, cid)
        assert row is not None and queries.alarms_outside(s, row, at(0)) == []
    # cancelled before the window ends: the devices are no longer in maintenance
    with room_db() as s, s.begin():
        service.act(s, cid, Action.CANCEL, BOSS, at(20))
        assert active_windows(s, at(21)) == {}
    feed(room_db, 30, ups_output_source=3)
    tick(room_db, runner, 30)
    feed(room_db, 40, ups_output_source=5)
    tick(room_db, runner, 40)
    assert ("fire", "ups1") in _notified(room_db)
