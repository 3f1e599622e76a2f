"""Tell a failed request's real cause: refused vs timeout, wrong privacy key vs silence.

Run only after a failure (never on the hot path). net-snmp and most agents drop a message
they cannot decrypt without a report, and a Linux host answers a closed UDP port with
ICMP port unreachable that an unconnected socket never sees: both look like timeouts
unless asked again the right way.
"""

from __future__ import annotations

import asyncio
import dataclasses
import socket

from agent.snmp_errors import (
    SnmpAgentError,
    SnmpError,
    SnmpNotInTimeWindow,
    SnmpPrivacyFailure,
    SnmpRefused,
    SnmpSecurityLevel,
    SnmpTimeout,
)
from agent.snmp_pysnmp import PysnmpBackend
from core.types import SnmpCredentials

SYS_UPTIME = "1.3.6.1.2.1.1.3.0"
ENGINE_BOOTS_MAX = 2147483647
_PROBE = b"\x30\x00"  # an empty SEQUENCE: agents drop it; only the ICMP answer matters


async def port_refused(address: str, port: int, wait: float = 0.3) -> bool:
    """True when the host says nothing listens on the UDP port (ICMP port unreachable)."""
    loop = asyncio.get_running_loop()
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as sock:
        sock.setblocking(False)
        try:
            sock.connect((address, port))
            await loop.sock_sendall(sock, _PROBE)
            await asyncio.wait_for(loop.sock_recv(sock, 65535), wait)
        except ConnectionRefusedError:
            return True
        except (TimeoutError, OSError):
            return False
    return False


async def diagnose(
    address: str,
    port: int,
    credentials: SnmpCredentials,
    timeout: float,
    first: SnmpError,
) -> SnmpError:
    """The most precise error for a request that failed with ``first``."""
    wait = min(0.3, max(0.05, timeout / 2))  # ICMP comes back within one round trip
    if isinstance(first, SnmpTimeout) and await port_refused(address, port, wait):
        return SnmpRefused(f"{address}:{port}", "ICMP port unreachable")
    if credentials.version != "3":
        return first
    pysnmp = PysnmpBackend(address, port, credentials, min(timeout, 1.0), 0)
    try:
        await pysnmp.get([SYS_UPTIME])
    except SnmpTimeout as exc:
        if ENGINE_BOOTS_MAX in pysnmp.peer_engine_boots():  # RFC 3414 2.2.3: latched
            return SnmpNotInTimeWindow(f"{address}:{port}", "engine boots at 2^31-1")
        if credentials.priv_key and await _answers_without_privacy(
            address, port, credentials, timeout
        ):
            return SnmpPrivacyFailure(f"{address}:{port}", "the agent drops what it cannot decrypt")
        return first if isinstance(first, SnmpTimeout) else exc
    except SnmpError as exc:
        return exc
    finally:
        pysnmp.close()
    return first  # it works now: the first failure was transient


async def _answers_without_privacy(
    address: str, port: int, credentials: SnmpCredentials, timeout: float
) -> bool:
    """Same user and auth key at authNoPriv: any authenticated answer (even "not at this
    security level") proves user and auth key right, so the privacy key is wrong."""
    plain = dataclasses.replace(credentials, priv_protocol="", priv_key="")
    backend = PysnmpBackend(address, port, plain, min(timeout, 1.0), 0)
    try:
        await backend.get([SYS_UPTIME])
    except (SnmpAgentError, SnmpSecurityLevel):
        return True
    except SnmpError:
        return False
    finally:
        backend.close()
    return True
