"""The searchable history of the register and its printable (A4) form."""

from __future__ import annotations

from flask import render_template, request
from flask.typing import ResponseReturnValue

from dashboard.access.views import bp
from dashboard.extensions import db_session, roomwatch
from dashboard.security import login_required
from records.access import search
from records.access.forms import parse_search


def _results(template: str) -> ResponseReturnValue:
    f, errors = parse_search(request.args.to_dict())
    s = db_session()
    with s.begin():
        rows = search.history(s, f)
        rooms = search.rooms(s)
    room = next((r for r in rooms if r.id == f.room_id), None)
    return render_template(template, rows=rows, rooms=rooms, f=f, room=room, errors=errors,
                           now=roomwatch().clock.now(), limit=search.LIMIT,
                           query=request.query_string.decode()), 400 if errors else 200  # fmt: skip


@bp.get("/history")
@login_required
def history() -> ResponseReturnValue:
    return _results("access/history.html")


@bp.get("/print")
@login_required
def register_print() -> ResponseReturnValue:
    return _results("access/print.html")
