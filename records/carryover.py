"""Sources of what a shift hands over: each area reports its items through one function.

A source is ``(session, now) -> list[CarryOver]`` named here as "module:function"; a
source whose module is not there yet is skipped, so the handover works with whatever
areas exist (issue 5: "read them through an interface").
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from core.duty import CarryOver

log = logging.getLogger(__name__)

Source = Callable[[Session, datetime], list[CarryOver]]

SOURCES: dict[str, str] = {
    "alarm": "records.handover.sources:alarm_items",
    "inspection": "records.inspection.carryover:carry_over",
    "change": "records.changes.carryover:carry_over",
    "visitor": "records.access.carryover:carry_over",
    "loan": "inventory.loans_carryover:carry_over",
    "key_check": "inventory.loans_carryover:key_check_items",
}


def load_source(name: str) -> Source | None:
    module, _, attr = SOURCES[name].partition(":")
    try:
        fn = getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError):
        return None
    return fn  # type: ignore[no-any-return]


def collect(session: Session, now: datetime) -> list[CarryOver]:
    """Every source's items, in the order of :data:`SOURCES`."""
    items: list[CarryOver] = []
    for name in SOURCES:
        fn = load_source(name)
        if fn is not None:
            items.extend(fn(session, now))
    return items
