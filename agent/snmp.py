"""The one SNMP adapter: a typed asyncio session per device, v1 / v2c / v3.

Two backends sit behind it: gufo_snmp's Rust core (``agent.snmp_fast``) for GET, GETNEXT
and GETBULK on the hot path, and pysnmp 7 (``agent.snmp_pysnmp``) for SET, strict GETs,
credentials gufo lacks (contexts, 3DES) and the diagnosis of failures. The session does
what both need the same way: chunked GETs, tooBig handled by splitting, GETBULK walks
with per-device max-repetitions, a GETNEXT fallback for agents that mishandle bulk, a
guard against agents that loop, and a cap on table size.

Values come back as plain python: ``int`` (INTEGER, Counter32/64, Gauge32, TimeTicks),
``bytes`` (OCTET STRING, Opaque), ``str`` (OBJECT IDENTIFIER, IpAddress) and ``None``
(noSuchObject, noSuchInstance, endOfMibView). Failures raise the kinds of
``agent.snmp_errors`` (re-exported here).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from pysnmp.carrier.error import CarrierError
from pysnmp.hlapi.v3arch.asyncio import SnmpEngine

from agent import snmp_fast
from agent.snmp_columns import ColumnsWalk
from agent.snmp_diagnose import diagnose
from agent.snmp_errors import (
    SnmpAgentError,
    SnmpAuthFailure,
    SnmpBadResponse,
    SnmpConfigError,
    SnmpError,
    SnmpNoSuchInstance,
    SnmpNoSuchObject,
    SnmpTimeout,
)
from agent.snmp_pysnmp import PysnmpBackend, SnmpTooBig, to_snmp
from agent.snmp_walk import (
    DEFAULT_MAX_ROWS,
    Missing,
    Raw,
    Value,
    VarBind,
    WalkState,
    normalize_oid,
)
from core.types import SnmpCredentials

__all__ = ["SnmpError", "SnmpSession", "SnmpTimeout", "Value", "new_engine"]

_log = logging.getLogger(__name__)
MAX_GET_OIDS = 40  # stay well under common agents' varbind and PDU size limits
# varbinds a GETBULK of several columns asks for: about 3.5 KB of interface counters, the
# size of the largest single-column answer (max-repetitions 128); tooBig lowers it
MAX_BULK_VARBINDS = 128
_NO_SUCH_NAME = 2
BACKENDS = ("auto", "fast", "pysnmp")


class SnmpSession:
    """One device's SNMP endpoint. Share ``engine`` (pysnmp's) between sessions."""

    def __init__(
        self,
        address: str,
        port: int = 161,
        credentials: SnmpCredentials | None = None,
        timeout: float = 2.0,
        retries: int = 1,
        engine: SnmpEngine | None = None,
        backend: str = "auto",
        max_repetitions: int = 25,
        max_rows: int = DEFAULT_MAX_ROWS,
        bulk: bool = True,
    ) -> None:
        self.address = address
        self.port = port
        self.where = f"{address}:{port}"
        self.credentials = credentials or SnmpCredentials()
        self.timeout = timeout
        self.retries = retries
        self.max_repetitions = max(1, max_repetitions)
        self.max_rows = max_rows
        self.bulk = bulk and self.credentials.version != "1"
        self.columns = True  # several columns in one GETBULK, where the backend can
        self.max_varbinds = MAX_BULK_VARBINDS  # in one such answer; tooBig lowers it
        self.notes: list[str] = []  # what the session learnt (bulk off, smaller requests)
        if backend not in BACKENDS:
            raise SnmpConfigError(self.where, f"unknown backend {backend!r}: use {BACKENDS}")
        self._engine = engine
        self._slow: PysnmpBackend | None = None
        self._slow_owned_engine = engine is None
        if backend == "pysnmp" or (backend == "auto" and not snmp_fast.supports(self.credentials)):
            self._main: Any = self._pysnmp()
        else:
            self._pysnmp_check()
            self._main = snmp_fast.FastBackend(address, port, self.credentials, timeout, retries)
        self.backend = self._main.name

    def set_timeout(self, timeout: float) -> None:
        """A new request timeout for the next requests (the scheduler adapts it)."""
        if timeout == self.timeout:
            return
        self.timeout = timeout
        if self._main is not self._slow:
            self._main.set_timeout(timeout)
        if self._slow is not None:  # pysnmp keeps the timeout in its transport: a new one
            self._slow.timeout = timeout
            self._slow._transport = None

    def _pysnmp_check(self) -> None:
        from agent.snmp_pysnmp import auth_data

        auth_data(self.credentials, self.where)  # same config errors for every backend

    def _pysnmp(self) -> PysnmpBackend:
        if self._slow is None:
            self._slow = PysnmpBackend(
                self.address, self.port, self.credentials, self.timeout, self.retries,
                engine=self._engine,
            )  # fmt: skip
        return self._slow

    async def _diagnosed(self, exc: SnmpError) -> SnmpError:
        if isinstance(exc, SnmpTimeout) or (
            self._main.name == "gufo" and type(exc) in (SnmpError, SnmpAuthFailure)
        ):
            return await diagnose(self.address, self.port, self.credentials, self.timeout, exc)
        return exc

    # --- GET -------------------------------------------------------------------------------

    async def get(self, oids: list[str], strict: bool = False) -> dict[str, Value]:
        """GET the given instance OIDs (in chunks); absent ones map to ``None``, or raise
        SnmpNoSuchObject / SnmpNoSuchInstance when ``strict`` (pysnmp tells them apart)."""
        backend = self._pysnmp() if strict else self._main
        raw: dict[str, Raw] = {}
        try:
            for start in range(0, len(oids), MAX_GET_OIDS):
                await self._get_chunk(backend, oids[start : start + MAX_GET_OIDS], raw)
        except SnmpError as exc:
            raise await self._diagnosed(exc) from None
        out: dict[str, Value] = {}
        for oid in oids:
            value = raw.get(oid, Missing.NO_SUCH_OBJECT)
            if isinstance(value, Missing):
                if strict:
                    cls = (
                        SnmpNoSuchInstance
                        if value is Missing.NO_SUCH_INSTANCE
                        else SnmpNoSuchObject
                    )
                    raise cls(self.where, oid)
                value = None
            out[oid] = value
        return out

    async def _get_chunk(self, backend: Any, chunk: list[str], out: dict[str, Raw]) -> None:
        try:
            got = await backend.get(chunk)
        except SnmpTooBig:
            if len(chunk) == 1:
                raise SnmpAgentError(self.where, f"tooBig for the single OID {chunk[0]}") from None
            half = len(chunk) // 2
            self._note(f"GET split to {half} OIDs (tooBig)")
            await self._get_chunk(backend, chunk[:half], out)
            await self._get_chunk(backend, chunk[half:], out)
            return
        except SnmpAgentError as exc:
            if getattr(exc, "status", 0) == _NO_SUCH_NAME and self.credentials.version == "1":
                for oid in chunk:  # v1 answers noSuchName for the whole PDU: one by one
                    await self._get_one_v1(backend, oid, out)
                return
            raise
        out.update(got)
        if backend.name == "gufo" and self.credentials.version == "1" and len(got) < len(chunk):
            for oid in chunk:  # gufo drops the whole v1 PDU on noSuchName
                if oid not in got:
                    out.update(await backend.get_one(oid))

    async def _get_one_v1(self, backend: Any, oid: str, out: dict[str, Raw]) -> None:
        try:
            out.update(await backend.get([oid]))
        except SnmpAgentError as exc:
            if getattr(exc, "status", 0) != _NO_SUCH_NAME:
                raise
            out[oid] = Missing.NO_SUCH_OBJECT

    # --- walks -----------------------------------------------------------------------------

    async def walk(
        self, root_oid: str, max_repetitions: int | None = None, max_rows: int | None = None
    ) -> dict[str, Value]:
        """Every OID under ``root_oid``: GETBULK (v2c, v3), GETNEXT for v1 and for agents
        that mishandle bulk. Raises SnmpLoop / SnmpTableTooBig with ``partial`` rows."""
        state = WalkState(root_oid, max_rows or self.max_rows, self.where)
        reps = max(1, max_repetitions or self.max_repetitions)
        try:
            while not state.done:
                batch, reps = await self._next_batch(state, reps)
                state.feed(batch)
        except SnmpError as exc:
            raise await self._diagnosed(exc) from None
        finally:
            if self._main.name == "gufo":
                self._main.end_walk(state.root)
        if state.error is not None:
            state.error.partial = state.rows  # type: ignore[attr-defined]
            raise state.error
        return state.rows

    async def walk_columns(
        self, roots: list[str], max_repetitions: int | None = None, max_rows: int | None = None
    ) -> dict[str, dict[str, Value]]:
        """Every row of each column in ``roots``: index (the OID after the column) -> value.
        v2c over the fast backend asks for all open columns in one GETBULK a round trip;
        otherwise (v1, v3, pysnmp, bulk off, an agent that refuses it) column by column as
        :meth:`walk`. Raises SnmpLoop / SnmpTableTooBig with ``partial`` rows."""
        reps = max(1, max_repetitions or self.max_repetitions)
        limit = max_rows or self.max_rows
        if not (self.columns and self.bulk and getattr(self._main, "columns", False)):
            return await self._column_by_column(roots, reps, limit)
        state = ColumnsWalk(roots, limit, self.where)
        try:
            while not state.done:
                budget = self.max_varbinds
                oids = state.request_oids(budget)
                each = max(1, min(reps, budget // len(oids)))
                try:
                    state.feed(*await self._main.bulk_columns(oids, each))
                except SnmpTooBig:
                    if each * len(oids) == 1:
                        raise SnmpAgentError(self.where, "tooBig for a single varbind") from None
                    self.max_varbinds = max(1, each * len(oids) // 2)
                    self._note(f"GETBULK of several columns lowered to {self.max_varbinds} "
                               "varbinds (tooBig)")  # fmt: skip
                except (SnmpTimeout, SnmpAgentError, SnmpBadResponse) as exc:
                    if any(col.rows for col in state.columns.values()):
                        raise
                    # an agent that drops or refuses a GETBULK of several columns: one a
                    # request from now on (walk() then finds out about bulk itself)
                    self.columns = False
                    self._note(f"GETBULK of several columns failed ({exc.kind}): one column "
                               "a request")  # fmt: skip
                    return await self._column_by_column(roots, reps, limit)
        except SnmpError as exc:
            raise await self._diagnosed(exc) from None
        return state.result()

    async def _column_by_column(
        self, roots: list[str], reps: int, max_rows: int
    ) -> dict[str, dict[str, Value]]:
        out: dict[str, dict[str, Value]] = {}
        for root in roots:
            cut = len(normalize_oid(root)) + 1
            rows = await self.walk(root, reps, max_rows)
            out[root] = {oid[cut:]: value for oid, value in rows.items()}
        return out

    async def _next_batch(self, state: WalkState, reps: int) -> tuple[list[VarBind], int]:
        backend = self._main
        if not self.bulk:
            return await self._getnext(backend, state), reps
        try:
            if backend.name == "gufo":
                batch = await backend.bulk_walk(state.root, state.next_oid, reps)
            else:
                batch = await backend.bulk(state.next_oid, reps)
            return batch, reps
        except SnmpTooBig:
            if reps == 1:
                return await self._bulk_broken(state, "tooBig at max-repetitions 1"), reps
            smaller = max(1, reps // 2)
            self.max_repetitions = min(self.max_repetitions, smaller)
            self._note(f"max-repetitions lowered to {smaller} (tooBig)")
            if backend.name == "gufo":  # gufo's walk restarts from the root
                state.restart()
            return await self._next_batch(state, smaller)
        except (SnmpAgentError, SnmpBadResponse) as exc:
            return await self._bulk_broken(state, f"GETBULK failed ({exc.detail})"), reps
        except SnmpTimeout:
            if state.rows or state.next_oid != state.root:
                raise
            batch = await self._getnext(backend, state)  # some agents drop GETBULK silently
            self.bulk = False
            self._note("GETBULK unanswered, GETNEXT answers: bulk off")
            return batch, reps

    async def _bulk_broken(self, state: WalkState, why: str) -> list[VarBind]:
        self.bulk = False
        self._note(f"{why}: falling back to GETNEXT")
        if self._main.name == "gufo":
            state.restart()
        return await self._getnext(self._main, state)

    async def _getnext(self, backend: Any, state: WalkState) -> list[VarBind]:
        if backend.name == "gufo":
            return await backend.next_walk(state.root, state.next_oid)  # type: ignore[no-any-return]
        return await backend.next(state.next_oid)  # type: ignore[no-any-return]

    def _note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)
            _log.info("%s: %s", self.where, text)

    # --- SET and lifecycle -----------------------------------------------------------------

    async def set(self, oid: str, value: int | str | bytes, kind: str = "integer") -> Value:
        """SET one OID (always pysnmp); returns the value the agent echoes back."""
        try:
            got = await self._pysnmp().set(oid, to_snmp(value, kind))
        except SnmpError as exc:
            raise await self._diagnosed(exc) from None
        return None if isinstance(got, Missing) else got

    def close(self) -> None:
        """Release sockets (pysnmp's engine only when this session created it)."""
        if self._main is not self._slow:
            self._main.close()
        if self._slow is not None:
            self._slow.close()


def new_engine() -> SnmpEngine:
    """A pysnmp engine to share between the sessions of one poller."""
    return SnmpEngine()


def quiet_late_datagrams(loop: asyncio.AbstractEventLoop) -> None:
    """Install a loop exception handler that drops pysnmp's complaint about a reply arriving
    on a transport already closed (a late answer while the agent stops): it is not an error,
    and must not print a traceback on a clean shutdown. Everything else goes to the default."""

    def handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        exc = context.get("exception")
        if isinstance(exc, CarrierError) and "Unregistered transport" in str(exc):
            _log.debug("late SNMP datagram after close ignored: %s", exc)
            return
        loop.default_exception_handler(context)

    loop.set_exception_handler(handler)
