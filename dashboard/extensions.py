"""The dashboard's hold on the database: one engine per app, one session per request.

The session is opened on first use and closed at teardown. Every read and write runs in
an explicit ``with db_session().begin():`` block, so no transaction outlives its block
(sessions keep loaded objects usable after commit: ``expire_on_commit=False``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

from core.clock import Clock, SystemClock
from core.config import Settings
from store.db import session_factory
from store.models import AuditEntry

EXTENSION = "roomwatch"


@dataclass
class Roomwatch:
    """What the app holds for its views: settings, the engine, its sessions and a clock."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    clock: Clock = field(default_factory=SystemClock)

    def init_app(self, app: Flask) -> None:
        app.extensions[EXTENSION] = self
        app.teardown_appcontext(_close_session)


def make_extension(settings: Settings, engine: Engine) -> Roomwatch:
    return Roomwatch(settings=settings, engine=engine, sessions=session_factory(engine))


def roomwatch() -> Roomwatch:
    ext: Roomwatch = current_app.extensions[EXTENSION]
    return ext


def db_session() -> Session:
    """This request's session (opened on first use)."""
    s: Session | None = g.get("_rw_session")
    if s is None:
        s = roomwatch().sessions()
        event.listen(s, "before_flush", _stamp_audit_entries)
        g._rw_session = s
    return s


def _stamp_audit_entries(s: Session, _context: Any, _instances: Any) -> None:
    """Audit entries that services write (they know no HTTP) get this request's address
    and request id, so every entry of a web action says where it came from."""
    if not has_request_context():
        return
    for obj in s.new:
        if isinstance(obj, AuditEntry):
            obj.address = obj.address or (request.remote_addr or "")[:100]
            obj.request_id = obj.request_id or str(g.get("request_id", ""))


def _close_session(_exc: BaseException | None) -> None:
    s: Session | None = g.pop("_rw_session", None)
    if s is not None:
        s.close()
