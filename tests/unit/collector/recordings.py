"""Read an snmprec recording into what the SNMP adapter would return (pure, for tests).

Variation modules are read as their resting value: ``numeric`` -> ``initial``,
``wander`` -> ``mid``, ``writecache`` -> ``value``.
"""

from __future__ import annotations

from pathlib import Path

from collector.parse import Raw

ROOT = Path(__file__).resolve().parents[3]
RECORDINGS = ROOT / "devices" / "recordings"
_INTS = {"2", "65", "66", "67", "70"}


def _variation_value(args: str) -> str:
    params = dict(part.split("=", 1) for part in args.split(",") if "=" in part)
    for name in ("initial", "mid", "value"):
        if name in params:
            return params[name]
    raise ValueError(f"no resting value in variation arguments {args!r}")


def read_snmprec(name: str) -> dict[str, Raw]:
    values: dict[str, Raw] = {}
    for line in (RECORDINGS / f"{name}.snmprec").read_text(encoding="utf-8").splitlines():
        oid, tag, text = line.split("|", 2)
        kind, _, variation = tag.partition(":")
        if variation:
            text = _variation_value(text)
        if kind.endswith("x"):
            values[oid] = bytes.fromhex(text)
        elif kind in _INTS:
            values[oid] = int(text)
        elif kind == "4":
            values[oid] = text.encode("utf-8")
        else:  # 6 OID, 64 IpAddress
            values[oid] = text
    return values
