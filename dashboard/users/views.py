"""The admin's user list: each account's login, role and the name shown on records and
prints (王大壮 for ``wangdz``). Accounts are created with ``roomwatch user add``."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from core.types import Role
from dashboard.extensions import db_session
from dashboard.i18n import gettext as _
from dashboard.security import role_required
from store import accounts
from store.models import User

bp = Blueprint("users", __name__, template_folder="templates", url_prefix="/users")


def _render(errors: dict[int, str] | None = None, typed: dict[int, str] | None = None,
            status: int = 200) -> ResponseReturnValue:  # fmt: skip
    s = db_session()
    with s.begin():
        rows = list(s.scalars(select(User).order_by(User.username)))
        page = render_template("users/index.html", rows=rows, errors=errors or {},
                               typed=typed or {})  # fmt: skip
    return page, status


@bp.get("/")
@role_required(Role.ADMIN)
def index() -> ResponseReturnValue:
    return _render()


@bp.post("/<int:user_id>/name")
@role_required(Role.ADMIN)
def rename(user_id: int) -> ResponseReturnValue:
    name = " ".join(request.form.get("display_name", "").split())
    if not name or len(name) > accounts.MAX_DISPLAY_NAME:
        error = _("users.display_name_bad", max=accounts.MAX_DISPLAY_NAME)
        return _render({user_id: error}, {user_id: name}, 400)
    s = db_session()
    with s.begin():
        user = s.get(User, user_id)
        if user is None:
            return render_template("errors/error.html", status=404), 404
        accounts.set_display_name(s, user.username, name, actor=g.user.username)
        login = user.username
    flash(_("users.saved", user=login, name=name), "success")
    return redirect(url_for("users.index"))
