"""The ledger pages: list with filters and warranty flags, asset page (details, history
before/after, loans), asset edit, credentials (masked), rack elevation.

Everyone logged in sees; supervisors and admins edit; on-duty staff lend, return and take
stock (dashboard/ledger/loans.py, stocktake.py); import/export in transfer.py.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.types import Role
from dashboard.extensions import db_session, roomwatch
from dashboard.i18n import gettext as _
from dashboard.ledger.forms import asset_fields
from dashboard.security import client_address, login_required, role_required
from inventory import assets, loans
from inventory.errors import LedgerError
from inventory.ledger_rules import FACES, KINDS, STATUSES, WARRANTY_DAYS, elevation, warranty_flag
from inventory.vault import mask
from store import audit
from store.models import Device, Rack, Room
from store.models_ledger import CredentialProfile

bp = Blueprint("ledger", __name__, template_folder="templates", url_prefix="/ledger")

EDITORS = (Role.SUPERVISOR, Role.ADMIN)
ACTORS = (Role.DUTY, Role.SUPERVISOR, Role.ADMIN)


def can_edit() -> bool:
    return bool(g.get("user")) and g.user.can(*EDITORS)


def can_act() -> bool:
    return bool(g.get("user")) and g.user.can(*ACTORS)


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() else None


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    room_id, status = _int_arg("room"), request.args.get("status", "")
    dtype, flag = request.args.get("type", ""), request.args.get("warranty", "")
    days = _int_arg("days") or WARRANTY_DAYS
    today = roomwatch().clock.now().date()
    s = db_session()
    with s.begin():
        q = select(Device).order_by(Device.name)
        if room_id is not None:
            q = q.where(Device.room_id == room_id)
        if status in STATUSES:
            q = q.where(Device.status == status)
        if dtype:
            q = q.where(Device.device_type == dtype)
        rows = [(d, warranty_flag(d.warranty_until, today, days)) for d in s.scalars(q)]
        if flag in ("expiring", "expired"):
            rows = [(d, f) for d, f in rows if f == flag]
        elif flag == "any":
            rows = [(d, f) for d, f in rows if f]
        rooms = list(s.scalars(select(Room).order_by(Room.name)))
        racks = list(s.scalars(select(Rack).order_by(Rack.room_id, Rack.name)))
        types = sorted(set(s.scalars(select(Device.device_type).distinct())))
        return render_template(
            "ledger/index.html", rows=rows, rooms=rooms, racks=racks, types=types,
            statuses=STATUSES, room_id=room_id, status=status, dtype=dtype, flag=flag,
            days=days, can_edit=can_edit(), can_act=can_act(),
        )  # fmt: skip


def _asset_or_404(s: Any, device_id: int) -> Device:
    d = s.get(Device, device_id)
    if d is None:
        abort(404)
    assert isinstance(d, Device)
    return d


@bp.get("/asset/<int:device_id>")
@login_required
def asset(device_id: int) -> ResponseReturnValue:
    return _render_asset(device_id)


def _render_asset(
    device_id: int, cred_errors: dict[str, str] | None = None, lend_errors: dict[str, str] |
    None = None, status: int = 200,
) -> ResponseReturnValue:  # fmt: skip
    now = roomwatch().clock.now()
    s = db_session()
    with s.begin():
        d = _asset_or_404(s, device_id)
        history = [(e, audit.named(s, assets.changes(e))) for e in assets.history(s, d.id)]
        profiles = list(s.scalars(select(CredentialProfile).order_by(CredentialProfile.name)))
        page = render_template(
            "ledger/asset.html", d=d, history=history,
            loans=loans.for_device(s, d.id), open_loan=loans.open_loan(s, d.id), now=now,
            warranty=warranty_flag(d.warranty_until, now.date()), profiles=profiles,
            secrets={k: mask(getattr(d, k) or "") for k in assets.SECRET_FIELDS},
            power=assets.chain(s, d, "power_parent_id"),
            network=assets.chain(s, d, "network_parent_id"),
            can_edit=can_edit(), can_act=can_act(), cred_errors=cred_errors or {},
            lend_errors=lend_errors or {}, form=request.form, approvers=loans.approvers(s),
        )  # fmt: skip
    return page, status


def _render_form(d: Device | None, errors: dict[str, str], status: int = 200) -> Any:
    s = db_session()
    with s.begin():
        rooms = list(s.scalars(select(Room).order_by(Room.name)))
        racks = list(s.scalars(select(Rack).order_by(Rack.room_id, Rack.name)))
        others = list(s.scalars(select(Device).order_by(Device.name)))
        page = render_template(
            "ledger/edit.html", d=d, errors=errors, rooms=rooms, racks=racks, others=others,
            statuses=STATUSES, faces=FACES, kinds=KINDS,
            form=request.form if request.method == "POST" else None,
        )  # fmt: skip
    return page, status


@bp.get("/asset/new")
@role_required(*EDITORS)
def new() -> ResponseReturnValue:
    return _render_form(None, {})


@bp.get("/asset/<int:device_id>/edit")
@role_required(*EDITORS)
def edit(device_id: int) -> ResponseReturnValue:
    s = db_session()
    with s.begin():
        d = _asset_or_404(s, device_id)
    return _render_form(d, {})


@bp.post("/asset/new", endpoint="create")
@bp.post("/asset/<int:device_id>/edit")
@role_required(*EDITORS)
def save(device_id: int | None = None) -> ResponseReturnValue:
    fields, errors = asset_fields(request.form)
    s = db_session()
    current = None
    if device_id is not None:
        with s.begin():
            current = _asset_or_404(s, device_id)
    if errors:
        return _render_form(current, errors, 400)
    try:
        with s.begin():
            d = assets.save(s, device_id, fields, actor=g.user.username,
                            now=roomwatch().clock.now(), address=client_address())  # fmt: skip
            new_id = d.id
    except LedgerError as exc:
        s.rollback()
        return _render_form(current, {exc.field or "_": _(exc.msgid, **exc.params)}, 400)
    except IntegrityError:
        return _render_form(current, {"_": _("ledger.error.conflict")}, 409)
    flash(_("ledger.saved"), "success")
    return redirect(url_for("ledger.asset", device_id=new_id))


@bp.post("/asset/<int:device_id>/credentials")
@role_required(*EDITORS)
def credentials(device_id: int) -> ResponseReturnValue:
    f = request.form
    fields: dict[str, Any] = {
        "credential_source": f.get("credential_source", ""),
        "snmp_version": f.get("snmp_version", ""),
        "community": f.get("community", ""), "snmp_user": f.get("snmp_user", "").strip(),
        "snmp_auth_protocol": f.get("snmp_auth_protocol", "").strip(),
        "snmp_auth_key": f.get("snmp_auth_key", ""),
        "snmp_priv_protocol": f.get("snmp_priv_protocol", "").strip(),
        "snmp_priv_key": f.get("snmp_priv_key", ""),
    }  # fmt: skip
    pid = f.get("credential_profile_id", "")
    fields["credential_profile_id"] = int(pid) if pid.isdigit() else None
    too_long = [k for k, v in fields.items() if isinstance(v, str) and len(v) > 200]
    if too_long:
        return _render_asset(device_id, {too_long[0]: _("ledger.error.too_long")}, status=400)
    s = db_session()
    try:
        with s.begin():
            d = _asset_or_404(s, device_id)
            assets.set_credentials(
                s,
                d,
                fields,
                actor=g.user.username,
                now=roomwatch().clock.now(),
                address=client_address(),
            )
    except LedgerError as exc:
        s.rollback()
        return _render_asset(device_id, {exc.field or "_": _(exc.msgid, **exc.params)},
                             status=400)  # fmt: skip
    flash(_("ledger.credentials_saved"), "success")
    return redirect(url_for("ledger.asset", device_id=device_id))


@bp.get("/rack/<int:rack_id>")
@login_required
def rack(rack_id: int) -> ResponseReturnValue:
    s = db_session()
    with s.begin():
        r = s.get(Rack, rack_id)
        if r is None:
            abort(404)
        placed = assets.slots_in_rack(s, r.id)
        by_name = {d.name: d for d, _slot in placed}
        units = elevation(r.height_u, [slot for _d, slot in placed])
        unplaced = list(s.scalars(
            select(Device).where(Device.rack_id == r.id, Device.position_u.is_(None))
        ))  # fmt: skip
        return render_template("ledger/rack.html", r=r, units=units, by_name=by_name,
                               unplaced=unplaced)  # fmt: skip


# the other pages of the area register on the same blueprint
from dashboard.ledger import loans as _loans  # noqa: E402, F401
from dashboard.ledger import places as _places  # noqa: E402, F401
from dashboard.ledger import stocktake as _stocktake  # noqa: E402, F401
from dashboard.ledger import transfer as _transfer  # noqa: E402, F401
