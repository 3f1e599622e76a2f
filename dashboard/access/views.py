"""Access log pages (机房出入登记): the board, registering, approving, signing in and out.

Everyone logged in sees; on-duty staff, supervisors and admins register, sign people in
and out and register items; only supervisors and admins (the room's head) approve or
reject an outsider's entry, and never one they registered themselves. Who is staff is
looked up by the service (records/access/staff.py), never read from the form; the admin
keeps the staff list (staff_pages.py). Work applications (施工申请单) are in
work_pages.py, the history and the printable register in history.py. Services audit
every action.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from core.types import Role
from dashboard import journal_marks
from dashboard.extensions import db_session, roomwatch
from dashboard.i18n import gettext as _
from dashboard.security import client_address, login_required, role_required
from records import journal
from records.access import search, service, works
from records.access.forms import Direction, Kind, local_input, parse_item, parse_registration
from records.access.states import State
from records.access.stay import overstay
from records.errors import NotFound, RecordError
from store.models import Room
from store.models_access import WorkApplication

bp = Blueprint("access", __name__, template_folder="templates", url_prefix="/access")

ACTORS = (Role.DUTY, Role.SUPERVISOR, Role.ADMIN)
HEADS = (Role.SUPERVISOR, Role.ADMIN)


def _form() -> dict[str, str]:
    return {k: v for k, v in request.form.items() if k != "csrf_token"}


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    now = roomwatch().clock.now()
    s = db_session()
    with s.begin():
        board = service.board(s, now)
        unsigned = [(w, s.get(Room, w.room_id)) for w in works.unsigned_today(s, now)]
    return render_template("access/index.html", board=board, unsigned=unsigned, now=now,
                           can_act=g.user.can(*ACTORS), can_decide=g.user.can(*HEADS),
                           can_keep_staff=g.user.can(Role.ADMIN))  # fmt: skip


def _render_new(values: dict[str, str], errors: dict[str, str], status: int = 200) -> Any:
    now = roomwatch().clock.now()
    s = db_session()
    with s.begin():
        rooms = search.rooms(s)
        active = [(w, s.get(Room, w.room_id)) for w in works.active(s, now)]
    return render_template("access/new.html", values=values, errors=errors, rooms=rooms,
                           active=active, kinds=list(Kind)), status  # fmt: skip


@bp.get("/new")
@role_required(*ACTORS)
def new() -> ResponseReturnValue:
    now = roomwatch().clock.now()
    planned = now.replace(second=0, microsecond=0) + timedelta(hours=2)
    return _render_new({"kind": "visit", "planned_out": local_input(planned)}, {})


@bp.post("/new")
@role_required(*ACTORS)
def create() -> ResponseReturnValue:
    values = _form()
    now = roomwatch().clock.now()
    reg, errors = parse_registration(values, now)
    if reg is None:
        return _render_new(values, errors, 400)
    s = db_session()
    try:
        with s.begin():
            entry = service.register(s, reg, by=g.user.username, now=now, address=client_address())
            entry_id, state = entry.id, entry.state
    except RecordError as exc:
        return _render_new(values, {str(exc.params.get("field", "form")): exc.msgid}, 400)
    flash(_(f"access.registered_{state}"), "success")
    return redirect(url_for("access.detail", entry_id=entry_id))


def _render_detail(
    entry_id: int, error: str = "", item_errors: dict[str, str] | None = None,
    item_values: dict[str, str] | None = None, status: int = 200,
) -> Any:  # fmt: skip
    now = roomwatch().clock.now()
    s = db_session()
    with s.begin():
        try:
            entry = service.get(s, entry_id)
        except NotFound:
            return render_template("errors/error.html", status=404), 404
        room = s.get(Room, entry.room_id)
        items = list(entry.items)
        work = s.get(WorkApplication, entry.work_application_id or 0)
        signed = journal.signed_entry(s, service.KIND, entry.id)
        marks = journal_marks.marks(s, service.KIND, entry.id)
    return render_template(
        "access/detail.html", entry=entry, room=room, items=items, work=work, signed=signed,
        over=overstay(entry.state, entry.planned_out, now), now=now, error=error,
        item_errors=item_errors or {}, item_values=item_values or {}, directions=list(Direction),
        can_act=g.user.can(*ACTORS), can_decide=g.user.can(*HEADS), State=State, marks=marks,
        own=entry.requested_by == g.user.username,
    ), status  # fmt: skip


@bp.get("/<int:entry_id>")
@login_required
def detail(entry_id: int) -> ResponseReturnValue:
    return _render_detail(entry_id)


def _act(entry_id: int, action: str, fn: Any) -> ResponseReturnValue:
    """Run one service action in a transaction; a refusal shows on the entry's page."""
    s = db_session()
    try:
        with s.begin():
            fn(s, roomwatch().clock.now())
    except NotFound:
        return render_template("errors/error.html", status=404), 404
    except RecordError as exc:
        return _render_detail(entry_id, _(exc.msgid, **exc.params), status=400)
    flash(_(f"access.done_{action}"), "success")
    if request.form.get("back") == "index":
        return redirect(url_for("access.index"))
    return redirect(url_for("access.detail", entry_id=entry_id))


@bp.post("/<int:entry_id>/approve")
@role_required(*HEADS)
def approve(entry_id: int) -> ResponseReturnValue:
    note = request.form.get("note", "")
    return _act(entry_id, "approve", lambda s, now: service.decide(
        s, entry_id, approve=True, by=g.user.username, note=note, address=client_address(),
        now=now))  # fmt: skip


@bp.post("/<int:entry_id>/reject")
@role_required(*HEADS)
def reject(entry_id: int) -> ResponseReturnValue:
    note = request.form.get("note", "")
    if not note.strip():
        return _render_detail(entry_id, _("access.err.reject_reason"), status=400)
    return _act(entry_id, "reject", lambda s, now: service.decide(
        s, entry_id, approve=False, by=g.user.username, note=note, address=client_address(),
        now=now))  # fmt: skip


@bp.post("/<int:entry_id>/enter")
@role_required(*ACTORS)
def enter(entry_id: int) -> ResponseReturnValue:
    return _act(entry_id, "enter",
                lambda s, now: service.enter(s, entry_id, by=g.user.username, now=now,
                                             address=client_address()))  # fmt: skip


@bp.post("/<int:entry_id>/leave")
@role_required(*ACTORS)
def leave(entry_id: int) -> ResponseReturnValue:
    password = request.form.get("password", "")
    if not password:
        return _render_detail(entry_id, _("access.err.password"), status=400)
    return _act(entry_id, "leave", lambda s, now: service.leave(
        s, entry_id, username=g.user.username, password=password, address=client_address(),
        now=now))  # fmt: skip


@bp.post("/<int:entry_id>/items")
@role_required(*ACTORS)
def add_item(entry_id: int) -> ResponseReturnValue:
    values = _form()
    line, errors = parse_item(values)
    if line is None:
        return _render_detail(entry_id, item_errors=errors, item_values=values, status=400)
    return _act(entry_id, "item", lambda s, now: service.add_item(
        s, entry_id, line, by=g.user.username, now=now, address=client_address()))  # fmt: skip
