"""Loans on both backends: an asset comes back in good order with the status it was lent
with (a spare part stays a spare for the next stock-take); damaged or lost it changes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from inventory import loans
from store.models import Device
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
        loan = loans.lend(s, key.id, "张三", NOW + timedelta(days=1), actor="duty", now=NOW)
        assert key.status == "on_loan"
        loan_id = loan.id
    with sessions() as s, s.begin():
        loans.give_back(s, loan_id, state, note="" if state == "ok" else "说明", actor="duty",
                        now=NOW + timedelta(hours=2))  # fmt: skip
    with sessions() as s:
        key = s.get(Device, place["key"])
        assert key is not None and key.status == after
