"""Reading the ledger's forms: every field checked, problems keyed by field (shown next
to it). Values come back typed for the inventory services."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from typing import Any

from dashboard.i18n import gettext as _
from inventory.ledger_csv import parse_date
from inventory.ledger_rules import FACES, KINDS, STATUSES

TEXT = {"name": 100, "asset_tag": 100, "device_type": 40, "vendor": 100, "model": 100,
        "serial": 200, "owner": 100, "address": 200, "title_zh": 200, "title_en": 200,
        "notes": 4000}  # fmt: skip
CHOICES = {"status": STATUSES, "face": FACES, "kind": KINDS}
INTS = {"room_id": None, "rack_id": None, "position_u": (1, 60), "u_height": (1, 60),
        "port": (1, 65535), "power_parent_id": None, "network_parent_id": None}  # fmt: skip
DATES = ("purchase_date", "warranty_until")


def asset_fields(form: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    out: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for key, limit in TEXT.items():
        value = form.get(key, "").strip()
        if len(value) > limit:
            errors[key] = _("ledger.error.too_long")
        out[key] = value
    if not out["name"]:
        errors["name"] = _("ledger.error.required")
    out["asset_tag"] = out["asset_tag"] or None
    for key, allowed in CHOICES.items():
        value = form.get(key, "")
        if value not in allowed:
            errors[key] = _("ledger.error.bad_choice")
        out[key] = value
    for key, bounds in INTS.items():
        value = form.get(key, "").strip()
        if not value:
            out[key] = {"u_height": 1, "port": 161}.get(key)
            continue
        if not value.isdigit() or (bounds and not bounds[0] <= int(value) <= bounds[1]):
            errors[key] = _("ledger.error.bad_number")
            continue
        out[key] = int(value)
    for key in DATES:
        value = form.get(key, "").strip()
        try:
            out[key] = parse_date(value) if value else None
        except ValueError:
            errors[key] = _("ledger.error.bad_date")
    out["enabled"] = form.get("enabled") == "1" and out.get("kind") != "asset"
    return out, errors


def due_time(value: str) -> datetime | None:
    """A due date (end of that day, UTC) or date and time from a datetime-local field."""
    value = value.strip()
    for fmt in ("%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"):
        try:
            return datetime.strptime(value, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    try:
        day: date = parse_date(value)
    except ValueError:
        return None
    return datetime.combine(day, time(23, 59), tzinfo=UTC)
