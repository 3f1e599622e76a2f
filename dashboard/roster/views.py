"""The roster pages: the month grid (people × days, hours), generating a month from a
pattern, editing a cell, publishing, teams, and swap requests with their approval.

Everyone logged in sees the roster; supervisors and admins draft, edit and publish it and
decide swaps; duty staff ask for swaps. Every action is audited by the services.
"""

from __future__ import annotations

from datetime import date, datetime

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from core.types import Role
from dashboard.extensions import db_session, roomwatch
from dashboard.i18n import gettext as _
from dashboard.i18n import has
from dashboard.roster.forms import FormError, day, hhmm, pattern_from
from dashboard.security import ACTING_ROLES, login_required, role_required
from records.errors import RecordError
from records.roster import current, service, swaps
from records.roster.hours import mean, pattern_average, shown, slot_hours
from records.roster.patterns import PATTERNS, average_monthly_hours, month_days, next_month
from records.roster.rotation import cycle, next_change
from records.roster.schedule import next_month_state
from store.models import User

bp = Blueprint("roster", __name__, template_folder="templates", url_prefix="/roster")

EDITORS = (Role.SUPERVISOR, Role.ADMIN)


def _today() -> date:
    return roomwatch().clock.now().astimezone().date()


def _month_arg(value: str | None) -> str:
    month = value or _today().strftime("%Y-%m")
    if not service.MONTH.match(month):
        abort(404)
    return month


def _people() -> list[str]:
    q = select(User.username).where(User.active.is_(True)).order_by(User.username)
    return list(db_session().scalars(q))


def _hm(ts: datetime) -> str:
    return ts.astimezone().strftime("%m-%d %H:%M")  # the duty room's local time


def _shift_month(month: str, delta: int) -> str:
    y, m = int(month[:4]), int(month[5:]) + delta
    y, m = y + (m - 1) // 12, (m - 1) % 12 + 1
    return f"{y:04d}-{m:02d}"


def slot_name(pattern: str, slot: int) -> str:
    """A slot in words: the pattern's own name for it, else its number."""
    msgid = f"roster.slot_name.{pattern}.{slot}"
    return _(msgid) if has(msgid) else _("roster.slot", n=slot + 1)


def _hours_context(view: service.MonthView, month: str) -> dict[str, object]:
    """Per-team hours this month and their average; the pattern's monthly hours per slot
    and their average, as the seed prints them; where each team stands in the rotation."""
    if view.month is None:
        return {}
    pattern = PATTERNS[view.month.pattern]
    names = view.slot_teams or sorted(view.team_hours)
    team_rows = [(n, view.team_hours[n]) for n in names if n in view.team_hours]
    first, last = month_days(month)
    today = _today()
    ref = today if first <= today <= last else first
    periods = (cycle(pattern, view.slot_teams, first, ref)
               if view.rotates and view.slot_teams else [])  # fmt: skip
    return {
        "team_rows": team_rows,
        "team_average": mean([h for _n, h in team_rows]),
        "slot_rows": [(slot_name(pattern.code, i), h) for i, h in enumerate(slot_hours(pattern))],
        "pattern_average": pattern_average(pattern),
        "periods": periods,
        "ref_day": ref,
        "next_change": next_change(ref) if periods else None,
    }


def render_index(month: str, error: str = "", status: int = 200) -> ResponseReturnValue:
    s = db_session()
    with s.begin():
        view = service.month_view(s, month)
        now = roomwatch().clock.now()
        next_m, due = next_month_state(s, now)
        slot, upcoming, on_duty = (
            current.slot_at(s, now),
            current.next_slot(s, now),
            current.on_duty_now(s, now),
        )
        page = render_template(
            "roster/index.html", view=view, month=month, today=_today(), error=error,
            next_month=next_m, due=due, prev=_shift_month(month, -1),
            following=_shift_month(month, 1), people=_people(), slot=slot, upcoming=upcoming,
            on_duty=on_duty, hm=_hm, shown=shown, slot_name=slot_name,
            pattern_codes=(sorted({sd.code for sd in PATTERNS[view.month.pattern].shifts})
                           if view.month else []),
            **_hours_context(view, month),
        )  # fmt: skip
    return page, status


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    return render_index(_month_arg(request.args.get("month")))


@bp.post("/publish")
@role_required(*EDITORS)
def publish() -> ResponseReturnValue:
    month = _month_arg(request.form.get("month"))
    s = db_session()
    try:
        with s.begin():
            service.publish(s, month, g.user.username, roomwatch().clock.now())
    except RecordError as e:
        return render_index(month, _(e.msgid, **e.params), 400)
    flash(_("roster.published_ok", month=month), "success")
    return redirect(url_for("roster.index", month=month))


@bp.post("/cell")
@role_required(*EDITORS)
def cell() -> ResponseReturnValue:
    month = _month_arg(request.form.get("month"))
    when = day(request.form.get("day", ""))
    if when is None:
        return render_index(month, _("roster.bad_day"), 400)
    s = db_session()
    try:
        with s.begin():
            service.set_cell(
                s, month, request.form.get("username", ""), when,
                request.form.get("code", "").strip(), g.user.username, roomwatch().clock.now(),
            )  # fmt: skip
    except RecordError as e:
        return render_index(month, _(e.msgid, **e.params), 400)
    flash(_("roster.cell_saved"), "success")
    return redirect(url_for("roster.index", month=month))


def render_generate(
    form: dict[str, str], errors: dict[str, str] | None = None, status: int = 200
) -> ResponseReturnValue:
    s = db_session()
    with s.begin():
        page = render_template(
            "roster/generate.html", patterns=PATTERNS, teams=service.teams(s), form=form,
            errors=errors or {}, hhmm=hhmm, average=average_monthly_hours, shown=shown,
            pattern_average=pattern_average, slot_name=slot_name,
        )  # fmt: skip
    return page, status


@bp.get("/generate")
@role_required(*EDITORS)
def generate_form() -> ResponseReturnValue:
    code = request.args.get("pattern", "three_plus_two")
    pattern = PATTERNS.get(code) or PATTERNS["three_plus_two"]
    month = request.args.get("month") or next_month(_today())  # drafted for the next month
    form = {"pattern": pattern.code, "month": _month_arg(month), "rotate": "yes"}
    for sd in pattern.shifts:
        form[f"start_{sd.code}"] = hhmm(sd.start)
        form[f"end_{sd.code}"] = hhmm(sd.end)
        form[f"hours_{sd.code}"] = f"{sd.counted / 60:g}"
    s = db_session()
    with s.begin():
        # the month before's rotation continued; else, a first suggestion: teams by name
        ids = service.suggested_teams(s, form["month"], pattern) or [t.id for t in service.teams(s)]
    if len(ids) >= len(pattern.slots):
        form.update({f"team_{i}": str(t) for i, t in enumerate(ids[: len(pattern.slots)])})
    return render_generate(form)


@bp.post("/generate")
@role_required(*EDITORS)
def generate() -> ResponseReturnValue:
    form = {k: v for k, v in request.form.items() if k != "csrf_token"}
    month = form.get("month", "")
    if not service.MONTH.match(month):
        return render_generate(form, {"month": "roster.bad_month"}, 400)
    try:
        pattern, team_ids = pattern_from(form)
    except FormError as e:
        return render_generate(form, e.errors, 400)
    s = db_session()
    try:
        with s.begin():
            service.generate(s, month, pattern, team_ids, g.user.username,
                             roomwatch().clock.now(),
                             rotate=form.get("rotate", "yes") != "no")  # fmt: skip
    except RecordError as e:
        return render_generate(form, {"form": _(e.msgid, **e.params)}, 400)
    flash(_("roster.generated", month=month), "success")
    return redirect(url_for("roster.index", month=month))


def render_teams(error: str = "", status: int = 200) -> ResponseReturnValue:
    s = db_session()
    with s.begin():
        page = render_template("roster/teams.html", teams=service.teams(s), error=error,
                               people=_people(), form=request.form)  # fmt: skip
    return page, status


@bp.get("/teams")
@login_required
def teams() -> ResponseReturnValue:
    return render_teams()


@bp.post("/teams")
@role_required(*EDITORS)
def save_team() -> ResponseReturnValue:
    people = request.form.get("members", "").replace("，", ",").replace("\n", ",").split(",")
    s = db_session()
    try:
        with s.begin():
            service.save_team(s, request.form.get("name", ""), people, g.user.username,
                              roomwatch().clock.now())  # fmt: skip
    except RecordError as e:
        return render_teams(_(e.msgid, **e.params), 400)
    flash(_("roster.team_saved"), "success")
    return redirect(url_for("roster.teams"))


def render_swaps(error: str = "", status: int = 200) -> ResponseReturnValue:
    s = db_session()
    with s.begin():
        page = render_template("roster/swaps.html", swaps=swaps.swaps(s), error=error,
                               people=_people(), form=request.form,
                               can_decide=g.user.can(*EDITORS))  # fmt: skip
    return page, status


@bp.get("/swaps")
@login_required
def swap_list() -> ResponseReturnValue:
    return render_swaps()


@bp.post("/swaps")
@role_required(*ACTING_ROLES)
def swap_request() -> ResponseReturnValue:
    mine, theirs = day(request.form.get("day", "")), day(request.form.get("with_day", ""))
    if mine is None or theirs is None:
        return render_swaps(_("roster.bad_day"), 400)
    s = db_session()
    try:
        with s.begin():
            swaps.request_swap(
                s, g.user.username, mine, request.form.get("with_user", ""), theirs,
                request.form.get("reason", ""), roomwatch().clock.now(),
            )  # fmt: skip
    except RecordError as e:
        return render_swaps(_(e.msgid, **e.params), 400)
    flash(_("roster.swap_requested"), "success")
    return redirect(url_for("roster.swap_list"))


@bp.post("/swaps/<int:swap_id>/decide")
@role_required(*EDITORS)
def swap_decide(swap_id: int) -> ResponseReturnValue:
    action = request.form.get("action", "")
    if action not in ("approve", "reject"):
        return render_swaps(_("roster.bad_action"), 400)
    s = db_session()
    try:
        with s.begin():
            swaps.decide(s, swap_id, action == "approve", g.user.username, g.user.role.value,
                         roomwatch().clock.now())  # fmt: skip
    except RecordError as e:
        return render_swaps(_(e.msgid, **e.params), 400)
    flash(
        _("roster.swap_approved") if action == "approve" else _("roster.swap_rejected"), "success"
    )
    return redirect(url_for("roster.swap_list"))
