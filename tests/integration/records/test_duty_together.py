"""The duty areas together, as the server runs them: the published roster drives the
handover tick, every area's carry-over lands on the handover, escalation reaches the people
the roster has on duty. No stand-ins: each area's own seed and services."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from core.types import Role, Severity
from demo.records import seed_records
from records import journal
from records.handover import review
from records.handover import service as handover
from records.handover.service import GateRefused, Override
from records.inspection import sheets
from records.roster.current import next_slot, on_duty_now, slot_at
from records.roster.on_duty import RosterOnDuty
from records.ticks import run_all
from rules.escalation import ConfiguredContacts
from store.accounts import create_user, get_user, hash_password
from store.models import Alarm, Device, Room
from store.models_handover import Handover, HandoverItem

SEEDED = datetime(2026, 11, 10, 3, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"
ROOMWATCH = Path(sys.executable).with_name("roomwatch")


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


def _password(s: Session, *names: str) -> None:
    for name in names:
        user = get_user(s, name)
        assert user is not None
        user.password_hash = hash_password(PASSWORD)


def _alarm(s: Session, device: str, severity: Severity, holder: str) -> int:
    a = Alarm(rule=f"r-{device}", device=device, instance="", severity=int(severity),
              peak_severity=int(severity), status="acknowledged", summary_zh=f"{device} 告警",
              summary_en=f"{device} alarm", value=1, first_seen=SEEDED, last_seen=SEEDED,
              acked_by=holder, acked_at=SEEDED, owner=holder)  # fmt: skip
    s.add(a)
    s.flush()
    return a.id


def test_a_shift_change_through_the_real_roster_gate_owner_and_review(
    sessions: sessionmaker[Session], engine: Engine
) -> None:
    """The published roster opens the handover; the gate refuses while the outgoing person
    handles a critical alarm and a change is in progress; a supervisor overrides with a
    reason; acknowledged alarms pass to the incoming person; the day's sheet shows in the
    supervisor's day and its missing review goes once signed; the journal verifies."""
    _seeded(sessions)
    with sessions() as s:
        out, inc = slot_at(s, SEEDED), next_slot(s, SEEDED)
    assert out is not None and inc is not None
    giver, taker = sorted(out.people)[0], sorted(inc.people)[0]
    with sessions() as s, s.begin():
        _password(s, giver, taker)
        create_user(s, "boss", PASSWORD, Role.SUPERVISOR)
        critical = _alarm(s, "ups-1", Severity.CRITICAL, giver)
        warning = _alarm(s, "switch-1", Severity.WARNING, giver)
        room = s.scalars(select(Room)).one()
        sheet = sheets.open_sheet(s, room, SEEDED, kind="manual", slot="r1", by=giver)
        sheets.fill(s, sheet.id, [sheets.Entry(i.id, "pass") for i in sheet.items], giver,
                    SEEDED)  # fmt: skip
        sheets.sign(s, sheet.id, username=giver, password=PASSWORD, address="10.0.0.9",
                    now=SEEDED)  # fmt: skip
    when = inc.start - timedelta(minutes=20)
    run_all(sessions, when)
    with sessions() as s:
        hid = s.scalars(select(Handover.id).where(Handover.due_at == inc.start)).one()
        refs = list(s.scalars(select(HandoverItem.ref).where(HandoverItem.handover_id == hid)))
    assert f"alarm:{critical}" in refs and f"alarm:{warning}" in refs
    with sessions() as s, s.begin():  # face to face: the incoming person arrives first
        handover.record_arrival(s, hid, taker, when)
    sign = {"outgoing_user": giver, "outgoing_password": PASSWORD, "incoming_user": taker,
            "incoming_password": PASSWORD, "address": "10.0.0.9", "now": when,
            "confirmed": refs, "notes": "UPS 告警处理中，已通知厂家"}  # fmt: skip
    with pytest.raises(GateRefused) as refused, sessions() as s, s.begin():
        handover.sign(s, hid, **sign)
    msgids = {r.msgid for r in refused.value.refusals}
    # the warning is handed over as is; the critical one the outgoing person holds refuses
    # and the seeded open on-site check and overdue key block too (§6.2, §3.6)
    assert msgids == {"handover.gate.alarm_in_handling", "handover.gate.blocking"}
    assert [r.params["id"] for r in refused.value.refusals if "id" in r.params] == [critical]
    assert {r.params["reason"] for r in refused.value.refusals if "reason" in r.params} == {
        "handover.block.onsite_open",
        "handover.block.key_overdue",
    }
    with sessions() as s:
        assert s.get(Handover, hid).signed_at is None  # type: ignore[union-attr]
        assert s.get(Alarm, critical).owner == giver  # type: ignore[union-attr]
    with sessions() as s, s.begin():
        handover.sign(s, hid, override=Override("boss", PASSWORD, "厂家已到场，由接班继续处理"),
                      **sign)  # type: ignore[arg-type]  # fmt: skip
    with sessions() as s:
        row = s.get(Handover, hid)
        assert row is not None and row.signed_by == f"{giver}/{taker}"
        assert row.override_by == "boss"
        for alarm_id in (critical, warning):
            a = s.get(Alarm, alarm_id)
            assert a is not None and a.owner == taker
            assert any(e.kind == "owner" and f"handover #{hid}" in e.detail for e in a.events)
        body = journal.content_of(journal.signed_entry(s, "handover", hid))  # type: ignore[arg-type]
        assert body["override"] == {"by": "boss", "reason": "厂家已到场，由接班继续处理"}
        assert {r["msgid"] for r in body["gate_refusals"]} == msgids
        assert {i["ref"] for i in body["items"] if i["confirmed"]} >= set(refs)
    tz = review.local_tz()
    day = SEEDED.astimezone(tz).date()
    today = day + timedelta(days=1)
    with sessions() as s:
        log = review.summary(s, day, tz)
        assert [e.record_id for e in log.inspections] == [sheet.id]
        assert day in review.missing_reviews(s, today)
    with sessions() as s, s.begin():
        review.review_day(s, day, tz, username="boss", password=PASSWORD, note="已审阅",
                          address="10.0.0.2", now=SEEDED + timedelta(days=1))  # fmt: skip
    with sessions() as s:
        assert day not in review.missing_reviews(s, today)
        assert journal.verify(s).ok
    # the operator's check: ``roomwatch journal verify`` on this database
    cmd = [str(ROOMWATCH)] if ROOMWATCH.exists() else [sys.executable, "-m", "core.cli"]
    env = {"ROOMWATCH_DATABASE_URL": engine.url.render_as_string(hide_password=False),
           "PATH": "/usr/bin:/bin"}  # fmt: skip
    done = subprocess.run([*cmd, "journal", "verify"], capture_output=True, text=True, env=env,
                          timeout=120, check=False)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "journal OK: 4 entries" in done.stdout
