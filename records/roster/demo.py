"""Demo people, teams and a published roster for the current month ("3+2" model)."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.types import Role
from records.roster import service
from records.roster.patterns import PATTERNS
from store.accounts import create_user
from store.models import User

# five teams (seed 000 §3: A, B, C rotate; D and E are day teams)
TEAMS: dict[str, tuple[str, ...]] = {
    "A 甲班": ("zhang.wei", "li.na"),
    "B 乙班": ("wang.fang", "liu.yang"),
    "C 丙班": ("chen.jie", "yang.min"),
    "D 丁班": ("zhao.lei",),
    "E 戊班": ("sun.li",),
}


def seed(session: Session, now: datetime) -> None:
    """Idempotent: people and teams are made once; the month only when it has no roster."""
    month = now.astimezone().strftime("%Y-%m")
    if service.get_month(session, month) is not None:
        return
    ids: list[int] = []
    for team, people in TEAMS.items():
        for name in people:
            user = session.scalars(select(User).where(User.username == name)).first()
            if user is None:
                user = create_user(session, name, secrets.token_urlsafe(16), Role.DUTY)
            user.email = user.email or f"{name}@example.com"
        existing = {t.name: t.id for t in service.teams(session)}
        ids.append(existing.get(team) or service.save_team(session, team, list(people),
                                                           "demo", now))  # fmt: skip
    service.generate(session, month, PATTERNS["three_plus_two"], ids, "demo", now)
    service.publish(session, month, "demo", now)
