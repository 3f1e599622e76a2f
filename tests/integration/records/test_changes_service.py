"""Change requests on SQLite and PostgreSQL: approval drives maintenance, closing freezes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from core.types import Role
from records import journal
from records.changes import queries, service
from records.changes.carryover import carry_over
from records.changes.form import ChangeInput
from records.changes.service import Actor
from records.changes.states import Action
from records.errors import RecordError, RecordFrozen
from rules.maintenance import active_windows
from store.accounts import create_user, get_user
from store.models import Alarm, AuditEntry, Device, MaintenanceWindow
from store.models_changes import ChangeRequest

NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
H = timedelta(hours=1)
DUTY = Actor("duty", Role.DUTY, "10.0.0.5")
BOSS = Actor("boss", Role.SUPERVISOR, "10.0.0.6")


@pytest.fixture
def ids(sessions: sessionmaker[Session]) -> dict[str, int]:
    with sessions() as s, s.begin():
        create_user(s, "duty", "pw-duty-123", Role.DUTY)
        create_user(s, "boss", "pw-boss-123", Role.SUPERVISOR)
        devices = [Device(name=n) for n in ("ups-1", "srv-1", "sw-1")]
        s.add_all(devices)
        s.flush()
        return {d.name: d.id for d in devices}


def _input(
    devices: list[int], start: datetime = NOW + H, hours: int = 2, **kw: object
) -> ChangeInput:
    fields: dict[str, object] = {
        "title": "更换 UPS 电池", "plan": "断开旁路, 更换电池组", "impact": "A01 市电直供",
        "risk": "medium", "device_ids": tuple(devices), "window_start": start,
        "window_end": start + hours * H, "backout_plan": "装回旧电池", "backup_taken": True,
        "global_impact": False, "announced_at": None, "emergency": False,
    }  # fmt: skip
    fields.update(kw)
    return ChangeInput(**fields)  # type: ignore[arg-type]


def _new(sessions: sessionmaker[Session], devices: list[int], **kw: object) -> int:
    with sessions() as s, s.begin():
        row = service.create(s, _input(devices, **kw), DUTY, NOW)
        return row.id


def _act(sessions: sessionmaker[Session], cid: int, *steps: tuple[Action, Actor]) -> None:
    for action, actor in steps:
        with sessions() as s, s.begin():
            service.act(s, cid, action, actor, NOW, note="ok")


def _approved(sessions: sessionmaker[Session], devices: list[int], **kw: object) -> int:
    cid = _new(sessions, devices, **kw)
    _act(sessions, cid, (Action.SUBMIT, DUTY), (Action.APPROVE, BOSS))
    return cid


def test_approval_puts_the_devices_in_maintenance_for_the_window(
    sessions: sessionmaker[Session], ids: dict[str, int]
) -> None:
    cid = _approved(sessions, [ids["ups-1"], ids["srv-1"]])
    with sessions() as s:
        row = s.get(ChangeRequest, cid)
        assert row is not None and row.state == "approved" and row.approved_by == "boss"
        window = s.get(MaintenanceWindow, row.maintenance_window_id)
        assert window is not None and f"变更 #{cid}" in window.reason
        assert active_windows(s, NOW) == {}  # not before the window
        inside = active_windows(s, NOW + 2 * H)
        assert inside == {"ups-1": window.id, "srv-1": window.id}
        assert active_windows(s, NOW + 3 * H) == {}
        actions = set(s.scalars(select(AuditEntry.action).where(AuditEntry.object_id == str(cid))))
        assert {"change.create", "change.submit", "change.approve"} <= actions


def test_the_requester_cannot_approve_and_duty_cannot_approve_at_all(
    sessions: sessionmaker[Session], ids: dict[str, int]
) -> None:
    with sessions() as s, s.begin():
        cid = service.create(s, _input([ids["ups-1"]]), BOSS, NOW).id
        service.act(s, cid, Action.SUBMIT, BOSS, NOW)
    with sessions() as s, s.begin(), pytest.raises(RecordError, match="own_change"):
        service.act(s, cid, Action.APPROVE, BOSS, NOW)
    with sessions() as s, s.begin(), pytest.raises(RecordError, match="approver_role"):
        service.act(s, cid, Action.APPROVE, DUTY, NOW)
    with sessions() as s:
        assert s.get(ChangeRequest, cid).state == "submitted"  # type: ignore[union-attr]


def test_global_impact_needs_the_announcement_before_approval(
    sessions: sessionmaker[Session], ids: dict[str, int]
) -> None:
    cid = _new(sessions, [ids["sw-1"]], global_impact=True)
    _act(sessions, cid, (Action.SUBMIT, DUTY))
    with sessions() as s, s.begin(), pytest.raises(RecordError, match="not_announced"):
        service.act(s, cid, Action.APPROVE, BOSS, NOW)
    with sessions() as s, s.begin():
        service.announce(s, cid, DUTY, NOW)
    _act(sessions, cid, (Action.APPROVE, BOSS))


@pytest.mark.parametrize("how", ["cancel", "rejected-has-none", "close"])
def test_cancel_or_close_before_the_window_ends_cancels_it(
    sessions: sessionmaker[Session], ids: dict[str, int], how: str
) -> None:
    if how == "rejected-has-none":  # a rejected change never had a window
        cid = _new(sessions, [ids["ups-1"]])
        _act(sessions, cid, (Action.SUBMIT, DUTY), (Action.REJECT, BOSS))
        with sessions() as s:
            assert s.get(ChangeRequest, cid).maintenance_window_id is None  # type: ignore[union-attr]
        return
    cid = _approved(sessions, [ids["ups-1"]])
    if how == "cancel":
        _act(sessions, cid, (Action.CANCEL, DUTY))
    else:
        _act(sessions, cid, (Action.START, DUTY), (Action.IMPLEMENT, DUTY), (Action.VERIFY, BOSS))
        with sessions() as s, s.begin():
            user = get_user(s, "boss")
            assert user is not None
            service.close(s, cid, user, "10.0.0.6", NOW)
    with sessions() as s:
        assert active_windows(s, NOW + 2 * H) == {}


def test_closing_freezes_the_change_in_the_journal_and_the_database(
    sessions: sessionmaker[Session], engine: Engine, ids: dict[str, int]
) -> None:
    cid = _approved(sessions, [ids["ups-1"]])
    _act(sessions, cid, (Action.START, DUTY), (Action.IMPLEMENT, DUTY), (Action.VERIFY, DUTY))
    with sessions() as s, s.begin():
        user = get_user(s, "duty")
        assert user is not None
        service.close(s, cid, user, "10.0.0.5", NOW + H)
    with sessions() as s:
        row = s.get(ChangeRequest, cid)
        assert row is not None and row.state == "closed" and row.signed_by == "duty"
        entries = journal.entries_for(s, "change", cid)
        assert [e.action for e in entries] == ["sign"]
        content = journal.content_of(entries[0])
        assert content["state"] == "closed" and content["devices"][0]["name"] == "ups-1"
        assert [h["action"] for h in content["history"]][-1] == "close"
    with sessions() as s, s.begin(), pytest.raises(RecordFrozen):
        service.act(s, cid, Action.CANCEL, BOSS, NOW)
    for sql in (
        f"UPDATE change_requests SET title = 'forged' WHERE id = {cid}",
        f"DELETE FROM change_requests WHERE id = {cid}",
        f"UPDATE change_devices SET device_name = 'x' WHERE change_id = {cid}",
        f"DELETE FROM change_devices WHERE change_id = {cid}",
        "INSERT INTO change_events (change_id, ts, actor, action, from_state, to_state, note) "
        f"VALUES ({cid}, CURRENT_TIMESTAMP, 'x', 'edit', 'closed', 'draft', '')",
    ):
        with pytest.raises(DBAPIError, match="roomwatch: "), engine.begin() as conn:
            conn.execute(text(sql))
    with sessions() as s:
        assert s.get(ChangeRequest, cid).title == "更换 UPS 电池"  # type: ignore[union-attr]


def test_emergency_path_is_implemented_first_and_approved_after(
    sessions: sessionmaker[Session], ids: dict[str, int]
) -> None:
    cid = _new(sessions, [ids["srv-1"]], start=NOW - H, emergency=True)
    _act(sessions, cid, (Action.START, DUTY), (Action.IMPLEMENT, DUTY))
    with sessions() as s:
        items = carry_over(s, NOW)
        assert [i.ref for i in items] == [f"change:{cid}"] and "待补批" in items[0].summary
    with sessions() as s, s.begin(), pytest.raises(RecordError, match="awaiting_approval"):
        service.act(s, cid, Action.VERIFY, DUTY, NOW)
    _act(sessions, cid, (Action.APPROVE, BOSS))
    with sessions() as s:
        row = s.get(ChangeRequest, cid)
        assert row is not None and row.state == "implemented" and row.approved_by == "boss"
        assert active_windows(s, NOW) == {"srv-1": row.maintenance_window_id}
        assert carry_over(s, NOW) == []
        assert queries.overdue(row, NOW + 8 * 24 * H)
        assert next(i.summary for i in carry_over(s, NOW + 8 * 24 * H)).endswith("运行无误")
    _act(sessions, cid, (Action.VERIFY, DUTY))


def test_conflicts_and_alarms_outside_the_change(
    sessions: sessionmaker[Session], ids: dict[str, int]
) -> None:
    first = _approved(sessions, [ids["ups-1"]])
    second = _new(sessions, [ids["ups-1"], ids["srv-1"]], start=NOW + 2 * H)
    third = _new(sessions, [ids["sw-1"]], start=NOW + 2 * H)
    with sessions() as s, s.begin():
        for device in ("srv-1", "sw-1"):
            s.add(Alarm(rule="device_down", device=device, severity=3, peak_severity=3,
                        first_seen=NOW, last_seen=NOW))  # fmt: skip
    with sessions() as s:
        assert queries.conflicts_for(s, s.get(ChangeRequest, second)) == [first]  # type: ignore[arg-type]
        assert queries.conflicts_for(s, s.get(ChangeRequest, third)) == []  # type: ignore[arg-type]
    _act(sessions, second, (Action.SUBMIT, DUTY))
    with sessions() as s:
        assert queries.all_conflicts(s) == {first: [second], second: [first]}
    _act(sessions, first, (Action.START, DUTY))
    with sessions() as s:
        row = s.get(ChangeRequest, first)
        assert row is not None
        outside = queries.alarms_outside(s, row, NOW + 2 * H)
        assert sorted(a.device for a in outside) == ["srv-1", "sw-1"]
        assert [i.ref for i in carry_over(s, NOW)] == [f"change:{first}"]


def test_a_draft_is_edited_by_its_requester_only(
    sessions: sessionmaker[Session], ids: dict[str, int]
) -> None:
    cid = _new(sessions, [ids["ups-1"], ids["srv-1"]])
    with sessions() as s, s.begin(), pytest.raises(RecordError, match="not_requester"):
        service.update(s, cid, _input([ids["sw-1"]]), BOSS, NOW)
    with sessions() as s, s.begin():
        service.update(s, cid, _input([ids["srv-1"], ids["sw-1"]], title="新标题"), DUTY, NOW)
    with sessions() as s:
        row = s.get(ChangeRequest, cid)
        assert row is not None and row.title == "新标题"
        assert [d.device_name for d in row.devices] == ["srv-1", "sw-1"]


def test_tick_flags_overdue_verification_once_and_demo_seeds_once(
    sessions: sessionmaker[Session], ids: dict[str, int]
) -> None:
    from records.changes import demo
    from records.changes.schedule import tick

    with sessions() as s, s.begin():
        demo.seed(s, NOW)
        demo.seed(s, NOW)
    later = NOW + 8 * 24 * H
    for _ in range(2):
        with sessions() as s, s.begin():
            tick(s, later)
    with sessions() as s:
        states = sorted(r.state for r in queries.changes(s))
        assert states == ["approved", "implemented", "in_progress", "submitted"]
        assert len(queries.all_conflicts(s)) == 2
        overdue = [r for r in queries.changes(s) if queries.overdue(r, later)]
        assert len(overdue) == 1
        flags = [e for e in overdue[0].events if e.action == "overdue"]
        assert len(flags) == 1


def test_a_retention_purge_removes_a_closed_change_with_its_rows(
    sessions: sessionmaker[Session], ids: dict[str, int]
) -> None:
    """records/retention.py lists ("change_requests", "signed_at"): children cascade."""
    old = NOW - timedelta(days=4 * 365)  # the database checks retention on its own clock
    with sessions() as s, s.begin():
        cid = service.create(s, _input([ids["ups-1"]], start=old + H), DUTY, old).id
        service.act(s, cid, Action.CANCEL, DUTY, old, note="ok")
        user = get_user(s, "duty")
        assert user is not None
        service.close(s, cid, user, "", old)
    with sessions() as s, s.begin():
        journal.purge_before(s, old + H, by="admin", now=NOW,
                             record_tables=(("change_requests", "signed_at"),))  # fmt: skip
    with sessions() as s:
        assert s.get(ChangeRequest, cid) is None
        left = s.execute(text(f"SELECT count(*) FROM change_events WHERE change_id = {cid}"))
        assert left.scalar() == 0
