"""Trap events evaluated at once (not on the next tick): event rules fire and clear.

An event rule (``event: upsTrapOnBattery``) fires the moment a matching trap arrives
(matched by trap name or by OID), on the device that sent it, instance "". A
repeated trap while firing only refreshes ``since`` (the timeout counts from the last
one). It clears by a matching ``clear_event`` trap here, or in the tick by ``clear_when``
on the latest values or after ``clear_after`` (rules.engine).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from rules.machine import NEVER_SEEN, transition
from rules.spec import DeviceInfo, RuleKind, RuleSpec
from rules.states import EvalResult, Reason, RuleStateValue, State, StateKey, Transition


@dataclass(frozen=True, slots=True)
class TrapEventValue:
    """One received trap, as the SNMP side delivers it (name resolved from the MIB)."""

    device: str
    name: str  # e.g. "upsTrapOnBattery" ("" when the OID is not known by name)
    trap_oid: str
    varbinds: Mapping[str, str] = field(default_factory=dict)
    ts: datetime | None = None


def _matches(wanted: str, event: TrapEventValue) -> bool:
    if not wanted:
        return False
    return wanted == event.name or wanted.lstrip(".") == event.trap_oid.lstrip(".")


def evaluate_event(
    rules: Sequence[RuleSpec],
    event: TrapEventValue,
    states: Mapping[StateKey, RuleStateValue],
    now: datetime,
    devices: Mapping[str, DeviceInfo],
) -> EvalResult:
    """Fire or clear the event rules a trap matches; pure, same result shape as a tick."""
    new_states = dict(states)
    changed: list[StateKey] = []
    transitions: list[Transition] = []
    firing: dict[StateKey, float | None] = {}
    evaluated = 0
    for rule in rules:
        if not rule.enabled or rule.kind is not RuleKind.EVENT:
            continue
        fires, clears = _matches(rule.event, event), _matches(rule.clear_event, event)
        if not (fires or clears):
            continue
        if not rule.applies_to(event.device, devices.get(event.device)):
            continue
        key = (rule.name, event.device, "")
        prev = states.get(key, NEVER_SEEN)
        evaluated += 1
        if fires:
            level = rule.levels[0]
            if prev.state.active:
                new = RuleStateValue(prev.state, prev.severity, now, prev.value)
                new_states[key] = new
                changed.append(key)  # since moved: persist, but no transition
                firing[key] = new.value
                continue
            new, tr = transition(key, prev, State.FIRING, level.severity, now, None,
                                 Reason.FIRED, now, level.threshold)  # fmt: skip
        elif prev.state.active:
            new, tr = transition(key, prev, State.OK, prev.severity, now, None, Reason.RESOLVED,
                                 now)  # fmt: skip
        else:
            continue
        new_states[key] = new
        changed.append(key)
        transitions.append(tr)
        if new.state.active:
            firing[key] = new.value
    return EvalResult(new_states, tuple(changed), tuple(transitions), firing, evaluated)
