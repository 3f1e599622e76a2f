"""The whole data path, each stage real: snmpsim room → agent (SNMP + psutil) → HTTP ingest
→ store → rule engine → alarm → dashboard page, and back when the fault clears."""

from __future__ import annotations

import json
import os
import secrets
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from core.config import load_settings
from demo.check import login_and_fetch, wait_for
from demo.room import Demo
from store import timeseries
from store.db import session_factory
from store.models import Alarm

pytestmark = pytest.mark.snmp


@pytest.fixture(scope="module")
def room(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    tmp: Path = tmp_path_factory.mktemp("demo")
    password = secrets.token_urlsafe(12)
    os.environ["ROOMWATCH_ADMIN_PASSWORD"] = password
    settings = load_settings(env={})
    settings.database_url = f"sqlite:///{tmp / 'rw.db'}"
    settings.agent.spool_dir = str(tmp / "spool")
    settings.agent.trap_port = 0
    settings.server.rule_tick_seconds = 0.5
    demo = Demo(settings, web_port=0, metrics_port=0, scenario=False, poll_interval=1.0)
    demo.start()
    demo.password = password  # type: ignore[attr-defined]
    try:
        yield demo
    finally:
        demo.stop()
        os.environ.pop("ROOMWATCH_ADMIN_PASSWORD", None)


def _alarm(room: Demo, rule: str) -> Alarm | None:
    with session_factory(room.engine)() as s:
        return s.scalar(select(Alarm).where(Alarm.rule == rule).order_by(Alarm.id.desc()))


def test_every_device_is_polled_and_stored(room: Demo) -> None:
    wait_for("all five devices polled", lambda: len(room.polled_devices()) == 5, 60)
    with session_factory(room.engine)() as s:
        latest = timeseries.latest(s)
    assert latest[("ups-1", "device_up", "")].value == 1
    assert latest[("ups-1", "ups_output_source", "")].text == "normal"
    assert 0 <= latest[("demo-host", "host_cpu_percent", "")].value <= 100  # type: ignore[operator]
    assert any(k[0] == "switch-1" and k[1] == "if_oper_status" for k in latest)
    assert any(k[0] == "env-1" and k[1] == "env_temperature_celsius" for k in latest)


def test_ups_on_battery_fires_an_alarm_that_shows_and_clears(room: Demo) -> None:
    wait_for("first poll", lambda: "ups-1" in room.polled_devices(), 60)
    assert _alarm(room, "ups_on_battery") is None
    room.sim.set_ups_on_battery(True)
    try:
        wait_for("alarm firing", lambda: (a := _alarm(room, "ups_on_battery")) is not None
                 and a.status == "firing", 30)  # fmt: skip
        html = login_and_fetch(room.web.url, "admin", room.password)  # type: ignore[attr-defined]
        assert "电池" in html  # the UPS card says it runs on battery
        alarms_html = login_and_fetch(room.web.url, "admin", room.password, "/alarms/")  # type: ignore[attr-defined]
        assert "ups-1" in alarms_html
    finally:
        room.sim.set_ups_on_battery(False)
    wait_for("alarm resolved", lambda: _alarm(room, "ups_on_battery").status == "resolved", 30)  # type: ignore[union-attr]
    alarm = _alarm(room, "ups_on_battery")
    assert alarm is not None and alarm.resolved_at is not None
    assert [e.kind for e in _events(room, alarm.id)] == ["fired", "resolved"]


def test_uplink_down_fires_uplink_alarm_on_that_port_only(room: Demo) -> None:
    wait_for("first poll", lambda: "switch-1" in room.polled_devices(), 60)
    room.sim.set_uplink_down(True)
    try:
        wait_for("interface alarm", lambda: _alarm(room, "uplink_down") is not None, 40)
        alarm = _alarm(room, "uplink_down")
        assert alarm is not None and alarm.device == "switch-1"
        assert alarm.instance.endswith("1/0/24")
    finally:
        room.sim.set_uplink_down(False)
    wait_for("interface alarm resolved",
             lambda: _alarm(room, "uplink_down").status == "resolved", 40)  # type: ignore[union-attr]  # fmt: skip


def test_agent_serves_prometheus_metrics(room: Demo) -> None:
    wait_for("first poll", lambda: "ups-1" in room.polled_devices(), 60)
    port = room.metrics_server_port()
    body = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    assert 'roomwatch_device_up{device="ups-1"' in body
    assert "roomwatch_agent_polls_total" in body


def test_health_endpoint(room: Demo) -> None:
    body = json.loads(urllib.request.urlopen(f"{room.web.url}/api/v1/health", timeout=5).read())
    assert body["status"] == "ok"


def _events(room: Demo, alarm_id: int) -> list:  # type: ignore[type-arg]
    from store.models import AlarmEvent

    with session_factory(room.engine)() as s:
        return list(
            s.scalars(
                select(AlarmEvent).where(AlarmEvent.alarm_id == alarm_id).order_by(AlarmEvent.id)
            )
        )
