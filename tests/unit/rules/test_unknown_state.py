"""No data: a pending series whose samples stop becomes UNKNOWN; a firing one keeps firing."""

from __future__ import annotations

import pytest

from rules.engine import Reason, RuleStateValue, State, StateKey, evaluate
from tests.unit.rules.test_engine import DEVICES, at, rule, sample

STALE = 300.0


def _ticks(spec_for: float, timeline: list[tuple[float, float, float | None]]) -> list[State]:
    """timeline: (tick time, sample time, value). Returns the state after each tick."""
    spec = rule(for_seconds=spec_for)
    states: dict[StateKey, RuleStateValue] = {}
    seen = []
    for now, ts, value in timeline:
        latest = {("ups1", "m", ""): sample(value, ts)}
        result = evaluate([spec], latest, states, at(now), DEVICES, stale_after=STALE)
        states = dict(result.states)
        key = ("r", "ups1", "")
        seen.append(states[key].state if key in states else State.OK)
    return seen


@pytest.mark.parametrize(
    ("for_seconds", "timeline", "expected"),
    [
        pytest.param(120, [(0, 0, 90), (400, 0, 90)], [State.PENDING, State.UNKNOWN],
                     id="pending-then-stale"),
        pytest.param(0, [(0, 0, 90), (400, 0, 90)], [State.FIRING, State.FIRING],
                     id="firing-stays-firing-on-stale"),
        pytest.param(120, [(0, 0, 90), (400, 0, 90), (410, 410, 90)],
                     [State.PENDING, State.UNKNOWN, State.PENDING], id="data-back-still-high"),
        pytest.param(120, [(0, 0, 90), (400, 0, 90), (410, 410, 10)],
                     [State.PENDING, State.UNKNOWN, State.OK], id="data-back-normal"),
        pytest.param(120, [(0, 0, 10), (400, 0, 10)], [State.OK, State.OK],
                     id="ok-stays-ok-without-a-row"),
    ],
)  # fmt: skip
def test_no_data_states(
    for_seconds: float, timeline: list[tuple[float, float, float | None]], expected: list[State]
) -> None:
    assert _ticks(for_seconds, timeline) == expected


def test_unknown_transition_never_opens_or_resolves_an_alarm() -> None:
    spec = rule(for_seconds=120)
    states: dict[StateKey, RuleStateValue] = {}
    first = evaluate([spec], {("ups1", "m", ""): sample(90, 0)}, states, at(0), DEVICES)
    stale = evaluate([spec], {("ups1", "m", ""): sample(90, 0)}, first.states, at(400),
                     DEVICES, stale_after=STALE)  # fmt: skip
    [tr] = stale.transitions
    assert (tr.from_state, tr.to_state, tr.reason) == (State.PENDING, State.UNKNOWN, Reason.NO_DATA)
    assert not tr.opens and not tr.resolves
