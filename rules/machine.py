"""One step of the per-series state machine (shared by the tick and by trap events).

::

    OK ──condition──▶ PENDING ──held `for`──▶ FIRING ──cleared──▶ CLEARING ──`keep_firing_for`──▶ OK
     └─── for: 0 ────────────────────────────▶  │ ▲                  │
                      PENDING ──false──▶ OK     │ └──condition again─┘ (retriggered)
                                                └── cleared, keep_firing_for 0 ──▶ OK

"Cleared" means no level matches and, with ``clear:``, the value is past the clear level
(between the two the rule holds FIRING silently: hysteresis).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from core.types import Severity
from rules.spec import Level
from rules.states import Reason, RuleStateValue, State, StateKey, Transition

NEVER_SEEN = RuleStateValue(State.OK, None, datetime.min)  # since is never read for OK


def transition(
    key: StateKey,
    prev: RuleStateValue,
    state: State,
    severity: Severity | None,
    since: datetime,
    value: float | None,
    reason: Reason,
    now: datetime,
    threshold: float | None = None,
    unit: str = "",
) -> tuple[RuleStateValue, Transition]:
    """The new state and its transition record."""
    new = RuleStateValue(state, None if state is State.OK else severity, since, value)
    return new, Transition(
        rule=key[0],
        device=key[1],
        instance=key[2],
        from_state=prev.state,
        to_state=state,
        severity=severity,
        value=value,
        reason=reason,
        at=now,
        previous_severity=prev.severity,
        threshold=threshold,
        unit=unit,
    )


def step(
    key: StateKey,
    prev: RuleStateValue,
    value: float | None,
    unit: str,
    level: Level | None,
    cleared: bool,
    now: datetime,
    for_seconds: float,
    keep_firing_for: float,
) -> tuple[RuleStateValue, Transition | None]:
    """The next state of one series: ``level`` is the level matched (None: condition
    false); ``cleared`` whether a firing series may start clearing (past ``clear``)."""
    state = prev.state
    if state is State.UNKNOWN:  # data is back: start again from OK
        state, prev = State.OK, RuleStateValue(State.UNKNOWN, None, prev.since, prev.value)
    if state is State.OK:
        if level is None:
            if prev.state is State.UNKNOWN:
                return transition(key, prev, State.OK, None, now, value, Reason.CANCELLED, now,
                                  None, unit)  # fmt: skip
            return (prev if prev.value == value else RuleStateValue(state, None, prev.since, value),
                    None)  # fmt: skip
        if for_seconds <= 0:
            return transition(key, prev, State.FIRING, level.severity, now, value, Reason.FIRED,
                              now, level.threshold, unit)  # fmt: skip
        return transition(key, prev, State.PENDING, level.severity, now, value, Reason.PENDING,
                          now, level.threshold, unit)  # fmt: skip
    if state is State.PENDING:
        if level is None:
            return transition(key, prev, State.OK, prev.severity, now, value, Reason.CANCELLED,
                              now, None, unit)  # fmt: skip
        if now - prev.since >= timedelta(seconds=for_seconds):
            return transition(key, prev, State.FIRING, level.severity, now, value, Reason.FIRED,
                              now, level.threshold, unit)  # fmt: skip
        return RuleStateValue(state, prev.severity, prev.since, value), None
    if state is State.FIRING:
        if level is None:
            if not cleared:
                return RuleStateValue(state, prev.severity, prev.since, value), None
            if keep_firing_for > 0:
                return transition(key, prev, State.CLEARING, prev.severity, now, value,
                                  Reason.CLEARING, now, None, unit)  # fmt: skip
            return transition(key, prev, State.OK, prev.severity, now, value, Reason.RESOLVED,
                              now, None, unit)  # fmt: skip
        if level.severity != prev.severity:
            worse = prev.severity is None or level.severity > prev.severity
            reason = Reason.ESCALATED if worse else Reason.DEESCALATED
            return transition(key, prev, State.FIRING, level.severity, prev.since, value, reason,
                              now, level.threshold, unit)  # fmt: skip
        return RuleStateValue(state, prev.severity, prev.since, value), None
    # CLEARING
    if level is not None:
        return transition(key, prev, State.FIRING, level.severity, now, value,
                          Reason.RETRIGGERED, now, level.threshold, unit)  # fmt: skip
    if not cleared:
        return transition(key, prev, State.FIRING, prev.severity, now, value,
                          Reason.RETRIGGERED, now, None, unit)  # fmt: skip
    if now - prev.since >= timedelta(seconds=keep_firing_for):
        return transition(key, prev, State.OK, prev.severity, now, value, Reason.RESOLVED,
                          now, None, unit)  # fmt: skip
    return RuleStateValue(state, prev.severity, prev.since, value), None
