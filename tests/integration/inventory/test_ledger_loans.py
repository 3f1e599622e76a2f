"""Loans on both backends: an asset comes back in good order with the status it was lent
with (a spare part stays a spare for the next stock-take); damaged or lost it changes.
A key is lent only with a supervisor's approval, recorded on the loan; the key cabinet is
checked every half month, and the handover carries the check over when it is due."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from core.duty import CarryOver
from core.types import Role
from inventory import loans, stocktake
from inventory.errors import LedgerError
from inventory.loans_carryover import carry_over
from records.carryover import collect
from store.accounts import create_user
from store.models import AuditEntry, Device
from store.models_ledger import Loan
from tests.integration.inventory.conftest import NOW


@pytest.mark.parametrize(
    ("lent_as", "state", "after"),
    [
        ("spare", "ok", "spare"),
        ("in_use", "ok", "in_use"),
        ("under_repair", "ok", "in_use"),  # lent out for testing, came back working
        ("spare", "damaged", "under_repair"),
        ("in_use", "lost", "retired"),
    ],
    ids=["spare-ok", "in-use-ok", "repair-ok", "damaged", "lost"],
)
def test_status_after_return(
    sessions: sessionmaker[Session], place: dict[str, int], lent_as: str, state: str, after: str
) -> None:
    with sessions() as s, s.begin():
        key = s.get(Device, place["key"])
        assert key is not None
        key.status = lent_as
        loan = loans.lend(s, key.id, "张三", NOW + timedelta(days=1), actor="duty", now=NOW,
                          approval=loans.KeyApproval("boss", NOW))  # fmt: skip
        assert key.status == "on_loan"
        loan_id = loan.id
    with sessions() as s, s.begin():
        loans.give_back(s, loan_id, state, note="" if state == "ok" else "说明", actor="duty",
                        now=NOW + timedelta(hours=2))  # fmt: skip
    with sessions() as s:
        key = s.get(Device, place["key"])
        assert key is not None and key.status == after


# --- keys need a supervisor's approval (issue 12, point 13) -------------------------------

PW = "pw-right-123"


@pytest.fixture
def people(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        create_user(s, "duty", PW, Role.DUTY, "陈值班")
        create_user(s, "duty2", PW, Role.DUTY)
        create_user(s, "boss", PW, Role.SUPERVISOR, "王大壮")
        create_user(s, "guest", PW, Role.READONLY)


def test_a_key_is_not_lent_without_a_supervisors_approval(
    sessions: sessionmaker[Session], place: dict[str, int], people: None
) -> None:
    with sessions() as s, s.begin(), pytest.raises(LedgerError) as info:
        loans.lend(s, place["key"], "张三", NOW + timedelta(days=1), actor="duty", now=NOW)
    assert info.value.msgid == "ledger.error.key_needs_approval"
    assert info.value.field == "approver"
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Loan)) == 0
        assert s.get(Device, place["key"]).status == "in_use"  # type: ignore[union-attr]


def test_other_assets_need_no_approval(
    sessions: sessionmaker[Session], place: dict[str, int], people: None
) -> None:
    with sessions() as s, s.begin():
        loan = loans.lend(s, place["sw"], "张三", NOW + timedelta(days=1), actor="duty", now=NOW)
        assert loan.approved_by == "" and loan.approved_at is None


@pytest.mark.parametrize(
    ("actor", "approver", "password", "borrower", "msgid"),
    [("duty", "", "", "张三", "ledger.error.key_needs_approval"),
     ("duty", "boss", "", "张三", "ledger.error.approver_password"),
     ("duty", "boss", "wrong-password", "张三", "ledger.error.approver_password"),
     ("duty", "nobody", PW, "张三", "ledger.error.approver_password"),
     ("duty", "duty", PW, "张三", "ledger.error.approver_not_supervisor"),
     ("duty", "duty2", PW, "张三", "ledger.error.approver_not_supervisor"),
     ("duty", "guest", PW, "张三", "ledger.error.approver_not_supervisor"),
     ("guest", "", "", "张三", "ledger.error.key_needs_approval"),
     ("duty", "boss", PW, "王大壮", "ledger.error.approver_is_borrower"),
     ("boss", "", "", "boss", "ledger.error.approver_is_borrower")],
    ids=["nobody-named", "no-password", "wrong-password", "unknown-approver",
         "duty-approves-self", "other-duty-approves", "readonly-approves", "readonly-lends",
         "borrower-approves-by-name", "supervisor-lends-to-self"],
)  # fmt: skip
def test_only_a_supervisor_approves_a_key_loan(
    sessions: sessionmaker[Session], people: None,
    actor: str, approver: str, password: str, borrower: str, msgid: str,
) -> None:  # fmt: skip
    with sessions() as s, pytest.raises(LedgerError) as info:
        loans.approve_key(s, borrower, actor=actor, approver=approver, password=password,
                          now=NOW)  # fmt: skip
    assert info.value.msgid == msgid


@pytest.mark.parametrize(
    ("actor", "approver", "password"),
    [("duty", "boss", PW), ("boss", "", ""), ("boss", "boss", PW)],
    ids=["supervisor-types-password", "supervisor-lends", "supervisor-names-self"],
)
def test_the_supervisors_approval_is_recorded_on_the_loan(
    sessions: sessionmaker[Session], place: dict[str, int], people: None,
    actor: str, approver: str, password: str,
) -> None:  # fmt: skip
    with sessions() as s, s.begin():
        approval = loans.approve_key(s, "张三", actor=actor, approver=approver,
                                     password=password, now=NOW)  # fmt: skip
        loans.lend(s, place["key"], "张三", NOW + timedelta(days=1), actor=actor, now=NOW,
                   approval=approval)  # fmt: skip
    with sessions() as s:
        loan = s.scalar(select(Loan))
        assert loan is not None and loan.approved_by == "boss" and loan.approved_at == NOW
        assert loan.lent_by == actor
        audit = s.scalar(select(AuditEntry).where(AuditEntry.action == "ledger.lend"))
        assert audit is not None and (audit.after or {})["approved_by"] == "boss"
        (item,) = carry_over(s, NOW + timedelta(hours=1))
    assert "boss 批准" in item.summary


# --- the key cabinet is checked every half month (issue 12, point 13) ---------------------


def _key_items(s: Session, now: datetime) -> list[CarryOver]:
    """What the handover carries over about the key cabinet, through the handover's own
    collection of every source."""
    return [i for i in collect(s, now) if i.source == "key_check"]


def test_the_half_monthly_key_check_is_carried_over_when_due_and_not_before(
    sessions: sessionmaker[Session], place: dict[str, int]
) -> None:
    with sessions() as s:
        (never,) = _key_items(s, NOW)  # never checked: due at once
    assert "A101" in never.summary and "钥匙柜" in never.summary and "从未盘存" in never.summary
    with sessions() as s, s.begin():  # a whole-room stock-take does not count for the cabinet
        stocktake.close(s, stocktake.start(s, place["room"], actor="duty", now=NOW).id,
                        actor="duty", now=NOW)  # fmt: skip
    with sessions() as s, s.begin():
        assert len(_key_items(s, NOW)) == 1
        take = stocktake.start(s, place["room"], actor="duty", now=NOW, scope="keys")
        lines = stocktake.items(s, take.id)
        assert [d.name for _i, d in lines if d is not None] == ["key-a101"]  # keys only
        take_id = take.id
    with sessions() as s:
        (open_,) = _key_items(s, NOW)  # under way, not yet closed: still due
    assert f"#{take_id}" in open_.summary and open_.url == f"/ledger/stocktake/{take_id}"
    with sessions() as s, s.begin():
        stocktake.scan(s, take_id, "K-1", actor="duty", now=NOW)
        stocktake.close(s, take_id, actor="duty", now=NOW)
    due_day = datetime.combine(NOW.astimezone().date() + timedelta(days=15), time()).astimezone()
    with sessions() as s:
        assert _key_items(s, NOW) == []
        assert _key_items(s, due_day - timedelta(minutes=1)) == []  # 14 days on: not before
        (due,) = _key_items(s, due_day)  # half a month on: due
        assert _key_items(s, due_day + timedelta(days=3)) == [due]
        checks = stocktake.key_checks(s)
    assert "A101" in due.summary and "到期" in due.summary and due.blocking == ""
    assert [(c.room, c.last_done, c.open_id) for c in checks] == [("A101", NOW, None)]


def test_rooms_without_keys_have_no_key_check(
    sessions: sessionmaker[Session], place: dict[str, int]
) -> None:
    with sessions() as s, s.begin():
        s.get(Device, place["key"]).status = "retired"  # type: ignore[union-attr]
    with sessions() as s, s.begin():
        assert _key_items(s, NOW) == []
        with pytest.raises(LedgerError, match="no_keys"):
            stocktake.start(s, place["room_b"], actor="duty", now=NOW, scope="keys")
        with pytest.raises(LedgerError, match="bad_scope"):
            stocktake.start(s, place["room"], actor="duty", now=NOW, scope="cabinet")


@pytest.mark.parametrize(
    ("last_day", "today", "due"),
    [(None, date(2026, 11, 1), True),
     (date(2026, 11, 1), date(2026, 11, 15), False),
     (date(2026, 11, 1), date(2026, 11, 16), True),
     (date(2026, 11, 20), date(2026, 12, 4), False),
     (date(2026, 11, 20), date(2026, 12, 5), True)],
    ids=["never", "day-14", "day-15", "across-month-14", "across-month-15"],
)  # fmt: skip
def test_key_check_schedule(last_day: date | None, today: date, due: bool) -> None:
    def local(day: date, hour: int) -> datetime:
        return datetime.combine(day, time(hour)).astimezone()

    last = local(last_day, 17) if last_day else None
    assert stocktake.key_check_due(stocktake.next_key_check(last), local(today, 8)) is due
