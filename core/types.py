"""Typed values that cross package boundaries (the data path's vocabulary)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime


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
    version: str = "2c"  # "1", "2c" (v3 arrives with the SNMP issue)
    community: str = "public"


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
