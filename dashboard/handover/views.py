"""The handover pages: open handovers and history, one handover's screen (carried-over
items, both signatures side by side, the gate's reasons), the supervisor's day view.

Posts (save, arrive, sign, open by hand, review the day) are in actions.py.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, abort, g, render_template, request
from flask.typing import ResponseReturnValue

from core.types import Role
from dashboard import journal_marks
from dashboard.extensions import db_session, roomwatch
from dashboard.i18n import gettext as _
from dashboard.inspection.amend import may_amend
from dashboard.security import ACTING_ROLES, login_required, role_required
from records import amendments
from records.errors import NotFound
from records.handover import review, service
from records.handover.gate import Refusal, refusals
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
        live = (
            [] if row.signed_at else [refusal_text(r) for r in refusals(service.gate_input(s, row))]
        )
        page = render_template(
            "handover/detail.html", h=row, items=list(row.items), gate=live,
            reasons=reasons or [], errors=errors or {}, form=form or {},
            outgoing=service.people(row.outgoing_people),
            incoming=service.people(row.incoming_people),
            late=service.is_late(row.arrived_at, row.due_at),
            arrive_by=row.due_at - service.ARRIVE_BEFORE,
            can_act=g.user.can(*ACTING_ROLES), can_override=g.user.can(*SUPERVISORS),
            history=amendments.history(s, service.KIND, row.id),
            can_amend=row.signed_at is not None and may_amend(signers(row)),
            amend_errors=amend_errors or {}, amend_form=amend_form or {},
            marks=journal_marks.marks(s, service.KIND, row.id),
            now=roomwatch().clock.now())  # fmt: skip
    return page, status


@bp.get("/<int:handover_id>")
@login_required
def detail(handover_id: int) -> ResponseReturnValue:
    return render_detail(handover_id)


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
                               is_late=service.is_late)  # fmt: skip
    return page, status


@bp.get("/day")
@role_required(*SUPERVISORS)
def day() -> ResponseReturnValue:
    """The supervisor's day: handovers, inspection sheets, alarms, the review signature."""
    return render_day(_day_arg())


from dashboard.handover import actions  # noqa: E402,F401  (registers the posts on bp)
