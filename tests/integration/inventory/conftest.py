"""Ledger integration fixtures: the credential key installed (and removed after), a room."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session, sessionmaker

from inventory import vault
from store.models import Device, Rack, Room

NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
SECRET = "integration-secret"


@pytest.fixture
def key() -> Iterator[str]:
    vault.install(SECRET)
    yield SECRET
    vault.uninstall()


@pytest.fixture
def place(sessions: sessionmaker[Session]) -> dict[str, int]:
    """Room A101 with rack A01 (42U) holding sw-1 at U40-41; room B202 without racks."""
    with sessions() as s, s.begin():
        a = Room(name="A101", title_zh="一号机房")
        b = Room(name="B202")
        s.add_all([a, b])
        s.flush()
        rack = Rack(room_id=a.id, name="A01", height_u=42)
        s.add(rack)
        s.flush()
        sw = Device(name="sw-1", kind="snmp", address="10.0.0.2", room_id=a.id, rack_id=rack.id,
                    position_u=40, u_height=2, serial="SN-SW", asset_tag="T-SW")  # fmt: skip
        key = Device(name="key-a101", kind="asset", enabled=False, room_id=a.id,
                     device_type="key", asset_tag="K-1", community="")  # fmt: skip
        s.add_all([sw, key])
        s.flush()
        return {"room": a.id, "room_b": b.id, "rack": rack.id, "sw": sw.id, "key": key.id}
