"""Who is asking: the request id, the logged-in user, role checks and the audit helper.

Every page needs a logged-in user: a guard before each request redirects to the login
page unless the view is marked :func:`public` (login, language, static) or belongs to the
token-authenticated API. ``login_required`` / ``role_required`` state the same on views.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

from flask import Flask, abort, current_app, g, redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session

from core.types import Role
from dashboard import i18n
from dashboard.errors import API_PREFIX
from dashboard.extensions import db_session, roomwatch
from store import audit
from store.models import User

F = TypeVar("F", bound=Callable[..., Any])
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._\-]{1,64}$")
ACTING_ROLES = (Role.DUTY, Role.SUPERVISOR, Role.ADMIN)


@dataclass(frozen=True, slots=True)
class CurrentUser:
    """The logged-in user as the views need it (no live ORM object kept across requests)."""

    id: int
    username: str
    display_name: str
    role: Role
    language: str

    def can(self, *roles: Role | str) -> bool:
        return self.role in {Role(r) for r in roles}


def public(view: F) -> F:
    """Mark a view as open to visitors that are not logged in."""
    view.roomwatch_public = True  # type: ignore[attr-defined]
    return view


def current_user() -> CurrentUser | None:
    user: CurrentUser | None = g.get("user")
    return user


def login_required(view: F) -> F:
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current_user() is None:
            return redirect(url_for("auth.login", next=_next_target()))
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def role_required(*roles: Role | str) -> Callable[[F], F]:
    """Logged in and holding one of ``roles``; others get 403 (they may still view pages)."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            user = current_user()
            if user is None:
                return redirect(url_for("auth.login", next=_next_target()))
            if not user.can(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorate


def _next_target() -> str:
    return request.full_path if request.query_string else request.path


def safe_next(target: str | None) -> str | None:
    r"""``target`` when it is a path of this site, else None (no open redirect).

    Browsers forgive a lot: they drop tabs and newlines from a URL (``/\t/x`` is ``//x``,
    another host), read ``\`` as ``/`` and fold full-width forms (``／`` is ``/``). So a
    target is refused, not cleaned up: it must hold no control or space character and have
    neither scheme nor host, and its path, as written and after every percent-decoding a
    browser or proxy might apply, must start with one ``/`` and hold no backslash, no
    compatibility form (NFKC leaves it alone) and no ``.`` or ``..`` segment.
    """
    if not target or len(target) > MAX_NEXT or not _plain_path(target.split("?")[0]):
        return None
    if any(unicodedata.category(ch)[0] in "CZ" for ch in target):  # controls, spaces
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    layer, seen = parts.path, set()
    while layer not in seen:
        seen.add(layer)
        if not _plain_path(layer):
            return None
        layer = unquote(layer)
    return target


MAX_NEXT = 2000
_DOT_SEGMENTS = frozenset({".", ".."})


def _plain_path(path: str) -> bool:
    if not path.startswith("/") or path.startswith("//") or "\\" in path:
        return False
    if any(unicodedata.category(ch)[0] in "CZ" for ch in path):
        return False
    return unicodedata.normalize("NFKC", path) == path and _DOT_SEGMENTS.isdisjoint(path.split("/"))


def client_address() -> str:
    return (request.remote_addr or "")[:100]


def request_id() -> str:
    return str(g.get("request_id", ""))


def record(
    s: Session,
    action: str,
    object_type: str = "",
    object_id: str | int = "",
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    actor: str | None = None,
) -> None:
    """Audit one action of this request: actor, address and request id filled in."""
    user = current_user()
    audit.record(
        s,
        (actor or (user.username if user else "anonymous"))[:100],
        action,
        object_type,
        object_id,
        before=before,
        after=after,
        address=client_address(),
        request_id=request_id(),
        now=roomwatch().clock.now(),
    )


def load_user(s: Session, user_id: int) -> CurrentUser | None:
    row = s.get(User, user_id)
    if row is None or not row.active:
        return None
    return CurrentUser(row.id, row.username, row.display_name, Role(row.role), row.language)


def _before_request() -> ResponseReturnValue | None:
    incoming = request.headers.get("X-Request-ID", "")
    g.request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
    if request.path.startswith(API_PREFIX) or request.endpoint == "static":
        g.lang = i18n.normalize(roomwatch().settings.server.language)
        return None  # the API authenticates by token; static files need no user
    user_id = session.get("uid")
    user = None
    if isinstance(user_id, int):
        s = db_session()
        with s.begin():
            user = load_user(s, user_id)
        if user is None:
            session.clear()
    g.user = user
    g.lang = i18n.select_language(
        user.language if user else None, roomwatch().settings.server.language
    )
    view = current_app.view_functions.get(request.endpoint or "")
    if user is None and view is not None and not getattr(view, "roomwatch_public", False):
        return redirect(url_for("auth.login", next=_next_target()))
    return None


def _after_request(response: Any) -> Any:
    response.headers["X-Request-ID"] = request_id()
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'",
    )
    if current_user() is not None:
        response.headers.setdefault("Cache-Control", "no-store")
    server = roomwatch().settings.server
    if server.uses_tls and server.hsts_seconds:  # no subdomains: they may be other services
        response.headers.setdefault("Strict-Transport-Security", f"max-age={server.hsts_seconds}")
    return response


def init_app(app: Flask) -> None:
    app.before_request(_before_request)
    app.after_request(_after_request)

    @app.context_processor
    def _inject() -> dict[str, Any]:
        return {"current_user": current_user(), "Role": Role, "ACTING_ROLES": ACTING_ROLES}
