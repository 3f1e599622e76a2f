"""SnmpSession.walk_columns against real agents (snmpsim serving the project's recordings,
net-snmp snmpd): several columns in one GETBULK give exactly the rows of walking each column
on its own, through our BER decoder; v1, v3 and pysnmp go column by column; an agent that
answers tooBig gets smaller requests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pyasn1.codec.ber import decoder, encoder
from pysnmp.proto import api, rfc1902

from agent.simroom import SimRoom
from agent.snmp import SnmpSession
from agent.snmp_errors import SnmpAgentError
from agent.snmp_pysnmp import SnmpTooBig
from core.types import SnmpCredentials
from tests.fixtures.aio import run_async
from tests.fixtures.snmpd import Snmpd, credentials_for
from tests.fixtures.udp import Responder

pytestmark = pytest.mark.snmp
IF_COLUMNS = [f"1.3.6.1.2.1.2.2.1.{c}" for c in (1, 2, 3, 5, 7, 8, 10, 14, 16, 20)]
IFX_COLUMNS = [f"1.3.6.1.2.1.31.1.1.1.{c}" for c in (1, 6, 10, 15, 18)]
STEADY = [f"1.3.6.1.2.1.2.2.1.{c}" for c in (1, 2, 3, 5, 7, 8)] + [
    f"1.3.6.1.2.1.31.1.1.1.{c}" for c in (1, 15, 18)
]
HR_STORAGE = [f"1.3.6.1.2.1.25.2.3.1.{c}" for c in (2, 3, 4, 5, 6)]


async def one_by_one(session: SnmpSession, roots: list[str]) -> dict[str, dict[str, object]]:
    out: dict[str, dict[str, object]] = {}
    for root in roots:
        rows = await session.walk(root)
        out[root] = {oid[len(root) + 1 :]: value for oid, value in rows.items()}
    return out


@pytest.mark.parametrize("reps", [1, 5, 25, 128])
@run_async
async def test_switch_columns_together_equal_each_column_walked(
    sim_room: SimRoom, reps: int
) -> None:
    s = SnmpSession(sim_room.host, sim_room.port, SnmpCredentials("2c", "switch-1"))
    sent: list[int] = []
    backend = s._main
    real = backend.bulk_columns

    async def counting(oids: list[bytes], each: int) -> object:
        sent.append(len(oids))
        return await real(oids, each)

    backend.bulk_columns = counting
    try:
        roots = IF_COLUMNS + IFX_COLUMNS + ["1.3.6.1.2.1.2.2.1.99"]  # and a column nobody has
        together = await s.walk_columns(roots, reps)
        apart = await one_by_one(s, roots)
    finally:
        s.close()
    assert {r: set(rows) for r, rows in together.items()} == {
        r: set(rows) for r, rows in apart.items()
    }
    for root in STEADY:  # the recording's counters move between the two walks
        assert together[root] == apart[root]
    for root in set(roots) - set(STEADY):
        assert all(apart[root][i] >= v for i, v in together[root].items())  # type: ignore[operator]
    assert len(together["1.3.6.1.2.1.31.1.1.1.1"]) == 24 and together[roots[-1]] == {}
    assert together["1.3.6.1.2.1.31.1.1.1.6"]["1"] > 0  # Counter64 as int
    assert sent and sent[0] == len(roots)  # every column in the first request
    assert s.notes == []


@run_async
async def test_net_snmp_tables_together_equal_each_column_walked(snmpd: Snmpd) -> None:
    s = SnmpSession(snmpd.host, snmpd.port, SnmpCredentials("2c", "public"))
    try:
        roots = IF_COLUMNS + HR_STORAGE
        together = await s.walk_columns(roots, 10)
        apart = await one_by_one(s, roots)
    finally:
        s.close()
    assert together == apart
    assert together["1.3.6.1.2.1.2.2.1.2"]  # at least lo
    assert together["1.3.6.1.2.1.25.2.3.1.3"]  # storage descriptions
    assert s.notes == []


@pytest.mark.parametrize("how", ["v1", "v3", "pysnmp"])
@run_async
async def test_where_one_getbulk_of_several_columns_is_not_spoken_it_goes_column_by_column(
    snmpd: Snmpd, how: str
) -> None:
    creds = {"v1": SnmpCredentials("1", "public"), "v3": credentials_for("privshaaes"),
             "pysnmp": SnmpCredentials("2c", "public")}[how]  # fmt: skip
    s = SnmpSession(snmpd.host, snmpd.port, creds, backend="pysnmp" if how == "pysnmp" else "auto")
    reference = SnmpSession(snmpd.host, snmpd.port, SnmpCredentials("2c", "public"))
    try:
        got = await s.walk_columns(HR_STORAGE, 10)
        want = await reference.walk_columns(HR_STORAGE, 10)
    finally:
        s.close()
        reference.close()
    assert got == want and got[HR_STORAGE[1]]


class SmallAgent(Responder):
    """A v2c agent on loopback with a tiny buffer: a GETBULK whose answer would hold more
    than ``limit`` varbinds gets tooBig (as some switches answer), others the rows of a
    3-column, 6-row table (pysnmp's own encoder)."""

    def __init__(self, limit: int, refuse_from: int | None = None) -> None:
        self.limit, self.asked = limit, []  # type: list[int]
        self.refuse_from = refuse_from  # from this request on, several columns get genErr
        self.view = sorted(
            ((tuple(int(x) for x in f"1.3.6.1.2.1.2.2.1.{c}.{i}".split(".")), c * 100 + i)
             for c in (2, 7, 8) for i in range(1, 7)),
        )  # fmt: skip
        self._v2c = api.v2c
        super().__init__(lambda req: [self._answer(req)])

    def _answer(self, request: bytes) -> bytes:
        v2c = self._v2c
        msg, _ = decoder.decode(request, asn1Spec=v2c.Message())
        pdu = v2c.apiMessage.get_pdu(msg)
        reps = int(v2c.apiBulkPDU.get_max_repetitions(pdu))
        starts = [tuple(oid) for oid, _ in v2c.apiBulkPDU.get_varbinds(pdu)]
        self.asked.append(reps * len(starts))
        out = v2c.apiMessage.get_response(msg)
        rpdu = v2c.apiMessage.get_pdu(out)
        refuse = self.refuse_from is not None and len(self.asked) > self.refuse_from
        if refuse and len(starts) > 1:
            v2c.apiPDU.set_error_status(rpdu, 5)  # genErr, as agents that take one OID say
            v2c.apiPDU.set_error_index(rpdu, 2)
            v2c.apiPDU.set_varbinds(rpdu, [(o, rfc1902.Null("")) for o in starts])
            return bytes(encoder.encode(out))
        if reps * len(starts) > self.limit:
            v2c.apiPDU.set_error_status(rpdu, 1)
            v2c.apiPDU.set_varbinds(rpdu, [(o, rfc1902.Null("")) for o in starts])
            return bytes(encoder.encode(out))
        binds: list[tuple[tuple[int, ...], object]] = []
        cursors = list(starts)
        for _ in range(reps):
            for j, at in enumerate(cursors):
                nxt = next(((o, v) for o, v in self.view if o > at), None)
                if nxt is None:
                    binds.append((at, v2c.EndOfMibView("")))
                else:
                    binds.append((nxt[0], rfc1902.Gauge32(nxt[1])))
                    cursors[j] = nxt[0]
        v2c.apiPDU.set_varbinds(rpdu, binds)
        return bytes(encoder.encode(out))


@pytest.fixture
def small_agent() -> Iterator[SmallAgent]:
    agent = SmallAgent(limit=8)
    yield agent
    agent.close()


@run_async
async def test_an_agent_answering_toobig_gets_smaller_getbulks(small_agent: SmallAgent) -> None:
    s = SnmpSession("127.0.0.1", small_agent.port, SnmpCredentials("2c", "public"), timeout=1)
    roots = [f"1.3.6.1.2.1.2.2.1.{c}" for c in (2, 7, 8)]
    try:
        got = await s.walk_columns(roots, 50)
    finally:
        s.close()
    assert got == {r: {str(i): int(r.rsplit(".", 1)[1]) * 100 + i for i in range(1, 7)}
                   for r in roots}  # fmt: skip
    assert small_agent.asked[0] > 8 and max(small_agent.asked[-3:]) <= 8
    assert s.max_varbinds <= 8
    assert any("tooBig" in note for note in s.notes)


ROOTS = [f"1.3.6.1.2.1.2.2.1.{c}" for c in (2, 7, 8)]
TABLE = {r: {str(i): int(r.rsplit(".", 1)[1]) * 100 + i for i in range(1, 7)} for r in ROOTS}


@run_async
async def test_an_agent_refusing_several_columns_at_once_is_walked_column_by_column() -> None:
    agent = SmallAgent(limit=1000, refuse_from=0)
    s = SnmpSession("127.0.0.1", agent.port, SnmpCredentials("2c", "public"), timeout=1)
    try:
        got = await s.walk_columns(ROOTS, 50)
    finally:
        s.close()
        agent.close()
    assert got == TABLE
    assert not s.columns
    assert "GETBULK of several columns failed (agent_error): one column a request" in s.notes


@run_async
async def test_an_error_status_midway_is_the_devices_error_by_its_rfc_name() -> None:
    agent = SmallAgent(limit=1000, refuse_from=1)  # the first answer has rows, then genErr
    s = SnmpSession("127.0.0.1", agent.port, SnmpCredentials("2c", "public"), timeout=1)
    try:
        with pytest.raises(SnmpAgentError, match=r"genErr at varbind 2 \(GETBULK\)") as caught:
            await s.walk_columns(ROOTS, 2)
    finally:
        s.close()
        agent.close()
    assert caught.value.status == 5  # type: ignore[attr-defined]
    assert not isinstance(caught.value, SnmpTooBig)
