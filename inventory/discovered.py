"""Discovery results brought back to the ledger, pure: the file ``roomwatch discover
--output`` writes (CSV or YAML) → candidates, with row-level errors; and how each
candidate compares with the devices already in the ledger.

No I/O: the dashboard reads the upload and the ledger and passes them in. ``FIELDS``
mirrors ``collector.discovery.FIELDS`` (inventory may not import collector; a unit test
keeps the two equal).
"""

from __future__ import annotations

import csv
import io
import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from core.errors import RoomwatchError

FIELDS = ["name", "address", "port", "version", "community", "profile", "vendor", "model",
          "serial"]  # fmt: skip
REQUIRED = ("name", "address", "port", "community")
MAX_ROWS = 4096  # one sweep is at most a /20
COMMUNITY_MASK = "******"
# pydantic error type -> problem code (the dashboard translates discovery.problem.<code>)
_PROBLEMS = {
    "missing": "required", "string_too_short": "required", "string_too_long": "too_long",
    "int_parsing": "not_a_number", "int_from_float": "not_a_number",
    "greater_than_equal": "out_of_range", "less_than_equal": "out_of_range",
    "literal_error": "bad_version", "string_type": "not_text", "int_type": "not_a_number",
}  # fmt: skip


class DiscoveryFileError(RoomwatchError):
    """The file as a whole cannot be read; ``code`` names why (for translation)."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"discovery file: {code}{': ' + detail if detail else ''}")
        self.code = code
        self.detail = detail


class DiscoveredRow(BaseModel):
    """One row of the file, validated (what the ledger needs of a discovered device)."""

    model_config = ConfigDict(frozen=True, extra="ignore", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=100)
    address: str = Field(min_length=1, max_length=200)
    port: int = Field(ge=1, le=65535)
    version: Literal["1", "2c"] = "2c"
    community: str = Field(min_length=1, max_length=100)
    profile: str = Field("auto", max_length=100)
    vendor: str = Field("", max_length=100)
    model: str = Field("", max_length=100)
    serial: str = Field("", max_length=200)

    @field_validator("address")
    @classmethod
    def _ip_address(cls, value: str) -> str:
        try:
            return str(ipaddress.ip_address(value))
        except ValueError:
            raise ValueError("bad_address") from None

    @field_validator("profile")
    @classmethod
    def _profile(cls, value: str) -> str:
        return value or "auto"


@dataclass(frozen=True, slots=True)
class RowError:
    row: int
    column: str
    problem: str  # a code: required, too_long, not_a_number, out_of_range, bad_version...


@dataclass(frozen=True, slots=True)
class ParsedRow:
    """One row: its number (CSV: the spreadsheet row, header = 1; YAML: list position from 1),
    the raw values as read, and either a candidate or its errors."""

    row: int
    raw: Mapping[str, str]
    candidate: DiscoveredRow | None
    errors: tuple[RowError, ...] = ()


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030 (a superset of GBK)."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DiscoveryFileError("encoding")  # pragma: no cover - gb18030 decodes nearly anything


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _csv_records(text: str) -> list[tuple[int, dict[str, str]]]:
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        raise DiscoveryFileError("empty") from None
    except csv.Error as exc:
        raise DiscoveryFileError("not_csv", str(exc)) from None
    header = [h.strip().lower() for h in header]
    missing = [f for f in REQUIRED if f not in header]
    if missing:
        raise DiscoveryFileError("missing_columns", ", ".join(missing))
    out = []
    try:
        for number, values in enumerate(reader, start=2):
            if not any(v.strip() for v in values):
                continue  # blank line
            record = {h: v for h, v in zip(header, values, strict=False) if h}
            if len(values) > len(header):
                record["_extra"] = ",".join(values[len(header) :])
            out.append((number, record))
    except csv.Error as exc:
        raise DiscoveryFileError("not_csv", str(exc)) from None
    return out


def _yaml_records(text: str) -> list[tuple[int, dict[str, str]]]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise DiscoveryFileError("not_yaml", str(exc).splitlines()[0]) from None
    items = data.get("devices") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise DiscoveryFileError("no_devices")
    out = []
    for number, item in enumerate(items, start=1):
        if isinstance(item, dict):
            out.append((number, {str(k).strip().lower(): _text(v) for k, v in item.items()}))
        else:
            out.append((number, {"_item": _text(item)}))
    return out


def sniff(text: str) -> Literal["csv", "yaml"]:
    """A YAML list (``devices:`` / ``- name:``) or else CSV, from the first non-blank line."""
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return "yaml" if first.startswith(("devices:", "- ", "---", "#")) else "csv"


def _problem(error: Mapping[str, Any]) -> str:
    if error["type"] == "value_error":
        return str(error.get("ctx", {}).get("error", "invalid"))
    return _PROBLEMS.get(str(error["type"]), "invalid")


def parse_rows(text: str, kind: Literal["csv", "yaml"] | None = None) -> list[ParsedRow]:
    """Every row of the file, validated; file-level problems raise DiscoveryFileError.
    A row repeating an earlier name, or address and port, is an error (``duplicate``)."""
    if not text.strip():
        raise DiscoveryFileError("empty")
    records = (_csv_records if (kind or sniff(text)) == "csv" else _yaml_records)(text)
    if not records:
        raise DiscoveryFileError("no_devices")
    if len(records) > MAX_ROWS:
        raise DiscoveryFileError("too_many", str(MAX_ROWS))
    rows: list[ParsedRow] = []
    names: set[str] = set()
    endpoints: set[tuple[str, int]] = set()
    for number, record in records:
        if "_item" in record:
            rows.append(ParsedRow(number, record, None, (RowError(number, "", "not_a_row"),)))
            continue
        if "_extra" in record:
            rows.append(ParsedRow(number, record, None, (RowError(number, "", "extra_values"),)))
            continue
        values = {k: v for k, v in record.items() if k in FIELDS and v.strip()}
        try:
            cand = DiscoveredRow.model_validate(values)
        except ValidationError as exc:
            errors = tuple(
                RowError(number, str(e["loc"][0]) if e["loc"] else "", _problem(e))
                for e in exc.errors()
            )
            rows.append(ParsedRow(number, record, None, errors))
            continue
        dup = [RowError(number, "name", "duplicate")] if cand.name in names else []
        if (cand.address, cand.port) in endpoints:
            dup.append(RowError(number, "address", "duplicate"))
        names.add(cand.name)
        endpoints.add((cand.address, cand.port))
        rows.append(ParsedRow(number, record, None if dup else cand, tuple(dup)))
    return rows


def read_file(data: bytes, filename: str = "") -> list[ParsedRow]:
    """Decode and parse an uploaded file; the extension decides the format when it says."""
    lower = filename.lower()
    kind: Literal["csv", "yaml"] | None = (
        "csv" if lower.endswith(".csv") else "yaml" if lower.endswith((".yaml", ".yml")) else None
    )
    return parse_rows(decode(data), kind)


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """What of a ledger device a candidate is compared with."""

    name: str
    address: str
    port: int
    version: str
    community: str
    profile: str
    vendor: str
    model: str


# candidate field -> ledger field compared (community compared, never shown)
COMPARED = ("name", "address", "port", "version", "community", "profile", "vendor", "model")


@dataclass(frozen=True, slots=True)
class Preview:
    """A parsed row against the ledger: status new | existing | invalid."""

    row: ParsedRow
    status: Literal["new", "existing", "invalid"]
    match: str = ""  # the ledger device's name when existing
    differences: tuple[tuple[str, str, str], ...] = field(default=())  # (field, ledger, file)


def _differences(c: DiscoveredRow, d: LedgerEntry) -> tuple[tuple[str, str, str], ...]:
    out = []
    for key in COMPARED:
        mine, theirs = str(getattr(c, key)), str(getattr(d, key))
        if mine != theirs:
            if key == "community":
                mine, theirs = COMMUNITY_MASK, COMMUNITY_MASK
            out.append((key, theirs, mine))
    return tuple(out)


def classify(rows: Iterable[ParsedRow], ledger: Sequence[LedgerEntry]) -> list[Preview]:
    """Each row: invalid (its errors), existing (same address and port, or same name: the
    differences listed) or new."""
    by_name = {d.name: d for d in ledger}
    by_endpoint = {(d.address, d.port): d for d in ledger}
    out = []
    for row in rows:
        c = row.candidate
        if c is None:
            out.append(Preview(row, "invalid"))
            continue
        match = by_endpoint.get((c.address, c.port)) or by_name.get(c.name)
        if match is None:
            out.append(Preview(row, "new"))
        else:
            out.append(Preview(row, "existing", match.name, _differences(c, match)))
    return out


def device_fields(c: DiscoveredRow) -> dict[str, Any]:
    """The ledger fields of a new SNMP device made from a candidate."""
    return {
        "kind": "snmp", "title_zh": c.name, "title_en": c.name, "address": c.address,
        "port": c.port, "snmp_version": c.version, "community": c.community,
        "profile": c.profile, "vendor": c.vendor, "model": c.model,
    }  # fmt: skip


def audit_fields(c: DiscoveredRow) -> dict[str, Any]:
    """What the audit keeps of an added candidate: the community masked."""
    return {**device_fields(c), "community": COMMUNITY_MASK, "serial": c.serial}
