"""Notification pages: channels and routes, a channel's form, the delivery log.

Supervisors and admins see them (supervisors read only); duty and read-only users get
403. Secrets and robot tokens are never rendered: only their last 4 characters.
The POST routes are in actions.py.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, g, render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from core.types import Role
from dashboard.extensions import db_session
from dashboard.i18n import gettext as _
from dashboard.security import role_required
from rules.notify import channel_store
from rules.notify.channel_form import KINDS, LANGUAGES, MAX_LEVEL, mask, shown_target
from rules.notify.channel_store import STATUSES, ChannelError
from store.models import NotifyChannel, Room

bp = Blueprint("notify", __name__, template_folder="templates", url_prefix="/notify")

READERS = (Role.SUPERVISOR, Role.ADMIN)
EDITORS = (Role.ADMIN,)
PER_PAGE = 50


def field_errors(codes: dict[str, str]) -> dict[str, str]:
    return {field: _("notify.err." + code) for field, code in codes.items()}


def render_index(
    route_errors: dict[str, str] | None = None, form: dict[str, str] | None = None,
    status: int = 200,
) -> ResponseReturnValue:  # fmt: skip
    s = db_session()
    with s.begin():
        chans = channel_store.channels(s)
        rows = [
            {"id": c.id, "name": c.name, "kind": c.kind, "target": shown_target(c.kind, c.target),
             "secret": mask(c.secret), "language": c.language, "enabled": c.enabled,
             "failures": c.consecutive_failures}
            for c in chans
        ]  # fmt: skip
        names = {c.id: c.name for c in chans}
        routes = channel_store.routes(s)
        rooms = list(s.scalars(select(Room.name).order_by(Room.name)))
    page = render_template(
        "notify/index.html", channels=rows, routes=routes, names=names, rooms=rooms,
        can_edit=g.user.can(*EDITORS), errors=route_errors or {}, form=form or {},
        max_level=MAX_LEVEL,
    )  # fmt: skip
    return page, status


@bp.get("/")
@role_required(*READERS)
def index() -> ResponseReturnValue:
    return render_index()


def render_channel(
    channel_id: int | None, errors: dict[str, str] | None = None,
    form: dict[str, Any] | None = None, status: int = 200,
) -> ResponseReturnValue:  # fmt: skip
    """The create/edit form: stored secrets show masked, their fields start empty."""
    stored: dict[str, Any] = {}
    if channel_id is not None:
        s = db_session()
        with s.begin():
            ch = s.get(NotifyChannel, channel_id)
            if ch is None:
                abort(404)
            stored = {"name": ch.name, "kind": ch.kind, "language": ch.language,
                      "enabled": ch.enabled, "secret_mask": mask(ch.secret),
                      "target_mask": shown_target(ch.kind, ch.target),
                      "target": "" if ch.kind != "smtp" else ch.target}  # fmt: skip
    shown = {**stored, **(form or {})}
    page = render_template(
        "notify/channel.html", channel_id=channel_id, form=shown, errors=errors or {},
        kinds=KINDS, languages=LANGUAGES,
    )  # fmt: skip
    return page, status


@bp.get("/channels/new")
@role_required(*EDITORS)
def new_channel() -> ResponseReturnValue:
    return render_channel(None, form={"kind": "webhook", "language": "zh", "enabled": True})


@bp.get("/channels/<int:channel_id>")
@role_required(*EDITORS)
def edit_channel(channel_id: int) -> ResponseReturnValue:
    return render_channel(channel_id)


def _int_arg(name: str) -> int | None:
    try:
        return int(request.args.get(name, ""))
    except ValueError:
        return None


@bp.get("/deliveries")
@role_required(*READERS)
def deliveries() -> ResponseReturnValue:
    channel_id = _int_arg("channel")
    status = request.args.get("status", "")
    if status not in STATUSES:
        status = ""
    page = max(_int_arg("page") or 1, 1)
    s = db_session()
    with s.begin():
        try:
            rows, total = channel_store.delivery_log(s, channel_id, status, page, PER_PAGE)
        except ChannelError:
            abort(404)
        names = {c.id: c.name for c in channel_store.channels(s)}
    pages = max((total + PER_PAGE - 1) // PER_PAGE, 1)
    return render_template(
        "notify/deliveries.html", rows=rows, total=total, page=page, pages=pages,
        channel_id=channel_id, status=status, names=names, statuses=STATUSES,
    )  # fmt: skip
