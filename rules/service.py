"""The rule runner: one tick reads the store, runs the pure engine, writes states and alarms.

The caller owns the transaction::

    runner = RuleRunner.from_paths(paths)
    with factory() as s, s.begin():
        report = runner.tick(s, clock.now())

Restart-safe: the state of every rule × device × instance that ever left OK is a RuleState
row, so a new runner continues pending durations and never reopens an open alarm.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.types import Severity
from rules.alarms import AlarmChange, ChangeKind, apply_transitions, touch_open_alarms
from rules.engine import (
    STALE_AFTER_SECONDS,
    DeviceInfo,
    RuleStateValue,
    State,
    StateKey,
    evaluate,
)
from rules.loader import load_rules
from rules.spec import RuleSpec
from store import timeseries
from store.models import Device, Room, RuleState


@dataclass(frozen=True, slots=True)
class TickReport:
    at: datetime
    rules: int
    series_evaluated: int
    transitions: int
    opened: int
    resolved: int
    severity_changes: int
    states_written: int
    firing: int
    changes: tuple[AlarmChange, ...] = ()


def device_infos(session: Session) -> dict[str, DeviceInfo]:
    """The ledger's devices as the engine sees them."""
    q = select(Device, Room.name).outerjoin(Room, Device.room_id == Room.id)
    return {
        d.name: DeviceInfo(d.name, d.device_type, d.title_zh, d.title_en, room or "")
        for d, room in session.execute(q)
    }


def load_states(session: Session, rule_names: Iterable[str]) -> dict[StateKey, RuleState]:
    names = list(rule_names)
    if not names:
        return {}
    rows = session.scalars(select(RuleState).where(RuleState.rule.in_(names)))
    return {(r.rule, r.device, r.instance): r for r in rows}


def _value_of(row: RuleState) -> RuleStateValue:
    return RuleStateValue(
        state=State(row.state),
        severity=Severity(row.severity) if row.severity is not None else None,
        since=row.since,
        value=row.value,
    )


class RuleRunner:
    """Holds the loaded rules and evaluates them on each tick."""

    def __init__(self, rules: Sequence[RuleSpec], stale_after: float = STALE_AFTER_SECONDS):
        self._rules = tuple(rules)
        self._by_name = {r.name: r for r in self._rules}
        self._stale_after = stale_after
        metrics = {r.metric for r in self._rules}
        metrics |= {r.when.metric for r in self._rules if r.when is not None}
        self._metrics = sorted(metrics)

    @classmethod
    def from_paths(
        cls,
        paths: Sequence[Path] = (),
        builtin: bool = True,
        stale_after: float = STALE_AFTER_SECONDS,
    ) -> RuleRunner:
        """Load the built-in pack and ``paths`` (raises RuleFileError)."""
        return cls(load_rules(list(paths), builtin=builtin), stale_after=stale_after)

    @property
    def rules(self) -> tuple[RuleSpec, ...]:
        return self._rules

    @property
    def rules_by_name(self) -> Mapping[str, RuleSpec]:
        return self._by_name

    def tick(self, session: Session, now: datetime) -> TickReport:
        """Evaluate every rule once; persist changed states and apply alarm changes."""
        latest = timeseries.latest(session, metrics=self._metrics) if self._metrics else {}
        rows = load_states(session, self._by_name)
        devices = device_infos(session)
        states = {key: _value_of(row) for key, row in rows.items()}
        result = evaluate(self._rules, latest, states, now, devices, self._stale_after)
        for key in result.changed:
            new = result.states[key]
            row = rows.get(key)
            if row is None:
                row = RuleState(rule=key[0], device=key[1], instance=key[2])
                session.add(row)
            row.state = new.state.value
            row.severity = int(new.severity) if new.severity is not None else None
            row.since = new.since
            row.value = new.value
            row.updated_at = now
        session.flush()
        changes = apply_transitions(session, result.transitions, self._by_name, devices, now)
        touch_open_alarms(session, result.firing_values, now)
        kinds = [c.kind for c in changes]
        return TickReport(
            at=now,
            rules=len(self._rules),
            series_evaluated=result.evaluated,
            transitions=len(result.transitions),
            opened=kinds.count(ChangeKind.OPENED),
            resolved=kinds.count(ChangeKind.RESOLVED),
            severity_changes=kinds.count(ChangeKind.SEVERITY),
            states_written=len(result.changed),
            firing=len(result.firing_values),
            changes=tuple(changes),
        )
