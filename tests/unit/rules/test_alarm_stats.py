"""Acknowledgement/resolution times by person, day and shift (pure, table-driven)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from rules.alarm_stats import Handled, by_day, by_person, by_shift, percentile, shift_of

CST = timezone(timedelta(hours=8))


def t(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2024, 5, day, hour, minute, tzinfo=CST)


@pytest.mark.parametrize(
    ("ts", "shift"),
    [
        (t(1, 8), (date(2024, 5, 1), "day")),
        (t(1, 19, 59), (date(2024, 5, 1), "day")),
        (t(1, 20), (date(2024, 5, 1), "night")),
        (t(2, 3), (date(2024, 5, 1), "night")),  # after midnight: the shift of the evening
        (t(2, 7, 59), (date(2024, 5, 1), "night")),
        (datetime(2024, 5, 1, 0, 30, tzinfo=UTC), (date(2024, 5, 1), "day")),  # 08:30 CST
    ],
    ids=["day-start", "day-end", "night-start", "past-midnight", "night-end", "utc-input"],
)
def test_shift_of(ts: datetime, shift: tuple[date, str]) -> None:
    assert shift_of(ts, CST) == shift


@pytest.mark.parametrize(
    ("values", "p", "expected"),
    [([], 50, None), ([5], 90, 5), ([1, 2, 3, 4], 50, 2.5), ([10, 1, 5], 50, 5),
     (list(range(1, 11)), 90, 9.1)],
    ids=["empty", "one", "even-median", "unsorted", "p90"],
)  # fmt: skip
def test_percentile(values: list[float], p: float, expected: float | None) -> None:
    got = percentile(values, p)
    assert got == pytest.approx(expected) if expected is not None else got is None


ITEMS = [
    Handled(t(1, 9), t(1, 9, 2), "zhang", t(1, 10)),  # ack 120 s, resolved 3600 s
    Handled(t(1, 9), t(1, 9, 10), "zhang", None),  # ack 600 s, still open
    Handled(t(1, 21), t(1, 21, 1), "li", t(1, 21, 31)),  # night: ack 60 s, resolve 1860 s
    Handled(t(2, 2), None, None, t(2, 3), closed_by="li"),  # closed by hand, never acked
    Handled(t(2, 9)),  # nobody yet
]


def test_by_person() -> None:
    [li, zhang] = by_person(ITEMS)
    assert (zhang.key, zhang.alarms, zhang.ack_median, zhang.resolve_median) == (
        "zhang", 2, 360, 3600,
    )  # fmt: skip
    li_p90 = 1860 + (3600 - 1860) * 0.9
    assert (li.key, li.alarms, li.ack_median, li.resolve_p90) == ("li", 2, 60, li_p90)


def test_by_day_and_shift() -> None:
    assert [(s.key, s.alarms) for s in by_day(ITEMS, CST)] == [("2024-05-01", 3), ("2024-05-02", 2)]
    shifts = {s.key: s for s in by_shift(ITEMS, CST)}
    assert sorted(shifts) == ["2024-05-01 day", "2024-05-01 night", "2024-05-02 day"]
    night = shifts["2024-05-01 night"]
    assert (night.alarms, night.ack_median, night.resolve_median) == (2, 60, (1860 + 3600) / 2)
    assert shifts["2024-05-02 day"].ack_median is None
