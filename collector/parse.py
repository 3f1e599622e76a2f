"""Raw SNMP values -> typed samples, as a profile says.

Input is what the adapter fetched: OID string -> python value (``int`` for
INTEGER/Counter/Gauge/TimeTicks, ``bytes`` for OCTET STRING, ``str`` for OIDs and IP
addresses, ``None`` for noSuchObject / noSuchInstance / endOfMibView). Bad device data
never raises: a missing or malformed scalar becomes a sample with ``value=None`` and the
reason in ``text``, and a note in ``problems``.
"""

from __future__ import annotations

import dataclasses
import re
from bisect import bisect_left
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

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
    limit: float | None = None  # highest believable rate (interface speed), per second

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.device, self.metric, self.instance)


# (metric, instance, raw, width, unit, limit): a CounterReading of the poll's device and time
CounterRow = tuple[str, str, int, int, str, float | None]


@dataclass(frozen=True, slots=True)
class ParsedPoll:
    samples: tuple[Sample, ...]
    counters: tuple[CounterReading, ...]
    problems: tuple[str, ...]
    uptime_ticks: int | None


def _sample_maker() -> Callable[..., Sample]:
    """``Sample(...)`` (positional arguments) at a fraction of the cost, for the per-row
    loops: a frozen dataclass's ``__init__`` sets each slot through ``object.__setattr__``;
    this sets the same slots directly (``core._slots``, in C) or through their descriptors
    (in Python, where the C part is not built). Falls back to ``Sample`` itself when the
    class is not the slotted dataclass this expects."""
    fields = dataclasses.fields(Sample)
    defaults = [f.default for f in fields]
    if any(d is dataclasses.MISSING for d in defaults[5:]) or len(fields) != 7:
        return Sample
    try:
        from core import _slots  # type: ignore[attr-defined]

        made = _slots.maker(Sample, tuple(f.name for f in fields), tuple(defaults[5:]))
    except (ImportError, TypeError):
        made = None
    if made is not None and _same(made, Sample):
        return made  # type: ignore[no-any-return]
    return _descriptor_maker(fields, defaults)


def _same(make: Callable[..., Sample], cls: Callable[..., Sample]) -> bool:
    probe = ("d", "m", "i", 1.5, datetime(2026, 1, 1), "u", "t")
    return bool(make(*probe) == cls(*probe) and make(*probe[:5]) == cls(*probe[:5]))


def _descriptor_maker(
    fields: tuple[dataclasses.Field, ...],  # type: ignore[type-arg]
    defaults: list[object],
) -> Callable[..., Sample]:
    slots = [Sample.__dict__.get(f.name) for f in fields]
    if not all(type(slot).__name__ == "member_descriptor" for slot in slots):
        return Sample
    setters = [slot.__set__ for slot in slots]  # type: ignore[union-attr]
    new = object.__new__
    sd, sm, si, sv, st, su, sx = setters
    du: str = defaults[5]  # type: ignore[assignment]
    dx: str | None = defaults[6]  # type: ignore[assignment]

    def make(device: str, metric: str, instance: str, value: float | None, ts: datetime,
             unit: str = du, text: str | None = dx) -> Sample:  # fmt: skip
        obj = new(Sample)
        sd(obj, device)
        sm(obj, metric)
        si(obj, instance)
        sv(obj, value)
        st(obj, ts)
        su(obj, unit)
        sx(obj, text)
        return obj  # type: ignore[no-any-return]

    return make


new_sample = _sample_maker()


# control characters a device may send inside a string (NUL padding, escape sequences of
# a console banner): none of them is text, and NUL cannot be stored by PostgreSQL at all.
# Tab, line feed and carriage return stay (multi-line sysDescr). Removing them as bytes is
# safe for the three codecs below: no multi-byte UTF-8 or GB18030 character contains a
# byte under 0x20 or 0x7F.
_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
_CONTROL_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def clean_text(text: str) -> str:
    """``text`` without control characters (C0 but tab, LF and CR; DEL; C1)."""
    return _CONTROL_CHARS.sub("", text) if _CONTROL_CHARS.search(text) else text


def decode_text(value: Raw) -> str | None:
    """Bytes from a device as text: UTF-8, else GB18030 (Chinese firmware), else Latin-1;
    control characters removed (:func:`clean_text`)."""
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.translate(None, _CONTROL_BYTES)
        for codec in ("utf-8", "gb18030"):
            try:
                text = value.decode(codec)
            except UnicodeDecodeError:
                continue
            # C1 controls are U+0080-U+009F: in UTF-8 they start with 0xC2
            return text if codec == "utf-8" and b"\xc2" not in value else clean_text(text)
        return clean_text(value.decode("latin-1"))  # 0x80-0x9F are C1 controls here
    return clean_text(str(value))


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
        self.counters: list[CounterRow] = []  # CounterReadings without device and time
        self.problems: list[str] = []

    def unknown(self, spec: MetricSpec, instance: str, reason: str) -> None:
        self.problems.append(f"{spec.name}[{instance}] ({spec.oid}): {reason}")
        self.samples.append(
            new_sample(
                self.device, spec.name, instance, None, self.ts, spec.unit, f"unknown: {reason}"
            )
        )

    def add(
        self,
        spec: MetricSpec,
        instance: str,
        value: Raw,
        oid: str,
        row: Mapping[str, Raw] | None = None,
        width: int | None = None,
    ) -> None:
        """One value; ``row`` holds the helper columns of its row (or the helper scalars)."""
        if value is None:
            self.unknown(spec, instance, f"no such object/instance at {oid}")
            return
        if spec.kind is MetricKind.INFO:
            self.samples.append(
                new_sample(
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
                new_sample(self.device, spec.name, instance, float(code), self.ts, spec.unit, label)
            )
        elif spec.kind is MetricKind.COUNTER:
            # keep ints exact: a float cannot hold every 64-bit counter value
            raw = value if isinstance(value, int) else int(number)
            fraction = not isinstance(value, int) and raw != number
            bits = width or spec.width
            if raw < 0 or fraction or raw >= 1 << bits:
                self.unknown(spec, instance, f"counter outside 0..2^{bits}-1: {value!r}")
                return
            limit = None
            if spec.limit_column and row is not None:
                speed = _number(row.get(spec.limit_column))
                limit = speed * spec.limit_scale if speed else None  # 0 = unknown speed
            self.counters.append((spec.name, instance, raw, bits, spec.unit, limit))
        else:
            scaled, reason = _adjust(spec, _scaled(number, spec.scale), row or {})
            if scaled is None:
                self.unknown(spec, instance, reason)
                return
            self.samples.append(
                new_sample(self.device, spec.name, instance, scaled, self.ts, spec.unit)
            )


def _adjust(spec: MetricSpec, number: float, row: Mapping[str, Raw]) -> tuple[float | None, str]:
    """Apply the row-dependent parts of a gauge: multiply_by, percent_of, sensor scale."""
    if spec.multiply_by:
        factor = _number(row.get(spec.multiply_by))
        if factor is None:
            return None, f"no number at {spec.multiply_by} to multiply by"
        number *= factor
    if spec.percent_of:
        whole = _number(row.get(spec.percent_of))
        if not whole:
            return None, f"no non-zero total at {spec.percent_of} for a percentage"
        number = round(100.0 * number / whole, 6)
    if spec.scale_column:
        code = _number(row.get(spec.scale_column))
        if code is None or not 1 <= code <= 17:
            return None, f"no sensor scale code 1..17 at {spec.scale_column}"
        number *= 10.0 ** (3 * (int(code) - 9))
    if spec.precision_column:
        digits = _number(row.get(spec.precision_column))
        if digits is None or not -8 <= digits <= 9:
            return None, f"no sensor precision -8..9 at {spec.precision_column}"
        number /= 10.0 ** int(digits)
    if spec.scale_column or spec.precision_column:
        number = round(number, 9)
    return number, ""


class _Columns:
    """The poll's values, one column's rows at a time.

    The poller hands each walked column as its own dict (``walked``: column -> OID ->
    value, in the walk's increasing order): a column's rows are then that dict with the
    prefix cut, with no sort of the whole poll. Anything else (or no ``walked``) is found
    in ``values`` with its OIDs sorted once, on first need: OIDs under one column prefix
    are contiguous in string order, so a column's rows are a slice, one bisect away.
    """

    def __init__(
        self,
        values: Mapping[str, Raw],
        walked: Mapping[str, Mapping[str, Raw]] | None = None,
        columns: Mapping[str, Mapping[str, Raw]] | None = None,
    ) -> None:
        self.values = values
        self.walked = walked or {}
        self._keys: list[str] | None = None
        self._memo: dict[str, Mapping[str, Raw]] = dict(columns) if columns else {}

    def rows(self, column: str) -> Mapping[str, Raw]:
        """Index suffix -> value for every OID under ``column`` (computed once a column:
        do not change the dict returned)."""
        got = self._memo.get(column)
        if got is not None:
            return got
        cut = len(column) + 1
        walked = self.walked.get(column)
        if walked is not None:  # a walk keeps only OIDs under its root: no prefix test
            got = self._memo[column] = {oid[cut:]: value for oid, value in walked.items()}
            return got
        keys, values = self._keys, self.values
        if keys is None:
            keys = self._keys = sorted(values)
        start = bisect_left(keys, column + ".")
        end = bisect_left(keys, column + "/", start)  # "/" sorts right after "."
        got = self._memo[column] = {oid[cut:]: values[oid] for oid in keys[start:end]}
        return got


def _parse_table(table: TableSpec, columns: _Columns, out: _Builder) -> None:
    labels: dict[str, str] = {}
    label_rows: Mapping[str, Raw] = {}
    if table.instance_label:
        label_rows = columns.rows(table.instance_label)
    if not label_rows and table.instance_label_fallback:
        label_rows = columns.rows(table.instance_label_fallback)
    for index, raw in label_rows.items():
        text = decode_text(raw)
        if text:
            labels[index] = text.strip()
    keep: set[str] | None = None
    if table.rows is not None:
        rx = re.compile(table.rows.match)
        keep = {
            index
            for index, raw in columns.rows(table.rows.column).items()
            if rx.search((decode_text(raw) or "").strip())
        }
    orders: dict[tuple[str, ...], list[str]] = {}  # columns of a table share their indexes
    for spec in table.metrics:
        column, width = spec.oid, None
        rows = columns.rows(spec.oid)
        if not rows and spec.fallback:
            column, width = spec.fallback, spec.fallback_width
            rows = columns.rows(spec.fallback)
        helpers = {oid: columns.rows(oid) for oid in spec.helper_oids()}
        indexes = tuple(rows)
        order = orders.get(indexes)
        if order is None:
            order = orders[indexes] = sorted(indexes, key=_index_key)
        if keep is not None:
            order = [index for index in order if index in keep]
        if spec.kind is MetricKind.COUNTER:  # a counter's one helper column is its limit
            limits = helpers.get(spec.limit_column or "", {})
            _counters(spec, column, width or spec.width, order, rows, labels, limits, out)
            continue
        if not helpers:
            _plain(spec, column, order, rows, labels, out)
            continue
        for index in order:
            row = {oid: cells.get(index) for oid, cells in helpers.items()}
            out.add(spec, labels.get(index, index), rows[index], f"{column}.{index}", row, width)


def _counters(
    spec: MetricSpec,
    column: str,
    bits: int,
    order: list[str],
    rows: Mapping[str, Raw],
    labels: Mapping[str, str],
    limits: Mapping[str, Raw],
    out: _Builder,
) -> None:
    """A counter column in one tight loop: the same readings as :meth:`_Builder.add`,
    which still takes every value this loop would have to refuse."""
    top = 1 << bits
    append = out.counters.append
    name, unit, limit_scale = spec.name, spec.unit, spec.limit_scale
    limit: float | None = None
    for index in order:
        value = rows[index]
        if type(value) is not int or not 0 <= value < top:
            row = {spec.limit_column: limits.get(index)} if spec.limit_column else None
            out.add(spec, labels.get(index, index), value, f"{column}.{index}", row, bits)
            continue
        if limits:
            speed = limits.get(index)
            if type(speed) is int:
                limit = speed * limit_scale if speed else None  # 0 = unknown speed
            else:
                speed = _number(speed)
                limit = speed * limit_scale if speed else None
        append((name, labels.get(index, index), value, bits, unit, limit))


def _plain(
    spec: MetricSpec,
    column: str,
    order: list[str],
    rows: Mapping[str, Raw],
    labels: Mapping[str, str],
    out: _Builder,
) -> None:
    """An enum, info or gauge column without helper columns in one loop: the samples of
    :meth:`_Builder.add`, which still takes every value this loop would have to refuse."""
    append, device, ts = out.samples.append, out.device, out.ts
    name, unit, kind, scale = spec.name, spec.unit, spec.kind, spec.scale
    add = out.add  # rows these loops leave to _Builder.add (its checks and messages)
    if kind is MetricKind.INFO:
        for index in order:
            value = rows[index]
            label = labels.get(index, index)
            if value is None:
                add(spec, label, value, f"{column}.{index}", {}, None)
            else:
                append(new_sample(device, name, label, None, ts, unit, decode_text(value)))
    elif kind is MetricKind.ENUM:
        labels_of = spec.values
        for index in order:
            value = rows[index]
            if type(value) is not int:
                add(spec, labels.get(index, index), value, f"{column}.{index}", {}, None)
                continue
            code = value if -_EXACT <= value <= _EXACT else int(float(value))
            text = labels_of.get(code)
            if text is None:
                text = f"unknown({code})"
            append(new_sample(device, name, labels.get(index, index), float(code), ts, unit, text))
    elif kind is MetricKind.GAUGE:
        for index in order:
            value = rows[index]
            if type(value) is not int:
                add(spec, labels.get(index, index), value, f"{column}.{index}", {}, None)
                continue
            number = _scaled(float(value), scale)
            append(new_sample(device, name, labels.get(index, index), number, ts, unit))
    else:
        for index in order:
            add(spec, labels.get(index, index), rows[index], f"{column}.{index}", {}, None)


_EXACT = 1 << 53  # ints a float holds exactly


@lru_cache(maxsize=1 << 16)
def _index_key(index: str) -> tuple[int, ...]:
    try:
        return tuple(int(x) for x in index.split("."))
    except ValueError:
        return ()


def parse(profile: Profile, device: str, values: Mapping[str, Raw], ts: datetime) -> ParsedPoll:
    """Turn one poll's raw values into samples and counter readings."""
    poll = parse_rows(profile, device, values, ts)
    counters = tuple(
        CounterReading(device, name, instance, raw, width, unit, ts, limit)
        for name, instance, raw, width, unit, limit in poll.counters
    )
    return ParsedPoll(tuple(poll.samples), counters, tuple(poll.problems), poll.uptime_ticks)


@dataclass(frozen=True, slots=True)
class ParsedRows:
    """:func:`parse` without the per-counter objects: what the agent's hot path uses
    (``collector.rates.RateTracker.update_rows`` takes ``counters`` as they are)."""

    samples: list[Sample]
    counters: list[CounterRow]
    problems: list[str]
    uptime_ticks: int | None


def parse_rows(
    profile: Profile,
    device: str,
    values: Mapping[str, Raw],
    ts: datetime,
    walked: Mapping[str, Mapping[str, Raw]] | None = None,
    columns: Mapping[str, Mapping[str, Raw]] | None = None,
) -> ParsedRows:
    """Like :func:`parse`, with counters as :data:`CounterRow` tuples. The table columns
    may come apart from ``values``: ``walked`` (column OID -> the rows its walk returned,
    keyed by full OID) or ``columns`` (column OID -> index -> value, as
    ``SnmpSession.walk_columns`` returns them); the same samples as with everything merged
    into ``values``."""
    found = _Columns(values, walked, columns)
    out = _Builder(device, ts)
    for spec in profile.scalars:
        if spec.oid in values:
            helpers = {oid: values.get(oid) for oid in spec.helper_oids()}
            out.add(spec, spec.instance, values[spec.oid], spec.oid, helpers)
        else:
            out.unknown(spec, spec.instance, "not in the reply")
    for table in profile.tables:
        _parse_table(table, found, out)
    ticks = values.get(SYS_UPTIME_OID)
    uptime = int(ticks) if isinstance(ticks, int) and not isinstance(ticks, bool) else None
    return ParsedRows(out.samples, out.counters, out.problems, uptime)


def health_samples(
    device: str, up: bool, duration: float, ts: datetime, reason: str | None = None
) -> list[Sample]:
    """``device_up`` and ``poll_duration_seconds``, emitted on every poll."""
    return [
        new_sample(device, "device_up", "", 1.0 if up else 0.0, ts, "", reason),
        new_sample(device, "poll_duration_seconds", "", round(duration, 6), ts, "s"),
    ]
