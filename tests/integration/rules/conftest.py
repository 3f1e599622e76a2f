"""A small room for alarm tests: a UPS powering a PDU powering a server behind a switch."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.config import NotifySettings
from core.types import Sample
from rules.service import RuleRunner, TickReport
from store import timeseries
from store.models import Alarm, AlarmEvent, Device, NotifyChannel, NotifyRoute, Rack, Room

T0 = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
Factory = sessionmaker[Session]


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


@pytest.fixture
def room_db(sessions: Factory) -> Factory:
    """ups1 → pdu1 → srv1 (power), sw1 → srv1 (network), in room A101 rack A01."""
    with sessions() as s, s.begin():
        room = Room(name="A101", title_zh="一号机房", title_en="Room One")
        rack = Rack(name="A01", room=room)
        s.add_all([room, rack])
        s.flush()

        def dev(name: str, kind: str, u: int | None, **kw: object) -> Device:
            d = Device(
                name=name, device_type=kind, title_zh=name, title_en=name, vendor="ACME",
                model=f"M-{kind}", room_id=room.id, rack_id=rack.id, position_u=u, **kw,
            )  # fmt: skip
            s.add(d)
            s.flush()
            return d

        ups = dev("ups1", "ups", 1)
        sw = dev("sw1", "switch", 40)
        pdu = dev("pdu1", "pdu", None, power_parent_id=ups.id)
        dev("srv1", "server", 20, power_parent_id=pdu.id, network_parent_id=sw.id)
    return sessions


def feed(
    factory: Factory, t: float, device: str = "ups1", instance: str = "", **values: float
) -> None:
    with factory() as s, s.begin():
        timeseries.write_samples(
            s, [Sample(device, m, instance, v, at(t)) for m, v in values.items()]
        )


def tick(factory: Factory, runner: RuleRunner, t: float) -> TickReport:
    with factory() as s, s.begin():
        return runner.tick(s, at(t))


def all_alarms(factory: Factory) -> list[Alarm]:
    with factory() as s:
        return list(s.scalars(select(Alarm).order_by(Alarm.id)))


def kinds(factory: Factory, alarm_id: int) -> list[str]:
    with factory() as s:
        q = select(AlarmEvent.kind).where(AlarmEvent.alarm_id == alarm_id).order_by(AlarmEvent.id)
        return list(s.scalars(q))


def add_channel(
    factory: Factory, name: str, kind: str, target: str, *, level: int = 0, **route: object
) -> int:
    with factory() as s, s.begin():
        ch = NotifyChannel(
            name=name, kind=kind, target=target, language=str(route.pop("language", "zh")),
            secret=str(route.pop("secret", "")), enabled=True, created_at=T0,
        )  # fmt: skip
        s.add(ch)
        s.flush()
        s.add(NotifyRoute(channel_id=ch.id, level=level, kinds=[], rooms=[], **route))
        return ch.id


@pytest.fixture
def make_runner() -> Callable[..., RuleRunner]:
    def make(**notify: object) -> RuleRunner:
        return RuleRunner.from_paths([], notify=NotifySettings(**notify))  # type: ignore[arg-type]

    return make
