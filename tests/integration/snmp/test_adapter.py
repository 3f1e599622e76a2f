"""The adapter against real agents (snmpsim recordings, net-snmp snmpd), through both
backends: the same answers from gufo_snmp's core and from pysnmp."""

from __future__ import annotations

import pytest

from agent.simroom import SimRoom
from agent.snmp import SnmpSession
from agent.snmp_errors import SnmpTableTooBig
from core.types import SnmpCredentials
from tests.fixtures.aio import run_async
from tests.fixtures.snmpd import USERS, Snmpd, credentials_for

pytestmark = pytest.mark.snmp
BACKENDS = ["fast", "pysnmp"]
SYS = ["1.3.6.1.2.1.1.5.0", "1.3.6.1.2.1.1.2.0", "1.3.6.1.2.1.1.3.0", "1.3.6.1.2.1.1.99.0"]
IF_NAME = "1.3.6.1.2.1.31.1.1.1.1"
IF_TABLE = "1.3.6.1.2.1.2.2"


def _sim(room: SimRoom, community: str, backend: str, **kw: object) -> SnmpSession:
    creds = SnmpCredentials("2c", community)
    return SnmpSession(room.host, room.port, creds, backend=backend, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize("backend", BACKENDS)
@run_async
async def test_backend_is_the_one_asked_for(sim_room: SimRoom, backend: str) -> None:
    s = _sim(sim_room, "ups-1", backend)
    s.close()
    assert s.backend == {"fast": "gufo", "pysnmp": "pysnmp"}[backend]


@pytest.mark.parametrize("backend", BACKENDS)
@run_async
async def test_get_scalars_types_and_missing(sim_room: SimRoom, backend: str) -> None:
    s = _sim(sim_room, "ups-1", backend)
    try:
        got = await s.get(SYS)
    finally:
        s.close()
    assert got["1.3.6.1.2.1.1.5.0"] == b"ups-1"
    assert got["1.3.6.1.2.1.1.2.0"] == "1.3.6.1.4.1.318.1.3.27"
    assert isinstance(got["1.3.6.1.2.1.1.3.0"], int)
    assert got["1.3.6.1.2.1.1.99.0"] is None
    assert list(got) == SYS


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("reps", [1, 7, 25, 60])
@run_async
async def test_bulk_walk_any_max_repetitions(sim_room: SimRoom, backend: str, reps: int) -> None:
    s = _sim(sim_room, "switch-1", backend)
    try:
        names = await s.walk(IF_NAME, max_repetitions=reps)
        table = await s.walk(IF_TABLE, max_repetitions=reps)
    finally:
        s.close()
    assert len(names) == 24
    assert names[f"{IF_NAME}.24"] == b"GigabitEthernet1/0/24"
    assert all(k.startswith(IF_NAME + ".") for k in names)
    assert len(table) % 24 == 0 and len(table) >= 24 * 10
    assert isinstance(table[f"{IF_TABLE}.1.10.24"], int)  # ifInOctets


@pytest.mark.parametrize("backend", BACKENDS)
@run_async
async def test_getnext_walk_equals_bulk_walk(sim_room: SimRoom, backend: str) -> None:
    bulk = _sim(sim_room, "switch-1", backend)
    slow = _sim(sim_room, "switch-1", backend, bulk=False)
    try:
        a = await bulk.walk(IF_NAME)
        b = await slow.walk(IF_NAME)
    finally:
        bulk.close()
        slow.close()
    assert a == b and len(a) == 24


@pytest.mark.parametrize("backend", BACKENDS)
@run_async
async def test_walk_past_the_end_is_empty(sim_room: SimRoom, backend: str) -> None:
    s = _sim(sim_room, "env-1", backend)
    try:
        assert await s.walk("1.3.6.1.4.1.99999") == {}
    finally:
        s.close()


@pytest.mark.parametrize("backend", BACKENDS)
@run_async
async def test_table_cap_keeps_the_rows_and_says_why(sim_room: SimRoom, backend: str) -> None:
    s = _sim(sim_room, "switch-1", backend, max_rows=10)
    try:
        with pytest.raises(SnmpTableTooBig) as info:
            await s.walk(IF_NAME)
    finally:
        s.close()
    assert info.value.kind == "table_too_big"
    assert len(info.value.partial) == 10  # type: ignore[attr-defined]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("version", ["1", "2c"])
@run_async
async def test_v1_and_v2c_on_net_snmp(snmpd: Snmpd, backend: str, version: str) -> None:
    s = SnmpSession(snmpd.host, snmpd.port, SnmpCredentials(version, "public"), backend=backend)
    try:
        got = await s.get(["1.3.6.1.2.1.1.5.0", "1.3.6.1.2.1.1.99.0", "1.3.6.1.2.1.1.6.0"])
        system = await s.walk("1.3.6.1.2.1.1")
    finally:
        s.close()
    assert got == {"1.3.6.1.2.1.1.5.0": b"roomwatch-snmpd", "1.3.6.1.2.1.1.99.0": None,
                   "1.3.6.1.2.1.1.6.0": b"test bench"}  # fmt: skip
    assert system["1.3.6.1.2.1.1.5.0"] == b"roomwatch-snmpd" and len(system) >= 7


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("user", sorted(USERS))
@run_async
async def test_v3_every_security_level_and_protocol(snmpd: Snmpd, backend: str, user: str) -> None:
    s = SnmpSession(snmpd.host, snmpd.port, credentials_for(user), backend=backend, timeout=1)
    try:
        got = await s.get(["1.3.6.1.2.1.1.5.0"])
        system = await s.walk("1.3.6.1.2.1.1", max_repetitions=3)
    finally:
        s.close()
    assert got["1.3.6.1.2.1.1.5.0"] == b"roomwatch-snmpd"
    assert system["1.3.6.1.2.1.1.6.0"] == b"test bench"


@run_async
async def test_response_too_large_lowers_max_repetitions(snmpd: Snmpd) -> None:
    # 400 rows of mib-2 do not fit the largest datagram gufo reads: split, same rows
    s = SnmpSession(snmpd.host, snmpd.port, SnmpCredentials("2c", "public"), backend="fast")
    ref = SnmpSession(snmpd.host, snmpd.port, SnmpCredentials("2c", "public"), backend="pysnmp")
    try:
        got = await s.walk("1.3.6.1.2.1", max_repetitions=400)
        want = await ref.walk("1.3.6.1.2.1", max_repetitions=40)
    finally:
        s.close()
        ref.close()
    assert set(got) == set(want) and len(got) > 400
    assert any("lowered" in n for n in s.notes)


@run_async
async def test_set_goes_through_pysnmp(sim_room: SimRoom) -> None:
    s = _sim(sim_room, "switch-1", "fast")
    oid = "1.3.6.1.2.1.2.2.1.8.24"
    try:
        assert await s.set(oid, 2) == 2
        assert (await s.get([oid]))[oid] == 2
        await s.set(oid, 1)
        assert (await s.get([oid]))[oid] == 1
    finally:
        s.close()
