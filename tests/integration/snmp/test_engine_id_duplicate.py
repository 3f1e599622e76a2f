"""Two real net-snmp agents with the same engineID: the poller records the duplicate as
each device's error (``snmp_engine_id_duplicate`` 1, naming the other), keeps polling
both, and a device with its own engine ID stays at 0."""

from __future__ import annotations

import pytest

from agent.poller import Poller, PollResult
from collector.engine_ids import DUPLICATE_METRIC
from collector.profiles import load_profiles
from core.types import SnmpCredentials, Target
from tests.fixtures.aio import run_async
from tests.fixtures.snmpd import SHARED_ENGINE_ID, Snmpd, credentials_for

pytestmark = pytest.mark.snmp


def target(device: str, agent: Snmpd, creds: SnmpCredentials | None = None) -> Target:
    return Target(device, "snmp", agent.host, agent.port, "system",
                  creds or credentials_for("authsha"), timeout=2, retries=0)  # fmt: skip


def duplicate(result: PollResult) -> tuple[float | None, str | None]:
    found = [s for s in result.samples if s.metric == DUPLICATE_METRIC]
    assert len(found) == 1, [s.metric for s in result.samples]
    return found[0].value, found[0].text


@run_async
async def test_twins_are_flagged_on_both_devices(
    snmpd_twins: tuple[Snmpd, Snmpd], snmpd: Snmpd
) -> None:
    first, second = snmpd_twins
    poller = Poller(load_profiles())
    try:
        a = await poller.poll(target("twin-a", first))
        assert a.ok, a.error
        assert duplicate(a) == (0.0, None)  # alone so far
        b = await poller.poll(target("twin-b", second))
        assert b.ok, b.error  # still polled: the duplicate is recorded, not fatal
        value, text = duplicate(b)
        assert value == 1.0 and text is not None and "twin-a" in text
        assert SHARED_ENGINE_ID.encode().hex() in text and "引擎 ID 重复" in text
        assert any("twin-a" in p for p in b.problems)
        a = await poller.poll(target("twin-a", first))
        value, text = duplicate(a)
        assert value == 1.0 and text is not None and "twin-b" in text
        other = await poller.poll(target("own-id", snmpd))
        assert other.ok and duplicate(other) == (0.0, None)
        poller.forget("twin-b")  # the twin left the ledger: no duplicate any more
        a = await poller.poll(target("twin-a", first))
        assert duplicate(a) == (0.0, None)
    finally:
        poller.close()


@run_async
async def test_v2c_targets_are_not_checked(snmpd_twins: tuple[Snmpd, Snmpd]) -> None:
    first, second = snmpd_twins
    poller = Poller(load_profiles())
    try:
        for device, agent in (("v2-a", first), ("v2-b", second)):
            result = await poller.poll(target(device, agent, SnmpCredentials("2c", "public")))
            assert result.ok, result.error
            assert not [s for s in result.samples if s.metric == DUPLICATE_METRIC]
    finally:
        poller.close()
