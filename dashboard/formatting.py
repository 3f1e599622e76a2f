"""How values, units, ages and times are shown (pure functions, plus their Jinja filters)."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from flask import Flask

from core.types import Sample
from dashboard.i18n import gettext, has, label

# units whose value is shown scaled (bit/s -> kbit/s...) and how they are written
_RATE_UNITS = {"bps": "bit/s", "bit/s": "bit/s", "bits/s": "bit/s", "B/s": "B/s", "Bps": "B/s"}
_UNIT_TEXT = {
    "percent": "%",
    "%": "%",
    "celsius": "°C",
    "C": "°C",
    "degC": "°C",
    "°C": "°C",
    "min": "min",
    "minutes": "min",
    "s": "s",
    "seconds": "s",
    "%RH": "%RH",
}


def number(value: float, digits: int = 1) -> str:
    """A readable number: integers without decimals, others with up to ``digits`` decimals."""
    if not math.isfinite(value):
        return str(value)
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    text = f"{value:.{digits}f}".rstrip("0").rstrip(".")
    return text or "0"


def scaled_rate(value: float, unit: str) -> str:
    for factor, prefix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= factor:
            return f"{number(value / factor, 2)} {prefix}{unit}"
    return f"{number(value)} {unit}"


def with_unit(value: float, unit: str) -> str:
    if unit in _RATE_UNITS:
        return scaled_rate(value, _RATE_UNITS[unit])
    shown = _UNIT_TEXT.get(unit, unit)
    if not shown:
        return number(value, 2)
    if shown in ("%", "°C"):
        return f"{number(value)}{shown}"
    return f"{number(value, 2)} {shown}"


def enum_text(metric: str, text: str) -> str:
    """An enum label (``ups_output_source`` = ``battery``) in the user's language."""
    msgid = f"enum.{metric}.{text}"
    return gettext(msgid) if has(msgid) else text


def sample_value(sample: Sample) -> str:
    """A sample as shown in a table: enum text, plain text or number with unit."""
    if sample.text is not None and sample.text != "":
        return enum_text(sample.metric, sample.text)
    if sample.value is None:
        return "—"
    if sample.metric == "device_up":
        return label("state", "up" if sample.value >= 1 else "down")
    return with_unit(sample.value, sample.unit)


def age(ts: datetime | None, now: datetime) -> str:
    """How long ago, short and in the user's language ('12 秒前' / '12 s ago')."""
    if ts is None:
        return "—"
    seconds = max(0, int((now - ts).total_seconds()))
    if seconds < 90:
        return gettext("age.seconds", n=seconds)
    if seconds < 90 * 60:
        return gettext("age.minutes", n=round(seconds / 60))
    if seconds < 36 * 3600:
        return gettext("age.hours", n=round(seconds / 3600))
    return gettext("age.days", n=round(seconds / 86400))


def localtime(ts: datetime | None) -> str:
    """A timestamp in the server's local time zone (where the duty room is)."""
    if ts is None:
        return "—"
    return ts.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def is_stale(ts: datetime, now: datetime, interval_seconds: float) -> bool:
    return now - ts > timedelta(seconds=3 * max(interval_seconds, 1.0))


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(localtime=localtime, sample_value=sample_value, number=number)
    app.jinja_env.globals.update(age=age, label=label)
