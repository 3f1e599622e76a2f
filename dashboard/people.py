"""People by their names: records store logins (``wangdz``); screens and prints show the
display name an admin gave (王大壮). Templates use the ``person`` filter for one login and
``persons`` for "zhang/wang" or "zhang,wang" (a handover's ``signed_by``, a shift's people).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from flask import Flask, g, has_request_context
from sqlalchemy import select

from store.models import User

_SPLIT = re.compile(r"[/,]")


def _names() -> dict[str, str]:
    """Every login's display name, read once per request (the users table is small)."""
    cached: dict[str, str] | None = g.get("_rw_names")
    if cached is None:
        from dashboard.extensions import db_session

        s = db_session()
        query = select(User.username, User.display_name)
        if s.in_transaction():  # rendered inside the page's transaction
            rows = [(login, name) for login, name in s.execute(query)]
        else:
            with s.begin():
                rows = [(login, name) for login, name in s.execute(query)]
        cached = {login: name or login for login, name in rows}
        g._rw_names = cached
    return cached


def person(login: str | None, names: dict[str, str] | None = None) -> str:
    """The display name of ``login`` (``names`` first: those frozen with a record)."""
    if not login:
        return ""
    if names and login in names:
        return names[login]
    if not has_request_context():
        return login
    return _names().get(login, login)


def persons(logins: str | Iterable[str] | None, names: dict[str, str] | None = None) -> str:
    """Several logins ("zhang/wang", "zhang,wang" or a list) as display names, "、"-joined."""
    if not logins:
        return ""
    parts = _SPLIT.split(logins) if isinstance(logins, str) else list(logins)
    return "、".join(person(p.strip(), names) for p in parts if p.strip())


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(person=person, persons=persons)
