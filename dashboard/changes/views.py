"""The change pages (变更审批): the list, a request form, one change with its actions and
history, the calendar. Actions (POST) are in actions.py.

Everyone logged in reads; on-duty staff, supervisors and admins request and work on
changes; supervisors and admins approve (never their own change).
"""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from typing import Any

from flask import Blueprint, abort, g, render_template, request, url_for
from flask.typing import ResponseReturnValue
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.types import Role
from dashboard import journal_marks
from dashboard.extensions import db_session, roomwatch
from dashboard.i18n import gettext as _
from dashboard.security import ACTING_ROLES, client_address, login_required, role_required
from records.changes import calendar, queries
from records.changes.form import RISKS
from records.changes.service import KIND, Actor, facts
from records.changes.states import State, allowed_actions
from store.models import Device
from store.models_changes import ChangeRequest

bp = Blueprint("changes", __name__, template_folder="templates", url_prefix="/changes")

APPROVERS = (Role.SUPERVISOR, Role.ADMIN)
FIELDS = ("title", "plan", "impact", "risk", "window_start", "window_end", "backout_plan",
          "backup_taken", "global_impact", "announced_at", "emergency")  # fmt: skip


@bp.app_template_global()
def under_change(window_id: int | None) -> Markup:
    """For the alarm console: a link to the change whose approved window an alarm fell in
    (its maintenance window), or nothing for a window set by hand."""
    if not window_id:
        return Markup("")
    cache: dict[int, int | None] = g.setdefault("changes_by_window", {})
    if window_id not in cache:
        s = db_session()
        q = select(ChangeRequest.id).where(ChangeRequest.maintenance_window_id == window_id)
        if s.in_transaction():
            cache[window_id] = s.scalar(q)
        else:
            with s.begin():
                cache[window_id] = s.scalar(q)
    change_id = cache[window_id]
    if change_id is None:
        return Markup("")
    return Markup('<a class="badge change-under" href="{}">{}</a>').format(
        url_for("changes.detail", change_id=change_id), _("changes.under_change", id=change_id)
    )


def local_tz() -> tzinfo:
    """The duty room's time zone: the server's (datetime-local fields carry none)."""
    tz = datetime.now().astimezone().tzinfo
    assert tz is not None
    return tz


def local_input(ts: datetime | None) -> str:
    return ts.astimezone(local_tz()).strftime("%Y-%m-%dT%H:%M") if ts else ""


def actor() -> Actor:
    return Actor(g.user.username, g.user.role, client_address())


def device_choices(s: Session) -> list[Device]:
    return list(s.scalars(select(Device).order_by(Device.name)))


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    state = request.args.get("state", "")
    state = state if state in {st.value for st in State} else ""
    now = roomwatch().clock.now()
    s = db_session()
    with s.begin():
        rows = queries.changes(s, state)
        clashes = queries.all_conflicts(s)
        overdue = {r.id for r in rows if queries.overdue(r, now)}
    return render_template(
        "changes/index.html", rows=rows, clashes=clashes, overdue=overdue, state=state,
        states=[st.value for st in State], can_request=g.user.can(*ACTING_ROLES), now=now,
    )  # fmt: skip


def render_form(
    change_id: int | None, form: dict[str, Any], errors: dict[str, str] | None = None,
    status: int = 200,
) -> ResponseReturnValue:  # fmt: skip
    s = db_session()
    with s.begin():
        devices = device_choices(s)
    page = render_template(
        "changes/form.html", change_id=change_id, form=form, errors=errors or {},
        devices=devices, risks=RISKS,
    )  # fmt: skip
    return page, status


@bp.get("/new")
@role_required(*ACTING_ROLES)
def new() -> ResponseReturnValue:
    return render_form(None, {"risk": "low", "devices": []})


def stored_form(row: ChangeRequest) -> dict[str, Any]:
    form: dict[str, Any] = {k: getattr(row, k) for k in FIELDS}
    for key in ("window_start", "window_end", "announced_at"):
        form[key] = local_input(getattr(row, key))
    form["devices"] = [str(d.device_id) for d in row.devices]
    return form


@bp.get("/<int:change_id>/edit")
@role_required(*ACTING_ROLES)
def edit(change_id: int) -> ResponseReturnValue:
    s = db_session()
    with s.begin():
        row = s.get(ChangeRequest, change_id)
        if row is None:
            abort(404)
        if row.state != State.DRAFT.value or row.requested_by != g.user.username:
            abort(403)
        form = stored_form(row)
    return render_form(change_id, form)


def render_detail(
    change_id: int, error: str = "", status: int = 200, close_error: str = ""
) -> ResponseReturnValue:
    now = roomwatch().clock.now()
    s = db_session()
    with s.begin():
        row = s.get(ChangeRequest, change_id)
        if row is None:
            abort(404)
        me = actor()
        f = facts(row, me)
        context = {
            "c": row, "devices": list(row.devices), "events": list(row.events),
            "actions": [a.value for a in allowed_actions(f)],
            "clashes": queries.conflicts_for(s, row)
            if row.state in (State.DRAFT.value, *queries.PLANNED) else [],
            "overdue": queries.overdue(row, now), "verify_due": queries.verify_due(row),
            "outside": queries.alarms_outside(s, row, now)
            if row.state == State.IN_PROGRESS.value else [],
            "can_edit": row.state == State.DRAFT.value and row.requested_by == me.username
            and g.user.can(*ACTING_ROLES),
            "can_announce": row.global_impact and row.announced_at is None
            and row.state in (State.DRAFT.value, State.SUBMITTED.value)
            and g.user.can(*ACTING_ROLES),
            "awaiting": row.emergency and row.approved_at is None
            and row.state in (State.IN_PROGRESS.value, State.IMPLEMENTED.value),
            "marks": journal_marks.marks(s, KIND, row.id),
        }  # fmt: skip
    page = render_template("changes/detail.html", error=error, close_error=close_error,
                           now=now, **context)  # fmt: skip
    return page, status


@bp.get("/<int:change_id>")
@login_required
def detail(change_id: int) -> ResponseReturnValue:
    return render_detail(change_id)


def _anchor() -> date:
    raw = request.args.get("date", "")
    try:
        return date.fromisoformat(raw) if raw else roomwatch().clock.now().astimezone().date()
    except ValueError:
        return roomwatch().clock.now().astimezone().date()


@bp.get("/calendar")
@login_required
def calendar_page() -> ResponseReturnValue:
    view = "week" if request.args.get("view") == "week" else "month"
    anchor = _anchor()
    tz = local_tz()
    first, last, days = calendar.period(view, anchor)
    start, end = calendar.bounds(days, tz)
    s = db_session()
    with s.begin():
        rows = queries.in_range(s, start, end)
        clashes = queries.all_conflicts(s)
    weeks = calendar.grid(view, anchor, [(r, r.window_start, r.window_end) for r in rows], tz)
    return render_template(
        "changes/calendar.html", view=view, weeks=weeks, first=first, last=last,
        prev=calendar.shift(view, anchor, -1), next=calendar.shift(view, anchor, 1),
        clashes=clashes, today=roomwatch().clock.now().astimezone(tz).date(),
    )  # fmt: skip
