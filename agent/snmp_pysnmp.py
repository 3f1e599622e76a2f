"""The pysnmp 7 backend: v1, v2c and v3 (every USM protocol pysnmp has), GET, GETNEXT,
GETBULK and SET, with pysnmp's error indications turned into the kinds of
``agent.snmp_errors``. All pysnmp names stay in this module (and ``agent.snmp``)."""

from __future__ import annotations

from typing import Any

import pysnmp.hlapi.v3arch.asyncio as _auth
from pyasn1.type import univ
from pysnmp.hlapi.v3arch.asyncio import (
    CommunityData,
    ContextData,
    ObjectIdentity,
    ObjectType,
    SnmpEngine,
    UdpTransportTarget,
    UsmUserData,
    bulk_cmd,
    get_cmd,
    next_cmd,
    set_cmd,
)
from pysnmp.proto import errind, rfc1902, rfc1905

from agent.snmp_errors import (
    SnmpAgentError,
    SnmpAuthFailure,
    SnmpBadResponse,
    SnmpConfigError,
    SnmpError,
    SnmpNotInTimeWindow,
    SnmpPrivacyFailure,
    SnmpSecurityLevel,
    SnmpTimeout,
    SnmpUnknownUser,
)
from agent.snmp_walk import Missing, Raw, VarBind
from core.types import SnmpCredentials

AUTH_PROTOCOLS: dict[str, Any] = {
    "MD5": _auth.usmHMACMD5AuthProtocol,
    "SHA": _auth.usmHMACSHAAuthProtocol,
    "SHA224": _auth.usmHMAC128SHA224AuthProtocol,
    "SHA256": _auth.usmHMAC192SHA256AuthProtocol,
    "SHA384": _auth.usmHMAC256SHA384AuthProtocol,
    "SHA512": _auth.usmHMAC384SHA512AuthProtocol,
}
PRIV_PROTOCOLS: dict[str, Any] = {
    "DES": _auth.usmDESPrivProtocol,
    "3DES": _auth.usm3DESEDEPrivProtocol,
    "AES": _auth.usmAesCfb128Protocol,
    "AES128": _auth.usmAesCfb128Protocol,
    "AES192": _auth.usmAesCfb192Protocol,
    "AES256": _auth.usmAesCfb256Protocol,
    "AES192C": _auth.usmAesBlumenthalCfb192Protocol,  # Cisco-style key extension
    "AES256C": _auth.usmAesBlumenthalCfb256Protocol,
}
_ALIASES = {"SHA1": "SHA", "SHA-1": "SHA", "AES-128": "AES", "AES-192": "AES192",
            "AES-256": "AES256", "SHA-224": "SHA224", "SHA-256": "SHA256",
            "SHA-384": "SHA384", "SHA-512": "SHA512"}  # fmt: skip
_TOO_BIG = 1
_NO_SUCH_NAME = 2


class SnmpTooBig(SnmpAgentError):
    """tooBig: the response would not fit; the caller splits the request."""

    kind = "too_big"


def status_error(where: str, status: int, at: str) -> SnmpAgentError:
    """An agent's error-status as the error to raise, "<name> at <at>" with the name RFC 3416
    gives it (the number where it gives none); SnmpTooBig for tooBig. Both backends use it."""
    cls = SnmpTooBig if status == _TOO_BIG else SnmpAgentError
    err = cls(where, f"{rfc1905.errorStatus.clone(status).prettyPrint()} at {at}")
    err.status = status  # type: ignore[attr-defined]
    return err


def protocol_name(name: str) -> str:
    """A protocol name as the key of AUTH_PROTOCOLS / PRIV_PROTOCOLS ("sha-256" -> "SHA256")."""
    up = name.strip().upper()
    return _ALIASES.get(up, up)


def security_level(creds: SnmpCredentials) -> str:
    if not creds.auth_key:
        return "noAuthNoPriv"
    return "authPriv" if creds.priv_key else "authNoPriv"


def auth_data(creds: SnmpCredentials, where: str) -> Any:
    """pysnmp's CommunityData / UsmUserData for the credentials; precise config errors."""
    if creds.version in ("1", "2c"):
        return CommunityData(creds.community, mpModel=0 if creds.version == "1" else 1)
    if creds.version != "3":
        raise SnmpConfigError(
            where, f"SNMP version {creds.version!r} not supported: use 1, 2c or 3"
        )
    if not creds.user:
        raise SnmpConfigError(where, "SNMPv3 needs a user name (--user)")
    kw: dict[str, Any] = {}
    if creds.auth_key:
        auth = protocol_name(creds.auth_protocol or "SHA")
        if auth not in AUTH_PROTOCOLS:
            raise SnmpConfigError(
                where,
                f"unknown auth protocol {creds.auth_protocol!r}: use {', '.join(AUTH_PROTOCOLS)}",
            )
        if len(creds.auth_key) < 8:
            raise SnmpConfigError(where, "the auth key must have at least 8 characters")
        kw.update(authKey=creds.auth_key, authProtocol=AUTH_PROTOCOLS[auth])
    elif creds.priv_key:
        raise SnmpConfigError(where, "a privacy key needs an auth key too (authPriv)")
    if creds.priv_key:
        priv = protocol_name(creds.priv_protocol or "AES")
        if priv not in PRIV_PROTOCOLS:
            raise SnmpConfigError(
                where,
                f"unknown privacy protocol {creds.priv_protocol!r}: "
                f"use {', '.join(PRIV_PROTOCOLS)}",
            )
        if len(creds.priv_key) < 8:
            raise SnmpConfigError(where, "the privacy key must have at least 8 characters")
        kw.update(privKey=creds.priv_key, privProtocol=PRIV_PROTOCOLS[priv])
    return UsmUserData(creds.user, **kw)


def to_python(value: Any) -> Raw:
    if isinstance(value, rfc1905.NoSuchObject):
        return Missing.NO_SUCH_OBJECT
    if isinstance(value, rfc1905.NoSuchInstance):
        return Missing.NO_SUCH_INSTANCE
    if isinstance(value, rfc1905.EndOfMibView):
        return Missing.END_OF_MIB_VIEW
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


def to_snmp(value: int | str | bytes, like: str) -> Any:
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
        raise SnmpConfigError(
            "set", f"unknown SNMP type {like!r}: use one of {', '.join(kinds)}"
        ) from None


_INDICATIONS: list[tuple[type[Any], type[SnmpError]]] = [
    (errind.RequestTimedOut, SnmpTimeout),
    (errind.WrongDigest, SnmpAuthFailure),
    (errind.AuthenticationFailure, SnmpAuthFailure),
    (errind.UnknownUserName, SnmpUnknownUser),
    (errind.UnknownSecurityName, SnmpUnknownUser),
    (errind.DecryptionError, SnmpPrivacyFailure),
    (errind.NotInTimeWindow, SnmpNotInTimeWindow),
    (errind.UnsupportedSecurityLevel, SnmpSecurityLevel),
    (errind.ParseError, SnmpBadResponse),
    (errind.DeserializationError, SnmpBadResponse),
    (errind.SerializationError, SnmpBadResponse),
    (errind.InvalidMsg, SnmpBadResponse),
]


def classify_indication(indication: Any, where: str, timeout_text: str) -> SnmpError:
    for cls, err in _INDICATIONS:
        if isinstance(indication, cls):
            if err is SnmpTimeout:
                return SnmpTimeout(where, timeout_text)
            return err(where, str(indication))
    return SnmpError(where, str(indication))


class PysnmpBackend:
    """One device over pysnmp; the session above it chunks, splits and walks."""

    name = "pysnmp"

    def __init__(
        self,
        address: str,
        port: int,
        credentials: SnmpCredentials,
        timeout: float,
        retries: int,
        engine: SnmpEngine | None = None,
    ) -> None:
        self.where = f"{address}:{port}"
        self.address, self.port = address, port
        self.credentials = credentials
        self.timeout, self.retries = timeout, retries
        self._auth = auth_data(credentials, self.where)
        self._owns_engine = engine is None
        self._engine = engine or SnmpEngine()
        self._transport: UdpTransportTarget | None = None
        self._context = ContextData(contextName=credentials.context or "")

    async def _target(self) -> UdpTransportTarget:
        if self._transport is None:
            try:
                self._transport = await UdpTransportTarget.create(
                    (self.address, self.port), timeout=self.timeout, retries=self.retries
                )
            except Exception as exc:  # pysnmp raises PySnmpError for unresolvable names
                raise SnmpConfigError(self.where, f"cannot resolve: {exc}") from None
        return self._transport

    def _check(self, err_ind: Any, err_stat: Any, err_idx: Any, var_binds: Any) -> None:
        if err_ind:
            text = f"no answer within {self.timeout}s x {self.retries + 1}"
            raise classify_indication(err_ind, self.where, text)
        if err_stat and int(err_stat):
            idx = int(err_idx or 0)
            oid = str(var_binds[idx - 1][0]) if 0 < idx <= len(var_binds) else "?"
            raise status_error(self.where, int(err_stat), oid)

    async def get(self, oids: list[str]) -> list[VarBind]:
        target = await self._target()
        result = await get_cmd(
            self._engine, self._auth, target, self._context,
            *[ObjectType(ObjectIdentity(o)) for o in oids], lookupMib=False,
        )  # fmt: skip
        self._check(*result)
        return [(str(n), to_python(v)) for n, v in result[3]]

    async def next(self, oid: str) -> list[VarBind]:
        target = await self._target()
        result = await next_cmd(
            self._engine, self._auth, target, self._context,
            ObjectType(ObjectIdentity(oid)), lookupMib=False,
        )  # fmt: skip
        if not result[0] and result[1] and int(result[1]) == _NO_SUCH_NAME:
            return []  # v1: end of the MIB
        self._check(*result)
        return [(str(n), to_python(v)) for n, v in result[3]]

    async def bulk(self, oid: str, max_repetitions: int) -> list[VarBind]:
        target = await self._target()
        result = await bulk_cmd(
            self._engine, self._auth, target, self._context, 0, max_repetitions,
            ObjectType(ObjectIdentity(oid)), lookupMib=False,
        )  # fmt: skip
        self._check(*result)
        return [(str(n), to_python(v)) for n, v in result[3]]

    async def set(self, oid: str, value: Any) -> Raw:
        target = await self._target()
        result = await set_cmd(
            self._engine, self._auth, target, self._context,
            ObjectType(ObjectIdentity(oid), value), lookupMib=False,
        )  # fmt: skip
        self._check(*result)
        return to_python(result[3][0][1]) if result[3] else None

    def peer_engine_boots(self) -> list[int]:
        """The engine boots of the agents this engine heard from in authenticated messages
        (pysnmp keeps them privately; read-only use, for diagnosis)."""
        usm = self._engine.security_models.get(3)
        timeline = getattr(usm, "_SnmpUSMSecurityModel__timeline", None) or {}
        return [int(entry[0]) for entry in timeline.values()]

    def close(self) -> None:
        if self._owns_engine:
            self._engine.close_dispatcher()
