"""What a device card shows: its status and a few key readings by device type (pure).

The metric names are the ones the device profiles produce; each reading lists its
candidate names in order (vendor profiles may add their own).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from core.types import Sample
from dashboard.formatting import enum_text, is_stale, with_unit

# (metric, instance) -> latest sample of one device
DeviceSamples = Mapping[tuple[str, str], Sample]

UP_METRIC = "device_up"
UPS_OUTPUT_SOURCE = "ups_output_source"
UPS_SOURCE_CODES = {
    1: "other",
    2: "none",
    3: "normal",
    4: "bypass",
    5: "battery",
    6: "booster",
    7: "reducer",
}  # UPS-MIB upsOutputSource
IF_STATUS_CODES = {
    1: "up",
    2: "down",
    3: "testing",
    4: "unknown",
    5: "dormant",
    6: "notPresent",
    7: "lowerLayerDown",
}  # IF-MIB ifOperStatus/ifAdminStatus

UPS_LOAD = ("ups_output_load_percent",)
UPS_CHARGE = ("ups_battery_charge_percent",)
UPS_RUNTIME = ("ups_battery_runtime_minutes",)
IF_OPER = ("if_oper_status",)
IF_ADMIN = ("if_admin_status",)
IF_IN = ("if_in_octets",)  # rate in B/s
IF_OUT = ("if_out_octets",)
TEMPERATURE = ("env_temperature_celsius",)
HUMIDITY = ("env_humidity_percent",)
HOST_CPU = ("host_cpu_percent",)
HOST_MEMORY = ("host_memory_used_percent",)
HOST_DISK = ("host_disk_used_percent",)
PDU_CURRENT = ("pdu_phase_current_amperes",)
PDU_POWER = ("pdu_phase_power_watts",)


@dataclass(frozen=True, slots=True)
class Reading:
    """One key reading of a card: a message id for its label, its text, a warning level."""

    label: str
    text: str
    level: str = ""  # "" | "warn" | "crit"
    note: str = ""  # which instance it is (the uplink port), shown small


@dataclass(frozen=True, slots=True)
class Status:
    state: str  # up | down | nodata | stale | disabled
    since: datetime | None = None


def device_status(
    samples: DeviceSamples, interval_seconds: float, now: datetime, enabled: bool = True
) -> Status:
    """Up/down from the latest ``device_up`` sample; stale past three poll intervals."""
    if not enabled:
        return Status("disabled")
    up = _all(samples, (UP_METRIC,))
    if not up:
        return Status("nodata")
    sample = max(up, key=lambda s: s.ts)
    if is_stale(sample.ts, now, interval_seconds):
        return Status("stale", sample.ts)
    return Status("up" if (sample.value or 0) >= 1 else "down", sample.ts)


def key_readings(device_type: str, samples: DeviceSamples) -> list[Reading]:
    builder = _BUILDERS.get(device_type.lower(), _host)
    return builder(samples)


def _all(samples: DeviceSamples, names: Sequence[str]) -> list[Sample]:
    """The samples (all instances) of the first metric in ``names`` that the device has."""
    for name in names:
        found = [s for (metric, _), s in sorted(samples.items()) if metric == name]
        if found:
            return found
    return []


def _values(found: Iterable[Sample]) -> list[float]:
    return [s.value for s in found if s.value is not None]


def _max_reading(label: str, samples: DeviceSamples, names: Sequence[str]) -> list[Reading]:
    found = _all(samples, names)
    values = _values(found)
    if not values:
        return []
    return [Reading(label, with_unit(max(values), found[0].unit))]


def _enum(sample: Sample, codes: Mapping[int, str]) -> str | None:
    if sample.text:
        return sample.text
    if sample.value is not None:
        return codes.get(int(sample.value))
    return None


def _ups(samples: DeviceSamples) -> list[Reading]:
    out: list[Reading] = []
    source = _all(samples, (UPS_OUTPUT_SOURCE,))
    if source:
        code = _enum(source[0], UPS_SOURCE_CODES)
        if code is not None:
            level = "" if code == "normal" else "crit" if code in ("battery", "none") else "warn"
            out.append(Reading("reading.ups_source", enum_text(UPS_OUTPUT_SOURCE, code), level))
    out += _max_reading("reading.ups_load", samples, UPS_LOAD)
    out += _max_reading("reading.ups_charge", samples, UPS_CHARGE)
    out += _max_reading("reading.ups_runtime", samples, UPS_RUNTIME)
    return out


def _switch(samples: DeviceSamples) -> list[Reading]:
    out: list[Reading] = []
    admin = {s.instance: _enum(s, IF_STATUS_CODES) for s in _all(samples, IF_ADMIN)}
    oper = {s.instance: _enum(s, IF_STATUS_CODES) for s in _all(samples, IF_OPER)}
    enabled = [port for port in oper if admin.get(port, "up") == "up"]
    if enabled:
        up = sum(1 for port in enabled if oper[port] == "up")
        level = "" if up == len(enabled) else "warn"
        out.append(Reading("reading.ports_up", f"{up} / {len(enabled)}", level))
    rx = {s.instance: s for s in _all(samples, IF_IN) if s.value is not None}
    tx = {s.instance: s for s in _all(samples, IF_OUT) if s.value is not None}
    ports = set(rx) | set(tx)
    if ports:
        named = sorted(p for p in ports if "uplink" in p.lower())
        port = (
            named[0]
            if named
            else max(sorted(ports), key=lambda p: _traffic(rx.get(p)) + _traffic(tx.get(p)))
        )
        out.append(Reading("reading.uplink_in", _rate(rx.get(port)), note=port))
        out.append(Reading("reading.uplink_out", _rate(tx.get(port)), note=port))
    return out


def _traffic(sample: Sample | None) -> float:
    return (sample.value or 0.0) if sample is not None else 0.0


def _rate(sample: Sample | None) -> str:
    if sample is None or sample.value is None:
        return "—"
    return with_unit(sample.value, sample.unit or "bps")


def _sensor(samples: DeviceSamples) -> list[Reading]:
    return _max_reading("reading.temperature", samples, TEMPERATURE) + _max_reading(
        "reading.humidity", samples, HUMIDITY
    )


def _host(samples: DeviceSamples) -> list[Reading]:
    return (
        _max_reading("reading.cpu", samples, HOST_CPU)
        + _max_reading("reading.memory", samples, HOST_MEMORY)
        + _max_reading("reading.disk", samples, HOST_DISK)
    )


def _pdu(samples: DeviceSamples) -> list[Reading]:
    return (
        _max_reading("reading.pdu_current", samples, PDU_CURRENT)
        + _max_reading("reading.pdu_power", samples, PDU_POWER)
        + _sensor(samples)
    )


_BUILDERS = {
    "ups": _ups,
    "switch": _switch,
    "router": _switch,
    "sensor": _sensor,
    "pdu": _pdu,
    "server": _host,
    "host": _host,
}
