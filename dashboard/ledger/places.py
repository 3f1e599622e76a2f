"""Places page: sites, rooms (site, credential profile), racks (row, height), credential
profiles (secrets masked). Everyone sees; supervisors and admins change."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from dashboard.extensions import db_session, roomwatch
from dashboard.i18n import gettext as _
from dashboard.ledger.views import EDITORS, bp, can_edit
from dashboard.security import client_address, login_required, role_required
from inventory import places
from inventory.errors import LedgerError
from store.models import Rack, Room
from store.models_ledger import CredentialProfile, Site


def _render(errors: dict[str, str] | None = None, status: int = 200) -> ResponseReturnValue:
    s = db_session()
    with s.begin():
        page = render_template(
            "ledger/places.html",
            sites=list(s.scalars(select(Site).order_by(Site.name))),
            rooms=list(s.scalars(select(Room).order_by(Room.name))),
            racks=list(s.scalars(select(Rack).order_by(Rack.room_id, Rack.row_name, Rack.name))),
            profiles=[places.profile_view(p) | {"id": p.id} for p in
                      s.scalars(select(CredentialProfile).order_by(CredentialProfile.name))],
            errors=errors or {}, can_edit=can_edit(), form=request.form,
        )  # fmt: skip
    return page, status


@bp.get("/places")
@login_required
def place_list() -> ResponseReturnValue:
    return _render()


def _opt_int(name: str) -> int | None:
    value = request.form.get(name, "")
    return int(value) if value.isdigit() else None


@bp.post("/places/<kind>")
@role_required(*EDITORS)
def place_save(kind: str) -> ResponseReturnValue:
    f, now, actor = request.form, roomwatch().clock.now(), g.user.username
    address = client_address()
    s = db_session()
    try:
        with s.begin():
            if kind == "site":
                places.save_site(
                    s, f.get("name", ""), f.get("title", ""), actor=actor, now=now, address=address
                )
            elif kind == "room":
                places.save_room(s, f.get("name", ""), f.get("title_zh", ""),
                                 _opt_int("site_id"), _opt_int("credential_profile_id"),
                                 actor=actor, now=now, address=address)  # fmt: skip
            elif kind == "rack":
                room, height = _opt_int("room_id"), _opt_int("height_u")
                if room is None:
                    raise LedgerError("ledger.error.unknown_room", field="room_id")
                if height is None:
                    raise LedgerError("ledger.error.bad_number", field="height_u")
                places.save_rack(s, room, f.get("name", ""), f.get("row_name", ""), height,
                                 actor=actor, now=now, address=address)  # fmt: skip
            elif kind == "profile":
                places.save_profile(s, f.to_dict(), actor=actor, now=now, address=address)
            else:
                return _render({}, 404)
    except LedgerError as exc:
        s.rollback()
        return _render({f"{kind}.{exc.field or '_'}": _(exc.msgid, **exc.params)}, 400)
    flash(_("ledger.saved"), "success")
    return redirect(url_for("ledger.place_list"))
