"""Duty schedulers run by the server's background thread: each ``(session, now) -> None``.

Opening the day's inspection sheets, flagging overdue ones, opening the handover at each
shift change, flagging an unpublished roster... Each area names its tick here; one that
raises is logged and the others still run.
"""

from __future__ import annotations

import importlib
import logging
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

TICKS: tuple[str, ...] = (
    "records.inspection.schedule:tick",
    "records.roster.schedule:tick",
    "records.handover.schedule:tick",
    "records.access.schedule:tick",
    "records.changes.schedule:tick",
)


def run_all(factory: sessionmaker[Session], now: datetime) -> None:
    """Run each tick in its own transaction."""
    for target in TICKS:
        module, _, attr = target.partition(":")
        try:
            fn = getattr(importlib.import_module(module), attr)
        except (ImportError, AttributeError):
            continue
        try:
            with factory() as s, s.begin():
                fn(s, now)
        except Exception:  # one area's failure must not stop the others
            log.exception("duty tick %s failed", target)
