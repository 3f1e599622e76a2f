"""Judging one inspection item against its standard (pure).

A standard is one of: ``below`` (every reading < high), ``above`` (> low), ``range``
(low <= reading <= high, either bound may be open) or ``text`` (the reading's text is one
of the accepted words). A device reports one reading per instance (ports, probes, output
lines): the item passes only when every fresh instance passes. A missing or stale reading
is "no data", never a pass: the inspector must then check on site.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

OPS = ("below", "above", "range", "text")


class Outcome(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    NODATA = "nodata"


@dataclass(frozen=True, slots=True)
class Standard:
    op: str
    low: float | None = None
    high: float | None = None
    expect: str = ""  # accepted texts, comma-separated

    def accepted(self) -> tuple[str, ...]:
        return tuple(
            w.strip().lower() for w in self.expect.replace("，", ",").split(",") if w.strip()
        )


@dataclass(frozen=True, slots=True)
class Point:
    """One instance's latest reading."""

    instance: str
    value: float | None
    text: str | None
    ts: datetime


@dataclass(frozen=True, slots=True)
class Judgement:
    outcome: Outcome
    reading: str  # what the sheet shows: the worst value, or the failing instances
    value: float | None = None
    read_at: datetime | None = None


def check_standard(std: Standard) -> str:
    """The message id of what is wrong with a standard, or "" when it can be judged."""
    if std.op not in OPS:
        return "inspection.std.bad_op"
    if std.op == "below" and std.high is None:
        return "inspection.std.need_high"
    if std.op == "above" and std.low is None:
        return "inspection.std.need_low"
    if std.op == "range":
        if std.low is None and std.high is None:
            return "inspection.std.need_bound"
        if std.low is not None and std.high is not None and std.low > std.high:
            return "inspection.std.low_above_high"
    if std.op == "text" and not std.accepted():
        return "inspection.std.need_expect"
    return ""


def passes(std: Standard, value: float | None, text: str | None) -> bool | None:
    """One reading against the standard; None when the reading has nothing to judge."""
    if std.op == "text":
        if text:
            return text.strip().lower() in std.accepted()
        return None
    if value is None:
        return None
    if std.op == "below":
        return std.high is not None and value < std.high
    if std.op == "above":
        return std.low is not None and value > std.low
    if std.op == "range":
        return (std.low is None or value >= std.low) and (std.high is None or value <= std.high)
    return None


def _num(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:.1f}"


def _shown(p: Point, unit: str) -> str:
    if p.text:
        return p.text
    if p.value is None:
        return "—"
    return f"{_num(p.value)}{unit if unit in ('%', '°C') else (' ' + unit if unit else '')}"


def _worst(std: Standard, points: Sequence[Point]) -> Point:
    numeric = [p for p in points if p.value is not None]
    if not numeric:
        return points[0]
    if std.op == "above":
        return min(numeric, key=lambda p: p.value or 0.0)
    if std.op == "range" and std.low is not None:
        low, high = std.low, std.high if std.high is not None else float("inf")
        return max(numeric, key=lambda p: max(low - (p.value or 0.0), (p.value or 0.0) - high))
    return max(numeric, key=lambda p: p.value or 0.0)


def judge(
    std: Standard, points: Sequence[Point], now: datetime, max_age: timedelta, unit: str = ""
) -> Judgement:
    """The item's outcome over all instances of one device's metric."""
    fresh = [p for p in points if now - p.ts <= max_age]
    verdicts = [(p, passes(std, p.value, p.text)) for p in fresh]
    failed = [p for p, ok in verdicts if ok is False]
    if failed:
        if std.op == "text" or len(points) > 1:
            shown = "; ".join(
                f"{p.instance}: {_shown(p, unit)}" if p.instance else _shown(p, unit)
                for p in failed[:6]
            )
            if len(failed) > 6:
                shown += f" (+{len(failed) - 6})"
        else:
            shown = _shown(failed[0], unit)
        worst = _worst(std, failed)
        return Judgement(Outcome.FAIL, shown[:200], worst.value, worst.ts)
    judged = [p for p, ok in verdicts if ok is True]
    if not judged or len(judged) < len(points):
        return Judgement(Outcome.NODATA, "—")
    worst = _worst(std, judged)
    if std.op == "text":
        shown = (
            f"{_shown(judged[0], unit)} ×{len(judged)}"
            if len(judged) > 1
            else _shown(judged[0], unit)
        )
    else:
        shown = _shown(worst, unit)
    return Judgement(Outcome.PASS, shown[:200], worst.value, min(p.ts for p in judged))


def standard_text(std: Standard, unit: str = "") -> str:
    """The standard as the paper form writes it: "< 60%", "18–27°C", "= up"."""
    u = unit if unit in ("%", "°C") else (f" {unit}" if unit else "")
    if std.op == "below" and std.high is not None:
        return f"< {_num(std.high)}{u}"
    if std.op == "above" and std.low is not None:
        return f"> {_num(std.low)}{u}"
    if std.op == "range":
        if std.low is not None and std.high is not None:
            return f"{_num(std.low)}–{_num(std.high)}{u}"
        if std.high is not None:
            return f"≤ {_num(std.high)}{u}"
        if std.low is not None:
            return f"≥ {_num(std.low)}{u}"
    if std.op == "text":
        return "= " + " / ".join(std.accepted())
    return ""


_SECONDS_PER = {"s": 1.0, "min": 60.0, "h": 3600.0}


def convertible(unit: str, to: str) -> bool:
    """Whether readings in ``unit`` can be judged against a standard written in ``to``."""
    return unit != to and unit in _SECONDS_PER and to in _SECONDS_PER


def convert(value: float | None, unit: str, to: str) -> float | None:
    """A duration in ``unit`` expressed in ``to`` (s, min, h); other values unchanged."""
    if value is None or not convertible(unit, to):
        return value
    return value * _SECONDS_PER[unit] / _SECONDS_PER[to]


def relevant(metric: str, points: Sequence[Point], admin: dict[str, str]) -> list[Point]:
    """The instances that count: a port set administratively down is meant to be down."""
    if metric == "if_oper_status" and admin:
        return [p for p in points if admin.get(p.instance, "up") == "up"]
    return list(points)
