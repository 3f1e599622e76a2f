"""The engine's values: states of rule × device × instance, transitions, tick results.

Re-exported by rules.engine (callers import them from there).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime

from core.types import Severity

SeriesKey = tuple[str, str, str]  # device, metric, instance
StateKey = tuple[str, str, str]  # rule, device, instance


class State(enum.StrEnum):
    OK = "ok"
    PENDING = "pending"  # condition true, waiting for `for`
    FIRING = "firing"
    CLEARING = "clearing"  # condition false, held firing for `keep_firing_for`
    UNKNOWN = "unknown"  # pending, then the data stopped: neither ok nor firing (no alarm)

    @property
    def active(self) -> bool:
        """FIRING or CLEARING: the alarm is open."""
        return self in (State.FIRING, State.CLEARING)


class Reason(enum.StrEnum):
    """Why a transition happened (stored in alarm history, shown to people)."""

    PENDING = "pending"  # condition true, waiting for `for`
    FIRED = "fired"
    ESCALATED = "escalated"
    DEESCALATED = "deescalated"
    CLEARING = "clearing"  # firing → clearing: condition false, holding (keep_firing_for)
    RETRIGGERED = "retriggered"  # clearing → firing: condition true again during the hold
    RESOLVED = "resolved"  # firing/clearing → ok
    CANCELLED = "cancelled"  # pending → ok before `for` elapsed
    DISABLED = "disabled"  # the rule was disabled
    EXPIRED = "expired"  # an event rule's clear_after elapsed without a clear event
    NO_DATA = "no_data"  # pending → unknown: the series went stale


@dataclass(frozen=True, slots=True)
class RuleStateValue:
    """What is persisted per rule × device × instance (table rule_states).

    ``since``: when the current state began (PENDING: start of the `for` wait; FIRING:
    when it fired, or for event rules the last firing event; CLEARING: when the clear
    condition started to hold, so `keep_firing_for` counts from it). Nothing else is
    needed to continue after a restart: rate windows come from the store's raw samples
    (the ``history`` argument), no-data durations from the samples' own timestamps.
    """

    state: State
    severity: Severity | None
    since: datetime
    value: float | None = None


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
    threshold: float | None = None  # of the level matched (None when not firing on a level)
    unit: str = ""

    @property
    def key(self) -> StateKey:
        return (self.rule, self.device, self.instance)

    @property
    def opens(self) -> bool:
        """An alarm starts: into FIRING from OK or PENDING."""
        return self.to_state is State.FIRING and not self.from_state.active

    @property
    def resolves(self) -> bool:
        """An open alarm ends: FIRING or CLEARING → OK."""
        return self.to_state is State.OK and self.from_state.active


@dataclass(frozen=True, slots=True)
class EvalResult:
    """``states``: the input states as this tick leaves them (a series that never left OK
    is not added); ``changed``: the keys whose state, severity or since changed (persist);
    ``firing_values``: the value seen this tick of every series that is FIRING or CLEARING
    after it."""

    states: dict[StateKey, RuleStateValue]
    changed: tuple[StateKey, ...]
    transitions: tuple[Transition, ...]
    firing_values: dict[StateKey, float | None] = field(default_factory=dict)
    evaluated: int = 0
