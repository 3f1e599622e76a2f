"""The pure rule engine: one evaluation tick over the latest values.

Each rule × device × instance is a small state machine::

    OK ──condition true──▶ PENDING ──held for `for`──▶ FIRING ──condition false──▶ OK
     └──────────── for: 0 ──────────────────────────▶   │  (past `clear`, if set)
                                 PENDING ──false──▶ OK (cancelled, never an alarm)

* The condition is "the value reaches a level" (worst level wins) and, when the rule has
  ``when:``, that the other metric of the same device + instance holds. A ``None``
  value, or a ``when`` metric that is missing, stale or ``None``, makes it false.
* While FIRING, a change of the matched level is a severity transition (escalation is
  immediate; ``for`` only delays entering FIRING). With ``clear:`` a firing rule whose
  value no longer reaches any level but has not crossed ``clear`` is "clearing": it stays
  FIRING with its severity unchanged and emits nothing (hysteresis). A value that
  reaches a lower level is a de-escalation as usual.
* While PENDING the severity is that of the moment it became pending; FIRING takes the
  level matched when ``for`` has elapsed.
* No data: a series without a latest value, or whose sample is older than
  ``stale_after`` seconds, is not evaluated and keeps its state (pending durations keep
  running from their ``since``). Turning that into "no data" alarms is for a later rule
  kind; keeping the state means a gap in polling neither resolves nor reopens an alarm.
* A disabled rule (``enabled: false``) moves its pending/firing states to OK.
  States of rules that are no longer loaded at all are left untouched.
* Transitions are emitted only when the state or the severity changes. States are
  restart-safe: fed back in (from the store), a PENDING state since t0 with ``for: 60``
  fires at the first tick at or after t0 + 60.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from core.types import Sample, Severity
from rules.spec import RuleSpec

SeriesKey = tuple[str, str, str]  # device, metric, instance
StateKey = tuple[str, str, str]  # rule, device, instance

STALE_AFTER_SECONDS = 300.0


class State(enum.StrEnum):
    OK = "ok"
    PENDING = "pending"
    FIRING = "firing"


class Reason(enum.StrEnum):
    """Why a transition happened (stored in alarm history, shown to people)."""

    PENDING = "pending"  # condition true, waiting for `for`
    FIRED = "fired"
    ESCALATED = "escalated"
    DEESCALATED = "deescalated"
    RESOLVED = "resolved"  # firing → ok
    CANCELLED = "cancelled"  # pending → ok before `for` elapsed
    DISABLED = "disabled"  # the rule was disabled


@dataclass(frozen=True, slots=True)
class RuleStateValue:
    state: State
    severity: Severity | None
    since: datetime
    value: float | None = None


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    """What rules need of a ledger device (scope and summaries)."""

    name: str
    device_type: str
    title_zh: str = ""
    title_en: str = ""
    room: str = ""


@dataclass(frozen=True, slots=True)
class Transition:
    rule: str
    device: str
    instance: str
    from_state: State
    to_state: State
    severity: Severity | None  # the new severity; for a move to OK, the one that ended
    value: float | None
    reason: Reason
    at: datetime
    previous_severity: Severity | None = None
    threshold: float | None = None  # of the level matched (None when moving to OK)
    unit: str = ""

    @property
    def key(self) -> StateKey:
        return (self.rule, self.device, self.instance)


@dataclass(frozen=True, slots=True)
class EvalResult:
    """``states``: the input states as this tick leaves them (a series that never left OK
    is not added); ``changed``: the keys whose state, severity or since changed (persist);
    ``firing_values``: the value seen this tick of every series that is FIRING after it."""

    states: dict[StateKey, RuleStateValue]
    changed: tuple[StateKey, ...]
    transitions: tuple[Transition, ...]
    firing_values: dict[StateKey, float | None] = field(default_factory=dict)
    evaluated: int = 0


_NEVER_SEEN = RuleStateValue(State.OK, None, datetime.min)  # since is never read for OK


def _fresh(sample: Sample | None, now: datetime, stale_after: float) -> bool:
    return sample is not None and now - sample.ts <= timedelta(seconds=stale_after)


def _step(
    rule: RuleSpec,
    key: StateKey,
    prev: RuleStateValue,
    sample: Sample,
    condition: bool,
    now: datetime,
) -> tuple[RuleStateValue, Transition | None]:
    """One series of one rule: the next state, and the transition if anything changed."""
    value = sample.value
    level = rule.match(value) if condition else None

    def move(state: State, reason: Reason, since: datetime) -> tuple[RuleStateValue, Transition]:
        severity = level.severity if level else None
        new = RuleStateValue(state, severity, since, value)
        return new, Transition(
            rule=key[0],
            device=key[1],
            instance=key[2],
            from_state=prev.state,
            to_state=state,
            severity=severity if state is not State.OK else prev.severity,
            value=value,
            reason=reason,
            at=now,
            previous_severity=prev.severity,
            threshold=level.threshold if level else None,
            unit=sample.unit,
        )

    unchanged = RuleStateValue(prev.state, prev.severity, prev.since, value)
    if prev.state is State.FIRING:
        if level is None and condition and rule.holds_in_band(value):
            return unchanged, None  # clearing: held, as it was, until past `clear`
        if level is None:
            return move(State.OK, Reason.RESOLVED, now)
        if level.severity != prev.severity:
            worse = prev.severity is None or level.severity > prev.severity
            return move(State.FIRING, Reason.ESCALATED if worse else Reason.DEESCALATED, prev.since)
        return unchanged, None
    if prev.state is State.PENDING:
        if level is None:
            return move(State.OK, Reason.CANCELLED, now)
        if now - prev.since >= timedelta(seconds=rule.for_seconds):
            return move(State.FIRING, Reason.FIRED, now)
        return RuleStateValue(prev.state, prev.severity, prev.since, value), None
    if level is None:
        return unchanged, None
    if rule.for_seconds <= 0:
        return move(State.FIRING, Reason.FIRED, now)
    return move(State.PENDING, Reason.PENDING, now)


def _disable(
    rule: RuleSpec, states: Mapping[StateKey, RuleStateValue], now: datetime
) -> list[tuple[StateKey, RuleStateValue, Transition]]:
    out = []
    for key, prev in states.items():
        if key[0] == rule.name and prev.state is not State.OK:
            new = RuleStateValue(State.OK, None, now, prev.value)
            out.append(
                (
                    key,
                    new,
                    Transition(
                        rule=key[0],
                        device=key[1],
                        instance=key[2],
                        from_state=prev.state,
                        to_state=State.OK,
                        severity=prev.severity,
                        value=prev.value,
                        reason=Reason.DISABLED,
                        at=now,
                        previous_severity=prev.severity,
                    ),
                )
            )
    return out


def evaluate(
    rules: Sequence[RuleSpec],
    latest: Mapping[SeriesKey, Sample],
    states: Mapping[StateKey, RuleStateValue],
    now: datetime,
    devices: Mapping[str, DeviceInfo],
    stale_after: float = STALE_AFTER_SECONDS,
) -> EvalResult:
    """Evaluate every rule over the latest values; see the module docstring for semantics."""
    by_metric: dict[str, list[Sample]] = defaultdict(list)
    for sample in latest.values():
        by_metric[sample.metric].append(sample)
    new_states: dict[StateKey, RuleStateValue] = dict(states)
    changed: list[StateKey] = []
    transitions: list[Transition] = []
    firing_values: dict[StateKey, float | None] = {}
    evaluated = 0
    for rule in rules:
        if not rule.enabled:
            for key, off, gone in _disable(rule, states, now):
                new_states[key] = off
                changed.append(key)
                transitions.append(gone)
            continue
        for sample in by_metric.get(rule.metric, ()):
            info = devices.get(sample.device)
            if not rule.applies_to(sample.device, info.device_type if info else None):
                continue
            if not _fresh(sample, now, stale_after):
                continue
            condition = True
            if rule.when is not None:
                other = latest.get((sample.device, rule.when.metric, sample.instance))
                condition = _fresh(other, now, stale_after) and rule.when.holds(
                    other.value if other else None
                )
            key = (rule.name, sample.device, sample.instance)
            prev = states.get(key, _NEVER_SEEN)
            new, transition = _step(rule, key, prev, sample, condition, now)
            evaluated += 1
            if transition is None and key not in states:
                continue  # ok and never anything else: nothing to remember
            new_states[key] = new
            if transition is not None:
                changed.append(key)
                transitions.append(transition)
            if new.state is State.FIRING:
                firing_values[key] = new.value
    return EvalResult(new_states, tuple(changed), tuple(transitions), firing_values, evaluated)
