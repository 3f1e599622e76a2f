"""A raw UDP "agent" on loopback that answers with broken replies: garbage, truncated or
bit-flipped responses, and echoes that loop (same OID back). Through both backends a
session must end with an SnmpError kind (or a clean answer) within its deadline: never
another exception, never a hang."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agent.snmp import SnmpSession
from agent.snmp_errors import SnmpError, SnmpLoop
from core.types import SnmpCredentials
from tests.fixtures.udp import Responder as UdpResponder

pytestmark = pytest.mark.snmp
BACKENDS = ["fast", "pysnmp"]
Mutator = Callable[[bytes], list[bytes]]


def as_response(request: bytes) -> bytes:
    """The request with its PDU tag turned into Response (0xa2): a well-formed reply with the
    same request id, the same OIDs and NULL values (for GETBULK: the same OID again)."""
    data = bytearray(request)
    for i, byte in enumerate(data):
        if byte in (0xA0, 0xA1, 0xA5) and i > 6:  # GetRequest, GetNext, GetBulk
            data[i] = 0xA2
            if byte == 0xA5:  # non-repeaters/max-repetitions sit where the error fields go
                _zero_error_fields(data, i)
            break
    return bytes(data)


def _zero_error_fields(data: bytearray, pdu_at: int) -> None:
    at = pdu_at + 2 if data[pdu_at + 1] < 0x80 else pdu_at + 2 + (data[pdu_at + 1] & 0x7F)
    for _ in range(3):  # request-id, then error-status and error-index
        if at + 2 > len(data) or data[at] != 0x02:
            return
        length = data[at + 1]
        if _ > 0:
            data[at + 2 : at + 2 + length] = bytes(length)
        at += 2 + length


class Responder(UdpResponder):
    """The raw agent whose replies the tests change: ``mutate`` (a well-formed echo first)."""

    def __init__(self) -> None:
        self.mutate: Mutator = lambda req: [as_response(req)]
        super().__init__(lambda req: self.mutate(req))


@pytest.fixture(scope="module")
def responder() -> Iterator[Responder]:
    r = Responder()
    yield r
    r.close()


async def _exercise(port: int, backend: str, walk: bool | str) -> None:
    s = SnmpSession("127.0.0.1", port, SnmpCredentials("2c", "public"), timeout=0.15,
                    retries=0, backend=backend, max_rows=50)  # fmt: skip
    try:
        if walk == "columns":  # several columns in one GETBULK: our own BER decoder
            await s.walk_columns(["1.3.6.1.2.1.2.2.1.2", "1.3.6.1.2.1.2.2.1.8"], 5)
        elif walk:
            await s.walk("1.3.6.1.2.1.2.2.1.2", max_repetitions=5)
        else:
            await s.get(["1.3.6.1.2.1.1.5.0", "1.3.6.1.2.1.1.3.0"])
    except SnmpError as exc:
        assert exc.kind and "\n" not in str(exc)
    finally:
        s.close()


def _run_bounded(port: int, backend: str, walk: bool | str) -> None:
    started = time.monotonic()
    asyncio.run(asyncio.wait_for(_exercise(port, backend, walk), 5))
    assert time.monotonic() - started < 5


def _tlv(tag: int, body: bytes) -> bytes:
    n = len(body)
    head = bytes([n]) if n < 0x80 else bytes([0x82, n >> 8, n & 0xFF])
    return bytes([tag]) + head + body


def _read_tlv(data: bytes, at: int) -> tuple[int, int, int]:
    """(tag, start of value, end of value) of the TLV at ``at``."""
    tag, first = data[at], data[at + 1]
    if first < 0x80:
        return tag, at + 2, at + 2 + first
    size = first & 0x7F
    length = int.from_bytes(data[at + 2 : at + 2 + size], "big")
    return tag, at + 2 + size, at + 2 + size + length


def _oid_bytes(oid: str) -> bytes:
    arcs = [int(a) for a in oid.split(".")]
    out = bytearray([arcs[0] * 40 + arcs[1]])
    for arc in arcs[2:]:
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        out += bytes(reversed(chunk))
    return bytes(out)


def stuck_reply(request: bytes, oid: str) -> bytes:
    """A well-formed v2c Response to ``request`` that always names ``oid`` (value 1)."""
    _, body, _ = _read_tlv(request, 0)
    _, v_start, v_end = _read_tlv(request, body)  # version
    _, c_start, c_end = _read_tlv(request, v_end)  # community
    _, p_start, _ = _read_tlv(request, c_end)  # the PDU
    _, r_start, r_end = _read_tlv(request, p_start)  # request-id
    varbind = _tlv(0x30, _tlv(0x06, _oid_bytes(oid)) + _tlv(0x02, b"\x01"))
    pdu = _tlv(0xA2, _tlv(0x02, request[r_start:r_end]) + _tlv(0x02, b"\x00")
               + _tlv(0x02, b"\x00") + _tlv(0x30, varbind))  # fmt: skip
    return _tlv(0x30, _tlv(0x02, request[v_start:v_end]) + _tlv(0x04, request[c_start:c_end]) + pdu)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("bulk", [True, False], ids=["getbulk", "getnext"])
def test_agent_stuck_on_one_oid_is_a_loop(responder: Responder, backend: str, bulk: bool) -> None:
    responder.mutate = lambda req: [stuck_reply(req, "1.3.6.1.2.1.2.2.1.2.7")]

    async def walk() -> None:
        s = SnmpSession("127.0.0.1", responder.port, SnmpCredentials("2c", "public"),
                        timeout=0.3, retries=0, backend=backend, bulk=bulk)  # fmt: skip
        try:
            with pytest.raises(SnmpLoop) as info:
                await s.walk("1.3.6.1.2.1.2.2.1.2")
        finally:
            s.close()
        assert info.value.partial == {"1.3.6.1.2.1.2.2.1.2.7": 1}  # type: ignore[attr-defined]

    asyncio.run(asyncio.wait_for(walk(), 5))


def test_agent_stuck_in_a_walk_of_several_columns_is_a_loop(responder: Responder) -> None:
    responder.mutate = lambda req: [stuck_reply(req, "1.3.6.1.2.1.2.2.1.2.7")]
    roots = ["1.3.6.1.2.1.2.2.1.2", "1.3.6.1.2.1.2.2.1.8"]

    async def walk() -> None:
        s = SnmpSession("127.0.0.1", responder.port, SnmpCredentials("2c", "public"),
                        timeout=0.3, retries=0)  # fmt: skip
        try:
            with pytest.raises(SnmpLoop) as info:
                await s.walk_columns(roots)
        finally:
            s.close()
        assert info.value.partial == {roots[0]: {"7": 1}, roots[1]: {}}  # type: ignore[attr-defined]
        assert "1.3.6.1.2.1.2.2.1.2.7 after 1.3.6.1.2.1.2.2.1.2.7" in str(info.value)

    asyncio.run(asyncio.wait_for(walk(), 5))


_mutation = st.one_of(
    st.binary(max_size=64).map(lambda junk: lambda req: [junk]),
    st.integers(0, 80).map(lambda n: lambda req: [as_response(req)[:n]]),
    st.tuples(st.integers(0, 80), st.integers(0, 255)).map(
        lambda p: lambda req: [_flip(as_response(req), *p)]
    ),
    st.binary(min_size=1, max_size=16).map(lambda tail: lambda req: [as_response(req) + tail]),
    st.just(lambda req: [b"\x30\x82\xff\xff" + as_response(req)]),  # length lies
    st.just(lambda req: [as_response(req)] * 3),  # duplicates
)


def _flip(data: bytes, at: int, value: int) -> bytes:
    if not data:
        return data
    buf = bytearray(data)
    buf[at % len(buf)] = value
    return bytes(buf)


@pytest.mark.parametrize("walk", [False, True, "columns"], ids=["get", "walk", "columns"])
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(mutate=_mutation)
def test_broken_replies_end_as_errors_fast(
    responder: Responder, walk: bool | str, mutate: Mutator
) -> None:
    responder.mutate = mutate
    _run_bounded(responder.port, "fast", walk)


# pysnmp waits out its timer on what it drops (~0.5 s a case): fewer cases, same strategy
@pytest.mark.parametrize("walk", [False, True], ids=["get", "walk"])
@settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(mutate=_mutation)
def test_broken_replies_end_as_errors_pysnmp(
    responder: Responder, walk: bool, mutate: Mutator
) -> None:
    responder.mutate = mutate
    _run_bounded(responder.port, "pysnmp", walk)
