"""The ledger's demo data (inventory/demo.py, run by demo/records.py): keys and tools that
are not polled, an overdue loan the handover carries over, warranty dates that flag, a
stock-take under way; seeding twice adds nothing."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from agent.simroom import load_demo_room
from inventory import demo
from inventory.ledger import enabled_targets, seed_room
from inventory.ledger_rules import warranty_flag
from inventory.loans_carryover import carry_over
from store.models import AuditEntry, Device
from store.models_ledger import Loan, StockTake, StockTakeItem
from tests.integration.inventory.conftest import NOW


def test_demo_ledger_seeds_once(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        seed_room(s, load_demo_room(), 16100)
        polled = {t.device for t in enabled_targets(s)}
    for _ in range(2):
        with sessions() as s, s.begin():
            demo.seed(s, NOW)
    with sessions() as s:
        things = list(s.scalars(select(Device).where(Device.kind == "asset")))
        assert {d.device_type for d in things} >= {"key", "tool"}
        assert all(not d.enabled for d in things)
        assert {t.device for t in enabled_targets(s)} == polled  # keys are not polled
        assert s.scalar(select(func.count()).select_from(Loan)) == 3
        items = carry_over(s, NOW)
        assert len(items) == 2 and sum("逾期" in i.summary for i in items) == 1
        key_loan = s.scalar(select(Loan).where(Loan.borrower.startswith("王强")))
        assert key_loan is not None and key_loan.approved_by  # a key: lent with an approval
        flags = [warranty_flag(d.warranty_until, NOW.date())
                 for d in s.scalars(select(Device).where(Device.kind != "asset"))]  # fmt: skip
        assert "expired" in flags and "expiring" in flags
        assert s.scalar(select(func.count()).select_from(StockTake)) == 1
        states = set(s.scalars(select(StockTakeItem.state)))
        assert {"confirmed", "unknown_tag", "pending"} <= states
        # every ledger write of the seed is in the history like any other
        assert s.scalar(select(func.count()).select_from(AuditEntry)
                        .where(AuditEntry.actor == "demo")) >= len(things)  # fmt: skip


def test_demo_ledger_needs_a_room(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        demo.seed(s, NOW)
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Device)) == 0
