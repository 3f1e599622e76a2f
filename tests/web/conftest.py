"""Web fixtures: the app on each database backend, its client, users, a token, a room.

CSRF stays enabled: form posts carry the token read from a rendered page (``form_token``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from core.clock import FixedClock
from core.config import JournalSettings, ServerSettings, Settings
from core.types import Role, Sample
from dashboard.app import create_app
from store import timeseries
from store.accounts import create_token, create_user
from store.models import Alarm, AlarmEvent, Device, Rack, Room

PASSWORD = "correct horse battery"
MAX_BATCH = 50
MAX_BODY = 64 * 1024
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        secret_key="test-secret-key",
        server=ServerSettings(max_batch_samples=MAX_BATCH, max_body_bytes=MAX_BODY),
        # day reviews append checkpoints here, never to a file under the working directory
        journal=JournalSettings(checkpoint_file=str(tmp_path / "checkpoints.jsonl")),
    )


@pytest.fixture
def app(engine: Engine, settings: Settings) -> Flask:
    app = create_app(settings, engine=engine, test_config={"TESTING": True})
    # pages judge staleness against the app's clock: pin it to the samples' time, so the
    # result does not depend on how long the suite ran before this test
    app.extensions["roomwatch"].clock = FixedClock(NOW)
    return app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def make_user(sessions: sessionmaker[Session]) -> Callable[[Role], str]:
    """Create a user of a role (named after it); returns the user name."""

    def make(role: Role) -> str:
        with sessions() as s, s.begin():
            create_user(s, role.value, PASSWORD, role)
        return role.value

    return make


@pytest.fixture
def token(sessions: sessionmaker[Session]) -> str:
    with sessions() as s, s.begin():
        return create_token(s, "agent-1")


def form_token(client: FlaskClient, path: str = "/login") -> str:
    """The CSRF token of the session, as a rendered form carries it."""
    page = client.get(path)
    match = _CSRF.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {path} ({page.status_code})"
    return match.group(1)


def login(client: FlaskClient, username: str, password: str = PASSWORD) -> Any:
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": form_token(client)},
    )


@pytest.fixture
def logged_in(client: FlaskClient, make_user: Callable[[Role], str]) -> Callable[[Role], str]:
    """Log the client in as a fresh user of a role."""

    def as_role(role: Role) -> str:
        name = make_user(role)
        assert login(client, name).status_code == 302
        return name

    return as_role


NOW = datetime.now(UTC).replace(microsecond=0)


def sample(device: str, metric: str, value: float | None, instance: str = "", **kw: Any) -> Sample:
    return Sample(device, metric, instance, value, kw.pop("ts", NOW - timedelta(seconds=5)), **kw)


@pytest.fixture
def room(sessions: sessionmaker[Session]) -> None:
    """Room A101, rack A01 with a UPS, a switch, a sensor and a server, and their samples."""
    with sessions() as s, s.begin():
        r = Room(name="A101", title_zh="一号机房", title_en="Room One")
        rack = Rack(name="A01", room=r)
        s.add_all([r, rack])
        s.flush()
        for name, kind, pos in (
            ("ups-1", "ups", 1),
            ("sw-1", "switch", 40),
            ("env-1", "sensor", 42),
            ("srv-1", "server", 20),
            ("old-1", "server", None),
        ):
            s.add(
                Device(
                    name=name,
                    device_type=kind,
                    vendor="ACME",
                    model=f"M-{kind}",
                    address="10.0.0.1",
                    room_id=r.id,
                    rack_id=rack.id,
                    position_u=pos,
                    profile=kind,
                    enabled=name != "old-1",
                )
            )
        timeseries.write_samples(
            s,
            [
                sample("ups-1", "device_up", 1),
                sample("ups-1", "ups_output_source", 5, text="battery"),
                sample("ups-1", "ups_output_load_percent", 42, unit="%"),
                sample("ups-1", "ups_battery_charge_percent", 97, unit="%"),
                sample("ups-1", "ups_battery_runtime_minutes", 38, unit="min"),
                sample("sw-1", "device_up", 1),
                sample("sw-1", "if_admin_status", 1, "ge-0/0/1", text="up"),
                sample("sw-1", "if_oper_status", 1, "ge-0/0/1", text="up"),
                sample("sw-1", "if_admin_status", 1, "ge-0/0/2", text="up"),
                sample("sw-1", "if_oper_status", 2, "ge-0/0/2", text="down"),
                sample("sw-1", "if_admin_status", 2, "ge-0/0/3", text="down"),
                sample("sw-1", "if_oper_status", 2, "ge-0/0/3", text="down"),
                sample("sw-1", "if_in_octets", 125_000_000, "ge-0/0/1", unit="bps"),
                sample("sw-1", "if_out_octets", 2_500_000, "ge-0/0/1", unit="bps"),
                sample("env-1", "device_up", 0),
                sample("env-1", "env_temperature_celsius", 23.5, "probe1", unit="celsius"),
                sample("env-1", "env_humidity_percent", 45, "probe1", unit="%"),
                sample("srv-1", "device_up", 1, ts=NOW - timedelta(hours=1)),
                sample("srv-1", "host_cpu_percent", 12.5, unit="%"),
            ],
        )


@pytest.fixture
def alarm_id(sessions: sessionmaker[Session]) -> int:
    """One firing critical alarm on ups-1, with its 'fired' event."""
    with sessions() as s, s.begin():
        alarm = Alarm(
            rule="ups_on_battery",
            device="ups-1",
            instance="",
            severity=3,
            peak_severity=3,
            status="firing",
            summary_zh="UPS 电池供电",
            summary_en="UPS on battery",
            value=5,
            first_seen=NOW,
            last_seen=NOW,
        )
        alarm.events.append(AlarmEvent(ts=NOW, kind="fired", detail="threshold", value=5))
        s.add(alarm)
        s.flush()
        return alarm.id
