"""Rule overrides set in the store change what a tick fires, per device and per room."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select

from rules import override_store
from rules.override_store import OverrideError
from rules.overrides import ALL, DEVICE, ROOM, Override
from rules.service import RuleRunner
from store.models import AlarmEvent, AuditEntry, Device, Room
from tests.integration.rules.conftest import T0, Factory, all_alarms, feed, tick

RULE = "ups_load_high"  # > warning 60, critical 80, clear 55, for 60s


@pytest.fixture
def two_ups(room_db: Factory) -> Factory:
    """ups1 (in room A101) and ups2 in room B201."""
    with room_db() as s, s.begin():
        b = Room(name="B201")
        s.add(b)
        s.flush()
        s.add(Device(name="ups2", device_type="ups", room_id=b.id))
    return room_db


def set_override(factory: Factory, runner: RuleRunner, kind: str, name: str, **kw: object) -> None:
    with factory() as s, s.begin():
        o = Override(RULE, kind, name, **kw)  # type: ignore[arg-type]
        override_store.save(s, runner.rules_by_name[RULE], o, "boss", T0)


def firing_devices(factory: Factory) -> set[str]:
    return {a.device for a in all_alarms(factory) if a.rule == RULE and a.status != "resolved"}


def run(factory: Factory, runner: RuleRunner, load: float) -> None:
    for t in (0, 61):
        feed(factory, t, "ups1", ups_output_load_percent=load)
        feed(factory, t, "ups2", ups_output_load_percent=load)
        tick(factory, runner, t)


def test_device_override_raises_threshold_for_that_device_only(
    two_ups: Factory, make_runner: Callable[..., RuleRunner]
) -> None:
    runner = make_runner()
    set_override(two_ups, runner, DEVICE, "ups1", warning=90.0, critical=95.0, clear=85.0)
    run(two_ups, runner, 70)
    assert firing_devices(two_ups) == {"ups2"}


def test_device_beats_room_beats_all(
    two_ups: Factory, make_runner: Callable[..., RuleRunner]
) -> None:
    runner = make_runner()
    set_override(two_ups, runner, ALL, "", warning=75.0)  # 70 fires nowhere...
    set_override(two_ups, runner, ROOM, "A101", warning=65.0)  # ...but in A101 (ups1)
    set_override(two_ups, runner, DEVICE, "ups2", warning=68.0, clear=60.0)  # ...and on ups2
    run(two_ups, runner, 70)
    assert firing_devices(two_ups) == {"ups1", "ups2"}
    set_override(two_ups, runner, ROOM, "A101", warning=72.0)
    tick(two_ups, runner, 90)
    assert len(all_alarms(two_ups)) == 2, "one alarm per rule × device × instance"
    # ups1 now holds firing (70 is above the clear level 55): hysteresis still applies
    feed(two_ups, 120, "ups1", ups_output_load_percent=50)
    tick(two_ups, RuleRunner(runner.rules), 120)
    assert firing_devices(two_ups) == {"ups2"}


def test_disabling_a_rule_resolves_its_open_alarms(
    two_ups: Factory, make_runner: Callable[..., RuleRunner]
) -> None:
    runner = make_runner()
    run(two_ups, runner, 85)
    assert firing_devices(two_ups) == {"ups1", "ups2"}
    set_override(two_ups, runner, DEVICE, "ups2", enabled=False)
    tick(two_ups, runner, 62)
    assert firing_devices(two_ups) == {"ups1"}
    set_override(two_ups, runner, ALL, "", enabled=False)
    tick(two_ups, runner, 63)
    assert firing_devices(two_ups) == set()
    with two_ups() as s:
        reasons = s.scalars(select(AlarmEvent.detail).where(AlarmEvent.kind == "resolved"))
        assert list(reasons) == ["disabled", "disabled"]
        audit = list(s.scalars(select(AuditEntry).where(AuditEntry.action == "rule.override")))
    assert [a.after["scope"] for a in audit if a.after] == ["device:ups2", "all:"]
    assert audit[0].before is None and audit[0].actor == "boss"


def test_a_device_enabled_again_under_a_disabled_rule(
    two_ups: Factory, make_runner: Callable[..., RuleRunner]
) -> None:
    runner = make_runner()
    set_override(two_ups, runner, ALL, "", enabled=False)
    set_override(two_ups, runner, DEVICE, "ups1", enabled=True)
    run(two_ups, runner, 85)
    assert firing_devices(two_ups) == {"ups1"}


@pytest.mark.parametrize(
    ("kind", "name", "fields", "bad"),
    [
        (DEVICE, "ups1", {"clear": 70.0}, "clear"),  # clear above warning 60 for ">"
        (DEVICE, "ups1", {"critical": 50.0}, "critical"),  # below warning 60
        (DEVICE, "ups1", {"for_seconds": -1.0}, "for_seconds"),
        (DEVICE, "nope", {"warning": 65.0}, "scope"),
        (ROOM, "Z999", {"warning": 65.0}, "scope"),
        ("rack", "A01", {"warning": 65.0}, "scope"),
    ],
    ids=["clear-wrong-side", "critical-below-warning", "negative-for", "unknown-device",
         "unknown-room", "unknown-scope-kind"],
)  # fmt: skip
def test_contradictory_override_is_refused(
    two_ups: Factory,
    make_runner: Callable[..., RuleRunner],
    kind: str,
    name: str,
    fields: dict[str, float],
    bad: str,
) -> None:
    runner = make_runner()
    with pytest.raises(OverrideError) as info, two_ups() as s, s.begin():
        o = Override(RULE, kind, name, **fields)  # type: ignore[arg-type]
        override_store.save(s, runner.rules_by_name[RULE], o, "boss", T0)
    assert bad in info.value.fields and " — " in str(info.value)
    with two_ups() as s:
        assert override_store.rows(s) == []
