"""The duty areas together, as the server runs them: the published roster drives the
handover tick, every area's carry-over lands on the handover, escalation reaches the people
the roster has on duty. No stand-ins: each area's own seed and services."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from demo.records import seed_records
from records.roster.current import next_slot, on_duty_now, slot_at
from records.roster.on_duty import RosterOnDuty
from records.ticks import run_all
from rules.escalation import ConfiguredContacts
from store.models import Device, Room
from store.models_handover import Handover, HandoverItem

SEEDED = datetime(2026, 11, 10, 3, 0, tzinfo=UTC)


def _seeded(sessions: sessionmaker[Session]) -> list[str]:
    with sessions() as s, s.begin():
        room = Room(name="room-a", title_zh="一号机房", title_en="Room A")
        s.add(room)
        s.flush()
        for name in ("ups-1", "switch-1"):
            s.add(Device(name=name, room_id=room.id))
    return seed_records(sessions, SEEDED)


def test_every_area_seeds_its_demo_data_once(sessions: sessionmaker[Session]) -> None:
    first = _seeded(sessions)
    assert {"records.roster.demo", "records.inspection.demo", "records.access.demo",
            "records.changes.demo"} <= set(first)  # fmt: skip
    with sessions() as s:
        before = s.scalar(select(func.count()).select_from(Handover))
    seed_records(sessions, SEEDED)  # a second ``make run`` on the same database
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Handover)) == before


def test_the_roster_opens_the_handover_of_each_shift_change(
    sessions: sessionmaker[Session],
) -> None:
    _seeded(sessions)
    with sessions() as s:
        out, inc = slot_at(s, SEEDED), next_slot(s, SEEDED)
    assert out is not None and inc is not None and out.people and inc.people
    before_change = inc.start - timedelta(minutes=30)
    run_all(sessions, before_change)
    run_all(sessions, before_change)  # every 30 s: idempotent
    with sessions() as s:
        rows = list(s.scalars(select(Handover).where(Handover.due_at == inc.start)))
        assert len(rows) == 1
        handover = rows[0]
        assert handover.outgoing_code == out.code and handover.incoming_code == inc.code
        assert set(handover.outgoing_people.split(",")) == set(out.people)
        sources = set(s.scalars(select(HandoverItem.source)
                                .where(HandoverItem.handover_id == handover.id)))  # fmt: skip
    # the demo has a visitor inside and a change in progress: both are handed over
    assert {"visitor", "change"} <= sources


def test_escalation_reaches_the_people_on_duty(sessions: sessionmaker[Session]) -> None:
    _seeded(sessions)
    fallback = ConfiguredContacts(["1:fallback@example.com"])
    with sessions() as s:
        people = on_duty_now(s, SEEDED)
    assert people
    contacts = RosterOnDuty(sessions, fallback).contacts(1, SEEDED)
    assert contacts and "fallback@example.com" not in contacts
    assert {c.split("@")[0] for c in contacts} <= set(people)
    # a month without a roster: the configured contacts still get the escalation
    later = SEEDED + timedelta(days=120)
    assert RosterOnDuty(sessions, fallback).contacts(1, later) == ["fallback@example.com"]
