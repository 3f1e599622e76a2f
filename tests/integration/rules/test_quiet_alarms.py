"""Flapping, inhibition and maintenance: alarms recorded, notifications held back."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select

from rules.maintenance import MaintenanceError, active_windows, cancel_window, create_window
from rules.service import RuleRunner
from store.models import Delivery, Device, Notification
from tests.integration.rules.conftest import (
    Factory,
    add_channel,
    all_alarms,
    at,
    feed,
    kinds,
    tick,
)


def notes(factory: Factory) -> list[tuple[str, int | None]]:
    with factory() as s:
        q = select(Notification.kind, Notification.alarm_id).order_by(Notification.id)
        return [(k, a) for k, a in s.execute(q)]


def test_flapping_is_notified_once_then_quiet(
    room_db: Factory, make_runner: Callable[..., RuleRunner]
) -> None:
    add_channel(room_db, "hook", "webhook", "http://127.0.0.1:9/x")
    runner = make_runner(flap_changes=3, flap_window_seconds=600)
    for i in range(8):  # battery, mains, battery, ... every 10 s
        feed(room_db, i * 10, ups_output_source=5 if i % 2 == 0 else 3)
        tick(room_db, runner, i * 10)
    alarms = all_alarms(room_db)
    assert len(alarms) == 4
    # changes: f r f r | f ... the 4th change (resolve of alarm 2) passes N=3
    assert [a.flapping for a in alarms] == [False, True, True, True]
    got = notes(room_db)
    assert got == [
        ("fire", alarms[0].id),
        ("clear", alarms[0].id),
        ("fire", alarms[1].id),
        ("flapping", alarms[1].id),
    ]
    assert "flapping" in kinds(room_db, alarms[1].id)
    # calm: after the window a new episode notifies again
    feed(room_db, 2000, ups_output_source=3)
    tick(room_db, runner, 2000)
    feed(room_db, 2010, ups_output_source=5)
    tick(room_db, runner, 2010)
    last = all_alarms(room_db)[-1]
    assert not last.flapping
    assert notes(room_db)[-1] == ("fire", last.id)


def test_ups_on_battery_inhibits_what_it_powers(
    room_db: Factory, make_runner: Callable[..., RuleRunner]
) -> None:
    add_channel(room_db, "hook", "webhook", "http://127.0.0.1:9/x")
    runner = make_runner()
    for t in (0, 60, 120, 180):  # device_unreachable has a `for`
        feed(room_db, t, device="srv1", device_up=0)
        feed(room_db, t, device="pdu1", device_up=0)
        feed(room_db, t, device="sw1", device_up=1)
        feed(room_db, t, ups_output_source=5, device_up=1)
        tick(room_db, runner, t)
    by_device = {a.device: a for a in all_alarms(room_db)}
    root = by_device["ups1"]
    assert root.inhibited_by_id is None
    assert by_device["srv1"].inhibited_by_id == root.id
    assert by_device["pdu1"].inhibited_by_id == root.id
    assert "inhibited" in kinds(room_db, by_device["srv1"].id)
    assert notes(room_db) == [("fire", root.id)]  # dependents recorded, not notified


def test_switch_unreachable_inhibits_devices_behind_it(
    room_db: Factory, make_runner: Callable[..., RuleRunner]
) -> None:
    runner = make_runner()
    for t in (0, 60, 120, 180):
        feed(room_db, t, device="sw1", device_up=0)
        feed(room_db, t, device="srv1", device_up=0)
        tick(room_db, runner, t)
    by_device = {a.device: a for a in all_alarms(room_db)}
    assert set(by_device) == {"sw1", "srv1"}
    assert by_device["srv1"].inhibited_by_id == by_device["sw1"].id


def test_parent_cycle_skips_inhibition_without_breaking_the_tick(
    room_db: Factory, make_runner: Callable[..., RuleRunner], caplog: pytest.LogCaptureFixture
) -> None:
    with room_db() as s, s.begin():
        ups = s.scalars(select(Device).where(Device.name == "ups1")).one()
        srv = s.scalars(select(Device).where(Device.name == "srv1")).one()
        ups.power_parent_id = srv.id  # ups1 → srv1 → pdu1 → ups1
    runner = make_runner()
    feed(room_db, 0, ups_output_source=5)
    assert tick(room_db, runner, 0).opened == 1
    assert "power parents form a cycle" in caplog.text


def test_maintenance_window_records_but_does_not_notify(
    room_db: Factory, make_runner: Callable[..., RuleRunner]
) -> None:
    add_channel(room_db, "hook", "webhook", "http://127.0.0.1:9/x")
    with room_db() as s, s.begin():
        w = create_window(s, ["ups1"], at(-10), at(100), "battery swap", "lead", at(-10))
        wid = w.id
    runner = make_runner()
    feed(room_db, 0, ups_output_source=5)
    tick(room_db, runner, 0)
    [alarm] = all_alarms(room_db)
    assert alarm.maintenance_id == wid
    assert "maintenance" in kinds(room_db, alarm.id)
    feed(room_db, 10, ups_output_source=3)
    tick(room_db, runner, 10)
    assert notes(room_db) == []  # neither fire nor clear
    with room_db() as s, s.begin():
        cancel_window(s, wid, "lead", at(20))
        assert active_windows(s, at(21)) == {}
    feed(room_db, 30, ups_output_source=5)
    tick(room_db, runner, 30)
    assert [k for k, _ in notes(room_db)] == ["fire"]
    with room_db() as s:
        assert s.scalars(select(Delivery.status)).all() == ["pending"]


@pytest.mark.parametrize(
    ("devices", "start", "end", "message"),
    [
        (["ups1"], 10, 5, "ends before it starts"),
        (["ups1"], -100, -50, "already over"),
        (["nope"], 0, 10, "unknown device nope"),
        ([" "], 0, 10, "no device chosen"),
        (["ups1"], 0, 40 * 86400, "longer than 31 days"),
    ],
    ids=["reversed", "past", "unknown", "empty", "too-long"],
)
def test_maintenance_refusals(
    room_db: Factory, devices: list[str], start: float, end: float, message: str
) -> None:
    with pytest.raises(MaintenanceError, match=message), room_db() as s, s.begin():
        create_window(s, devices, at(start), at(end), "why", "lead", at(0))


def test_maintenance_needs_a_reason(room_db: Factory) -> None:
    with pytest.raises(MaintenanceError, match="reason"), room_db() as s, s.begin():
        create_window(s, ["ups1"], at(0), at(10), " ", "lead", at(0))
