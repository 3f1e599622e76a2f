"""The rule runner: one tick reads the store, runs the pure engine, writes states and alarms.

The caller owns the transaction::

    runner = RuleRunner.from_paths(paths)
    with factory() as s, s.begin():
        report = runner.tick(s, clock.now())

Overrides set in the dashboard (rules.override_store) apply on every tick and event: a
device's override beats its room's, which beats the rule file (rules.override_eval).

Restart-safe: the state of every rule × device × instance that ever left OK is a RuleState
row, so a new runner continues pending durations and never reopens an open alarm.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.config import NotifySettings
from core.types import Severity
from rules import override_store
from rules.alarms import AlarmChange, ChangeKind, apply_transitions, touch_open_alarms
from rules.engine import (
    STALE_AFTER_SECONDS,
    DeviceInfo,
    RuleStateValue,
    State,
    StateKey,
)
from rules.escalation import ConfiguredContacts, OnDuty, escalate
from rules.flags import apply_flags
from rules.flapping import FlapPolicy
from rules.lifecycle import lift_on_severity_change
from rules.loader import load_rules
from rules.maintenance import active_windows
from rules.notify.planner import Planned, plan
from rules.override_eval import evaluate_with_overrides, rules_for_device
from rules.spec import RuleSpec
from rules.traps import IncomingEvent, fallback_transition, resolve_device, store_event
from store import timeseries
from store.models import Alarm, Device, Room, RuleState


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
    notifications: int = 0


@dataclass(frozen=True, slots=True)
class EventReport:
    stored: int
    unmatched: int  # events whose device is not known (stored, not evaluated)
    transitions: int
    fallback: int  # fired through the built-in trap table (no event rule handles them)
    opened: int
    resolved: int
    notifications: int
    alarm_ids: tuple[int, ...] = ()


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

    def __init__(
        self,
        rules: Sequence[RuleSpec],
        stale_after: float = STALE_AFTER_SECONDS,
        notify: NotifySettings | None = None,
        on_duty: OnDuty | None = None,
    ):
        # held by callers around a whole tick or event transaction: the tick thread and the
        # events API of one server never write the same rule states at the same time
        self.lock = threading.RLock()
        self.notify = notify or NotifySettings()
        self.on_duty = on_duty or ConfiguredContacts(self.notify.escalation_contacts)
        self._flap = FlapPolicy(self.notify.flap_changes, self.notify.flap_window_seconds)
        self._rules = tuple(rules)
        self._by_name = {r.name: r for r in self._rules}
        self._stale_after = stale_after
        self._metrics = sorted(set().union(*(r.metrics() for r in self._rules)))

    @classmethod
    def from_paths(
        cls,
        paths: Sequence[Path] = (),
        builtin: bool = True,
        stale_after: float = STALE_AFTER_SECONDS,
        notify: NotifySettings | None = None,
        on_duty: OnDuty | None = None,
    ) -> RuleRunner:
        """Load the built-in pack and ``paths`` (raises RuleFileError)."""
        rules = load_rules(list(paths), builtin=builtin)
        return cls(rules, stale_after=stale_after, notify=notify, on_duty=on_duty)

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
        overrides = override_store.load(session, set(self._by_name))
        result = evaluate_with_overrides(
            self._rules, overrides, latest, states, now, devices, self._stale_after
        )
        self._persist(session, rows, result.changed, result.states, now)
        changes = apply_transitions(session, result.transitions, self._by_name, devices, now)
        touch_open_alarms(session, result.firing_values, now)
        planned = self.after_changes(session, changes, now)
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
            notifications=len(planned),
        )

    def after_changes(
        self, session: Session, changes: Sequence[AlarmChange], now: datetime
    ) -> list[Planned]:
        """Suppressions, flags (flapping, inhibited, maintenance) and the messages to send."""
        if not changes:
            return []
        for c in changes:
            if c.kind is ChangeKind.SEVERITY:
                alarm = session.get(Alarm, c.alarm_id)
                if alarm is not None:
                    lift_on_severity_change(session, alarm, now)
        windows = active_windows(session, now)
        flags = apply_flags(session, changes, self._flap, windows, now)
        planned = plan(session, changes, flags.flapping_started, windows, self.notify, now,
                       self._by_name)  # fmt: skip
        session.flush()
        return planned

    def _persist(
        self,
        session: Session,
        rows: dict[StateKey, RuleState],
        keys: Iterable[StateKey],
        states: Mapping[StateKey, RuleStateValue],
        now: datetime,
    ) -> None:
        for key in keys:
            new = states[key]
            row = rows.get(key)
            if row is None:
                row = RuleState(rule=key[0], device=key[1], instance=key[2])
                session.add(row)
                rows[key] = row
            row.state = new.state.value
            row.severity = int(new.severity) if new.severity is not None else None
            row.since = new.since
            row.value = new.value
            row.updated_at = now
        session.flush()

    def on_events(
        self, session: Session, events: Sequence[IncomingEvent], now: datetime
    ) -> EventReport:
        """Store trap events and evaluate them at once (not on the next tick).

        Event rules go through ``rules.events.evaluate_event``; a trap that no loaded rule
        handles but the built-in table knows (rules.traps.FALLBACK_TRAPS) fires its polled
        rule now. Alarms and notifications follow as in a tick.
        """
        from rules.events import TrapEventValue, evaluate_event

        devices = device_infos(session)
        overrides = override_store.load(session, set(self._by_name))
        rows = load_states(session, self._by_name)
        states: dict[StateKey, RuleStateValue] = {k: _value_of(r) for k, r in rows.items()}
        transitions = []
        fallback = 0
        unmatched = 0
        for ev in events:
            device = resolve_device(session, ev)
            store_event(session, ev, device, now)
            if device is None:
                unmatched += 1
                continue
            value = TrapEventValue(
                device, ev.name, ev.trap_oid.lstrip("."),
                {str(k): str(v) for k, v in ev.varbinds.items()}, ev.ts,
            )  # fmt: skip
            rules = rules_for_device(self._rules, overrides, device, devices.get(device))
            result = evaluate_event(rules, value, states, now, devices)
            if result.evaluated:
                states.update(result.states)
                self._persist(session, rows, result.changed, states, now)
                transitions += list(result.transitions)
                continue
            hit = fallback_transition(ev, device, set(self._by_name), states, now)
            if hit is not None:
                key, new, tr = hit
                states[key] = new
                self._persist(session, rows, [key], states, now)
                transitions.append(tr)
                fallback += 1
        changes = apply_transitions(session, transitions, self._by_name, devices, now)
        planned = self.after_changes(session, changes, now)
        kinds = [c.kind for c in changes]
        return EventReport(
            stored=len(events),
            unmatched=unmatched,
            transitions=len(transitions),
            fallback=fallback,
            opened=kinds.count(ChangeKind.OPENED),
            resolved=kinds.count(ChangeKind.RESOLVED),
            notifications=len(planned),
            alarm_ids=tuple(c.alarm_id for c in changes),
        )

    def escalate(self, session: Session, now: datetime) -> list[Planned]:
        """Escalate unacknowledged alarms whose step is due (run after each tick)."""
        return escalate(
            session, now, self.notify.escalation_minutes, self.on_duty, active_windows(session, now)
        )
