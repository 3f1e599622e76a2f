"""The inspection pages (R2): history and overdue sheets, filling a sheet on a tablet,
signing (password again), print (A4), CSV/XLSX export, and templates for supervisors.

Every action is audited by the services; CSRF is app-wide; roles on every route: duty,
supervisor and admin fill and sign, readonly only reads, supervisor and admin edit templates.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from core.types import Role
from dashboard import journal_marks
from dashboard.extensions import db_session, roomwatch
from dashboard.i18n import current_language
from dashboard.i18n import gettext as _
from dashboard.inspection.amend import may_amend, post_amend
from dashboard.security import ACTING_ROLES, client_address, login_required, role_required
from records import amendments
from records.errors import NotFound, RecordError
from records.handover import review
from records.inspection import export, history, sheets, templates
from records.inspection.rounds import is_overdue
from records.inspection.standards import Standard, standard_text
from store.models import Room
from store.models_inspection import InspectionSheet

bp = Blueprint("inspection", __name__, template_folder="templates", url_prefix="/inspection")

EDITORS = (Role.SUPERVISOR, Role.ADMIN)


def _message(e: RecordError) -> str:
    return _(e.msgid, **e.params)


def _date(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw or "")
    except ValueError:
        return None


def _int(raw: str | None) -> int | None:
    try:
        return int(raw or "")
    except ValueError:
        return None


def _query() -> history.Query:
    args = request.args
    return history.Query(room_id=_int(args.get("room")), day_from=_date(args.get("from")),
                         day_to=_date(args.get("to")), result=args.get("result", ""),
                         signed=args.get("signed", ""))  # fmt: skip


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    q = _query()
    now = roomwatch().clock.now()
    s = db_session()
    with s.begin():
        return render_template(
            "inspection/index.html", q=q, rows=history.search(s, q), now=now,
            overdue=history.overdue(s, now), rooms=templates.rooms_with_templates(s),
            results=history.RESULTS, is_overdue=is_overdue,
        )  # fmt: skip


@bp.post("/open")
@role_required(*ACTING_ROLES)
def open_now() -> ResponseReturnValue:
    """Open a sheet now (an extra round, e.g. after work in the room)."""
    room_id = _int(request.form.get("room"))
    now = roomwatch().clock.now()
    s = db_session()
    try:
        with s.begin():
            room = s.get(Room, room_id) if room_id is not None else None
            if room is None:
                abort(400)
            slot = f"manual:{room.name}@{now.isoformat(timespec='seconds')}"
            sheet = sheets.open_sheet(s, room, now, kind="manual", slot=slot,
                                      by=g.user.username)  # fmt: skip
            sheet_id = sheet.id
    except RecordError as e:
        flash(_message(e), "error")
        return redirect(url_for("inspection.index"))
    return redirect(url_for("inspection.sheet", sheet_id=sheet_id))


def _load(sheet_id: int) -> tuple[InspectionSheet, Room]:
    s = db_session()
    sheet = s.get(InspectionSheet, sheet_id)
    if sheet is None:
        abort(404)
    room = s.get(Room, sheet.room_id)
    assert room is not None
    return sheet, room


def _std(item: object) -> str:
    op, unit = getattr(item, "op", ""), getattr(item, "unit", "")
    if not op:
        return ""
    std = Standard(op, getattr(item, "low", None), getattr(item, "high", None),
                   getattr(item, "expect", ""))  # fmt: skip
    return standard_text(std, unit)


def render_sheet(
    sheet_id: int, error: str = "", status: int = 200, template: str = "inspection/sheet.html",
    amend_errors: dict[str, str] | None = None, amend_form: dict[str, str] | None = None,
) -> ResponseReturnValue:  # fmt: skip
    now = roomwatch().clock.now()
    s = db_session()
    with s.begin():
        sheet, room = _load(sheet_id)
        page = render_template(
            template, sheet=sheet, room=room, error=error, now=now, std=_std,
            missing=sheets.missing_by_item(sheet) if sheet.signed_at is None else {},
            overdue=is_overdue(sheet.due_by, sheet.signed_at, now),
            history=amendments.history(s, sheets.KIND, sheet.id),
            can_amend=sheet.signed_at is not None and may_amend([sheet.signed_by or ""]),
            amend_errors=amend_errors or {}, amend_form=amend_form or {},
            marks=journal_marks.marks(s, sheets.KIND, sheet.id),
            review=review.review_of(s, sheet.signed_at, review.local_tz())
            if sheet.signed_at else None,
        )  # fmt: skip
    return page, status


@bp.get("/<int:sheet_id>")
@login_required
def sheet(sheet_id: int) -> ResponseReturnValue:
    return render_sheet(sheet_id)


@bp.get("/<int:sheet_id>/print")
@login_required
def print_view(sheet_id: int) -> ResponseReturnValue:
    return render_sheet(sheet_id, template="inspection/print.html")


def _entries() -> list[sheets.Entry]:
    out = []
    for key in request.form:
        if key.startswith("item-"):
            item_id = _int(key.removeprefix("item-"))
            if item_id is None:
                abort(400)
            out.append(sheets.Entry(item_id, request.form.get(f"result-{item_id}", ""),
                                    request.form.get(f"note-{item_id}", ""),
                                    request.form.get(f"reported-{item_id}", "")))  # fmt: skip
    return out


def _save(sheet_id: int) -> str:
    """Save the posted ticks and notes; the refusal's message, or ""."""
    entries = _entries()
    if not entries:
        return ""
    s = db_session()
    try:
        with s.begin():
            sheets.fill(s, sheet_id, entries, g.user.username, roomwatch().clock.now())
    except NotFound:
        abort(404)
    except RecordError as e:
        return _message(e)
    return ""


@bp.post("/<int:sheet_id>/fill")
@role_required(*ACTING_ROLES)
def fill(sheet_id: int) -> ResponseReturnValue:
    error = _save(sheet_id)
    if error:
        return render_sheet(sheet_id, error, 409 if _frozen(sheet_id) else 400)
    flash(_("inspection.saved"), "success")
    return redirect(url_for("inspection.sheet", sheet_id=sheet_id))


def _frozen(sheet_id: int) -> bool:
    s = db_session()
    with s.begin():
        sheet = s.get(InspectionSheet, sheet_id)
        return sheet is not None and sheet.signed_at is not None


@bp.post("/<int:sheet_id>/refresh")
@role_required(*ACTING_ROLES)
def refresh(sheet_id: int) -> ResponseReturnValue:
    error = _save(sheet_id)
    if error:
        return render_sheet(sheet_id, error, 400)
    s = db_session()
    try:
        with s.begin():
            sheets.refresh(s, sheet_id, roomwatch().clock.now(), g.user.username)
    except NotFound:
        abort(404)
    except RecordError as e:
        return render_sheet(sheet_id, _message(e), 409)
    flash(_("inspection.refreshed"), "success")
    return redirect(url_for("inspection.sheet", sheet_id=sheet_id))


@bp.post("/<int:sheet_id>/sign")
@role_required(*ACTING_ROLES)
def sign(sheet_id: int) -> ResponseReturnValue:
    if _frozen(sheet_id):
        return render_sheet(sheet_id, _("journal.already_signed"), 409)
    error = _save(sheet_id)  # what was ticked is kept even when the signature is refused
    if error:
        return render_sheet(sheet_id, error, 400)
    password = request.form.get("password", "")
    if not password:
        return render_sheet(sheet_id, _("inspection.password_required"), 400)
    s = db_session()
    try:
        with s.begin():
            sheets.sign(s, sheet_id, username=g.user.username, password=password,
                        address=client_address(), now=roomwatch().clock.now())  # fmt: skip
    except NotFound:
        abort(404)
    except RecordError as e:
        status = 409 if e.msgid == "journal.already_signed" else 400
        return render_sheet(sheet_id, _message(e), status)
    flash(_("inspection.signed_ok"), "success")
    return redirect(url_for("inspection.sheet", sheet_id=sheet_id))


@bp.post("/<int:sheet_id>/amend")
@role_required(*ACTING_ROLES)
def amend(sheet_id: int) -> ResponseReturnValue:
    """A correction of a signed sheet (the signer or a supervisor), shown under the sheet."""
    s = db_session()
    with s.begin():
        sheet, _room = _load(sheet_id)
        signed_by = sheet.signed_by if sheet.signed_at is not None else None
    if signed_by is None:
        return render_sheet(sheet_id, _("amend.not_signed"), 409)
    errors, form = post_amend(sheets.KIND, sheet_id, [signed_by])
    if errors:
        return render_sheet(sheet_id, status=400, amend_errors=errors, amend_form=form)
    flash(_("amend.done"), "success")
    return redirect(url_for("inspection.sheet", sheet_id=sheet_id) + "#journal")


def _words() -> dict[str, str]:
    words = {c: _(f"inspection.col.{c}") for c in export.COLUMNS}
    for key in ("title", "opened_at", "sheet_result", "signed"):
        words[key] = _(f"inspection.head.{key}")
    for r in history.RESULTS:
        words[f"result.{r}"] = _(f"inspection.result.{r}")
    for r in ("pass", "fail", "nodata"):
        words[f"item.{r}"] = _(f"inspection.item.{r}")
    for r in ("yes", "no"):
        words[f"reported.{r}"] = _(f"inspection.reported.{r}")
    return words


def _download(body: bytes, fmt: str, name: str) -> Response:
    mime = ("text/csv; charset=utf-8" if fmt == "csv" else
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")  # fmt: skip
    return Response(body, mimetype=mime,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip


@bp.get("/export.<fmt>")
@login_required
def export_history(fmt: str) -> ResponseReturnValue:
    """The history search, as on the page, to CSV or XLSX."""
    if fmt not in ("csv", "xlsx"):
        abort(404)
    words = _words()
    for c in export.HISTORY_COLUMNS:
        words[f"h.{c}"] = _(f"inspection.h.{c}")
    for k in ("scheduled", "onsite", "manual"):
        words[f"kind.{k}"] = _(f"inspection.kind.{k}")
    s = db_session()
    with s.begin():
        rows = export.history_table(history.search(s, _query(), limit=5000), words)
    name = f"inspection-history-{roomwatch().clock.now().astimezone():%Y%m%d-%H%M}.{fmt}"
    if fmt == "csv":
        return _download(export.to_csv([], rows), fmt, name)
    return _download(export.to_xlsx([], rows, _("inspection.history")), fmt, name)


@bp.get("/<int:sheet_id>/export.<fmt>")
@login_required
def export_sheet(sheet_id: int, fmt: str) -> ResponseReturnValue:
    if fmt not in ("csv", "xlsx"):
        abort(404)
    s = db_session()
    with s.begin():
        sheet, room = _load(sheet_id)
        head, rows = export.table(sheet, room, _words(), current_language())
        day = sheet.opened_at.astimezone().strftime("%Y%m%d-%H%M")
    name = f"inspection-{room.name}-{day}-{sheet_id}.{fmt}"
    if fmt == "csv":
        return _download(export.to_csv(head, rows), fmt, name)
    return _download(export.to_xlsx(head, rows, f"{room.name} {day}"), fmt, name)


@bp.get("/templates/<int:room_id>")
@role_required(*EDITORS)
def template(room_id: int) -> ResponseReturnValue:
    return render_template_page(room_id)


def render_template_page(
    room_id: int, errors: dict[str, str] | None = None, status: int = 200
) -> ResponseReturnValue:
    s = db_session()
    with s.begin():
        room = s.get(Room, room_id)
        if room is None:
            abort(404)
        tpl = templates.template_for(s, room_id)
        page = render_template("inspection/template.html", room=room, tpl=tpl,
                               errors=errors or {}, form=request.form, std=_std)  # fmt: skip
    return page, status


@bp.post("/templates/<int:room_id>/install")
@role_required(*EDITORS)
def install(room_id: int) -> ResponseReturnValue:
    s = db_session()
    with s.begin():
        if s.scalar(select(Room.id).where(Room.id == room_id)) is None:
            abort(404)
        templates.install_default(s, room_id, roomwatch().clock.now(), g.user.username)
    flash(_("inspection.tpl.installed"), "success")
    return redirect(url_for("inspection.template", room_id=room_id))


@bp.post("/templates/<int:room_id>")
@role_required(*EDITORS)
def save_template(room_id: int) -> ResponseReturnValue:
    s = db_session()
    with s.begin():
        tpl = templates.template_for(s, room_id)
        if tpl is None:
            abort(404)
        edit, errors = templates.parse_edit(request.form.to_dict(), list(tpl.items))
        if not errors:
            templates.apply_edit(s, tpl.id, edit, g.user.username, roomwatch().clock.now())
    if errors:
        return render_template_page(room_id, errors, 400)
    flash(_("inspection.tpl.saved"), "success")
    return redirect(url_for("inspection.template", room_id=room_id))
