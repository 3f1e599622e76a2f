"""Keys on the loans page (issue 12, point 13): a key is lent only with a supervisor's
approval, which a forged form cannot give; the key cabinet's half-monthly stock-take is
scheduled on the stock-take page and started from it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from core.types import Role
from store.accounts import create_user
from store.models import Device, Room
from store.models_ledger import Loan, StockTake
from tests.web.conftest import NOW, PASSWORD, form_token, login

Sessions = sessionmaker[Session]
TOMORROW = (NOW + timedelta(days=1)).astimezone().date().isoformat()


@pytest.fixture
def key_id(sessions: Sessions) -> int:
    """Room A101 with its door key; a second on-duty account and a supervisor 王大壮."""
    with sessions() as s, s.begin():
        room = Room(name="A101", title_zh="一号机房")
        s.add(room)
        s.flush()
        key = Device(name="key-a101", kind="asset", enabled=False, room_id=room.id,
                     device_type="key", asset_tag="KEY-001", title_zh="机房门钥匙",
                     community="")  # fmt: skip
        s.add(key)
        create_user(s, "duty2", PASSWORD, Role.DUTY)
        create_user(s, "wangdz", PASSWORD, Role.SUPERVISOR, "王大壮")
        s.flush()
        return key.id


@pytest.fixture
def as_role(app: Flask, make_user: Callable[[Role], str]) -> Callable[[Role], FlaskClient]:
    def make(role: Role) -> FlaskClient:
        client = app.test_client()
        assert login(client, make_user(role)).status_code == 302
        return client

    return make


def lend(client: FlaskClient, key_id: int, **kw: str) -> Any:
    data = {
        "device_id": str(key_id),
        "borrower": "王强（华信机电）",
        "due_at": TOMORROW,
        "purpose": "空调检修",
        "csrf_token": form_token(client, "/ledger/loans"),
        **kw,
    }
    return client.post("/ledger/loans/lend", data=data)  # fmt: skip


def loans_made(sessions: Sessions) -> list[Loan]:
    with sessions() as s:
        return list(s.scalars(select(Loan)))


@pytest.mark.parametrize(
    ("form", "text"),
    [({}, "借出钥匙须经主管批准"),
     ({"approver": "wangdz"}, "批准主管的账号或密码不正确"),
     ({"approver": "wangdz", "approver_password": "guess"}, "批准主管的账号或密码不正确"),
     ({"approved": "1", "approved_by": "wangdz", "staff": "1"}, "借出钥匙须经主管批准"),
     ({"approver": "duty", "approver_password": PASSWORD}, "只有主管可以批准借出钥匙"),
     ({"approver": "duty2", "approver_password": PASSWORD}, "只有主管可以批准借出钥匙")],
    ids=["no-approval", "name-without-password", "wrong-password", "forged-flags",
         "duty-approves-self", "other-duty-approves"],
)  # fmt: skip
def test_duty_cannot_lend_a_key_without_a_supervisors_approval(
    as_role: Callable[[Role], FlaskClient], key_id: int, sessions: Sessions,
    form: dict[str, str], text: str,
) -> None:  # fmt: skip
    duty = as_role(Role.DUTY)
    resp = lend(duty, key_id, **form)
    assert resp.status_code == 400 and text in resp.get_data(as_text=True)
    assert loans_made(sessions) == []
    with sessions() as s:
        assert s.get(Device, key_id).status == "in_use"  # type: ignore[union-attr]


def test_the_supervisor_approves_with_their_password_and_it_is_on_the_loan(
    as_role: Callable[[Role], FlaskClient], key_id: int, sessions: Sessions
) -> None:
    duty = as_role(Role.DUTY)
    page = duty.get("/ledger/loans").get_data(as_text=True)
    assert 'name="approver"' in page and "王大壮 (wangdz)" in page
    assert lend(duty, key_id, approver="wangdz", approver_password=PASSWORD).status_code == 302
    (loan,) = loans_made(sessions)
    assert loan.lent_by == "duty" and loan.approved_by == "wangdz" and loan.approved_at == NOW
    page = duty.get("/ledger/loans").get_data(as_text=True)
    assert "wangdz 批准" in page
    assert "wangdz 批准" in duty.get(f"/ledger/asset/{key_id}").get_data(as_text=True)


def test_a_supervisor_lending_a_key_approves_it(
    as_role: Callable[[Role], FlaskClient], key_id: int, sessions: Sessions
) -> None:
    boss = as_role(Role.SUPERVISOR)
    assert lend(boss, key_id).status_code == 302
    (loan,) = loans_made(sessions)
    assert loan.lent_by == "supervisor" and loan.approved_by == "supervisor"


def test_the_key_cabinet_check_is_scheduled_and_started_from_the_stocktake_page(
    as_role: Callable[[Role], FlaskClient], key_id: int, sessions: Sessions
) -> None:
    duty = as_role(Role.DUTY)
    page = duty.get("/ledger/stocktake").get_data(as_text=True)
    assert "钥匙柜盘存（每半月至少一次）" in page and "从未盘存" in page and "已到期" in page
    with sessions() as s:
        room_id = s.scalar(select(Room.id))
    token = form_token(duty, "/ledger/stocktake")
    resp = duty.post(
        "/ledger/stocktake/start",
        data={"room_id": str(room_id), "scope": "keys", "csrf_token": token},
    )
    assert resp.status_code == 302
    take_id = int(resp.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    page = duty.get(f"/ledger/stocktake/{take_id}").get_data(as_text=True)
    assert "钥匙柜" in page and "key-a101" in page
    assert duty.post(f"/ledger/stocktake/{take_id}/close",
                     data={"csrf_token": token}).status_code == 302  # fmt: skip
    page = duty.get("/ledger/stocktake").get_data(as_text=True)
    assert "从未盘存" not in page and "已到期" not in page
    resp = duty.post(
        "/ledger/stocktake/start",
        data={"room_id": str(room_id), "scope": "cabinet", "csrf_token": token},
    )
    assert resp.status_code == 400
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(StockTake)) == 1
