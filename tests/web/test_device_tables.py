"""The device page lays per-instance metrics out as one table (pure layout, table-driven)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.types import Sample
from dashboard.devices.tables import layout, natural_key

T = datetime(2026, 11, 21, 3, 0, tzinfo=UTC)


def s(metric: str, instance: str = "", value: float = 1.0) -> Sample:
    return Sample("sw", metric, instance, value, T)


def test_ports_become_one_table_in_natural_order() -> None:
    ports = ["Gi1/0/10", "Gi1/0/2", "Gi1/0/1"]
    samples = [s(m, p) for m in ("if_oper_status", "if_admin_status") for p in ports]
    samples.append(s("sys_uptime_seconds"))
    plain, tables = layout(samples)
    assert [x.metric for x in plain] == ["sys_uptime_seconds"]
    [table] = tables
    assert table.metrics == ("if_oper_status", "if_admin_status")
    assert [inst for inst, _ in table.rows] == ["Gi1/0/1", "Gi1/0/2", "Gi1/0/10"]
    assert all(cell is not None for _, cells in table.rows for cell in cells)


@pytest.mark.parametrize(
    ("samples", "plain_count", "table_count"),
    [
        pytest.param([s("a", "1"), s("a", "2")], 2, 0, id="one-metric-stays-plain"),
        pytest.param([s("a", "1"), s("b", "1")], 2, 0, id="one-instance-stays-plain"),
        pytest.param([s("a", "1"), s("a", "2"), s("b", "1"), s("b", "2"), s("c", "x")], 1, 1,
                     id="odd-instance-set-stays-plain"),
        pytest.param([], 0, 0, id="nothing"),
    ],
)  # fmt: skip
def test_what_becomes_a_table(samples: list[Sample], plain_count: int, table_count: int) -> None:
    plain, tables = layout(samples)
    assert (len(plain), len(tables)) == (plain_count, table_count)


def test_natural_key() -> None:
    names = ["eth10", "eth2", "eth1", "lo"]
    assert sorted(names, key=natural_key) == ["eth1", "eth2", "eth10", "lo"]
