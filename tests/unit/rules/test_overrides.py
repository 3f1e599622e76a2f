"""Overrides of a rule (pure): consistency checks, applying, and which one a device gets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.types import Sample, Severity
from rules.override_eval import evaluate_with_overrides
from rules.overrides import ALL, DEVICE, ROOM, Override, apply, check, for_device, index
from rules.spec import DeviceInfo, Level, Op, RuleSpec

CRIT, WARN = Severity.CRITICAL, Severity.WARNING
UP = RuleSpec(
    "load", "负载", "load", "m", Op.GT, (Level(CRIT, 80.0), Level(WARN, 60.0)), clear=55.0
)
DOWN = RuleSpec("runtime", "时", "r", "m", Op.LT, (Level(CRIT, 5.0), Level(WARN, 15.0)), clear=20.0)
ENUM = RuleSpec("src", "电池", "src", "m", Op.EQ, (Level(Severity.CRITICAL, 5.0),))


@pytest.mark.parametrize(
    ("rule", "fields", "bad"),
    [
        (UP, {"warning": 70.0, "clear": 65.0}, set()),
        (UP, {"clear": 61.0}, {"clear"}),
        (UP, {"warning": 85.0}, {"critical"}),  # above the file's critical 80
        (UP, {"warning": 90.0, "critical": 95.0}, set()),  # clear 55 still below
        (DOWN, {"clear": 10.0}, {"clear"}),
        (DOWN, {"critical": 20.0}, {"critical"}),
        (DOWN, {"warning": 12.0, "clear": 12.0}, set()),
        (ENUM, {"warning": 3.0}, {"warning"}),
        (ENUM, {"enabled": False, "for_seconds": 30.0}, set()),
        (UP, {"for_seconds": -1.0}, {"for_seconds"}),
        (UP, {"for_seconds": 1e9}, {"for_seconds"}),
    ],
    ids=["up-ok", "up-clear-above", "up-warning-above-critical", "up-both-raised",
         "down-clear-below", "down-critical-above", "down-ok", "enum-no-levels",
         "enum-enable-for", "negative-for", "huge-for"],
)  # fmt: skip
def test_check(rule: RuleSpec, fields: dict[str, object], bad: set[str]) -> None:
    problems = check(rule, Override(rule.name, DEVICE, "d", **fields))  # type: ignore[arg-type]
    assert set(problems) == bad
    assert all(" — " in p and "\n" not in p for p in problems.values())


def test_apply_keeps_name_and_replaces_only_given_fields() -> None:
    r = apply(UP, Override("load", DEVICE, "d", warning=70.0, for_seconds=30.0))
    assert r.name == UP.name and r.clear == 55.0 and r.for_seconds == 30.0
    assert r.levels == (Level(Severity.CRITICAL, 80.0), Level(Severity.WARNING, 70.0))
    assert apply(UP, None) is UP and apply(UP, Override("load", ALL, "")) is UP
    assert apply(ENUM, Override("src", ALL, "", enabled=False)).enabled is False


def test_device_beats_room_beats_all_field_by_field() -> None:
    by = index([
        Override("load", ALL, "", enabled=False, clear=50.0),
        Override("load", ROOM, "A", warning=65.0, enabled=True),
        Override("load", DEVICE, "d1", warning=70.0),
    ])["load"]  # fmt: skip
    d1 = for_device(by, "d1", DeviceInfo("d1", "ups", room="A"))
    assert d1 is not None and (d1.warning, d1.enabled, d1.clear) == (70.0, True, 50.0)
    d2 = for_device(by, "d2", DeviceInfo("d2", "ups", room="B"))
    assert d2 is not None and (d2.warning, d2.enabled) == (None, False)
    assert for_device({}, "d3", None) is None


def test_evaluation_splits_devices_but_keeps_one_state_per_series() -> None:
    now = datetime(2024, 1, 1, tzinfo=UTC)
    latest = {(d, "m", ""): Sample(d, "m", "", 70.0, now - timedelta(seconds=1))
              for d in ("d1", "d2", "d3")}  # fmt: skip
    devices = {d: DeviceInfo(d, "ups", room="A" if d != "d3" else "B") for d in ("d1", "d2", "d3")}
    ovs = index([Override("load", DEVICE, "d1", warning=75.0),
                 Override("load", ROOM, "B", enabled=False)])  # fmt: skip
    result = evaluate_with_overrides([UP], ovs, latest, {}, now, devices)
    assert {k[1] for k in result.firing_values} == {"d2"}
    assert sorted(k for k in result.changed) == [("load", "d2", "")]
