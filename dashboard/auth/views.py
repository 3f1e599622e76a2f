"""Login (argon2 via store.accounts), logout and the per-user language switch."""

from __future__ import annotations

import logging

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue

from dashboard import i18n, throttle
from dashboard.extensions import db_session, roomwatch
from dashboard.i18n import gettext as _
from dashboard.security import (
    client_address,
    current_user,
    load_user,
    login_required,
    public,
    record,
    safe_next,
)
from store.accounts import authenticate
from store.models import User

bp = Blueprint("auth", __name__, template_folder="templates")
log = logging.getLogger("roomwatch.auth")

MAX_FIELD = 200  # longer names or passwords are refused before hashing


@bp.route("/login", methods=["GET", "POST"])
@public
def login() -> ResponseReturnValue:
    next_url = safe_next(request.values.get("next"))
    if request.method == "GET":
        if current_user() is not None:
            return redirect(next_url or url_for("overview.index"))
        return render_template("auth/login.html", next=next_url or "")
    username = request.form.get("username", "").strip()[:MAX_FIELD]
    password = request.form.get("password", "")[:MAX_FIELD]
    actor = username[:100] or "-"  # as the audit journal, which the throttle counts, keeps it
    loaded = None
    s = db_session()
    with s.begin():
        wait = throttle.seconds_to_wait(s, actor, client_address(), roomwatch().clock.now())
    if wait > 0:
        return _throttled(wait, next_url, username)
    with s.begin():
        user = authenticate(s, username, password) if username and password else None
        if user is None:
            record(s, throttle.FAILED, "user", username[:100], actor=actor)
        else:
            record(s, throttle.SUCCEEDED, "user", user.id, actor=user.username)
            loaded = load_user(s, user.id)
    if user is None:
        flash(_("auth.failed"), "error")
        return render_template("auth/login.html", next=next_url or "", username=username), 401
    session.clear()  # a fresh session on login: no fixation
    session.permanent = True
    session["uid"] = user.id
    if loaded is not None:
        session["lang"] = loaded.language
    return redirect(next_url or url_for("overview.index"))


def _throttled(wait: int, next_url: str | None, username: str) -> ResponseReturnValue:
    """429 with the wait in words and in Retry-After; the password was not even checked."""
    log.warning(
        "login for %r from %s refused for %d s after failures",
        username[:100],
        client_address(),
        wait,
    )
    flash(_("auth.throttled", seconds=wait), "error")
    page = render_template("auth/login.html", next=next_url or "", username=username)
    return page, 429, {"Retry-After": str(wait)}


@bp.post("/logout")
@login_required
def logout() -> ResponseReturnValue:
    s = db_session()
    with s.begin():
        record(s, "logout", "user", g.user.id)
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("auth.logged_out"), "info")
    return redirect(url_for("auth.login"))


@bp.post("/language")
@public
def language() -> ResponseReturnValue:
    """Switch language: kept in the browser session, and on the account when logged in."""
    lang = i18n.normalize(request.form.get("lang"), default="")
    if lang:
        session["lang"] = lang
        user = current_user()
        if user is not None and user.language != lang:
            s = db_session()
            with s.begin():
                row = s.get(User, user.id)
                if row is not None:
                    record(
                        s,
                        "user.language",
                        "user",
                        user.id,
                        before={"language": row.language},
                        after={"language": lang},
                    )
                    row.language = lang
    default = url_for("overview.index") if current_user() else url_for("auth.login")
    return redirect(safe_next(request.form.get("next")) or default)
