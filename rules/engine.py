"""The pure rule engine: one evaluation tick over the latest values.

Each rule × device × instance is a small state machine (rules.machine): ok → pending
(``for``) → firing → clearing (``keep_firing_for``) → ok.

* Threshold rules: the value (or its rate of change, see below) reaches a level (worst
  level wins) and, with ``when:``, the condition tree on the same device holds (a leaf
  reads the same instance, else the device's instance ""; missing or stale data makes a
  leaf false). While FIRING a change of level is a severity transition at once (``for``
  only delays entering FIRING). With ``clear:`` a value between the fire and the clear
  level holds FIRING silently (hysteresis).
* No data: a series without a fresh sample (older than ``stale_after``) is not evaluated;
  a PENDING one becomes UNKNOWN (no alarm; back to OK/PENDING when data returns), a
  FIRING/CLEARING one keeps its state: a polling gap neither resolves nor reopens an
  alarm. Missing data is alarmed by ``absent_for`` rules: a series whose last sample is
  older than absent_for fires at once (its timestamp proves the duration); with
  ``absent_unseen``, a ledger device in scope with no series of the metric at all is
  PENDING first and fires after absent_for.
* Rate of change (``rate: {over, per}``) needs the recent samples of the series: the
  caller passes them as ``history`` (the store keeps raw samples; ``history_windows``
  says how far back per metric), which keeps the engine pure and restart-safe. With
  fewer than two samples in the window the series counts as no data.
* ``fallback_metrics``: a threshold rule reads its ``metric`` and, on a device that does
  not report it, the first fallback the device reports (the same reading under another
  MIB's name), so a device raises one alarm whichever MIB it speaks.
* Compound rules (top-level ``all``/``any``) are evaluated on every device × instance
  that has a fresh sample of one of their metrics; their value is the first leaf's.
* Event rules are fired by rules.events.evaluate_event; a tick only clears them
  (``clear_when`` true on the latest values, or ``clear_after`` elapsed).
* A disabled rule (``enabled: false``) moves its non-OK states to OK. States of rules
  that are no longer loaded at all are left untouched.
* Transitions are emitted only when the state or the severity changes. States are
  restart-safe: fed back in, a PENDING state since t0 with ``for: 60`` fires at the first
  tick at or after t0 + 60.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta

from core.types import Sample
from rules.machine import NEVER_SEEN, step, transition
from rules.spec import AllOf, AnyOf, Cond, Condition, DeviceInfo, Level, RuleKind, RuleSpec, leaves
from rules.states import (
    EvalResult,
    Reason,
    RuleStateValue,
    SeriesKey,
    State,
    StateKey,
    Transition,
)

__all__ = [
    "STALE_AFTER_SECONDS", "DeviceInfo", "EvalResult", "Reason", "RuleStateValue", "SeriesKey",
    "State", "StateKey", "Transition", "evaluate", "history_windows", "index_latest",
]  # fmt: skip

STALE_AFTER_SECONDS = 300.0
History = Mapping[SeriesKey, Sequence[Sample]]


def index_latest(latest: Mapping[SeriesKey, Sample]) -> dict[str, list[Sample]]:
    """Latest samples grouped by metric (built once per tick)."""
    by_metric: dict[str, list[Sample]] = defaultdict(list)
    for sample in latest.values():
        by_metric[sample.metric].append(sample)
    return by_metric


def history_windows(rules: Iterable[RuleSpec]) -> dict[str, float]:
    """metric → seconds of raw samples the caller must pass as ``history``."""
    out: dict[str, float] = {}
    for rule in rules:
        if rule.rate is not None and rule.enabled:
            out[rule.metric] = max(out.get(rule.metric, 0.0), rule.rate.over)
    return out


class _Tick:
    """One evaluation: the inputs, the index, and what changed."""

    def __init__(
        self,
        latest: Mapping[SeriesKey, Sample],
        states: Mapping[StateKey, RuleStateValue],
        now: datetime,
        devices: Mapping[str, DeviceInfo],
        stale_after: float,
        history: History | None,
    ) -> None:
        self.latest = latest
        self.states = states
        self.now = now
        self.devices = devices
        self.cutoff = now - timedelta(seconds=stale_after)
        self.history = history or {}
        self.by_metric = index_latest(latest)
        self.new_states: dict[StateKey, RuleStateValue] = dict(states)
        self.changed: list[StateKey] = []
        self.transitions: list[Transition] = []
        self.firing: dict[StateKey, float | None] = {}
        self.evaluated = 0
        self._by_rule: dict[str, list[StateKey]] | None = None

    def keys_of(self, rule: str) -> list[StateKey]:
        if self._by_rule is None:
            self._by_rule = defaultdict(list)
            for key in self.states:
                self._by_rule[key[0]].append(key)
        return self._by_rule.get(rule, [])

    def fresh(self, device: str, metric: str, instance: str) -> Sample | None:
        """The fresh sample of the same instance, else of the device's instance ""."""
        sample = self.latest.get((device, metric, instance))
        if sample is None and instance:
            sample = self.latest.get((device, metric, ""))
        if sample is None or sample.ts < self.cutoff:
            return None
        return sample

    def holds(self, cond: Cond, device: str, instance: str) -> bool:
        if isinstance(cond, Condition):
            s = self.fresh(device, cond.metric, instance)
            return s is not None and cond.holds(s.value, s.text)
        if isinstance(cond, AllOf):
            return all(self.holds(c, device, instance) for c in cond.items)
        assert isinstance(cond, AnyOf)
        return any(self.holds(c, device, instance) for c in cond.items)

    def record(self, key: StateKey, new: RuleStateValue, tr: Transition | None) -> None:
        self.new_states[key] = new
        if tr is not None:
            self.changed.append(key)
            self.transitions.append(tr)
        if new.state.active:
            self.firing[key] = new.value

    def result(self) -> EvalResult:
        return EvalResult(self.new_states, tuple(self.changed), tuple(self.transitions),
                          self.firing, self.evaluated)  # fmt: skip


def _scope_ok(rule: RuleSpec, tick: _Tick, cache: dict[str, bool], device: str) -> bool:
    ok = cache.get(device)
    if ok is None:
        ok = cache[device] = rule.applies_to(device, tick.devices.get(device))
    return ok


def _rate(rule: RuleSpec, tick: _Tick, sample: Sample) -> float | None:
    assert rule.rate is not None
    start = tick.now - timedelta(seconds=rule.rate.over)
    points = [p for p in tick.history.get(sample.key, ()) if p.ts >= start and p.value is not None]
    if not points or sample.value is None:
        return None
    first = min(points, key=lambda p: p.ts)
    seconds = (sample.ts - first.ts).total_seconds()
    if seconds <= 0 or first.value is None:
        return None
    return (sample.value - first.value) / seconds * rule.rate.per


def _samples(rule: RuleSpec, tick: _Tick) -> Iterator[Sample]:
    """The rule's metric, then each fallback on the devices that reported none before it."""
    covered: set[str] = set()
    for metric in (rule.metric, *rule.fallback_metrics):
        samples = tick.by_metric.get(metric, ())
        yield from (s for s in samples if s.device not in covered)
        covered |= {s.device for s in samples}


def _threshold(rule: RuleSpec, tick: _Tick) -> None:
    name, states, cutoff, when = rule.name, tick.states, tick.cutoff, rule.when
    scoped = rule.scoped
    cache: dict[str, bool] = {}
    pattern = rule.instance_pattern
    for sample in _samples(rule, tick):
        if sample.ts < cutoff:
            _went_stale(tick, (name, sample.device, sample.instance))
            continue
        device = sample.device
        if scoped and not _scope_ok(rule, tick, cache, device):
            continue
        if pattern is not None and pattern.search(sample.instance) is None:
            continue
        value = sample.value
        if rule.rate is not None:
            value = _rate(rule, tick, sample)
            if value is None:
                continue  # not enough history: no data
        condition = when is None or tick.holds(when, device, sample.instance)
        level = rule.match(value, sample.text) if condition else None
        key = (name, device, sample.instance)
        tick.evaluated += 1
        prev = states.get(key)
        if prev is None:
            if level is None:
                continue  # ok and never anything else: nothing to remember
            prev = NEVER_SEEN
        cleared = not (level is None and condition and rule.holds_in_band(value))
        new, tr = step(key, prev, value, sample.unit, level, cleared, tick.now,
                       rule.for_seconds, rule.keep_firing_for)  # fmt: skip
        tick.record(key, new, tr)


def _went_stale(tick: _Tick, key: StateKey) -> None:
    """A PENDING series whose data stopped becomes UNKNOWN (no alarm, shown as no data).

    FIRING and CLEARING keep their state: an open alarm is neither closed nor reopened by a
    polling gap (``absent_for`` rules alarm missing data themselves)."""
    prev = tick.states.get(key)
    if prev is not None and prev.state is State.PENDING:
        new, tr = transition(key, prev, State.UNKNOWN, prev.severity, tick.now, prev.value,
                             Reason.NO_DATA, tick.now)  # fmt: skip
        tick.record(key, new, tr)


def _compound(rule: RuleSpec, tick: _Tick) -> None:
    assert rule.match_all is not None
    metrics = []
    for cond in leaves(rule.match_all):
        if cond.metric not in metrics:
            metrics.append(cond.metric)
    cache: dict[str, bool] = {}
    seen: set[tuple[str, str]] = set()
    for metric in metrics:
        for sample in tick.by_metric.get(metric, ()):
            place = (sample.device, sample.instance)
            if place in seen or sample.ts < tick.cutoff:
                continue
            seen.add(place)
            if rule.scoped and not _scope_ok(rule, tick, cache, sample.device):
                continue
            if not rule.instance_ok(sample.instance):
                continue
            key = (rule.name, sample.device, sample.instance)
            tick.evaluated += 1
            ok = tick.holds(rule.match_all, sample.device, sample.instance)
            prev = tick.states.get(key)
            if prev is None and not ok:
                continue
            first = tick.fresh(sample.device, metrics[0], sample.instance) or sample
            level = rule.levels[0] if ok else None
            new, tr = step(key, prev or NEVER_SEEN, first.value, first.unit, level, True,
                           tick.now, rule.for_seconds, rule.keep_firing_for)  # fmt: skip
            tick.record(key, new, tr)


def _absent_seconds(rule: RuleSpec, info: DeviceInfo | None) -> float:
    if rule.absent_intervals:
        return rule.absent_intervals * (info.interval if info else 30.0)
    return rule.absent_for


def _absent(rule: RuleSpec, tick: _Tick) -> None:
    level: Level = rule.levels[0]
    cache: dict[str, bool] = {}
    reporting: set[str] = set()
    for sample in tick.by_metric.get(rule.metric, ()):
        device = sample.device
        reporting.add(device)
        if rule.scoped and not _scope_ok(rule, tick, cache, device):
            continue
        if not rule.instance_ok(sample.instance):
            continue
        age = (tick.now - sample.ts).total_seconds()
        missing = age > _absent_seconds(rule, tick.devices.get(device))
        key = (rule.name, device, sample.instance)
        tick.evaluated += 1
        prev = tick.states.get(key)
        if prev is None and not missing:
            continue
        new, tr = step(key, prev or NEVER_SEEN, round(age, 3), "s", level if missing else None,
                       True, tick.now, 0.0, rule.keep_firing_for)  # fmt: skip
        tick.record(key, new, tr)
    if not rule.absent_unseen:
        return
    for device, info in tick.devices.items():
        if device in reporting or not rule.applies_to(device, info):
            continue
        key = (rule.name, device, "")
        tick.evaluated += 1
        new, tr = step(key, tick.states.get(key, NEVER_SEEN), None, "s", level, True, tick.now,
                       _absent_seconds(rule, info), rule.keep_firing_for)  # fmt: skip
        tick.record(key, new, tr)


def _event_clears(rule: RuleSpec, tick: _Tick) -> None:
    for key in tick.keys_of(rule.name):
        prev = tick.states[key]
        if not prev.state.active:
            continue
        _, device, instance = key
        expired = rule.clear_after > 0 and tick.now - prev.since >= timedelta(
            seconds=rule.clear_after
        )
        cleared = rule.clear_when is not None and tick.holds(rule.clear_when, device, instance)
        if expired or cleared:
            reason = Reason.RESOLVED if cleared else Reason.EXPIRED
            tick.record(key, *transition(key, prev, State.OK, prev.severity, tick.now,
                                         prev.value, reason, tick.now))  # fmt: skip
        else:
            tick.firing[key] = prev.value


def _disable(rule: RuleSpec, tick: _Tick) -> None:
    for key in tick.keys_of(rule.name):
        prev = tick.states[key]
        if prev.state is not State.OK:
            tick.record(key, *transition(key, prev, State.OK, prev.severity, tick.now,
                                         prev.value, Reason.DISABLED, tick.now))  # fmt: skip


_KINDS = {
    RuleKind.THRESHOLD: _threshold,
    RuleKind.COMPOUND: _compound,
    RuleKind.ABSENT: _absent,
    RuleKind.EVENT: _event_clears,
}


def evaluate(
    rules: Sequence[RuleSpec],
    latest: Mapping[SeriesKey, Sample],
    states: Mapping[StateKey, RuleStateValue],
    now: datetime,
    devices: Mapping[str, DeviceInfo],
    stale_after: float = STALE_AFTER_SECONDS,
    history: History | None = None,
) -> EvalResult:
    """Evaluate every rule over the latest values; see the module docstring for semantics.

    ``history``: recent raw samples per series, needed only by ``rate`` rules (see
    ``history_windows``); without it rate rules see no data.
    """
    tick = _Tick(latest, states, now, devices, stale_after, history)
    for rule in rules:
        if not rule.enabled:
            _disable(rule, tick)
        else:
            _KINDS[rule.kind](rule, tick)
    return tick.result()
