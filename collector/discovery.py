"""Discovery, pure: address ranges, and what an answering device is (from its replies).

``agent/discovery.py`` asks each address for the system group, the ENTITY-MIB inventory
and a few vendor identity OIDs; :func:`identify` turns the answers into a
:class:`Candidate`; :func:`to_csv` / :func:`to_yaml` write candidates in the ledger's
import shape (name, address, port, version, community, profile, vendor, model, serial).
"""

from __future__ import annotations

import csv
import io
import ipaddress
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass

import yaml

from collector.parse import SYS_DESCR_OID, SYS_OBJECT_ID_OID, Raw, decode_text
from collector.profiles import Profile, detect_profile
from core.errors import ConfigError

MAX_HOSTS = 4096  # a /20: bigger sweeps are split by the person who asks for them
SYS_NAME_OID = "1.3.6.1.2.1.1.5.0"
ENT_CLASS = "1.3.6.1.2.1.47.1.1.1.1.5"
ENT_SERIAL = "1.3.6.1.2.1.47.1.1.1.1.11"
ENT_MODEL = "1.3.6.1.2.1.47.1.1.1.1.13"
IDENT_OIDS = {  # scalars that name model / serial where ENTITY-MIB is absent
    "model": ["1.3.6.1.2.1.33.1.1.2.0", "1.3.6.1.4.1.318.1.1.1.1.1.1.0",
              "1.3.6.1.4.1.534.1.1.2.0"],
    "serial": ["1.3.6.1.4.1.318.1.1.1.1.2.3.0"],
}  # fmt: skip
IDENTITY_GET = [SYS_OBJECT_ID_OID, SYS_DESCR_OID, SYS_NAME_OID]
IDENTITY_WALK = [ENT_CLASS, ENT_SERIAL, ENT_MODEL]
FIELDS = ["name", "address", "port", "version", "community", "profile", "vendor", "model",
          "serial"]  # fmt: skip

VENDORS = {  # IANA enterprise number -> vendor
    9: "Cisco", 11: "HPE", 311: "Microsoft", 318: "APC", 476: "Vertiv", 534: "Eaton",
    705: "Eaton (MGE)", 2011: "Huawei", 2636: "Juniper", 3854: "AKCP", 4881: "Ruijie",
    8072: "net-snmp", 25506: "H3C",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Candidate:
    name: str
    address: str
    port: int
    version: str
    community: str
    profile: str
    vendor: str
    model: str
    serial: str
    sys_object_id: str
    sys_descr: str


def parse_range(text: str, max_hosts: int = MAX_HOSTS) -> list[str]:
    """Addresses of ``10.0.0.0/24`` (hosts only), ``10.0.0.5-10.0.0.20``, ``10.0.0.5-20``
    or one address. Raises :class:`ConfigError` with the fix when it is malformed or
    larger than ``max_hosts``."""
    text = text.strip()
    try:
        if "/" in text:
            net = ipaddress.IPv4Network(text, strict=False)
            count = net.num_addresses if net.prefixlen >= 31 else net.num_addresses - 2
            _cap(text, count, max_hosts)
            hosts = [net.network_address] if net.prefixlen == 32 else list(net.hosts())
        elif "-" in text:
            first_text, last_text = (x.strip() for x in text.split("-", 1))
            first = ipaddress.IPv4Address(first_text)
            if "." not in last_text:  # 10.0.0.5-20: the last octet
                last_text = first_text.rsplit(".", 1)[0] + "." + last_text
            last = ipaddress.IPv4Address(last_text)
            if last < first:
                raise ConfigError(f"range {text!r} ends before it starts: write low-high")
            _cap(text, int(last) - int(first) + 1, max_hosts)
            hosts = [ipaddress.IPv4Address(n) for n in range(int(first), int(last) + 1)]
        else:
            hosts = [ipaddress.IPv4Address(text)]
    except ValueError as exc:
        raise ConfigError(
            f"range {text!r}: {exc}: write a CIDR (10.0.0.0/24), a range (10.0.0.5-10.0.0.20) "
            "or one address"
        ) from None
    return [str(h) for h in hosts]


def _cap(text: str, count: int, max_hosts: int) -> None:
    if count > max_hosts:
        raise ConfigError(
            f"range {text!r} has {count} addresses; at most {max_hosts} (a /20) per sweep: "
            "split it into smaller ranges"
        )


def vendor_of(sys_object_id: str) -> str:
    match = re.match(r"^\.?1\.3\.6\.1\.4\.1\.(\d+)", sys_object_id or "")
    return VENDORS.get(int(match.group(1)), "") if match else ""


def _column(values: Mapping[str, Raw], column: str) -> dict[str, str]:
    prefix = column + "."
    out = {}
    for oid, raw in values.items():
        if oid.startswith(prefix):
            text = (decode_text(raw) or "").strip()
            out[oid[len(prefix) :]] = text
    return out


def _inventory(values: Mapping[str, Raw]) -> tuple[str, str]:
    """(model, serial) of the chassis (entPhysicalClass 3), else the first row with one."""
    classes = _column(values, ENT_CLASS)
    serials = _column(values, ENT_SERIAL)
    models = _column(values, ENT_MODEL)
    rows = sorted(serials.keys() | models.keys(), key=lambda i: [int(x) for x in i.split(".")])
    chassis = [i for i in rows if classes.get(i) == "3"]
    for index in chassis + rows:
        if serials.get(index) or models.get(index):
            return models.get(index, ""), serials.get(index, "")
    return "", ""


def identify(
    address: str,
    port: int,
    version: str,
    community: str,
    values: Mapping[str, Raw],
    profiles: Mapping[str, Profile],
) -> Candidate:
    """What answered at ``address``: identity, matching profile, vendor, model, serial."""
    oid = (decode_text(values.get(SYS_OBJECT_ID_OID)) or "").strip().lstrip(".")
    descr = (decode_text(values.get(SYS_DESCR_OID)) or "").strip()
    name = (decode_text(values.get(SYS_NAME_OID)) or "").strip() or address
    profile = detect_profile(dict(profiles), oid, descr)
    model, serial = _inventory(values)
    for field_name, oids in IDENT_OIDS.items():
        for ident in oids:
            text = (decode_text(values.get(ident)) or "").strip()
            if text and field_name == "model" and not model:
                model = text
            if text and field_name == "serial" and not serial:
                serial = text
    return Candidate(
        name=name, address=address, port=port, version=version, community=community,
        profile=profile.name if profile else "system", vendor=vendor_of(oid), model=model,
        serial=serial, sys_object_id=oid, sys_descr=descr,
    )  # fmt: skip


def _row(c: Candidate) -> dict[str, str | int]:
    data = asdict(c)
    return {k: data[k] for k in FIELDS}


def to_csv(candidates: Iterable[Candidate]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=FIELDS, lineterminator="\n")
    writer.writeheader()
    for c in candidates:
        writer.writerow(_row(c))
    return out.getvalue()


def to_yaml(candidates: Iterable[Candidate]) -> str:
    return yaml.safe_dump(
        {"devices": [_row(c) for c in candidates]}, allow_unicode=True, sort_keys=False
    )
