"""The handover gate as a table: each row a situation and the reasons it refuses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.duty import ShiftSlot
from records.handover.gate import GateAlarm, GateInput, GateItem, in_handling, refusals
from records.handover.schedule import due
from records.handover.service import is_late

OUT = frozenset({"zhang", "li"})
OK = {"outgoing": OUT, "notes": "设备运行正常"}
CONFIRMED = GateItem("loan:1", "万用表借出", confirmed=True)


@pytest.mark.parametrize(
    ("gate", "expected"),
    [
        (GateInput(**OK), []),
        (GateInput(**OK, items=(CONFIRMED,)), []),
        (GateInput(OUT, notes="  "), ["handover.gate.notes_required"]),
        (GateInput(**OK, switching=True), ["handover.gate.switching"]),
        (GateInput(**OK, fault=True), ["handover.gate.fault"]),
        (GateInput(**OK, switching=True, fault=True),
         ["handover.gate.switching", "handover.gate.fault"]),
        (GateInput(**OK, items=(GateItem("alarm:1"),)), ["handover.gate.unconfirmed"]),
        (GateInput(**OK, items=(GateItem("change:7", blocking="changes.in_progress",
                                         confirmed=True),)),
         ["handover.gate.blocking"]),
        (GateInput(**OK, alarms=(GateAlarm(1, 3, "acknowledged", owner="zhang"),)),
         ["handover.gate.alarm_in_handling"]),
        (GateInput(**OK, alarms=(GateAlarm(1, 3, "acknowledged", acked_by="li"),)),
         ["handover.gate.alarm_in_handling"]),
        (GateInput(**OK, alarms=(GateAlarm(1, 3, "acknowledged", owner="wang",
                                           acked_by="li"),)), []),
        (GateInput(**OK, alarms=(GateAlarm(1, 2, "acknowledged", owner="zhang"),)), []),
        # a critical alarm firing with nobody acknowledging it stops the handover (§6.3)
        (GateInput(**OK, alarms=(GateAlarm(1, 3, "firing"),)),
         ["handover.gate.alarm_unacknowledged"]),
        (GateInput(**OK, alarms=(GateAlarm(1, 3, "resolved", owner="zhang"),)), []),
        (GateInput(OUT, fault=True, items=(GateItem("a"), GateItem("b", blocking="x"))),
         ["handover.gate.fault", "handover.gate.blocking", "handover.gate.unconfirmed",
          "handover.gate.notes_required"]),
    ],
    ids=["clear", "confirmed-item", "notes-empty", "switching", "fault", "switching-and-fault",
         "unconfirmed", "blocking-even-confirmed", "critical-owned-by-outgoing",
         "critical-acked-by-outgoing", "owned-by-incoming", "warning-only", "firing-not-acked",
         "resolved", "many-reasons"],
)  # fmt: skip
def test_gate_reasons(gate: GateInput, expected: list[str]) -> None:
    assert [r.msgid for r in refusals(gate)] == expected


def test_unconfirmed_counts_and_alarm_names_its_holder() -> None:
    gate = GateInput(
        **OK,
        items=(GateItem("a"), GateItem("b"), CONFIRMED),
        alarms=(GateAlarm(9, 3, "acknowledged", owner="li", device="ups-1"),),
    )
    got = refusals(gate)
    assert got[0].params == {"id": 9, "device": "ups-1", "person": "li"}
    assert got[-1].params == {"count": 2}
    assert in_handling(GateAlarm(9, 3, "acknowledged"), OUT) is False  # nobody holds it


SHIFT = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("arrived", "minutes", "late"),
    [(None, 10, False), (SHIFT - timedelta(minutes=30), 10, False),
     (SHIFT - timedelta(minutes=10), 10, False), (SHIFT - timedelta(minutes=9), 10, True),
     (SHIFT - timedelta(minutes=14), 10, False), (SHIFT - timedelta(minutes=15), 15, False),
     (SHIFT - timedelta(minutes=14), 15, True), (SHIFT + timedelta(minutes=5), 10, True)],
    ids=["not-yet", "early", "exactly-10", "9-before", "14-before-machine-room",
         "exactly-15-engineering", "14-before-engineering", "after-start"],
)  # fmt: skip
def test_late_arrival(arrived: datetime | None, minutes: int, late: bool) -> None:
    """The machine room's clause: 10 minutes early (the default); the engineering one: 15."""
    assert is_late(arrived, SHIFT, minutes) is late
    if minutes == 10:
        assert is_late(arrived, SHIFT) is late  # 10 is the default


NIGHT = ShiftSlot("night", SHIFT - timedelta(hours=12), SHIFT, ("zhang",))
DAY = ShiftSlot("day", SHIFT, SHIFT + timedelta(hours=12), ("wang",))


@pytest.mark.parametrize(
    ("now", "outgoing", "incoming", "expected"),
    [(SHIFT - timedelta(hours=2), NIGHT, DAY, False),
     (SHIFT - timedelta(minutes=60), NIGHT, DAY, True),
     (SHIFT - timedelta(minutes=10), NIGHT, DAY, True),
     (SHIFT - timedelta(minutes=10), None, DAY, False),
     (SHIFT - timedelta(minutes=10), NIGHT, None, False),
     (SHIFT - timedelta(minutes=10), DAY, DAY, False),
     (SHIFT - timedelta(minutes=10), ShiftSlot("night", NIGHT.start, SHIFT), DAY, False)],
    ids=["too-early", "hour-before", "ten-before", "no-current", "no-next", "same-slot",
         "nobody-outgoing"],
)  # fmt: skip
def test_tick_opens_only_near_a_change(
    now: datetime, outgoing: ShiftSlot | None, incoming: ShiftSlot | None, expected: bool
) -> None:
    assert due(outgoing, incoming, now) is expected
