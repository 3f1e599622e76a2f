"""Traps as events, pure: names of well-known trap OIDs, the device a trap came from.

The receiver (``agent/traps.py``) hands over what arrived (source address and port,
SNMPv2 varbinds: pysnmp turns v1 traps into v2 form per RFC 3584, with the v1 agent
address in snmpTrapAddress.0); this module turns it into a :class:`TrapEvent`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from core.types import Target

SNMP_TRAP_OID = "1.3.6.1.6.3.1.1.4.1.0"
SNMP_TRAP_ADDRESS = "1.3.6.1.6.3.18.1.3.0"  # RFC 3584: the v1 trap's agent-addr
SNMP_TRAP_COMMUNITY = "1.3.6.1.6.3.18.1.4.0"

# trap OID -> name; a rule matches on the name (or the OID for anything else)
KNOWN_TRAPS: dict[str, str] = {
    "1.3.6.1.6.3.1.1.5.1": "coldStart",
    "1.3.6.1.6.3.1.1.5.2": "warmStart",
    "1.3.6.1.6.3.1.1.5.3": "linkDown",
    "1.3.6.1.6.3.1.1.5.4": "linkUp",
    "1.3.6.1.6.3.1.1.5.5": "authenticationFailure",
    "1.3.6.1.2.1.33.2.0.1": "upsTrapOnBattery",
    "1.3.6.1.2.1.33.2.0.2": "upsTrapTestCompleted",
    "1.3.6.1.2.1.33.2.0.3": "upsTrapAlarmEntryAdded",
    "1.3.6.1.2.1.33.2.0.4": "upsTrapAlarmEntryRemoved",
    # APC PowerNet-MIB (v1 enterprise 1.3.6.1.4.1.318, specific-trap n -> 318.0.n)
    "1.3.6.1.4.1.318.0.1": "apcCommunicationLost",
    "1.3.6.1.4.1.318.0.2": "apcUpsOverload",
    "1.3.6.1.4.1.318.0.4": "apcUpsDischarged",
    "1.3.6.1.4.1.318.0.5": "apcUpsOnBattery",
    "1.3.6.1.4.1.318.0.7": "apcLowBattery",
    "1.3.6.1.4.1.318.0.9": "apcPowerRestored",
    # ENTITY-MIB, net-snmp's own agent
    "1.3.6.1.2.1.47.2.0.1": "entConfigChange",
    "1.3.6.1.4.1.8072.4.0.1": "nsNotifyStart",
    "1.3.6.1.4.1.8072.4.0.2": "nsNotifyShutdown",
}


@dataclass(frozen=True, slots=True)
class TrapEvent:
    """One trap or inform as received; ``device`` is None when no target matches."""

    device: str | None
    address: str
    trap_oid: str
    name: str
    varbinds: Mapping[str, str] = field(default_factory=dict)
    ts: datetime = field(default_factory=lambda: datetime.now(UTC))


def trap_name(trap_oid: str) -> str:
    """The known name of a trap OID, else the OID itself."""
    oid = trap_oid.strip().lstrip(".")
    return KNOWN_TRAPS.get(oid, oid)


def resolve_device(
    targets: Iterable[Target], address: str, port: int, agent_address: str | None = None
) -> str | None:
    """The device a trap came from, or None when it cannot be told.

    A v1 trap names its agent (agent-addr) and that wins when exactly one target has that
    address; else a target at the source address *and* port; else the only target at the
    source address. Two devices behind one address (a proxy, NAT) stay unresolved rather
    than being guessed."""
    snmp = [t for t in targets if t.kind == "snmp"]
    if agent_address and agent_address not in ("0.0.0.0", address):
        named = [t for t in snmp if t.address == agent_address]
        if len(named) == 1:
            return named[0].device
    exact = [t for t in snmp if t.address == address and t.port == port]
    if len(exact) == 1:
        return exact[0].device
    same_host = [t for t in snmp if t.address == address]
    if len(same_host) == 1:
        return same_host[0].device
    return None


def make_event(
    targets: Iterable[Target],
    address: str,
    port: int,
    varbinds: Iterable[tuple[str, Any]],
    ts: datetime,
) -> TrapEvent:
    """A :class:`TrapEvent` from one trap's SNMPv2 varbinds (as ``(oid, text)``)."""
    binds = {oid.strip().lstrip("."): str(value) for oid, value in varbinds}
    trap_oid = binds.pop(SNMP_TRAP_OID, "").lstrip(".")
    agent_address = binds.get(SNMP_TRAP_ADDRESS)
    binds.pop(SNMP_TRAP_COMMUNITY, None)  # a secret, however weak: not sent on
    device = resolve_device(targets, address, port, agent_address)
    return TrapEvent(device, address, trap_oid, trap_name(trap_oid) if trap_oid else "", binds, ts)


def iso_z(ts: datetime) -> str:
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=UTC)
    return ts.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def event_to_json(event: TrapEvent) -> dict[str, Any]:
    """One event in the ``POST /api/v1/events`` body."""
    return {
        "device": event.device,
        "address": event.address,
        "trap_oid": event.trap_oid,
        "name": event.name,
        "varbinds": dict(event.varbinds),
        "ts": iso_z(event.ts),
    }
