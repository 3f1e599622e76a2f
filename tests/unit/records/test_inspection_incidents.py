"""On-site checks, one per incident (issue 12 point 7): the pure incident arithmetic and the
plan for a room, as tables. The demo's cycle (UPS on battery at 0:45–2:15, uplink down at
2:45–3:45, every five minutes) must stay one incident and one sheet."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from records.inspection.incidents import QUIET, Plan, SheetState, Span, incident_end, plan

T0 = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


def t(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def demo_cycles(n: int, upto: float | None = None) -> list[Span]:
    """The demo scenario (demo.room.SCENARIO): n cycles of 300 s; the last may be cut."""
    spans = []
    for k in range(n):
        base = 300 * k
        for dev, start, end in (("ups-1", 45, 135), ("switch-1", 165, 225)):
            cleared = t(base + end) if upto is None or base + end <= upto else None
            if upto is None or base + start <= upto:
                spans.append(Span(dev, t(base + start), cleared))
    return spans


@pytest.mark.parametrize(
    ("spans", "now", "end"),
    [([Span("ups-1", t(0), None)], t(3600), None),
     ([Span("ups-1", t(0), t(90))], t(90 + 60), None),
     ([Span("ups-1", t(0), t(90))], t(90) + QUIET, t(90)),
     (demo_cycles(12), t(12 * 300 + 60), None),
     (demo_cycles(12), t(11 * 300 + 225) + QUIET, t(11 * 300 + 225)),
     ([Span("ups-1", t(0), t(90)), Span("ups-1", t(90) + QUIET + timedelta(seconds=1), None)],
      t(7200), t(90)),
     ([Span("old", t(-7200), t(-3600)), Span("ups-1", t(0), t(60))], t(60) + QUIET, t(60))],
    ids=["still-open", "cleared-recently", "quiet-long-enough", "demo-cycles-one-incident",
         "demo-stops", "gap-then-new-alarm", "earlier-alarms-ignored"],
)  # fmt: skip
def test_incident_end(spans: list[Span], now: datetime, end: datetime | None) -> None:
    assert incident_end(spans, t(0), now) == end


UPS = frozenset({"ups-1"})


@pytest.mark.parametrize(
    ("latest", "spans", "alarmed", "now", "expected"),
    [(None, [Span("ups-1", t(0))], ["ups-1"], t(0), Plan(open=("ups-1",))),
     (SheetState(t(0), UPS), [Span("ups-1", t(0))], ["ups-1"], t(30), Plan()),
     (SheetState(t(0), UPS), demo_cycles(1, upto=170), ["switch-1"], t(170),
      Plan(add=("switch-1",))),
     (SheetState(t(45), UPS | {"switch-1"}), demo_cycles(4, upto=950), ["ups-1"], t(950),
      Plan()),
     (SheetState(t(0), UPS), [Span("ups-1", t(0), t(90))], [], t(90) + QUIET, Plan(close=t(90))),
     (SheetState(t(0), UPS, started=True), [Span("ups-1", t(0), t(90))], [], t(90) + QUIET,
      Plan()),
     (SheetState(t(0), UPS, signed=True), [Span("ups-1", t(0), t(90))], [], t(90) + QUIET,
      Plan()),
     (SheetState(t(0), UPS, signed=True), [Span("ups-1", t(0)), Span("crac-1", t(60))],
      ["ups-1", "crac-1"], t(60), Plan(open=("crac-1",))),
     (SheetState(t(0), UPS, closed=True), [Span("ups-1", t(7200))], ["ups-1"], t(7200),
      Plan(open=("ups-1",))),
     (SheetState(t(0), UPS), [Span("ups-1", t(0), t(90)), Span("ups-1", t(4000))], ["ups-1"],
      t(4000), Plan(close=t(90), open=("ups-1",)))],
    ids=["first-alarm-opens", "same-alarm-nothing-more", "other-device-joins",
         "demo-later-cycles-nothing-more", "cleared-before-anyone-went-closes",
         "started-sheet-stays-open", "signed-sheet-stays", "new-device-after-signing",
         "after-closed-new-incident", "late-return-closes-old-opens-new"],
)  # fmt: skip
def test_plan(
    latest: SheetState | None, spans: list[Span], alarmed: list[str], now: datetime,
    expected: Plan,
) -> None:  # fmt: skip
    assert plan(latest, spans, alarmed, now) == expected
