"""Handover posts: save the draft, record arrival, sign face to face, open by hand, review
the day. Each needs an acting role and a CSRF token; a refusal re-renders the page with the
message and status 400, and the transaction is rolled back (nothing half-written).
"""

from __future__ import annotations

from datetime import date, datetime

from flask import abort, flash, g, redirect, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session

from core.duty import ShiftSlot
from dashboard import journal_marks
from dashboard.extensions import db_session, roomwatch
from dashboard.handover.views import (
    SUPERVISORS,
    bp,
    refusal_text,
    render_day,
    render_detail,
    signers,
)
from dashboard.i18n import gettext as _
from dashboard.inspection.amend import post_amend
from dashboard.security import ACTING_ROLES, client_address, role_required
from records import checkpoints
from records.errors import RecordError
from records.handover import review, schedule, service
from records.handover.service import GateRefused, Override

MAX_NAME = 100


def _flags() -> tuple[str, bool, bool, list[str]]:
    notes = request.form.get("notes", "")
    return (notes, request.form.get("switching") == "1", request.form.get("fault") == "1",
            request.form.getlist("confirm"))  # fmt: skip


def _notes_error(notes: str) -> dict[str, str]:
    if len(notes) > service.MAX_NOTES:
        return {"notes": _("handover.notes_too_long", max=service.MAX_NOTES)}
    return {}


@bp.post("/<int:handover_id>/save")
@role_required(*ACTING_ROLES)
def save(handover_id: int) -> ResponseReturnValue:
    notes, switching, fault, confirm = _flags()
    form = {"notes": notes, "switching": switching, "fault": fault, "confirm": confirm}
    errors = _notes_error(notes)
    if errors:
        return render_detail(handover_id, status=400, errors=errors, form=form)
    s = db_session()
    try:
        with s.begin():
            service.save_draft(s, handover_id, actor=g.user.username,
                               now=roomwatch().clock.now(), notes=notes, switching=switching,
                               fault=fault, confirmed=confirm)  # fmt: skip
    except RecordError as exc:
        return render_detail(handover_id, status=_status(exc), form=form,
                             reasons=[_(exc.msgid, **exc.params)])  # fmt: skip
    flash(_("handover.saved"), "success")
    return redirect(url_for("handover.detail", handover_id=handover_id))


def _status(exc: RecordError) -> int:
    return 404 if exc.msgid == "record.not_found" else 400


@bp.post("/<int:handover_id>/note")
@role_required(*ACTING_ROLES)
def note(handover_id: int) -> ResponseReturnValue:
    text = request.form.get("note", "")
    s = db_session()
    try:
        with s.begin():
            service.add_note(s, handover_id, text, g.user.username, roomwatch().clock.now())
    except RecordError as exc:
        if exc.msgid.startswith("handover.note_"):  # shown next to the field
            return render_detail(handover_id, status=400,
                                 errors={"note": _(exc.msgid, **exc.params)})  # fmt: skip
        # e.g. frozen: the note field is not shown on a signed handover, say it at the top
        return render_detail(handover_id, status=_status(exc),
                             reasons=[_(exc.msgid, **exc.params)])  # fmt: skip
    flash(_("handover.note_added"), "success")
    return redirect(url_for("handover.detail", handover_id=handover_id))


@bp.post("/<int:handover_id>/arrive")
@role_required(*ACTING_ROLES)
def arrive(handover_id: int) -> ResponseReturnValue:
    s = db_session()
    try:
        with s.begin():
            row = service.record_arrival(
                s, handover_id, g.user.username, roomwatch().clock.now(),
                arrive_before_minutes=roomwatch().settings.handover.arrive_minutes)  # fmt: skip
            late, minutes = service.minutes_late(row), row.arrive_before_minutes
    except RecordError as exc:
        return render_detail(handover_id, status=_status(exc),
                             reasons=[_(exc.msgid, **exc.params)])  # fmt: skip
    if late:
        flash(_("handover.arrived_late", minutes=minutes), "error")
    else:
        flash(_("handover.arrived"), "success")
    return redirect(url_for("handover.detail", handover_id=handover_id))


@bp.post("/<int:handover_id>/sign")
@role_required(*ACTING_ROLES)
def sign(handover_id: int) -> ResponseReturnValue:
    notes, switching, fault, confirm = _flags()
    f = request.form
    names = {k: f.get(k, "").strip()[:MAX_NAME] for k in ("outgoing_user", "incoming_user")}
    override_reason = f.get("override_reason", "").strip()
    override_password = f.get("override_password", "")
    wants_override = bool(override_reason or override_password)
    if wants_override and not g.user.can(*SUPERVISORS):
        abort(403)  # only a supervisor overrides the gate (duty cannot, even by a forged post)
    form = {"notes": notes, "switching": switching, "fault": fault, "confirm": confirm,
            "override_reason": override_reason, **names}  # fmt: skip
    errors = _notes_error(notes)
    for key in ("outgoing_user", "incoming_user"):
        if not names[key]:
            errors[key] = _("handover.field_required")
    for key in ("outgoing_password", "incoming_password"):
        if not f.get(key):
            errors[key] = _("handover.field_required")
    if wants_override and not override_reason:
        errors["override_reason"] = _("handover.override_needs_reason")
    if wants_override and not override_password:
        errors["override_password"] = _("handover.field_required")
    if errors:
        return render_detail(handover_id, status=400, errors=errors, form=form)
    override = (Override(g.user.username, override_password, override_reason)
                if wants_override else None)  # fmt: skip
    now = roomwatch().clock.now()
    s = db_session()
    try:
        with s.begin():
            service.sign(s, handover_id, outgoing_user=names["outgoing_user"],
                         outgoing_password=f.get("outgoing_password", ""),
                         incoming_user=names["incoming_user"],
                         incoming_password=f.get("incoming_password", ""),
                         address=client_address(), now=now, confirmed=confirm,
                         override=override, notes=notes, switching=switching, fault=fault,
                         gate_severity=roomwatch().settings.handover.gate_min_severity)  # fmt: skip
    except GateRefused as exc:
        reasons = [refusal_text(r) for r in exc.refusals]
        if exc.kept:  # §6.3: the handover stops, the outgoing person owns the fault
            with s.begin():
                service.keep_with_outgoing(s, handover_id, exc.kept, exc.outgoing, now)
            reasons.append(_("handover.kept_by_outgoing", person=exc.outgoing))
        return render_detail(handover_id, status=400, form=form, reasons=reasons)
    except RecordError as exc:
        return render_detail(handover_id, status=_status(exc), form=form,
                             reasons=[_(exc.msgid, **exc.params)])  # fmt: skip
    flash(_("handover.signed"), "success")
    return redirect(url_for("handover.detail", handover_id=handover_id))


@bp.post("/<int:handover_id>/amend")
@role_required(*ACTING_ROLES)
def amend(handover_id: int) -> ResponseReturnValue:
    """A correction of a signed handover (either signer or a supervisor), shown under it."""
    s = db_session()
    with s.begin():
        try:
            row = service.get(s, handover_id)
        except RecordError:
            abort(404)
        who = signers(row) if row.signed_at is not None else None
    if who is None:
        return render_detail(handover_id, status=409, reasons=[_("amend.not_signed")])
    errors, form = post_amend(service.KIND, handover_id, who)
    if errors:
        return render_detail(handover_id, status=400, amend_errors=errors, amend_form=form)
    flash(_("amend.done"), "success")
    return redirect(url_for("handover.detail", handover_id=handover_id) + "#journal")


@bp.post("/open")
@role_required(*ACTING_ROLES)
def open_by_hand() -> ResponseReturnValue:
    """The on-duty person opens the handover: the roster's slots when there are, else a
    hand-made one from this person to whoever comes (due now)."""
    now = roomwatch().clock.now()
    me = g.user.username
    s = db_session()
    with s.begin():
        outgoing, incoming = _roster_slots(s, now)
        if outgoing is None or incoming is None or me not in outgoing.people:
            outgoing = ShiftSlot("manual", now, now, (me,))
            incoming = ShiftSlot("manual", now, now, ())
        row = service.open_handover(s, outgoing, incoming, now, opened_by=me)
        hid = row.id
    return redirect(url_for("handover.detail", handover_id=hid))


def _roster_slots(s: Session, now: datetime) -> tuple[ShiftSlot | None, ShiftSlot | None]:
    fns = schedule.roster()
    if fns is None:
        return None, None
    return fns[0](s, now), fns[1](s, now)


@bp.post("/day/review")
@role_required(*SUPERVISORS)
def review_day() -> ResponseReturnValue:
    try:
        day = date.fromisoformat(request.form.get("day", ""))
    except ValueError:
        abort(400)
    password = request.form.get("password", "")
    if not password:
        return render_day(day, status=400, errors={"password": _("handover.field_required")})
    s = db_session()
    try:
        with s.begin():
            review.review_day(s, day, review.local_tz(), username=g.user.username,
                              password=password, note=request.form.get("note", ""),
                              address=client_address(), now=roomwatch().clock.now())  # fmt: skip
            # this transaction holds the journal's lock: the newest checkpoint is the review's
            checkpoint = checkpoints.latest(s)
    except RecordError as exc:
        return render_day(day, status=400, errors={"password": _(exc.msgid, **exc.params)})
    flash(_("handover.reviewed", day=day.isoformat()), "success")
    failed = journal_marks.keep_checkpoint(checkpoint)  # only once the review is committed
    if failed:
        flash(_("journal.checkpoint_not_kept", error=failed), "error")
    return redirect(url_for("handover.day", day=day.isoformat()))
