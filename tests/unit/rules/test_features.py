"""Engine features beyond thresholds: enums, in, keep_firing_for, rate, absent, all/any,
scope, events; each a table of ticks fed back in (restart continuity included)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from core.types import Sample, Severity
from rules.engine import DeviceInfo, EvalResult, Reason, RuleStateValue, State, StateKey, evaluate
from rules.events import TrapEventValue, evaluate_event
from rules.spec import AllOf, AnyOf, Condition, Level, Op, Rate, RuleSpec

T0 = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
W, C = Severity.WARNING, Severity.CRITICAL
DEVICES = {
    "ups1": DeviceInfo("ups1", "ups", room="A", rack="A01", tags=frozenset({"core"}),
                       room_class="A"),
    "sw1": DeviceInfo("sw1", "switch", room="B", rack="B02"),
}  # fmt: skip


def at(t: float) -> datetime:
    return T0 + timedelta(seconds=t)


def rule(**kw: Any) -> RuleSpec:
    base = RuleSpec("r", "规则", "rule", "m", Op.GT, (Level(C, 80.0), Level(W, 60.0)))
    return replace(base, **kw)


def s(value: float | None, t: float, metric: str = "m", text: str | None = None,
      device: str = "ups1", instance: str = "") -> Sample:  # fmt: skip
    return Sample(device, metric, instance, value, at(t), "%", text)


Tick = tuple[float, list[Sample]]


def run(spec: RuleSpec, ticks: Sequence[Tick], history: bool = False) -> list[EvalResult]:
    states: dict[StateKey, RuleStateValue] = {}
    seen: dict[tuple[str, str, str], list[Sample]] = {}
    out = []
    for t, samples in ticks:
        latest = {x.key: x for x in samples}
        for x in samples:
            seen.setdefault(x.key, []).append(x)
        result = evaluate([spec], latest, states, at(t), DEVICES,
                          history=seen if history else None)  # fmt: skip
        states = result.states
        out.append(result)
    return out


def trail(results: list[EvalResult]) -> list[str]:
    return [f"{t.from_state}>{t.to_state}:{t.reason}" for r in results for t in r.transitions]


ENUM = rule(metric="src", op=Op.EQ, levels=(Level(C, None, frozenset({5.0}),
                                                  frozenset({"battery"})),))  # fmt: skip
IN = rule(metric="bat", op=Op.IN, levels=(
    Level(C, None, frozenset({4.0}), frozenset({"depleted"})),
    Level(W, None, frozenset({3.0}), frozenset({"low"})),
))  # fmt: skip

MATCHES = {
    "enum-by-code": (ENUM, s(5, 0, "src"), C),
    "enum-by-label": (ENUM, s(None, 0, "src", "Battery"), C),
    "enum-other": (ENUM, s(3, 0, "src", "normal"), None),
    "in-worst": (IN, s(4, 0, "bat"), C),
    "in-lower": (IN, s(3, 0, "bat", "low"), W),
    "in-none": (IN, s(2, 0, "bat", "normal"), None),
    "ne-label": (
        rule(
            metric="src",
            op=Op.NE,
            levels=(Level(W, None, frozenset({3.0}), frozenset({"normal"})),),
        ),
        s(5, 0, "src", "battery"),
        W,
    ),
    "ne-missing": (rule(op=Op.NE, levels=(Level(W, 1.0),)), s(None, 0), None),
}


@pytest.mark.parametrize(("spec", "sample", "expected"), MATCHES.values(), ids=MATCHES.keys())
def test_enum_and_in_levels(spec: RuleSpec, sample: Sample, expected: Severity | None) -> None:
    [result] = run(spec, [(0, [sample])])
    got = result.transitions[0].severity if result.transitions else None
    assert got == expected


SEQUENCES: dict[str, tuple[RuleSpec, list[Tick], list[str]]] = {
    "keep-firing-holds-then-resolves": (
        rule(keep_firing_for=60),
        [(0, [s(90, 0)]), (10, [s(50, 10)]), (40, [s(50, 40)]), (70, [s(50, 70)])],
        ["ok>firing:fired", "firing>clearing:clearing", "clearing>ok:resolved"],
    ),
    "keep-firing-retriggers": (
        rule(keep_firing_for=60),
        [(0, [s(90, 0)]), (10, [s(50, 10)]), (20, [s(70, 20)]), (30, [s(50, 30)]),
         (89, [s(50, 89)]), (90, [s(50, 90)])],
        ["ok>firing:fired", "firing>clearing:clearing", "clearing>firing:retriggered",
         "firing>clearing:clearing", "clearing>ok:resolved"],
    ),
    "keep-firing-counts-from-past-clear": (
        rule(keep_firing_for=30, clear=55.0),
        [(0, [s(90, 0)]), (10, [s(58, 10)]), (40, [s(50, 40)]), (60, [s(50, 60)]),
         (70, [s(50, 70)])],
        ["ok>firing:fired", "firing>clearing:clearing", "clearing>ok:resolved"],
    ),
    "compound-all": (
        rule(metric="", match_all=AllOf((Condition("a", Op.GT, 1.0), Condition("b", Op.EQ, 0.0))),
             levels=(Level(W, None),)),
        [(0, [s(2, 0, "a"), s(1, 0, "b")]), (10, [s(2, 10, "a"), s(0, 10, "b")]),
         (20, [s(0, 20, "a"), s(0, 20, "b")])],
        ["ok>firing:fired", "firing>ok:resolved"],
    ),
    "compound-nested-any": (
        rule(metric="", levels=(Level(C, None),), match_all=AnyOf((
            Condition("a", Op.GT, 5.0),
            AllOf((Condition("b", Op.EQ, 1.0), Condition("c", Op.EQ, 1.0)))))),
        [(0, [s(0, 0, "a"), s(1, 0, "b"), s(0, 0, "c")]),
         (10, [s(0, 10, "a"), s(1, 10, "b"), s(1, 10, "c")])],
        ["ok>firing:fired"],
    ),
    "when-falls-back-to-device-instance": (
        rule(when=Condition("up", Op.EQ, 1.0)),
        [(0, [s(90, 0, instance="x"), s(1, 0, "up")])],
        ["ok>firing:fired"],
    ),
    "when-regex-on-text": (
        rule(when=Condition("alias", Op.MATCH, pattern=re.compile("(?i)uplink"))),
        [(0, [s(90, 0, instance="g1"), s(None, 0, "alias", "Uplink to core", instance="g1"),
              s(90, 0, instance="g2"), s(None, 0, "alias", "server 7", instance="g2")])],
        ["ok>firing:fired"],
    ),
    "rate-rising": (
        rule(rate=Rate(600, 60), levels=(Level(W, 1.0),)),
        [(0, [s(20, 0)]), (300, [s(22, 300)]), (600, [s(30, 600)]), (660, [s(33, 660)])],
        ["ok>firing:fired"],  # 0.4/min, then exactly 1/min (not > 1), then 11 in 600 s
    ),
    "rate-needs-two-points": (
        rule(rate=Rate(600, 60), levels=(Level(W, 0.1),)),
        [(0, [s(20, 0)])],
        [],
    ),
    "absent-fires-on-old-sample-and-clears": (
        rule(absent_for=90, levels=(Level(C, None),)),
        [(0, [s(1, 0)]), (60, [s(1, 0)]), (100, [s(1, 0)]), (110, [s(1, 110)])],
        ["ok>firing:fired", "firing>ok:resolved"],
    ),
    "absent-in-intervals": (
        rule(absent_intervals=3, levels=(Level(C, None),)),
        [(0, [s(1, 0)]), (90, [s(1, 0)]), (91, [s(1, 0)])],
        ["ok>firing:fired"],
    ),
    "absent-unseen-device-pending-first": (
        rule(absent_for=60, absent_unseen=True, levels=(Level(W, None),),
             devices=frozenset({"sw1"})),
        [(0, []), (30, []), (60, [])],
        ["ok>pending:pending", "pending>firing:fired"],
    ),
}  # fmt: skip


@pytest.mark.parametrize(("spec", "ticks", "expected"), SEQUENCES.values(), ids=SEQUENCES.keys())
def test_sequences(spec: RuleSpec, ticks: list[Tick], expected: list[str]) -> None:
    assert trail(run(spec, ticks, history=True)) == expected


def test_rate_value_is_change_per_unit() -> None:
    results = run(rule(rate=Rate(600, 60), levels=(Level(W, 0.5),)),
                  [(0, [s(20, 0)]), (300, [s(26, 300)])], history=True)  # fmt: skip
    [tr] = results[1].transitions
    assert tr.value == pytest.approx(1.2)  # 6 over 300 s = 1.2 per minute


def test_rate_without_history_is_no_data() -> None:
    assert trail(run(rule(rate=Rate(600, 60), levels=(Level(W, 0.0),)),
                     [(0, [s(1, 0)]), (60, [s(9, 60)])], history=False)) == []  # fmt: skip


SCOPES = {
    "room": ({"rooms": frozenset({"A"})}, "ups1", True),
    "room-other": ({"rooms": frozenset({"B"})}, "ups1", False),
    "rack": ({"racks": frozenset({"B02"})}, "sw1", True),
    "tag": ({"tags": frozenset({"core"})}, "ups1", True),
    "tag-missing": ({"tags": frozenset({"core"})}, "sw1", False),
    "class": ({"room_classes": frozenset({"A"})}, "ups1", True),
    "type-and-room": ({"device_types": frozenset({"ups"}), "rooms": frozenset({"B"})}, "ups1",
                      False),
    "named-device-always-in": ({"rooms": frozenset({"B"}), "devices": frozenset({"ups1"})},
                               "ups1", True),
    "unledgered-out-of-scope": ({"rooms": frozenset({"A"})}, "ghost", False),
}  # fmt: skip


@pytest.mark.parametrize(("scope", "device", "fires"), SCOPES.values(), ids=SCOPES.keys())
def test_scope(scope: dict[str, Any], device: str, fires: bool) -> None:
    [result] = run(rule(**scope), [(0, [s(90, 0, device=device)])])
    assert bool(result.transitions) is fires


@pytest.mark.parametrize(("instance", "fires"), [("Gi0/1", True), ("Vlan1", False)],
                         ids=["matches", "other"])  # fmt: skip
def test_instance_pattern(instance: str, fires: bool) -> None:
    spec = rule(instance_pattern=re.compile(r"^Gi"))
    [result] = run(spec, [(0, [s(90, 0, instance=instance)])])
    assert bool(result.transitions) is fires


def test_restart_continues_clearing_hold() -> None:
    spec = rule(keep_firing_for=60)
    persisted = {("r", "ups1", ""): RuleStateValue(State.CLEARING, C, at(0), 50.0)}
    early = evaluate([spec], {("ups1", "m", ""): s(50, 59)}, persisted, at(59), DEVICES)
    assert early.transitions == () and early.firing_values == {("r", "ups1", ""): 50}
    due = evaluate([spec], {("ups1", "m", ""): s(50, 60)}, persisted, at(60), DEVICES)
    [tr] = due.transitions
    assert (tr.from_state, tr.to_state, tr.resolves, tr.opens) == (
        State.CLEARING, State.OK, True, False)  # fmt: skip


EVENT = rule(metric="", event="upsTrapOnBattery", clear_event="upsTrapReturnFromBattery",
             levels=(Level(C, None),), device_types=frozenset({"ups"}))  # fmt: skip


def trap(name: str, device: str = "ups1", oid: str = "1.3.6.1.2.1.33.2.0.1") -> TrapEventValue:
    return TrapEventValue(device, name, oid, {}, at(0))


def test_event_fires_at_once_and_repeat_only_refreshes() -> None:
    first = evaluate_event([EVENT], trap("upsTrapOnBattery"), {}, at(0), DEVICES)
    [tr] = first.transitions
    assert (tr.to_state, tr.reason, tr.severity, tr.opens) == (State.FIRING, Reason.FIRED, C, True)
    again = evaluate_event([EVENT], trap("upsTrapOnBattery"), first.states, at(5), DEVICES)
    assert again.transitions == () and again.states[tr.key].since == at(5)
    cleared = evaluate_event([EVENT], trap("upsTrapReturnFromBattery"), again.states, at(9),
                             DEVICES)  # fmt: skip
    assert [t.reason for t in cleared.transitions] == [Reason.RESOLVED]


@pytest.mark.parametrize(
    ("event", "device", "fires"),
    [("x", "ups1", False), ("", "ups1", False), ("upsTrapOnBattery", "sw1", False)],
    ids=["other-trap", "unnamed-other-oid", "out-of-scope"],
)
def test_event_not_matching(event: str, device: str, fires: bool) -> None:
    result = evaluate_event([EVENT], trap(event, device, "1.2.3"), {}, at(0), DEVICES)
    assert bool(result.transitions) is fires


def test_event_matches_by_oid() -> None:
    spec = replace(EVENT, event="1.3.6.1.2.1.33.2.0.1")
    assert evaluate_event([spec], trap(""), {}, at(0), DEVICES).transitions


@pytest.mark.parametrize(
    ("spec", "latest", "t", "reason"),
    [
        (replace(EVENT, clear_after=600), [], 599, None),
        (replace(EVENT, clear_after=600), [], 600, Reason.EXPIRED),
        (replace(EVENT, clear_when=Condition("src", Op.EQ, 3.0)), [s(3, 10, "src")], 10,
         Reason.RESOLVED),
        (replace(EVENT, clear_when=Condition("src", Op.EQ, 3.0)), [s(5, 10, "src")], 10, None),
    ],
    ids=["timeout-not-yet", "timeout", "linked-metric-clears", "linked-metric-still-bad"],
)  # fmt: skip
def test_event_clears_in_tick(spec: RuleSpec, latest: list[Sample], t: float,
                              reason: Reason | None) -> None:  # fmt: skip
    fired = evaluate_event([spec], trap("upsTrapOnBattery"), {}, at(0), DEVICES)
    result = evaluate([spec], {x.key: x for x in latest}, fired.states, at(t), DEVICES)
    assert [tr.reason for tr in result.transitions] == ([reason] if reason else [])


def test_disabled_rule_clears_clearing_states() -> None:
    persisted = {("r", "ups1", ""): RuleStateValue(State.CLEARING, W, at(0), 50.0)}
    result = evaluate([rule(enabled=False)], {}, persisted, at(5), DEVICES)
    assert [t.reason for t in result.transitions] == [Reason.DISABLED]
