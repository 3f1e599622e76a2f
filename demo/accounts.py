"""The demo's duty accounts (the roster's demo people): a newcomer signs the demo handover
as its people, so each start gives them one password, printed like the admin's, and a
name to show on records (张伟 for ``zhang.wei``)."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from records.handover import service as handover
from records.roster.demo import TEAMS
from store import audit
from store.accounts import MIN_PASSWORD, get_user, hash_password
from store.models_handover import Handover

PASSWORD_ENV = "ROOMWATCH_DEMO_PASSWORD"
NAMES: dict[str, str] = {
    "zhang.wei": "张伟", "li.na": "李娜", "wang.fang": "王芳", "liu.yang": "刘洋",
    "chen.jie": "陈杰", "yang.min": "杨敏", "zhao.lei": "赵磊", "sun.li": "孙丽",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class DemoAccounts:
    """What the demo prints at start: the duty accounts' password, who they are, and the
    open handover a newcomer can walk through (outgoing and incoming logins)."""

    password: str
    people: tuple[tuple[str, str], ...]  # (login, display name)
    handover_id: int | None = None
    outgoing: tuple[str, ...] = ()
    incoming: tuple[str, ...] = ()


def choose_password() -> str:
    """ROOMWATCH_DEMO_PASSWORD when set (and long enough), else a fresh one."""
    chosen = os.environ.get(PASSWORD_ENV, "")
    return chosen if len(chosen) >= MIN_PASSWORD else secrets.token_urlsafe(9)


def give_passwords(session: Session, password: str) -> DemoAccounts:
    """Set ``password`` (and a display name when there is none) on every demo duty
    account that exists; audited as the demo's doing."""
    people = []
    for login in (n for members in TEAMS.values() for n in members):
        user = get_user(session, login)
        if user is None:
            continue
        user.password_hash = hash_password(password)
        if user.display_name in ("", login):
            user.display_name = NAMES.get(login, login)
        audit.record(session, "demo", "user.password", "user", user.id,
                     after={"username": login})  # fmt: skip
        people.append((login, user.display_name))
    draft = session.scalars(select(Handover).where(Handover.signed_at.is_(None))
                            .order_by(Handover.due_at)).first()  # fmt: skip
    if draft is None:
        return DemoAccounts(password, tuple(people))
    return DemoAccounts(password, tuple(people), draft.id,
                        tuple(handover.people(draft.outgoing_people)),
                        tuple(handover.people(draft.incoming_people)))  # fmt: skip


def setup(factory: sessionmaker[Session]) -> DemoAccounts:
    with factory() as s, s.begin():
        return give_passwords(s, choose_password())


def describe(accounts: DemoAccounts, base_url: str) -> str:
    """The lines printed at start (both languages, like the admin's)."""
    if not accounts.people:
        return ""
    who = ", ".join(f"{login} ({name})" for login, name in accounts.people)
    lines = [f"  duty accounts 值班账号, password 密码 {accounts.password}:", f"    {who}",
             f"  (set {PASSWORD_ENV} to choose it 可用该环境变量指定)"]  # fmt: skip
    if accounts.handover_id is not None:
        lines.append(
            f"  open handover 待交接: {base_url}/handover/{accounts.handover_id}  "
            f"outgoing 交班 {', '.join(accounts.outgoing) or '—'} → "
            f"incoming 接班 {', '.join(accounts.incoming) or '—'}"
        )
    return "\n".join(lines) + "\n"
