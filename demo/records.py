"""Duty records in the demo: each area's ``demo.seed(session, now)`` (templates, roster...).

Seeding is idempotent (a second ``make run`` on the same database adds nothing) and an area
whose seed fails is logged and skipped: the demo still starts.
"""

from __future__ import annotations

import importlib
import logging
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

SEEDS: tuple[str, ...] = (
    "inventory.demo",
    "records.roster.demo",
    "records.inspection.demo",
    "records.access.demo",
    "records.changes.demo",
    "records.handover.demo",  # last: it carries over what the others made
)


def seed_records(factory: sessionmaker[Session], now: datetime) -> list[str]:
    """Run every area's seed, each in its own transaction; the names of those that ran."""
    done = []
    for name in SEEDS:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        seed = getattr(module, "seed", None)
        if seed is None:
            continue
        try:
            with factory() as s, s.begin():
                seed(s, now)
            done.append(name)
        except Exception:  # a demo nicety: never keep the demo from starting
            log.exception("demo seed %s failed", name)
    return done
