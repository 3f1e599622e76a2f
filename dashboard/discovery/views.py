"""Discovery import pages (admins and supervisors; CSRF app-wide).

GET /discovery explains how to sweep on an agent host and takes the file (upload or
paste); POST /discovery/preview lists each row as new, already in the ledger or invalid;
POST /discovery/add creates the selected new devices in one transaction, audited.
The file travels from the preview to the add in a hidden field and is parsed and compared
with the ledger again, so what is added is what the ledger looks like at that moment.
"""

from __future__ import annotations

from typing import Literal

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import IntegrityError

from core.types import Role
from dashboard.discovery import service
from dashboard.extensions import db_session, roomwatch
from dashboard.i18n import gettext as _
from dashboard.security import client_address, request_id, role_required
from inventory.discovered import (
    COMMUNITY_MASK,
    FIELDS,
    DiscoveryFileError,
    Preview,
    classify,
    decode,
    parse_rows,
    sniff,
)

bp = Blueprint("discovery", __name__, template_folder="templates", url_prefix="/discovery")

IMPORTERS = (Role.SUPERVISOR, Role.ADMIN)
Kind = Literal["csv", "yaml"]


class _BadPlace(Exception):
    """The chosen room or rack does not exist (or the rack is in another room)."""


def _file_error(exc: DiscoveryFileError) -> str:
    return _("discovery.file." + exc.code, detail=exc.detail)


def render_index(error: str = "", text: str = "", status: int = 200) -> ResponseReturnValue:
    return render_template("discovery/index.html", error=error, text=text), status


@bp.get("/")
@role_required(*IMPORTERS)
def index() -> ResponseReturnValue:
    return render_index()


def _upload() -> tuple[str, Kind]:
    """The submitted file (or pasted text) as text, and its format."""
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        text = decode(upload.read())
        name = upload.filename.lower()
        kind: Kind = "yaml" if name.endswith((".yaml", ".yml")) else (
            "csv" if name.endswith(".csv") else sniff(text))  # fmt: skip
        return text, kind
    text = request.form.get("text", "")
    return text, sniff(text)


def _int(value: str | None) -> int | None:
    try:
        return int(value or "")
    except ValueError:
        return None


def render_preview(
    text: str, kind: Kind, previews: list[Preview], error: str = "",
    selected: set[int] | None = None, status: int = 200,
) -> ResponseReturnValue:  # fmt: skip
    s = db_session()
    with s.begin():
        rooms, racks = service.places(s)
        page = render_template(
            "discovery/preview.html", text=text, kind=kind, previews=previews, error=error,
            rooms=rooms, racks=racks, fields=FIELDS, mask=COMMUNITY_MASK,
            selected=selected, room_id=_int(request.form.get("room")),
            rack_id=_int(request.form.get("rack")),
            counts={k: sum(p.status == k for p in previews) for k in ("new", "existing",
                                                                         "invalid")},
        )  # fmt: skip
    return page, status


def _parse(text: str, kind: Kind) -> list[Preview]:
    rows = parse_rows(text, kind)
    s = db_session()
    with s.begin():
        return classify(rows, service.ledger_entries(s))


@bp.post("/preview")
@role_required(*IMPORTERS)
def preview() -> ResponseReturnValue:
    try:
        text, kind = _upload()
        previews = _parse(text, kind)
    except DiscoveryFileError as exc:
        return render_index(_file_error(exc), request.form.get("text", "")[:200_000], 400)
    return render_preview(text, kind, previews)


@bp.post("/add")
@role_required(*IMPORTERS)
def add() -> ResponseReturnValue:
    text = request.form.get("text", "")
    kind: Kind = "yaml" if request.form.get("kind") == "yaml" else "csv"
    try:
        previews = _parse(text, kind)
    except DiscoveryFileError as exc:
        return render_index(_file_error(exc), "", 400)
    wanted = {n for n in (_int(v) for v in request.form.getlist("row")) if n is not None}
    by_row = {p.row.row: p for p in previews}
    chosen = [by_row[n] for n in sorted(wanted) if n in by_row]
    if not wanted:
        return render_preview(text, kind, previews, _("discovery.none_selected"), wanted, 400)
    if len(chosen) != len(wanted) or any(p.status != "new" for p in chosen):
        return render_preview(text, kind, previews, _("discovery.not_new"), wanted, 400)
    s = db_session()
    try:
        with s.begin():
            place = service.resolve_place(
                s, _int(request.form.get("room")), _int(request.form.get("rack"))
            )
            if place is None:
                raise _BadPlace
            added = service.add_devices(
                s, [p.row.candidate for p in chosen if p.row.candidate is not None], place,
                g.user.username, client_address(), request_id(), roomwatch().clock.now(),
            )  # fmt: skip
            count = len(added)
    except _BadPlace:
        return render_preview(text, kind, previews, _("discovery.bad_place"), wanted, 400)
    except IntegrityError:  # another import took a name meanwhile: nothing was written
        return render_preview(text, kind, _parse(text, kind), _("discovery.conflict"), wanted,
                              409)  # fmt: skip
    flash(_("discovery.added", n=count), "success")
    return redirect(url_for("discovery.index"))
