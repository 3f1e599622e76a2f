"""Device profiles: what to fetch from a device and how to name it, as data files.

A profile (``devices/profiles/<name>.yaml``) declares how to recognise a device
(``detect``), the scalar OIDs and table columns to fetch, and for each one the metric
name, kind, unit, scale and enum labels. ``extends`` pulls in other profiles' metrics,
so ``ups-mib`` needs only its own OIDs on top of ``system``.

Profiles are validated once, at load: any mistake is a :class:`ProfileError` naming the
file, the field and the fix.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Collection, Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from core.errors import ProfileError
from core.types import MetricKind

_OID_RE = re.compile(r"^\d+(\.\d+)+$")
_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_oid(value: str) -> str:
    value = value.strip().lstrip(".")
    if not _OID_RE.match(value):
        raise ValueError(f"{value!r} is not a numeric OID like 1.3.6.1.2.1.1.3.0")
    return value


class MetricSpec(_Model):
    """One value to fetch: a scalar instance OID, or a table column OID."""

    name: str
    oid: str
    kind: MetricKind = MetricKind.GAUGE
    unit: str = ""
    scale: float = 1.0
    values: dict[int, str] = Field(default_factory=dict)  # enum code -> label
    instance: str = ""  # scalars only: a fixed instance label
    width: int = 64  # counters only: 32 or 64 bits, for wrap detection
    inspection: bool = False  # this metric feeds the daily inspection sheet
    # tables only: a column read when ``oid`` has no rows (ifHCInOctets -> ifInOctets)
    fallback: str | None = None
    fallback_width: int = 32
    # value x (this column, same row): hrStorageUsed x hrStorageAllocationUnits = bytes
    multiply_by: str | None = None
    # 100 x value / (this column or scalar): hrStorageUsed / hrStorageSize = percent used
    percent_of: str | None = None
    # ENTITY-SENSOR-MIB: value x 10^(3 x (scale code - 9)) / 10^precision, per row
    scale_column: str | None = None
    precision_column: str | None = None
    # counters: the rate may not exceed (this column x limit_scale); ifHighSpeed -> B/s
    limit_column: str | None = None
    limit_scale: float = 1.0

    @field_validator("oid")
    @classmethod
    def _oid(cls, v: str) -> str:
        return _check_oid(v)

    @field_validator(
        "fallback", "multiply_by", "percent_of", "scale_column", "precision_column",
        "limit_column",
    )  # fmt: skip
    @classmethod
    def _helper_oid(cls, v: str | None) -> str | None:
        return None if v is None else _check_oid(v)

    @field_validator("fallback_width")
    @classmethod
    def _fallback_width(cls, v: int) -> int:
        if v not in (32, 64):
            raise ValueError("fallback_width must be 32 or 64")
        return v

    @model_validator(mode="after")
    def _coherent(self) -> MetricSpec:
        numeric = self.kind in (MetricKind.GAUGE, MetricKind.COUNTER)
        if self.inspection and self.kind is MetricKind.INFO:
            raise ValueError(
                "inspection: an info metric has no value to inspect; "
                "set inspection only on gauge, enum or counter metrics"
            )
        for field in ("multiply_by", "percent_of", "scale_column", "precision_column"):
            if getattr(self, field) and self.kind is not MetricKind.GAUGE:
                raise ValueError(f"{field} applies to gauge metrics only (this is {self.kind})")
        if self.limit_column and self.kind is not MetricKind.COUNTER:
            raise ValueError("limit_column applies to counter metrics only")
        if self.fallback and not numeric and self.kind is not MetricKind.ENUM:
            raise ValueError("fallback applies to numeric metrics only")
        if self.multiply_by and self.percent_of:
            raise ValueError("use multiply_by or percent_of, not both")
        if self.values and self.kind is not MetricKind.ENUM:
            raise ValueError(f"values (an enum map) given but kind is {self.kind}: use kind: enum")
        return self

    def helper_oids(self) -> list[str]:
        """Other columns this metric needs from the same row (walked with the table)."""
        return [
            oid
            for oid in (
                self.multiply_by,
                self.percent_of,
                self.scale_column,
                self.precision_column,
                self.limit_column,
            )
            if oid
        ]

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not _NAME_RE.match(v):
            raise ValueError(f"{v!r}: use lower_snake_case (letters, digits, _)")
        return v

    @field_validator("width")
    @classmethod
    def _width(cls, v: int) -> int:
        if v not in (32, 64):
            raise ValueError("width must be 32 or 64")
        return v


class RowFilter(_Model):
    """Keep only the rows whose ``column`` value (text, or OID) matches ``match``."""

    column: str
    match: str

    @field_validator("column")
    @classmethod
    def _column(cls, v: str) -> str:
        return _check_oid(v)

    @field_validator("match")
    @classmethod
    def _regex(cls, v: str) -> str:
        try:
            re.compile(v)
        except re.error as exc:
            raise ValueError(f"bad regular expression {v!r}: {exc}") from None
        return v


class TableSpec(_Model):
    """Columns of one SNMP table; the row index (or a label column) is the instance."""

    name: str
    instance_label: str | None = None  # column OID whose value names the row (ifName)
    # when the label column has no rows (no ifXTable): this one instead (ifDescr)
    instance_label_fallback: str | None = None
    rows: RowFilter | None = None
    metrics: list[MetricSpec] = Field(min_length=1)

    @field_validator("instance_label", "instance_label_fallback")
    @classmethod
    def _label(cls, v: str | None) -> str | None:
        return None if v is None else _check_oid(v)


class Title(_Model):
    zh: str
    en: str


class DetectSpec(_Model):
    sys_object_id: list[str] = Field(default_factory=list)  # OID prefixes
    sys_descr: list[str] = Field(default_factory=list)  # regular expressions

    @field_validator("sys_object_id")
    @classmethod
    def _prefixes(cls, v: list[str]) -> list[str]:
        return [_check_oid(x) for x in v]

    @field_validator("sys_descr")
    @classmethod
    def _regexes(cls, v: list[str]) -> list[str]:
        for rx in v:
            try:
                re.compile(rx)
            except re.error as exc:
                raise ValueError(f"bad regular expression {rx!r}: {exc}") from None
        return v


class Profile(_Model):
    name: str
    title: Title
    description: str = ""
    detect: DetectSpec = Field(default_factory=DetectSpec)
    extends: list[str] = Field(default_factory=list)
    scalars: list[MetricSpec] = Field(default_factory=list)
    tables: list[TableSpec] = Field(default_factory=list)

    def scalar_oids(self) -> list[str]:
        oids: list[str] = []
        for m in self.scalars:
            for oid in (m.oid, *m.helper_oids()):
                if oid not in oids:
                    oids.append(oid)
        return oids

    def walk_roots(self) -> list[str]:
        """Column OIDs to walk: every metric column plus every label, filter and helper
        column. Fallback columns are not here: see :meth:`fallback_roots`."""
        roots: list[str] = []
        for table in self.tables:
            row_filter = table.rows.column if table.rows else None
            for oid in [table.instance_label, row_filter]:
                if oid and oid not in roots:
                    roots.append(oid)
            for m in table.metrics:
                for oid in (m.oid, *m.helper_oids()):
                    if oid not in roots:
                        roots.append(oid)
        return roots

    def fallback_roots(self, fetched: Iterable[str]) -> list[str]:
        """Fallback columns to walk because their primary column came back empty."""
        if not self._fallback_tables():
            return []
        seen = sorted(fetched)

        def empty(column: str) -> bool:  # OIDs under a column are contiguous when sorted
            prefix = column + "."
            at = bisect_left(seen, prefix)
            return at == len(seen) or not seen[at].startswith(prefix)

        return self._fallbacks(empty)

    def fallback_roots_of(self, walked: Mapping[str, Collection[str]]) -> list[str]:
        """:meth:`fallback_roots` from the rows each root's walk gave (``walked``: column
        -> its OIDs), with no sort of every fetched OID: a column is empty when its walk
        found nothing (or it was not walked)."""
        if not self._fallback_tables():
            return []
        return self._fallbacks(lambda column: not walked.get(column))

    def _fallback_tables(self) -> list[TableSpec]:
        return [
            t for t in self.tables
            if t.instance_label_fallback or any(m.fallback for m in t.metrics)
        ]  # fmt: skip

    def _fallbacks(self, empty: Callable[[str], bool]) -> list[str]:
        out: list[str] = []
        for table in self._fallback_tables():
            label = table.instance_label
            if label and table.instance_label_fallback and empty(label):
                out.append(table.instance_label_fallback)
            for m in table.metrics:
                if m.fallback and empty(m.oid) and m.fallback not in out:
                    out.append(m.fallback)
        return out

    def inspection_metrics(self) -> list[str]:
        """Names of the metrics that feed the daily inspection."""
        every = [*self.scalars, *(m for t in self.tables for m in t.metrics)]
        return [m.name for m in every if m.inspection]

    def metric_names(self) -> list[str]:
        return [m.name for m in self.scalars] + [m.name for t in self.tables for m in t.metrics]


def default_profiles_dir() -> Path:
    import devices

    return Path(next(iter(devices.__path__))) / "profiles"  # works as a namespace package too


def _format_error(path: Path, exc: ValidationError) -> str:
    err = exc.errors()[0]
    loc = ".".join(str(x) for x in err["loc"]) or "(top level)"
    if err["type"] == "extra_forbidden":
        fix = "remove it or check its spelling"
    elif err["type"] == "missing":
        fix = "add it"
    else:
        fix = err["msg"].removeprefix("Value error, ")
    return f"{path}: field '{loc}': {fix}"


def load_profile_file(path: Path) -> Profile:
    try:
        data: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ProfileError(f"{path}: cannot read profile ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise ProfileError(f"{path}:{where} not valid YAML: fix the syntax") from None
    if not isinstance(data, dict):
        raise ProfileError(f"{path}: a profile must be a mapping with name, title, scalars...")
    try:
        profile = Profile.model_validate(data)
    except ValidationError as exc:
        raise ProfileError(_format_error(path, exc)) from None
    if profile.name != path.stem:
        raise ProfileError(
            f"{path}: field 'name': {profile.name!r} differs from the file name; "
            f"rename the file or set name: {path.stem}"
        )
    return profile


def _resolve(
    name: str, raw: dict[str, Profile], done: dict[str, Profile], chain: tuple[str, ...]
) -> Profile:
    if name in done:
        return done[name]
    if name in chain:
        raise ProfileError(f"profile {name}: 'extends' loops ({' -> '.join((*chain, name))})")
    own = raw[name]
    scalars: list[MetricSpec] = []
    tables: list[TableSpec] = []
    for parent in own.extends:
        if parent not in raw:
            raise ProfileError(
                f"profile {name}: field 'extends': unknown profile {parent!r} "
                f"(known: {', '.join(sorted(raw))})"
            )
        base = _resolve(parent, raw, done, (*chain, name))
        scalars += [m for m in base.scalars if m not in scalars]
        tables += [t for t in base.tables if t not in tables]
    merged = own.model_copy(
        update={"scalars": scalars + own.scalars, "tables": tables + own.tables}
    )
    names = merged.metric_names()
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ProfileError(f"profile {name}: metric {dup[0]!r} declared twice: keep one")
    done[name] = merged
    return merged


def load_profiles(directory: Path | None = None) -> dict[str, Profile]:
    """Load and validate every ``*.yaml`` profile in ``directory``, with extends resolved."""
    directory = directory or default_profiles_dir()
    if not directory.is_dir():
        raise ProfileError(f"profile directory {directory} not found")
    raw: dict[str, Profile] = {}
    for path in sorted(directory.glob("*.yaml")):
        profile = load_profile_file(path)
        raw[profile.name] = profile
    done: dict[str, Profile] = {}
    for name in raw:
        _resolve(name, raw, done, ())
    return done


_cache: dict[str, Profile] | None = None


def get_profile(name: str, profiles: dict[str, Profile] | None = None) -> Profile:
    """A profile by name from ``profiles`` (default: the installed profiles, loaded once)."""
    global _cache
    if profiles is None:
        if _cache is None:
            _cache = load_profiles()
        profiles = _cache
    try:
        return profiles[name]
    except KeyError:
        raise ProfileError(
            f"unknown profile {name!r}: use one of {', '.join(sorted(profiles))} or 'auto'"
        ) from None


def detect_profile(
    profiles: dict[str, Profile], sys_object_id: str | None, sys_descr: str | None
) -> Profile | None:
    """The best profile for a device: the longest matching sysObjectID prefix wins,
    then a sysDescr regular expression; ``None`` when nothing matches."""
    oid = (sys_object_id or "").strip().lstrip(".")
    best: tuple[int, str] | None = None
    for profile in profiles.values():
        for prefix in profile.detect.sys_object_id:
            if oid == prefix or oid.startswith(prefix + "."):
                score = len(prefix.split("."))
                if best is None or score > best[0]:
                    best = (score, profile.name)
    if best is not None:
        return profiles[best[1]]
    descr = sys_descr or ""
    for name in sorted(profiles):
        if any(re.search(rx, descr) for rx in profiles[name].detect.sys_descr):
            return profiles[name]
    return None
