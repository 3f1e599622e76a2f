"""Route hours: parsing, normalizing and whether a local time is served (table-driven)."""

from __future__ import annotations

from datetime import time

import pytest

from rules.notify.hours import in_hours, normalize, parse


@pytest.mark.parametrize(
    ("spec", "at", "served"),
    [
        ("", time(3, 0), True),
        ("08:00-20:00", time(8, 0), True),
        ("08:00-20:00", time(19, 59), True),
        ("08:00-20:00", time(20, 0), False),
        ("08:00-20:00", time(7, 59), False),
        ("20:00-08:00", time(20, 0), True),
        ("20:00-08:00", time(23, 59), True),
        ("20:00-08:00", time(0, 0), True),
        ("20:00-08:00", time(7, 59), True),
        ("20:00-08:00", time(8, 0), False),
        ("20:00-08:00", time(12, 0), False),
        ("8-20", time(12, 30), True),
        ("20-08", time(2, 0), True),
        ("08:00-12:00,14:00-18:00", time(13, 0), False),
        ("08:00-12:00,14:00-18:00", time(14, 0), True),
        ("18:00-24:00", time(23, 59), True),
        ("18:00-24:00", time(0, 0), False),
        ("garbage", time(3, 0), True),  # a bad stored spec never silences alarms
    ],
    ids=[
        "empty-all-day", "day-start-included", "day-before-end", "day-end-excluded",
        "day-before-start", "night-start", "night-before-midnight", "night-midnight",
        "night-before-end", "night-end-excluded", "night-noon", "short-form-day",
        "short-form-night", "two-ranges-gap", "two-ranges-second", "until-24",
        "until-24-midnight-excluded", "invalid-stored-spec",
    ],
)  # fmt: skip
def test_in_hours(spec: str, at: time, served: bool) -> None:
    assert in_hours(spec, at) is served


@pytest.mark.parametrize(
    ("spec", "canonical"),
    [
        ("", ""),
        ("8-20", "08:00-20:00"),
        (" 20:00 - 08:00 ", "20:00-08:00"),
        ("08:00-12:00， 14:30-18:00", "08:00-12:00,14:30-18:00"),
        ("22:00-24:00", "22:00-24:00"),
    ],
    ids=["empty", "hours-only", "spaces", "fullwidth-comma", "until-24"],
)
def test_normalize(spec: str, canonical: str) -> None:
    assert normalize(spec) == canonical


@pytest.mark.parametrize(
    ("spec", "problem"),
    [
        ("8 to 20", "not a range"),
        ("08:00", "not a range"),
        ("25:00-08:00", "not a time of day"),
        ("08:60-09:00", "not a time of day"),
        ("24:00-08:00", "not a time of day"),
        ("08:00-08:00", "whole day"),
        ("00:00-24:00", "whole day"),
        ("-08:00", "not a range"),
    ],
    ids=["words", "no-end", "hour-25", "minute-60", "start-24", "empty-range", "full-day",
         "no-start"],
)  # fmt: skip
def test_bad_specs_are_refused_with_the_fix(spec: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        parse(spec)
