"""Accounts (argon2) and API tokens, on both backends."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from store import accounts
from store.models import ApiToken, AuditEntry, User


def test_user_password_is_argon2_and_checked(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        accounts.create_user(s, "zhangsan", "correct horse", "duty", "张三")
    with sessions() as s:
        user = s.scalar(select(User).where(User.username == "zhangsan"))
        assert user is not None and user.password_hash.startswith("$argon2")
        assert accounts.authenticate(s, "zhangsan", "correct horse") is not None
        assert accounts.authenticate(s, "zhangsan", "wrong password") is None
        assert accounts.authenticate(s, "nobody", "correct horse") is None
        assert s.scalar(select(AuditEntry.action)) == "user.create"


@pytest.mark.parametrize(
    ("name", "password", "role", "problem"),
    [
        ("a b", "long enough", "duty", "not allowed"),
        ("lisi", "short", "duty", "too short"),
        ("lisi", "long enough", "boss", "unknown role"),
    ],
    ids=["bad-name", "short-password", "bad-role"],
)
def test_bad_accounts_are_refused(
    sessions: sessionmaker[Session], name: str, password: str, role: str, problem: str
) -> None:
    with sessions() as s, s.begin(), pytest.raises(accounts.AccountError, match=problem):
        accounts.create_user(s, name, password, role)


def test_duplicate_user_refused(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        accounts.create_user(s, "wangwu", "long enough", "readonly")
    with sessions() as s, s.begin(), pytest.raises(accounts.AccountError, match="already exists"):
        accounts.create_user(s, "wangwu", "long enough", "readonly")


def test_token_stored_hashed_and_rotation_revokes_old(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        first = accounts.create_token(s, "agent-1")
    with sessions() as s, s.begin():
        row = s.scalar(select(ApiToken))
        assert row is not None and first not in row.token_hash
        assert accounts.verify_token(s, first) is not None
        second = accounts.rotate_token(s, "agent-1")
    with sessions() as s:
        assert accounts.verify_token(s, first) is None
        assert accounts.verify_token(s, second) is not None
        assert accounts.verify_token(s, "") is None
