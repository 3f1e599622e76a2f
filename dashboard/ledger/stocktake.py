"""Stock-take (盘存) pages: sessions per room (the whole room or its key cabinet, with the
key cabinets' half-monthly schedule), confirm or scan each item, discrepancies."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from dashboard.extensions import db_session, roomwatch
from dashboard.i18n import gettext as _
from dashboard.ledger.views import ACTORS, bp, can_act
from dashboard.security import client_address, login_required, role_required
from inventory import stocktake as st
from inventory.errors import LedgerError
from store.models import Room
from store.models_ledger import StockTake, StockTakeItem


@bp.get("/stocktake")
@login_required
def stocktakes(error: str = "", status: int = 200) -> ResponseReturnValue:
    s = db_session()
    with s.begin():
        page = render_template(
            "ledger/stocktakes.html", sessions=st.sessions_of(s),
            rooms=list(s.scalars(select(Room).order_by(Room.name))), error=error,
            can_act=can_act(), key_checks=st.key_checks(s), now=roomwatch().clock.now(),
        )  # fmt: skip
    return page, status


@bp.post("/stocktake/start")
@role_required(*ACTORS)
def stocktake_start() -> ResponseReturnValue:
    room = request.form.get("room_id", "")
    if not room.isdigit():
        return stocktakes(_("ledger.error.unknown_room"), 400)
    s = db_session()
    try:
        with s.begin():
            new = st.start(
                s,
                int(room),
                actor=g.user.username,
                now=roomwatch().clock.now(),
                address=client_address(),
                scope=request.form.get("scope", "room"),
            )
            new_id = new.id
    except LedgerError as exc:
        s.rollback()
        return stocktakes(_(exc.msgid), 400)
    return redirect(url_for("ledger.stocktake", stocktake_id=new_id))


@bp.get("/stocktake/<int:stocktake_id>")
@login_required
def stocktake(stocktake_id: int, error: str = "", status: int = 200) -> ResponseReturnValue:
    s = db_session()
    with s.begin():
        take = s.get(StockTake, stocktake_id)
        if take is None:
            abort(404)
        rows = st.items(s, take.id)
        page = render_template(
            "ledger/stocktake.html", take=take, room=s.get(Room, take.room_id), rows=rows,
            error=error, can_act=can_act(), discrepancies=st.DISCREPANCIES,
            counts={k: sum(i.state == k for i, _d in rows) for k in
                    ("pending", "confirmed", "missing", "wrong_place", "unknown_tag")},
        )  # fmt: skip
    return page, status


def _item_stocktake(item_id: int) -> int:
    s = db_session()
    with s.begin():
        item = s.get(StockTakeItem, item_id)
        if item is None:
            abort(404)
        return item.stocktake_id


@bp.post("/stocktake/<int:stocktake_id>/<action>")
@role_required(*ACTORS)
def stocktake_action(stocktake_id: int, action: str) -> ResponseReturnValue:
    f = request.form
    now, actor, address = roomwatch().clock.now(), g.user.username, client_address()
    item = f.get("item", "")
    item_id = int(item) if item.isdigit() else 0
    if action in ("confirm", "missing", "resolve") and (
        not item_id or _item_stocktake(item_id) != stocktake_id
    ):
        abort(404)
    s = db_session()
    try:
        with s.begin():
            if action == "scan":
                st.scan(s, stocktake_id, f.get("tag", ""), actor=actor, now=now, address=address)
            elif action == "confirm":
                st.confirm(s, item_id, actor=actor, now=now, address=address)
            elif action == "missing":
                st.mark_missing(s, item_id, actor=actor, now=now, address=address)
            elif action == "resolve":
                note = f.get("note", "")[:2000]
                st.resolve(s, item_id, note, actor=actor, now=now, address=address)
            elif action == "close":
                n = st.close(s, stocktake_id, actor=actor, now=now, address=address)
                flash(_("ledger.stocktake_closed", n=n), "success")
            else:
                abort(404)
    except LedgerError as exc:
        s.rollback()
        return stocktake(stocktake_id, _(exc.msgid, **exc.params), 400)
    return redirect(url_for("ledger.stocktake", stocktake_id=stocktake_id))
