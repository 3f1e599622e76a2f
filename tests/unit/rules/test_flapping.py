"""Flapping: more than N state changes within the window (pure, table-driven)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from rules.flapping import FlapPolicy, changes_in_window, is_flapping

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def ago(*seconds: float) -> list[datetime]:
    return [NOW - timedelta(seconds=s) for s in seconds]


@pytest.mark.parametrize(
    ("times", "policy", "count", "flapping"),
    [
        pytest.param([], FlapPolicy(3, 60), 0, False, id="no-changes"),
        pytest.param(ago(1, 2, 3), FlapPolicy(3, 60), 3, False, id="exactly-n-is-not-flapping"),
        pytest.param(ago(1, 2, 3, 4), FlapPolicy(3, 60), 4, True, id="n-plus-one-flaps"),
        pytest.param(ago(1, 2, 3, 61), FlapPolicy(3, 60), 3, False, id="old-change-outside"),
        pytest.param(ago(0, 10, 20, 59.9), FlapPolicy(3, 60), 4, True, id="edge-inside"),
        pytest.param(ago(1, 2, 3, 60), FlapPolicy(3, 60), 3, False, id="window-start-excluded"),
        pytest.param(ago(-5, 1, 2, 3), FlapPolicy(3, 60), 3, False, id="future-ignored"),
        pytest.param(ago(*range(10)), FlapPolicy(6, 600), 10, True, id="defaults-storm"),
    ],
)
def test_is_flapping(times: list[datetime], policy: FlapPolicy, count: int, flapping: bool) -> None:
    assert changes_in_window(times, NOW, policy) == count
    assert is_flapping(times, NOW, policy) is flapping
