"""The pure engine, table-driven: thresholds, levels, durations, hysteresis, scope, restarts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from core.types import Sample, Severity
from rules.engine import (
    DeviceInfo,
    EvalResult,
    Reason,
    RuleStateValue,
    State,
    StateKey,
    evaluate,
)
from rules.spec import Condition, Level, Op, RuleSpec

T0 = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
W, C = Severity.WARNING, Severity.CRITICAL
DEVICES = {
    "ups1": DeviceInfo("ups1", "ups", "1号UPS", "UPS 1", "A"),
    "sw1": DeviceInfo("sw1", "switch", "核心交换机", "Core switch", "A"),
}


def rule(op: Op = Op.GT, **kw: Any) -> RuleSpec:
    base = RuleSpec(
        name="r",
        title_zh="规则",
        title_en="rule",
        metric="m",
        op=op,
        levels=(Level(C, 80.0), Level(W, 60.0)),
    )
    return replace(base, **kw)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def sample(value: float | None, t: float, device: str = "ups1", metric: str = "m",
           instance: str = "") -> Sample:  # fmt: skip
    return Sample(device, metric, instance, value, at(t), unit="%")


def run(
    spec: RuleSpec, points: Sequence[tuple[float, float | None]], device: str = "ups1"
) -> list[EvalResult]:
    """Evaluate one series tick by tick, feeding the states back in (as the service does)."""
    states: dict[StateKey, RuleStateValue] = {}
    out = []
    for t, value in points:
        latest = {(device, "m", ""): sample(value, t, device)}
        result = evaluate([spec], latest, states, at(t), DEVICES)
        states = result.states
        out.append(result)
    return out


def trail(results: list[EvalResult]) -> list[tuple[str, str, str | None]]:
    return [
        (str(tr.from_state), str(tr.to_state), tr.severity.label if tr.severity else None)
        for r in results
        for tr in r.transitions
    ]


@dataclass(frozen=True)
class Case:
    op: Op
    levels: tuple[Level, ...]
    value: float | None
    expected: Severity | None


THRESHOLDS = {
    "gt-above": Case(Op.GT, (Level(W, 60),), 61, W),
    "gt-equal": Case(Op.GT, (Level(W, 60),), 60, None),
    "ge-equal": Case(Op.GE, (Level(W, 60),), 60, W),
    "ge-below": Case(Op.GE, (Level(W, 60),), 59.9, None),
    "lt-below": Case(Op.LT, (Level(W, 18),), 17.5, W),
    "lt-equal": Case(Op.LT, (Level(W, 18),), 18, None),
    "le-equal": Case(Op.LE, (Level(W, 18),), 18, W),
    "le-above": Case(Op.LE, (Level(W, 18),), 18.1, None),
    "eq-match": Case(Op.EQ, (Level(C, 5),), 5, C),
    "eq-other": Case(Op.EQ, (Level(C, 5),), 3, None),
    "ne-differs": Case(Op.NE, (Level(W, 1),), 2, W),
    "ne-same": Case(Op.NE, (Level(W, 1),), 1, None),
    "none-value": Case(Op.GT, (Level(W, 60),), None, None),
    "worst-level-wins": Case(Op.GT, (Level(C, 80), Level(W, 60)), 90, C),
    "lower-level-only": Case(Op.GT, (Level(C, 80), Level(W, 60)), 70, W),
    "lt-two-levels": Case(Op.LT, (Level(C, 10), Level(W, 18)), 5, C),
}


@pytest.mark.parametrize("case", THRESHOLDS.values(), ids=THRESHOLDS.keys())
def test_threshold_fires_at_once_with_for_zero(case: Case) -> None:
    [result] = run(rule(case.op, levels=case.levels), [(0, case.value)])
    state = result.states.get(("r", "ups1", ""))
    if case.expected is None:
        assert result.transitions == ()
        assert state is None
    else:
        [tr] = result.transitions
        assert (tr.from_state, tr.to_state, tr.severity, tr.reason) == (
            State.OK, State.FIRING, case.expected, Reason.FIRED
        )  # fmt: skip
        assert state == RuleStateValue(State.FIRING, case.expected, at(0), case.value)


SEQUENCES = {
    "escalate-then-deescalate-then-resolve": (
        rule(),
        [(0, 65), (10, 85), (20, 85), (30, 70), (40, 50)],
        [("ok", "firing", "warning"), ("firing", "firing", "critical"),
         ("firing", "firing", "warning"), ("firing", "ok", "warning")],
    ),
    "steady-firing-emits-once": (
        rule(), [(0, 90), (10, 91), (20, 95)], [("ok", "firing", "critical")],
    ),
    "for-pending-then-firing": (
        rule(for_seconds=60), [(0, 70), (30, 70), (59, 70), (60, 70), (90, 70)],
        [("ok", "pending", "warning"), ("pending", "firing", "warning")],
    ),
    "for-fires-with-level-at-that-time": (
        rule(for_seconds=60), [(0, 70), (30, 90), (60, 90)],
        [("ok", "pending", "warning"), ("pending", "firing", "critical")],
    ),
    "for-cancelled-before-elapsed": (
        rule(for_seconds=60), [(0, 70), (30, 50), (60, 50)],
        [("ok", "pending", "warning"), ("pending", "ok", "warning")],
    ),
    "for-restarts-after-cancel": (
        rule(for_seconds=60), [(0, 70), (30, 50), (40, 70), (90, 70), (100, 70)],
        [("ok", "pending", "warning"), ("pending", "ok", "warning"), ("ok", "pending", "warning"),
         ("pending", "firing", "warning")],
    ),
    "hysteresis-holds-in-band": (
        rule(clear=55.0), [(0, 90), (10, 58), (20, 56), (30, 55)],
        [("ok", "firing", "critical"), ("firing", "ok", "critical")],
    ),
    "hysteresis-deescalates-on-a-lower-level": (
        rule(clear=55.0), [(0, 90), (10, 70), (20, 58), (30, 50)],
        [("ok", "firing", "critical"), ("firing", "firing", "warning"),
         ("firing", "ok", "warning")],
    ),
    "hysteresis-does-not-fire-in-band": (
        rule(clear=55.0), [(0, 58), (10, 59)], [],
    ),
    "hysteresis-downward": (
        rule(Op.LT, levels=(Level(W, 18.0),), clear=19.0), [(0, 17), (10, 18.5), (20, 19)],
        [("ok", "firing", "warning"), ("firing", "ok", "warning")],
    ),
    "none-value-resolves": (
        rule(), [(0, 90), (10, None)], [("ok", "firing", "critical"), ("firing", "ok", "critical")],
    ),
}  # fmt: skip


@pytest.mark.parametrize(("spec", "points", "expected"), SEQUENCES.values(), ids=SEQUENCES.keys())
def test_state_machine_sequences(
    spec: RuleSpec, points: list[tuple[float, float | None]], expected: list[tuple[str, ...]]
) -> None:
    assert trail(run(spec, points)) == expected


def test_transition_reasons_and_thresholds() -> None:
    results = run(rule(), [(0, 65), (10, 85), (20, 70), (30, 10)])
    got = [(t.reason, t.threshold, t.previous_severity) for r in results for t in r.transitions]
    assert got == [
        (Reason.FIRED, 60.0, None),
        (Reason.ESCALATED, 80.0, W),
        (Reason.DEESCALATED, 60.0, C),
        (Reason.RESOLVED, None, W),
    ]


def test_restart_continues_pending_duration() -> None:
    """A pending state persisted at t0 fires at t0 + for in a fresh evaluate call."""
    spec = rule(for_seconds=60)
    persisted = {("r", "ups1", ""): RuleStateValue(State.PENDING, W, at(0), 70.0)}
    early = evaluate([spec], {("ups1", "m", ""): sample(70, 59)}, persisted, at(59), DEVICES)
    assert early.transitions == () and early.states[("r", "ups1", "")].state is State.PENDING
    due = evaluate([spec], {("ups1", "m", ""): sample(70, 60)}, persisted, at(60), DEVICES)
    [tr] = due.transitions
    assert (tr.from_state, tr.to_state, tr.at) == (State.PENDING, State.FIRING, at(60))


def test_restart_with_firing_state_emits_nothing() -> None:
    persisted = {("r", "ups1", ""): RuleStateValue(State.FIRING, C, at(0), 90.0)}
    result = evaluate([rule()], {("ups1", "m", ""): sample(91, 100)}, persisted, at(100), DEVICES)
    assert result.transitions == () and result.changed == ()
    assert result.firing_values == {("r", "ups1", ""): 91}


@pytest.mark.parametrize(
    ("admin", "oper", "fires"),
    [(1, 2, True), (2, 2, False), (None, 2, False), (1, 1, False)],
    ids=["admin-up-oper-down", "admin-down", "admin-missing", "oper-up"],
)
def test_when_condition_on_same_device_and_instance(
    admin: float | None, oper: float, fires: bool
) -> None:
    spec = rule(Op.EQ, metric="if_oper_status", levels=(Level(W, 2.0),),
                when=Condition("if_admin_status", Op.EQ, 1.0))  # fmt: skip
    latest = {("sw1", "if_oper_status", "Gi0/1"): sample(oper, 0, "sw1", "if_oper_status", "Gi0/1")}
    if admin is not None:
        latest[("sw1", "if_admin_status", "Gi0/1")] = sample(
            admin, 0, "sw1", "if_admin_status", "Gi0/1"
        )
    # the same admin status on another instance must not count
    latest[("sw1", "if_admin_status", "Gi0/2")] = sample(1, 0, "sw1", "if_admin_status", "Gi0/2")
    result = evaluate([spec], latest, {}, at(0), DEVICES)
    assert bool(result.transitions) is fires


@pytest.mark.parametrize(
    ("scope", "device", "fires"),
    [
        ({}, "ups1", True),
        ({}, "unknown9", True),
        ({"device_types": frozenset({"ups"})}, "ups1", True),
        ({"device_types": frozenset({"ups"})}, "sw1", False),
        ({"device_types": frozenset({"ups"})}, "unknown9", False),
        ({"devices": frozenset({"sw1"})}, "sw1", True),
        ({"devices": frozenset({"sw1"}), "device_types": frozenset({"ups"})}, "ups1", True),
    ],
    ids=["no-scope", "no-scope-unledgered", "type-match", "type-other", "type-unledgered",
         "device-name", "name-or-type"],
)  # fmt: skip
def test_scope_by_device_type_and_name(scope: dict[str, Any], device: str, fires: bool) -> None:
    spec = rule(**scope)
    result = evaluate([spec], {(device, "m", ""): sample(90, 0, device)}, {}, at(0), DEVICES)
    assert bool(result.transitions) is fires


def test_stale_or_missing_series_keeps_state() -> None:
    persisted = {("r", "ups1", ""): RuleStateValue(State.FIRING, C, at(0), 90.0)}
    stale = {("ups1", "m", ""): sample(10, 0)}  # would resolve, but is 10 minutes old
    for latest in (stale, {}):
        result = evaluate([rule()], latest, persisted, at(600), DEVICES)
        assert result.transitions == ()
        assert result.states == persisted


def test_disabled_rule_moves_states_to_ok() -> None:
    persisted = {("r", "ups1", ""): RuleStateValue(State.FIRING, C, at(0), 90.0)}
    result = evaluate([rule(enabled=False)], {("ups1", "m", ""): sample(95, 10)},
                      persisted, at(10), DEVICES)  # fmt: skip
    [tr] = result.transitions
    assert (tr.to_state, tr.reason) == (State.OK, Reason.DISABLED)
    assert result.changed == (("r", "ups1", ""),)


def test_instances_are_separate_state_machines() -> None:
    latest = {
        ("ups1", "m", "a"): sample(90, 0, instance="a"),
        ("ups1", "m", "b"): sample(10, 0, instance="b"),
    }
    result = evaluate([rule()], latest, {}, at(0), DEVICES)
    assert [t.key for t in result.transitions] == [("r", "ups1", "a")]
    assert result.evaluated == 2
