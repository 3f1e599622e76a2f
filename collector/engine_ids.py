"""Duplicate SNMPv3 engine IDs across an agent's targets (pure, no I/O).

Two devices answering with the same snmpEngineID (1.3.6.1.6.3.10.2.1.1.0) confuse SNMPv3:
keys are localised to the engine ID and the time window (engineBoots/engineTime) is kept
per engine ID, so one device's clock rejects the other's requests. Usually a cloned
configuration or a firmware default. The agent records it on both devices as the metric
``snmp_engine_id_duplicate`` (1 = shared, 0 = unique) with a text naming the others.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from core.types import Sample

SNMP_ENGINE_ID_OID = "1.3.6.1.6.3.10.2.1.1.0"
DUPLICATE_METRIC = "snmp_engine_id_duplicate"
_MIN_LEN, _MAX_LEN = 5, 32  # RFC 3411 SnmpEngineID: 5..32 octets


def engine_id_hex(value: object) -> str | None:
    """An engine ID as lowercase hex, or None when the value cannot be one (absent, the
    wrong type, outside 5..32 octets): a device without a usable ID is never a duplicate."""
    if isinstance(value, bytes | bytearray):
        raw = bytes(value)
    elif isinstance(value, str):  # already hex (from a config or another backend)
        text = value.strip().lower().removeprefix("0x").replace(":", "")
        try:
            raw = bytes.fromhex(text)
        except ValueError:
            return None
    else:
        return None
    if not _MIN_LEN <= len(raw) <= _MAX_LEN or not raw.strip(b"\x00"):
        return None
    return raw.hex()


def duplicate_engine_ids(pairs: Iterable[tuple[str, object]]) -> dict[str, tuple[str, ...]]:
    """device -> the other devices sharing its engine ID, for every device that shares one.

    Later pairs for a device replace earlier ones; unusable IDs are ignored."""
    latest: dict[str, str] = {}
    for device, value in pairs:
        hexid = engine_id_hex(value)
        if hexid is None:
            latest.pop(device, None)
        else:
            latest[device] = hexid
    by_id: dict[str, list[str]] = {}
    for device, hexid in latest.items():
        by_id.setdefault(hexid, []).append(device)
    out: dict[str, tuple[str, ...]] = {}
    for devices in by_id.values():
        if len(devices) > 1:
            for device in devices:
                out[device] = tuple(sorted(d for d in devices if d != device))
    return out


class EngineIdRegistry:
    """The engine IDs last seen per device, kept incrementally (one poll at a time); the
    same answers as :func:`duplicate_engine_ids` over the recorded pairs."""

    def __init__(self) -> None:
        self._by_device: dict[str, str] = {}
        self._by_id: dict[str, set[str]] = {}

    def record(self, device: str, value: object) -> tuple[str, ...]:
        """Note ``device``'s engine ID; return the other devices sharing it (sorted)."""
        hexid = engine_id_hex(value)
        self.forget(device)
        if hexid is None:
            return ()
        self._by_device[device] = hexid
        sharing = self._by_id.setdefault(hexid, set())
        sharing.add(device)
        return tuple(sorted(d for d in sharing if d != device))

    def forget(self, device: str) -> None:
        old = self._by_device.pop(device, None)
        if old is not None:
            sharing = self._by_id.get(old, set())
            sharing.discard(device)
            if not sharing:
                self._by_id.pop(old, None)


def duplicate_sample(device: str, others: tuple[str, ...], hexid: str, ts: datetime) -> Sample:
    """``snmp_engine_id_duplicate``: 1 with the reason when shared, else 0."""
    if not others:
        return Sample(device, DUPLICATE_METRIC, "", 0.0, ts)
    names = ", ".join(others)
    text = (
        f"engine_id_duplicate: snmpEngineID {hexid} also answered by {names} "
        f"(SNMPv3 引擎 ID 重复，与 {names} 相同：请为每台设备配置唯一的 engineID)"
    )
    return Sample(device, DUPLICATE_METRIC, "", 1.0, ts, "", text)
