"""Routes honour their hours (server local time), day and overnight, on both databases."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy.orm import Session, sessionmaker

from rules.notify.planner import routed_channels
from rules.notify.templates import Kind
from store.models import NotifyChannel, NotifyRoute


def local(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, 2, hour, minute).astimezone()  # naive = the server's local time


@pytest.mark.parametrize(
    ("at", "names"),
    [
        (local(10), ["always", "day"]),
        (local(19, 59), ["always", "day"]),
        (local(20), ["always", "night"]),
        (local(2), ["always", "night"]),
        (local(7, 59), ["always", "night"]),
    ],
    ids=["morning", "before-20", "at-20", "small-hours", "before-8"],
)
def test_routed_channels_by_hours(
    sessions: sessionmaker[Session], at: datetime, names: list[str]
) -> None:
    with sessions() as s, s.begin():
        for name, hours in (("always", ""), ("day", "08:00-20:00"), ("night", "20:00-08:00")):
            ch = NotifyChannel(name=name, kind="webhook", target="http://127.0.0.1:9/",
                               created_at=at)  # fmt: skip
            s.add(ch)
            s.flush()
            s.add(NotifyRoute(channel_id=ch.id, min_severity=1, hours=hours))
        s.flush()
        ids = routed_channels(s, Kind.FIRE, 3, "A101", 0, at)
        got = sorted(s.get(NotifyChannel, i).name for i in ids)  # type: ignore[union-attr]
    assert got == names
