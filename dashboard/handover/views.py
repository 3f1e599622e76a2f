"""The handover pages: open handovers and history, one handover's screen (carried-over
items, both signatures side by side, the gate's reasons), the supervisor's day view.

Posts (save, arrive, sign, open by hand, review the day) are in actions.py.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from flask import Blueprint, abort, g, render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session

from core.types import Role
from dashboard import journal_marks
from dashboard.extensions import db_session, roomwatch
from dashboard.i18n import gettext as _
from dashboard.inspection.amend import may_amend
from dashboard.security import ACTING_ROLES, login_required, role_required
from records import amendments, journal
from records.errors import NotFound
from records.handover import review, service
from records.handover.gate import GateInput, Refusal, refusals
from store.models_handover import Handover

bp = Blueprint("handover", __name__, template_folder="templates", url_prefix="/handover")

SUPERVISORS = (Role.SUPERVISOR, Role.ADMIN)


def signers(row: Handover) -> list[str]:
    """Who signed the handover (both sides): each may amend it."""
    return [n for n in (row.outgoing_signer, row.incoming_signer) if n]


def refusal_text(r: Refusal) -> str:
    """A gate reason in words (a blocking item's own reason is another area's message id)."""
    params = dict(r.params)
    if "reason" in params:
        params["reason"] = _(str(params["reason"]))
    return _(r.msgid, **params)


def words(
    s: Session, row: Handover, marks: journal_marks.Marks
) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """The people's display names and the shifts' names as signing froze them (a record
    signed before they were frozen falls back to today's)."""
    signed = journal.content_of(marks.entry) if marks.entry and row.signed_at else {}
    live = service.frozen(s, row)
    return {**live["names"], **signed.get("names", {})}, signed.get("shifts") or live["shifts"]


def arrive_minutes(row: Handover) -> int:
    """The early-arrival rule shown: the record's once the arrival is recorded (it is fixed
    then), before that the duty room's rule in the settings."""
    if row.arrived_at is not None or row.signed_at is not None:
        return row.arrive_before_minutes
    return roomwatch().settings.handover.arrive_minutes


def arrive_by(row: Handover) -> datetime:
    return row.due_at - timedelta(minutes=arrive_minutes(row))


def gate_input(s: Session, row: Handover) -> GateInput:
    """The gate's input with the configured severity from which alarms stop a handover."""
    return service.gate_input(s, row, roomwatch().settings.handover.gate_min_severity)


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    s = db_session()
    with s.begin():
        drafts = service.drafts(s)
        history = [h for h in service.recent(s) if h.signed_at is not None]
    return render_template("handover/index.html", drafts=drafts, history=history,
                           can_act=g.user.can(*ACTING_ROLES),
                           is_supervisor=g.user.can(*SUPERVISORS),
                           is_late=service.is_late)  # fmt: skip


def render_detail(
    handover_id: int, *, status: int = 200, errors: dict[str, str] | None = None,
    form: dict[str, Any] | None = None, reasons: list[str] | None = None,
    amend_errors: dict[str, str] | None = None, amend_form: dict[str, str] | None = None,
) -> ResponseReturnValue:  # fmt: skip
    """The handover screen; after a refused post, with the messages and what was typed."""
    s = db_session()
    with s.begin():
        try:
            row = service.get(s, handover_id)
        except NotFound:
            abort(404)
        live = [] if row.signed_at else [refusal_text(r) for r in refusals(gate_input(s, row))]
        marks = journal_marks.marks(s, service.KIND, row.id)
        names, shifts = words(s, row, marks)
        page = render_template(
            "handover/detail.html", h=row, items=list(row.items), gate=live,
            names=names, shifts=shifts,
            reasons=reasons or [], errors=errors or {}, form=form or {},
            outgoing=service.people(row.outgoing_people),
            incoming=service.people(row.incoming_people),
            late=service.minutes_late(row), arrive_by=arrive_by(row),
            arrive_minutes=arrive_minutes(row),
            can_act=g.user.can(*ACTING_ROLES), can_override=g.user.can(*SUPERVISORS),
            history=amendments.history(s, service.KIND, row.id),
            can_amend=row.signed_at is not None and may_amend(signers(row)),
            amend_errors=amend_errors or {}, amend_form=amend_form or {},
            marks=marks, now=roomwatch().clock.now())  # fmt: skip
    return page, status


@bp.get("/<int:handover_id>")
@login_required
def detail(handover_id: int) -> ResponseReturnValue:
    return render_detail(handover_id)


@bp.get("/<int:handover_id>/print")
@login_required
def print_view(handover_id: int) -> ResponseReturnValue:
    """The A4 交接班记录表: the record as signed (names and shifts as frozen), the items,
    both signatures, the supervisor's review of the day, the journal anchor; no forms."""
    s = db_session()
    with s.begin():
        try:
            row = service.get(s, handover_id)
        except NotFound:
            abort(404)
        marks = journal_marks.marks(s, service.KIND, row.id)
        names, shifts = words(s, row, marks)
        page = render_template(
            "handover/print.html", h=row, items=list(row.items), names=names, shifts=shifts,
            outgoing=service.people(row.outgoing_people),
            incoming=service.people(row.incoming_people),
            late=service.minutes_late(row), arrive_by=arrive_by(row),
            arrive_minutes=arrive_minutes(row),
            review=review.review_of(s, row.due_at, review.local_tz()),
            history=amendments.history(s, service.KIND, row.id), marks=marks)  # fmt: skip
    return page


def _day_arg() -> date:
    raw = request.args.get("day", "")
    today = roomwatch().clock.now().astimezone(review.local_tz()).date()
    if not raw:
        return today
    try:
        return date.fromisoformat(raw)
    except ValueError:
        abort(400)


def render_day(
    day: date, *, status: int = 200, errors: dict[str, str] | None = None
) -> ResponseReturnValue:
    tz = review.local_tz()
    now = roomwatch().clock.now()
    today = now.astimezone(tz).date()
    s = db_session()
    with s.begin():
        log = review.summary(s, day, tz)
        missing = review.missing_reviews(s, today)
        marks = journal_marks.marks(s, review.KIND, log.review.id) if log.review else None
        page = render_template("handover/day.html", log=log, day=day, today=today,
                               missing=missing, errors=errors or {}, marks=marks,
                               minutes_late=service.minutes_late,
                               arrive_by=service.arrive_by)  # fmt: skip
    return page, status


@bp.get("/day")
@role_required(*SUPERVISORS)
def day() -> ResponseReturnValue:
    """The supervisor's day: handovers, inspection sheets, alarms, the review signature."""
    return render_day(_day_arg())


from dashboard.handover import actions  # noqa: E402,F401  (registers the posts on bp)
