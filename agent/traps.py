"""The trap receiver: SNMP v1/v2c traps, v3 traps and informs (acknowledged) on UDP.

pysnmp's NotificationReceiver does the protocol (community check, USM authentication and
decryption, the inform response); each notification becomes a
:class:`collector.traps.TrapEvent` handed to ``on_event`` at once, on the event loop.
The device is resolved against the current targets (``targets()`` is called per trap,
so a refreshed target list is seen at once).

A v3 *trap* is authenticated with the sender's engine ID, so a user meant for traps
names it (``engine_id``, hex); a user without one is for *informs*, where the sender
discovers the receiver's engine ID.
"""

from __future__ import annotations

import errno
import logging
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pyasn1.type import univ
from pysnmp.carrier.asyncio.dgram import udp
from pysnmp.entity import config, engine
from pysnmp.entity.rfc3413 import ntfrcv
from pysnmp.proto import rfc1902

from collector.parse import clean_text
from collector.traps import TrapEvent, make_event
from core.clock import Clock, SystemClock
from core.errors import ConfigError, PortInUseError
from core.types import Target

log = logging.getLogger(__name__)

AUTH = {
    "": config.USM_AUTH_NONE,
    "MD5": config.USM_AUTH_HMAC96_MD5,
    "SHA": config.USM_AUTH_HMAC96_SHA,
    "SHA224": config.USM_AUTH_HMAC128_SHA224,
    "SHA256": config.USM_AUTH_HMAC192_SHA256,
    "SHA384": config.USM_AUTH_HMAC256_SHA384,
    "SHA512": config.USM_AUTH_HMAC384_SHA512,
}
PRIV = {
    "": config.USM_PRIV_NONE,
    "DES": config.USM_PRIV_CBC56_DES,
    "3DES": config.USM_PRIV_CBC168_3DES,
    "AES": config.USM_PRIV_CFB128_AES,
    "AES128": config.USM_PRIV_CFB128_AES,
    "AES192": config.USM_PRIV_CFB192_AES,
    "AES256": config.USM_PRIV_CFB256_AES,
}


@dataclass(frozen=True, slots=True)
class TrapUser:
    """An SNMPv3 user allowed to send traps/informs (keys are pass phrases)."""

    user: str
    auth_protocol: str = ""
    auth_key: str = ""
    priv_protocol: str = ""
    priv_key: str = ""
    engine_id: str = ""  # hex of the sender's engine ID, for v3 traps; empty for informs

    def __repr__(self) -> str:  # keys never reach a log line
        return f"TrapUser(user={self.user!r}, engine_id={self.engine_id!r})"


def trap_users_from(items: Sequence[Any]) -> list[TrapUser]:
    """TrapUsers from config entries (mappings with user, auth_protocol, ...)."""
    users: list[TrapUser] = []
    for n, item in enumerate(items):
        data = item if isinstance(item, dict) else getattr(item, "__dict__", {})
        try:
            users.append(TrapUser(**{k: str(v) for k, v in data.items()}))
        except TypeError as exc:
            raise ConfigError(
                f"agent.trap_users[{n}]: {exc}: use user, auth_protocol, "
                "auth_key, priv_protocol, priv_key, engine_id"
            ) from None
    return users


def _value_text(value: Any) -> str:
    if value.tagSet == rfc1902.IpAddress.tagSet:  # v2 or (from a v1 trap) RFC 1155 IpAddress
        return ".".join(str(b) for b in value.asNumbers())
    if isinstance(value, univ.ObjectIdentifier):
        return str(value)
    if isinstance(value, univ.OctetString):
        raw = bytes(value.asOctets())
        try:
            return clean_text(raw.decode("utf-8"))  # no NUL or escapes into the store
        except UnicodeDecodeError:
            return "0x" + raw.hex()
    if isinstance(value, univ.Integer):
        return str(int(value))
    return str(value.prettyPrint())


class TrapReceiver:
    def __init__(
        self,
        host: str,
        port: int,
        communities: Sequence[str],
        on_event: Callable[[TrapEvent], None],
        targets: Callable[[], Sequence[Target]] = list,
        users: Sequence[TrapUser] = (),
        clock: Clock | None = None,
        engine_id: bytes | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.communities = list(communities)
        self.users = list(users)
        self.on_event = on_event
        self.targets = targets
        self.clock = clock or SystemClock()
        self.engine_id = engine_id
        self._engine: Any = None
        self._receiver: Any = None
        for u in self.users:
            if u.auth_protocol.upper() not in AUTH or u.priv_protocol.upper() not in PRIV:
                auths, privs = ", ".join(p for p in AUTH if p), ", ".join(p for p in PRIV if p)
                raise ConfigError(
                    f"trap user {u.user!r}: unknown protocol: auth one of {auths}; "
                    f"priv one of {privs}"
                )

    def start(self) -> TrapReceiver:
        """Bind the UDP port (call from the event loop that will receive)."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            sock.bind((self.host, self.port))
        except OSError as exc:
            sock.close()
            if exc.errno == errno.EADDRINUSE:
                raise PortInUseError(
                    f"trap port {self.host}:{self.port} is already in use: stop the other "
                    "receiver or set agent.trap_port (ROOMWATCH_AGENT_TRAP_PORT)"
                ) from None
            raise
        self.port = sock.getsockname()[1]
        snmp = engine.SnmpEngine(rfc1902.OctetString(self.engine_id) if self.engine_id else None)
        config.add_transport(
            snmp, udp.DOMAIN_NAME, udp.UdpAsyncioTransport().open_server_mode(sock=sock)
        )
        for n, community in enumerate(self.communities):
            config.add_v1_system(snmp, f"rw-trap-{n}", community)
        for u in self.users:
            auth, priv = AUTH[u.auth_protocol.upper()], PRIV[u.priv_protocol.upper()]
            config.add_v3_user(
                snmp,
                u.user,
                auth,
                u.auth_key or None,
                priv,
                u.priv_key or None,
                securityEngineId=(
                    rfc1902.OctetString(hexValue=u.engine_id.removeprefix("0x"))
                    if u.engine_id
                    else None
                ),
            )
        self._engine = snmp
        self._receiver = ntfrcv.NotificationReceiver(snmp, self._received)
        log.info("trap receiver listening on %s:%s (udp)", self.host, self.port)
        return self

    def _received(
        self,
        snmp: Any,
        state_reference: Any,
        context_engine_id: Any,
        context_name: Any,
        var_binds: Any,
        cb_ctx: Any,
    ) -> None:
        try:
            _domain, source = snmp.message_dispatcher.get_transport_info(state_reference)
            address, port = str(source[0]), int(source[1])
            binds = [(str(oid), _value_text(value)) for oid, value in var_binds]
            event = make_event(self.targets(), address, port, binds, self.clock.now())
        except Exception:  # a malformed notification must not stop the receiver
            log.exception("could not read a notification")
            return
        log.info("trap %s from %s (%s)", event.name, address, event.device or "unknown device")
        try:
            self.on_event(event)
        except Exception:
            log.exception("trap event handler failed")

    def stop(self) -> None:
        if self._receiver is not None:
            self._receiver.close(self._engine)
            self._receiver = None
        if self._engine is not None:
            self._engine.close_dispatcher()
            self._engine = None
