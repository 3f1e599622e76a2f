"""User accounts (argon2-hashed passwords) and API tokens (stored as SHA-256)."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable
from datetime import UTC, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import RoomwatchError
from core.types import Role
from store import audit
from store.models import ApiToken, User

_hasher = PasswordHasher()
USERNAME = re.compile(r"^[A-Za-z0-9_.\-]{2,64}$")
MIN_PASSWORD = 8
MAX_DISPLAY_NAME = 100


class AccountError(RoomwatchError):
    """A user or token operation was refused; the message says why."""


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password(user: User, password: str) -> bool:
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def create_user(
    session: Session,
    username: str,
    password: str,
    role: Role | str,
    display_name: str = "",
    actor: str = "system",
) -> User:
    if not USERNAME.match(username):
        raise AccountError(
            f"user name {username!r} is not allowed: use 2-64 letters, digits, '.', '_' or '-'"
        )
    try:
        role = Role(role)
    except ValueError:
        raise AccountError(
            f"unknown role {role!r}: use one of {', '.join(r.value for r in Role)}"
        ) from None
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"password too short: use at least {MIN_PASSWORD} characters")
    if get_user(session, username) is not None:
        raise AccountError(f"user {username!r} already exists: choose another name")
    user = User(
        username=username,
        display_name=display_name or username,
        role=role.value,
        password_hash=hash_password(password),
        created_at=datetime.now(UTC),
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor,
        "user.create",
        "user",
        user.id,
        after={"username": username, "role": role.value},
    )
    return user


def get_user(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username))


def display_names(session: Session, usernames: Iterable[str]) -> dict[str, str]:
    """Each login's display name (王大壮 for wangdz); a login without one maps to itself."""
    wanted = sorted(set(usernames))
    query = select(User.username, User.display_name).where(User.username.in_(wanted))
    found = {login: name for login, name in session.execute(query)}
    return {n: found.get(n) or n for n in wanted}


def set_display_name(session: Session, username: str, display_name: str, actor: str) -> User:
    """Change the name shown on records and prints (the login stays)."""
    user = get_user(session, username)
    if user is None:
        raise AccountError(f"no user {username!r}: check the name with the user list")
    name = " ".join(display_name.split())
    if not name or len(name) > MAX_DISPLAY_NAME:
        raise AccountError(f"display name must be 1-{MAX_DISPLAY_NAME} characters")
    before = user.display_name
    user.display_name = name
    audit.record(session, actor, "user.display_name", "user", user.id,
                 before={"display_name": before}, after={"display_name": name})  # fmt: skip
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    user = get_user(session, username)
    if user is None or not user.active:
        _hasher.hash(password)  # same cost whether or not the user exists
        return None
    return user if check_password(user, password) else None


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, name: str, actor: str = "system") -> str:
    """Create an API token; the clear token is returned once and never stored."""
    if session.scalar(select(ApiToken).where(ApiToken.name == name)) is not None:
        raise AccountError(f"token {name!r} already exists: choose another name")
    token = "rw_" + secrets.token_urlsafe(32)
    session.add(ApiToken(name=name, token_hash=_token_hash(token), created_at=datetime.now(UTC)))
    audit.record(session, actor, "token.create", "token", name)
    return token


def verify_token(session: Session, token: str) -> ApiToken | None:
    if not token:
        return None
    row = session.scalar(
        select(ApiToken).where(ApiToken.token_hash == _token_hash(token), ApiToken.active)
    )
    if row is not None:
        row.last_used_at = datetime.now(UTC)
    return row


def rotate_token(session: Session, name: str, actor: str = "system") -> str:
    """Give token ``name`` a new secret (creating it if missing); the old one stops working."""
    row = session.scalar(select(ApiToken).where(ApiToken.name == name))
    if row is None:
        return create_token(session, name, actor)
    token = "rw_" + secrets.token_urlsafe(32)
    row.token_hash = _token_hash(token)
    row.active = True
    audit.record(session, actor, "token.rotate", "token", name)
    return token
