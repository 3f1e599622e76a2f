"""Ledger import (upload → preview with per-row errors → apply, all or nothing) and export.

The file travels from the preview to the apply in a hidden field (base64) and is planned
again against the ledger as it is then, so what is written is what was checked.
"""

from __future__ import annotations

import base64
import binascii

from flask import Response, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from dashboard import security
from dashboard.extensions import db_session, roomwatch
from dashboard.i18n import current_language
from dashboard.i18n import gettext as _
from dashboard.ledger.views import EDITORS, bp
from dashboard.security import client_address, login_required, role_required
from inventory.errors import LedgerError
from inventory.ledger_csv import COLUMNS, write_csv, write_xlsx
from inventory.ledger_import import ImportRefused, Plan, export_records, plan
from inventory.ledger_import import apply as apply_import

MAX_UPLOAD = 5 * 1024 * 1024


def _file_error(exc: LedgerError) -> str:
    return _(exc.msgid, **exc.params)


@bp.get("/import")
@role_required(*EDITORS)
def import_form(error: str = "", status: int = 200) -> ResponseReturnValue:
    return render_template("ledger/import.html", error=error, columns=COLUMNS), status


def _render_preview(result: Plan, data: bytes, filename: str, status: int = 200) -> Response:
    page = render_template(
        "ledger/preview.html", result=result, filename=filename,
        payload=base64.b64encode(data).decode("ascii"),
    )  # fmt: skip
    return Response(page, status)


@bp.post("/import/preview")
@role_required(*EDITORS)
def import_preview() -> ResponseReturnValue:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return import_form(_("ledger.file.none"), 400)
    data = upload.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        return import_form(_("ledger.file.too_big"), 400)
    s = db_session()
    try:
        with s.begin():
            result = plan(s, data, upload.filename)
    except LedgerError as exc:
        return import_form(_file_error(exc), 400)
    return _render_preview(result, data, upload.filename, 200 if result.ok else 400)


@bp.post("/import/apply")
@role_required(*EDITORS)
def import_apply() -> ResponseReturnValue:
    filename = request.form.get("filename", "")[:200]
    try:
        data = base64.b64decode(request.form.get("payload", ""), validate=True)
    except (binascii.Error, ValueError):
        return import_form(_("ledger.file.none"), 400)
    if not data:
        return import_form(_("ledger.file.none"), 400)
    s = db_session()
    try:
        with s.begin():
            result = apply_import(
                s,
                data,
                filename,
                actor=g.user.username,
                now=roomwatch().clock.now(),
                address=client_address(),
            )
    except ImportRefused as exc:
        s.rollback()
        return _render_preview(exc.result, data, filename, 400)
    except LedgerError as exc:
        s.rollback()
        return import_form(_file_error(exc), 400)
    flash(_("ledger.imported", new=result.count("new"), updated=result.count("updated"),
            unchanged=result.count("unchanged")), "success")  # fmt: skip
    return redirect(url_for("ledger.index"))


@bp.get("/export.<fmt>")
@login_required
def export(fmt: str) -> ResponseReturnValue:
    lang = "zh" if current_language().startswith("zh") else "en"
    if fmt not in ("csv", "xlsx"):
        return Response("", 404)
    s = db_session()
    with s.begin():
        records = export_records(s)
        security.record(s, "ledger.export", "ledger", fmt, after={"assets": len(records)})
    if fmt == "xlsx":
        mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        body = write_xlsx(records, lang)
    else:
        mime, body = "text/csv; charset=utf-8", write_csv(records, lang)
    return Response(body, mimetype=mime.split(";")[0], headers={
        "Content-Type": mime,
        "Content-Disposition": f"attachment; filename=ledger.{fmt}",
    })  # fmt: skip
