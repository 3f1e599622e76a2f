"""A newcomer can walk the demo handover through (issue 12, point 6): the demo's duty
accounts get one password, printed at start with the open handover's people."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from demo import accounts
from records.errors import RecordError
from records.handover import service
from store.accounts import authenticate
from store.models_handover import Handover
from tests.integration.records.test_duty_together import SEEDED, _seeded


def test_demo_accounts_can_sign_their_handover(
    sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    _seeded(sessions)
    monkeypatch.setenv(accounts.PASSWORD_ENV, "demo-pass-123")
    made = accounts.setup(sessions)
    assert made.password == "demo-pass-123" and made.handover_id is not None
    assert made.outgoing and made.incoming
    text = accounts.describe(made, "http://127.0.0.1:8080")
    assert "demo-pass-123" in text and f"/handover/{made.handover_id}" in text
    assert f"{made.outgoing[0]}" in text and "zhang.wei (张伟)" in text
    with sessions() as s, s.begin():
        for login in (*made.outgoing, *made.incoming):
            assert authenticate(s, login, "demo-pass-123") is not None
        stranger = next(login for login, _ in made.people
                        if login not in made.outgoing + made.incoming)  # fmt: skip
        with pytest.raises(RecordError) as exc:
            service.sign(s, made.handover_id, outgoing_user=made.outgoing[0],
                         outgoing_password="demo-pass-123", incoming_user=stranger,
                         incoming_password="not the password", address="", now=SEEDED)  # fmt: skip
        assert exc.value.msgid == "handover.not_incoming"
        row = s.scalars(select(Handover).where(Handover.id == made.handover_id)).one()
        assert row.signed_at is None


def test_a_short_chosen_password_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(accounts.PASSWORD_ENV, "short")
    assert accounts.choose_password() != "short"
    monkeypatch.delenv(accounts.PASSWORD_ENV)
    assert len(accounts.choose_password()) >= 8
