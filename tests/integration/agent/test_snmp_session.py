from __future__ import annotations

import time

import pytest

from agent.simroom import SimRoom
from agent.snmp import SnmpError, SnmpSession, SnmpTimeout
from core.types import SnmpCredentials
from tests.fixtures.aio import run_async

pytestmark = pytest.mark.snmp


def session(room: SimRoom, community: str, **kw: float) -> SnmpSession:
    return SnmpSession(room.host, room.port, SnmpCredentials("2c", community), **kw)  # type: ignore[arg-type]


@run_async
async def test_get_scalars_and_missing(sim_room: SimRoom) -> None:
    s = session(sim_room, "ups-1")
    try:
        got = await s.get(
            ["1.3.6.1.2.1.1.5.0", "1.3.6.1.2.1.1.2.0", "1.3.6.1.2.1.1.3.0", "1.3.6.1.2.1.1.99.0"]
        )
    finally:
        s.close()
    assert got["1.3.6.1.2.1.1.5.0"] == b"ups-1"
    assert got["1.3.6.1.2.1.1.2.0"] == "1.3.6.1.4.1.318.1.3.27"
    assert isinstance(got["1.3.6.1.2.1.1.3.0"], int)
    assert got["1.3.6.1.2.1.1.99.0"] is None  # noSuchObject / noSuchInstance


@run_async
async def test_walk_column_stays_under_root(sim_room: SimRoom) -> None:
    s = session(sim_room, "switch-1")
    try:
        names = await s.walk("1.3.6.1.2.1.31.1.1.1.1", max_repetitions=7)  # several GETBULKs
        hc = await s.walk("1.3.6.1.2.1.31.1.1.1.6")
    finally:
        s.close()
    assert len(names) == 24
    assert names["1.3.6.1.2.1.31.1.1.1.1.24"] == b"GigabitEthernet1/0/24"
    assert all(k.startswith("1.3.6.1.2.1.31.1.1.1.1.") for k in names)
    assert isinstance(hc["1.3.6.1.2.1.31.1.1.1.6.24"], int)


@run_async
async def test_walk_past_the_end_is_empty(sim_room: SimRoom) -> None:
    s = session(sim_room, "env-1")
    try:
        assert await s.walk("1.3.6.1.4.1.99999") == {}
    finally:
        s.close()


@run_async
async def test_set_writecache(sim_room: SimRoom) -> None:
    s = session(sim_room, "switch-1")
    oid = "1.3.6.1.2.1.2.2.1.8.24"
    try:
        assert await s.set(oid, 2) == 2
        assert (await s.get([oid]))[oid] == 2
        await s.set(oid, 1)
        assert (await s.get([oid]))[oid] == 1
    finally:
        s.close()


@run_async
async def test_timeout_on_silent_port(silent_udp_port: int) -> None:
    s = SnmpSession("127.0.0.1", silent_udp_port, timeout=0.3, retries=1)
    started = time.monotonic()
    try:
        with pytest.raises(SnmpTimeout, match="no answer"):
            await s.get(["1.3.6.1.2.1.1.5.0"])
    finally:
        s.close()
    assert time.monotonic() - started < 3


def test_unsupported_version() -> None:
    with pytest.raises(SnmpError, match="not supported"):
        SnmpSession("127.0.0.1", 161, SnmpCredentials("4", "x"))
