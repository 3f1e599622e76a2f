"""Raw SNMP values -> typed samples, as a profile says.

Input is what the adapter fetched: OID string -> python value (``int`` for
INTEGER/Counter/Gauge/TimeTicks, ``bytes`` for OCTET STRING, ``str`` for OIDs and IP
addresses, ``None`` for noSuchObject / noSuchInstance / endOfMibView). Bad device data
never raises: a missing or malformed scalar becomes a sample with ``value=None`` and the
reason in ``text``, and a note in ``problems``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from collector.profiles import MetricSpec, Profile, TableSpec
from core.types import MetricKind, Sample

Raw = int | float | str | bytes | None
SYS_UPTIME_OID = "1.3.6.1.2.1.1.3.0"
SYS_OBJECT_ID_OID = "1.3.6.1.2.1.1.2.0"
SYS_DESCR_OID = "1.3.6.1.2.1.1.1.0"


@dataclass(frozen=True, slots=True)
class CounterReading:
    """A raw counter value; :mod:`collector.rates` turns two of them into a rate."""

    device: str
    metric: str
    instance: str
    raw: int
    width: int
    unit: str
    ts: datetime

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.device, self.metric, self.instance)


@dataclass(frozen=True, slots=True)
class ParsedPoll:
    samples: tuple[Sample, ...]
    counters: tuple[CounterReading, ...]
    problems: tuple[str, ...]
    uptime_ticks: int | None


def decode_text(value: Raw) -> str | None:
    """Bytes from a device as text: UTF-8, else GB18030 (Chinese firmware), else Latin-1."""
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.rstrip(b"\x00")
        for codec in ("utf-8", "gb18030"):
            try:
                return value.decode(codec)
            except UnicodeDecodeError:
                continue
        return value.decode("latin-1")
    return str(value)


def _number(value: Raw) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    text = decode_text(value)
    if text is None:
        return None
    try:
        return float(text.strip())
    except ValueError:
        return None


def _scaled(number: float, scale: float) -> float:
    # 254 * 0.1 is 25.400000000000002 in binary floating point: keep what the device meant
    return number if scale == 1 else round(number * scale, 9)


class _Builder:
    def __init__(self, device: str, ts: datetime) -> None:
        self.device = device
        self.ts = ts
        self.samples: list[Sample] = []
        self.counters: list[CounterReading] = []
        self.problems: list[str] = []

    def unknown(self, spec: MetricSpec, instance: str, reason: str) -> None:
        self.problems.append(f"{spec.name}[{instance}] ({spec.oid}): {reason}")
        self.samples.append(
            Sample(self.device, spec.name, instance, None, self.ts, spec.unit, f"unknown: {reason}")
        )

    def add(self, spec: MetricSpec, instance: str, value: Raw, oid: str) -> None:
        if value is None:
            self.unknown(spec, instance, f"no such object/instance at {oid}")
            return
        if spec.kind is MetricKind.INFO:
            self.samples.append(
                Sample(
                    self.device, spec.name, instance, None, self.ts, spec.unit, decode_text(value)
                )
            )
            return
        number = _number(value)
        if number is None:
            self.unknown(spec, instance, f"expected a number, got {value!r:.40}")
            return
        if spec.kind is MetricKind.ENUM:
            code = int(number)
            label = spec.values.get(code, f"unknown({code})")
            self.samples.append(
                Sample(self.device, spec.name, instance, float(code), self.ts, spec.unit, label)
            )
        elif spec.kind is MetricKind.COUNTER:
            # keep ints exact: a float cannot hold every 64-bit counter value
            raw = value if isinstance(value, int) else int(number)
            fraction = not isinstance(value, int) and raw != number
            if raw < 0 or fraction or raw >= 1 << spec.width:
                self.unknown(spec, instance, f"counter outside 0..2^{spec.width}-1: {value!r}")
                return
            self.counters.append(
                CounterReading(
                    self.device, spec.name, instance, raw, spec.width, spec.unit, self.ts
                )
            )
        else:
            self.samples.append(
                Sample(
                    self.device,
                    spec.name,
                    instance,
                    _scaled(number, spec.scale),
                    self.ts,
                    spec.unit,
                )
            )


def _rows(column: str, values: Mapping[str, Raw]) -> dict[str, Raw]:
    """Index suffix -> value for every OID under ``column``."""
    prefix = column + "."
    return {oid[len(prefix) :]: v for oid, v in values.items() if oid.startswith(prefix)}


def _parse_table(table: TableSpec, values: Mapping[str, Raw], out: _Builder) -> None:
    labels: dict[str, str] = {}
    if table.instance_label:
        for index, raw in _rows(table.instance_label, values).items():
            text = decode_text(raw)
            if text:
                labels[index] = text.strip()
    for spec in table.metrics:
        for index, raw in sorted(_rows(spec.oid, values).items(), key=lambda kv: _index_key(kv[0])):
            out.add(spec, labels.get(index, index), raw, f"{spec.oid}.{index}")


def _index_key(index: str) -> tuple[int, ...]:
    try:
        return tuple(int(x) for x in index.split("."))
    except ValueError:
        return ()


def parse(profile: Profile, device: str, values: Mapping[str, Raw], ts: datetime) -> ParsedPoll:
    """Turn one poll's raw values into samples and counter readings."""
    out = _Builder(device, ts)
    for spec in profile.scalars:
        if spec.oid in values:
            out.add(spec, spec.instance, values[spec.oid], spec.oid)
        else:
            out.unknown(spec, spec.instance, "not in the reply")
    for table in profile.tables:
        _parse_table(table, values, out)
    ticks = values.get(SYS_UPTIME_OID)
    uptime = int(ticks) if isinstance(ticks, int) and not isinstance(ticks, bool) else None
    return ParsedPoll(tuple(out.samples), tuple(out.counters), tuple(out.problems), uptime)


def health_samples(
    device: str, up: bool, duration: float, ts: datetime, reason: str | None = None
) -> list[Sample]:
    """``device_up`` and ``poll_duration_seconds``, emitted on every poll."""
    return [
        Sample(device, "device_up", "", 1.0 if up else 0.0, ts, "", reason),
        Sample(device, "poll_duration_seconds", "", round(duration, 6), ts, "s"),
    ]
