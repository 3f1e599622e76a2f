"""Typed values that cross package boundaries (the data path's vocabulary)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


class Severity(enum.IntEnum):
    """Alarm severity; ordered so that max() gives the worst."""

    INFO = 1
    WARNING = 2
    CRITICAL = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.upper()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r} (use info, warning or critical)") from None


class MetricKind(enum.StrEnum):
    GAUGE = "gauge"
    COUNTER = "counter"
    ENUM = "enum"
    INFO = "info"


class Role(enum.StrEnum):
    """Dashboard roles (R8.1)."""

    ADMIN = "admin"
    SUPERVISOR = "supervisor"
    DUTY = "duty"
    READONLY = "readonly"


@dataclass(frozen=True, slots=True)
class Sample:
    """One reading of one series of one device at one time.

    ``value`` is numeric (gauges scaled to units, counters already turned into rates,
    enums as their integer code); ``text`` carries strings (sysDescr) and enum labels.
    """

    device: str
    metric: str
    instance: str
    value: float | None
    ts: datetime
    unit: str = ""
    text: str | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.device, self.metric, self.instance)


@dataclass(frozen=True, slots=True)
class SnmpCredentials:
    """SNMP credentials: a community for v1/v2c, a USM user for v3.

    v3 security level follows from what is set: no auth key = noAuthNoPriv, auth key only
    = authNoPriv, both = authPriv. Protocol names: auth MD5, SHA, SHA224, SHA256, SHA384,
    SHA512; priv DES, 3DES, AES (=AES128), AES192, AES256.
    """

    version: str = "2c"  # "1", "2c" or "3"
    community: str = "public"
    user: str = ""
    auth_protocol: str = ""
    auth_key: str = ""
    priv_protocol: str = ""
    priv_key: str = ""
    context: str = ""

    def __repr__(self) -> str:  # secrets never reach a log line
        return f"SnmpCredentials(version={self.version!r}, user={self.user!r})"


@dataclass(frozen=True, slots=True)
class Target:
    """What an agent polls: one device, as the ledger describes it."""

    device: str
    kind: str  # "snmp" or "host" (psutil on the agent's own machine)
    address: str = "127.0.0.1"
    port: int = 161
    profile: str = "auto"
    credentials: SnmpCredentials = field(default_factory=SnmpCredentials)
    interval: float = 30.0
    timeout: float = 2.0
    retries: int = 1
    room: str = ""  # ledger location, for labels (Prometheus, events)
    rack: str = ""


def target_to_json(t: Target) -> dict[str, Any]:
    """The ``/api/v1/targets`` shape of one target (what ``agent.targets`` reads back)."""
    c = t.credentials
    out: dict[str, Any] = {
        "device": t.device, "kind": t.kind, "address": t.address, "port": t.port,
        "profile": t.profile, "version": c.version, "community": c.community,
        "interval": t.interval, "timeout": t.timeout, "retries": t.retries,
        "room": t.room, "rack": t.rack,
    }  # fmt: skip
    if c.version == "3":
        out.update(
            user=c.user,
            auth_protocol=c.auth_protocol,
            auth_key=c.auth_key,
            priv_protocol=c.priv_protocol,
            priv_key=c.priv_key,
            context=c.context,
        )
    return out
