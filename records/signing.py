"""A signature is not a click: the signer types their password again (R4.4)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from core.types import Role
from records.errors import SignatureRefused
from store.accounts import check_password, get_user
from store.models import User

SIGNING_ROLES = frozenset({Role.DUTY, Role.SUPERVISOR, Role.ADMIN})


def confirm_signer(
    session: Session, username: str, password: str, roles: frozenset[Role] = SIGNING_ROLES
) -> User:
    """The user, when the password is theirs and their role may sign; else refused."""
    user = get_user(session, username)
    if user is None or not user.active or not check_password(user, password):
        raise SignatureRefused("sign.wrong_password", user=username)
    if Role(user.role) not in roles:
        raise SignatureRefused("sign.role_cannot_sign", user=username, role=user.role)
    return user
