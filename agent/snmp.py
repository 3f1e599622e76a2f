"""A typed asyncio SNMP session over pysnmp 7; all pysnmp names stay in this module.

Values come back as plain python: ``int`` (INTEGER, Counter32/64, Gauge32, TimeTicks),
``bytes`` (OCTET STRING, Opaque), ``str`` (OBJECT IDENTIFIER, IpAddress) and ``None``
(noSuchObject, noSuchInstance, endOfMibView).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from pyasn1.type import univ
from pysnmp.carrier.error import CarrierError
from pysnmp.hlapi.v3arch.asyncio import (
    CommunityData,
    ContextData,
    ObjectIdentity,
    ObjectType,
    SnmpEngine,
    UdpTransportTarget,
    bulk_cmd,
    get_cmd,
    next_cmd,
    set_cmd,
)
from pysnmp.proto import errind, rfc1902, rfc1905

from core.types import SnmpCredentials

_log = logging.getLogger(__name__)

Value = int | str | bytes | None
MAX_GET_OIDS = 40  # stay well under common agents' varbind and PDU size limits


class SnmpError(Exception):
    """The agent answered with an error, or the request could not be made."""


class SnmpTimeout(SnmpError):
    """No answer within timeout x (retries + 1)."""


def _to_python(value: Any) -> Value:
    if isinstance(value, rfc1905.NoSuchObject | rfc1905.NoSuchInstance | rfc1905.EndOfMibView):
        return None
    if isinstance(value, univ.Null):
        return None
    if isinstance(value, rfc1902.IpAddress):
        return ".".join(str(b) for b in value.asNumbers())
    if isinstance(value, univ.ObjectIdentifier):
        return str(value)
    if isinstance(value, univ.OctetString):
        return bytes(value.asOctets())
    if isinstance(value, univ.Integer):
        return int(value)
    return str(value.prettyPrint())


def _to_snmp(value: int | str | bytes, like: str) -> Any:
    """A python value as the SNMP type named by ``like`` (integer, gauge, string, oid...)."""
    kinds: dict[str, Any] = {
        "integer": rfc1902.Integer32,
        "gauge": rfc1902.Gauge32,
        "counter": rfc1902.Counter32,
        "timeticks": rfc1902.TimeTicks,
        "string": rfc1902.OctetString,
        "oid": univ.ObjectIdentifier,
    }
    try:
        return kinds[like](value)
    except KeyError:
        raise SnmpError(f"unknown SNMP type {like!r}: use one of {', '.join(kinds)}") from None


class SnmpSession:
    """One device's SNMP endpoint (v1 / v2c). Share ``engine`` between sessions."""

    def __init__(
        self,
        address: str,
        port: int = 161,
        credentials: SnmpCredentials | None = None,
        timeout: float = 2.0,
        retries: int = 1,
        engine: SnmpEngine | None = None,
    ) -> None:
        self.address = address
        self.port = port
        self.credentials = credentials or SnmpCredentials()
        self.timeout = timeout
        self.retries = retries
        self._owns_engine = engine is None
        self._engine = engine or SnmpEngine()
        self._transport: UdpTransportTarget | None = None
        if self.credentials.version not in ("1", "2c"):
            raise SnmpError(
                f"SNMP version {self.credentials.version!r} not supported: use '1' or '2c'"
            )
        self._auth = CommunityData(
            self.credentials.community, mpModel=0 if self.credentials.version == "1" else 1
        )

    async def _target(self) -> UdpTransportTarget:
        if self._transport is None:
            try:
                self._transport = await UdpTransportTarget.create(
                    (self.address, self.port), timeout=self.timeout, retries=self.retries
                )
            except Exception as exc:  # pysnmp raises PySnmpError for unresolvable names
                raise SnmpError(f"{self.address}:{self.port}: {exc}") from None
        return self._transport

    def _check(
        self, error_indication: Any, error_status: Any, error_index: Any, var_binds: Any
    ) -> None:
        where = f"{self.address}:{self.port}"
        if error_indication:
            if isinstance(error_indication, errind.RequestTimedOut):
                raise SnmpTimeout(f"{where}: no answer within {self.timeout}s x {self.retries + 1}")
            raise SnmpError(f"{where}: {error_indication}")
        if error_status and int(error_status):
            idx = int(error_index or 0)
            oid = str(var_binds[idx - 1][0]) if 0 < idx <= len(var_binds) else "?"
            raise SnmpError(f"{where}: {error_status.prettyPrint()} at {oid}")

    async def get(self, oids: list[str]) -> dict[str, Value]:
        """GET the given instance OIDs (in chunks); absent ones map to ``None``."""
        out: dict[str, Value] = {}
        target = await self._target()
        for start in range(0, len(oids), MAX_GET_OIDS):
            chunk = oids[start : start + MAX_GET_OIDS]
            err_ind, err_stat, err_idx, var_binds = await get_cmd(
                self._engine,
                self._auth,
                target,
                ContextData(),
                *[ObjectType(ObjectIdentity(o)) for o in chunk],
                lookupMib=False,
            )
            if not err_ind and err_stat and int(err_stat) == 2 and self.credentials.version == "1":
                # v1 answers noSuchName for the whole PDU: ask one by one
                for oid in chunk:
                    out.update(await self._get_one_v1(oid))
                continue
            self._check(err_ind, err_stat, err_idx, var_binds)
            for name, value in var_binds:
                out[str(name)] = _to_python(value)
        return out

    async def _get_one_v1(self, oid: str) -> dict[str, Value]:
        target = await self._target()
        err_ind, err_stat, err_idx, var_binds = await get_cmd(
            self._engine,
            self._auth,
            target,
            ContextData(),
            ObjectType(ObjectIdentity(oid)),
            lookupMib=False,
        )
        if not err_ind and err_stat and int(err_stat) == 2:
            return {oid: None}
        self._check(err_ind, err_stat, err_idx, var_binds)
        return {str(n): _to_python(v) for n, v in var_binds}

    async def walk(
        self, root_oid: str, max_repetitions: int = 25, max_rows: int = 100_000
    ) -> dict[str, Value]:
        """Every OID under ``root_oid``: GETBULK for v2c, GETNEXT for v1."""
        root = root_oid.strip(".")
        prefix = root + "."
        out: dict[str, Value] = {}
        target = await self._target()
        current = root
        while len(out) < max_rows:
            if self.credentials.version == "1":
                err_ind, err_stat, err_idx, var_binds = await next_cmd(
                    self._engine,
                    self._auth,
                    target,
                    ContextData(),
                    ObjectType(ObjectIdentity(current)),
                    lookupMib=False,
                )
                if not err_ind and err_stat and int(err_stat) == 2:  # v1 end of MIB
                    break
            else:
                err_ind, err_stat, err_idx, var_binds = await bulk_cmd(
                    self._engine,
                    self._auth,
                    target,
                    ContextData(),
                    0,
                    max_repetitions,
                    ObjectType(ObjectIdentity(current)),
                    lookupMib=False,
                )
            self._check(err_ind, err_stat, err_idx, var_binds)
            if not var_binds:
                break
            last = current
            for name, value in var_binds:
                oid = str(name)
                if not oid.startswith(prefix) or isinstance(value, rfc1905.EndOfMibView):
                    return out
                if _oid_key(oid) <= _oid_key(last):  # agent went backwards: stop, no loop
                    return out
                out[oid] = _to_python(value)
                last = oid
            current = last
        return out

    async def set(self, oid: str, value: int | str | bytes, kind: str = "integer") -> Value:
        """SET one OID; returns the value the agent echoes back."""
        target = await self._target()
        err_ind, err_stat, err_idx, var_binds = await set_cmd(
            self._engine,
            self._auth,
            target,
            ContextData(),
            ObjectType(ObjectIdentity(oid), _to_snmp(value, kind)),
            lookupMib=False,
        )
        self._check(err_ind, err_stat, err_idx, var_binds)
        return _to_python(var_binds[0][1]) if var_binds else None

    def close(self) -> None:
        """Release the engine's sockets (only when this session created its engine)."""
        if self._owns_engine:
            self._engine.close_dispatcher()


def new_engine() -> SnmpEngine:
    """An engine to share between the sessions of one poller."""
    return SnmpEngine()


def _oid_key(oid: str) -> tuple[int, ...]:
    return tuple(int(x) for x in oid.split("."))


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
