"""Notification actions (admins; CSRF app-wide): create and edit channels, enable or
disable them, send a test message, add and remove routes. Validation is
rules.notify.channel_form; storage and the audit are rules.notify.channel_store."""

from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, request, url_for
from flask.typing import ResponseReturnValue

from dashboard.api.events import NOTIFY_KEY
from dashboard.extensions import db_session, roomwatch
from dashboard.i18n import gettext as _
from dashboard.notify.views import EDITORS, bp, field_errors, render_channel, render_index
from dashboard.security import role_required
from rules.notify import channel_store
from rules.notify.channel_form import check_channel, check_route
from rules.notify.channel_store import ChannelError

CHANNEL_FIELDS = ("name", "kind", "target", "secret", "language", "enabled", "clear_secret")
ROUTE_FIELDS = ("channel_id", "min_severity", "rooms", "hours", "level")


def _save_channel(channel_id: int | None) -> ResponseReturnValue:
    form = {k: request.form.get(k, "")[:2000] for k in CHANNEL_FIELDS}
    name = ""
    s = db_session()
    with s.begin():
        current = None
        if channel_id is not None:
            try:
                current = channel_store.values(channel_store.get_channel(s, channel_id))
            except ChannelError:
                abort(404)
        v, codes = check_channel(form, current)
        errors = field_errors(codes)
        if v is not None:
            try:
                ch = channel_store.save_channel(
                    s, v, channel_id, g.user.username, roomwatch().clock.now()
                )
                name = ch.name
            except ChannelError:
                errors = {"name": _("notify.err.name_taken")}  # nothing was written
    if errors:
        shown: dict[str, object] = {k: form[k] for k in ("name", "kind", "language")}
        shown["enabled"] = form["enabled"] == "on"
        if form["kind"] == "smtp":
            shown["target"] = form["target"]  # addresses are no secret: keep what was typed
        return render_channel(channel_id, errors, shown, 400)
    flash(_("notify.channel_saved", name=name), "success")
    return redirect(url_for("notify.index"))


@bp.post("/channels")
@role_required(*EDITORS)
def create_channel() -> ResponseReturnValue:
    return _save_channel(None)


@bp.post("/channels/<int:channel_id>")
@role_required(*EDITORS)
def update_channel(channel_id: int) -> ResponseReturnValue:
    return _save_channel(channel_id)


@bp.post("/channels/<int:channel_id>/enabled")
@role_required(*EDITORS)
def set_enabled(channel_id: int) -> ResponseReturnValue:
    wanted = {"on": True, "off": False}.get(request.form.get("enabled", ""))
    if wanted is None:
        abort(400)
    s = db_session()
    try:
        with s.begin():
            ch = channel_store.set_channel_enabled(
                s, channel_id, wanted, g.user.username, roomwatch().clock.now()
            )
    except ChannelError:
        abort(404)
    done = "notify.channel_enabled" if wanted else "notify.channel_disabled"
    flash(_(done, name=ch.name), "success")
    return redirect(url_for("notify.index"))


@bp.post("/channels/<int:channel_id>/test")
@role_required(*EDITORS)
def send_test(channel_id: int) -> ResponseReturnValue:
    s = db_session()
    try:
        with s.begin():
            channel_store.queue_test(s, channel_id, g.user.username, roomwatch().clock.now())
    except ChannelError:
        abort(404)
    worker = current_app.extensions.get(NOTIFY_KEY)
    if worker is not None:
        worker.wake()
    flash(_("notify.test_queued"), "success")
    return redirect(url_for("notify.deliveries", channel=channel_id))


@bp.post("/routes")
@role_required(*EDITORS)
def add_route() -> ResponseReturnValue:
    form = {k: request.form.get(k, "").strip()[:500] for k in ROUTE_FIELDS}
    s = db_session()
    with s.begin():
        ids = {c.id for c in channel_store.channels(s)}
        v, codes = check_route(form, ids)
        if v is not None:
            channel_store.add_route(s, v, g.user.username, roomwatch().clock.now())
    if codes:
        return render_index(field_errors(codes), form, 400)
    flash(_("notify.route_added"), "success")
    return redirect(url_for("notify.index"))


@bp.post("/routes/<int:route_id>/delete")
@role_required(*EDITORS)
def remove_route(route_id: int) -> ResponseReturnValue:
    s = db_session()
    try:
        with s.begin():
            channel_store.remove_route(s, route_id, g.user.username, roomwatch().clock.now())
    except ChannelError:
        abort(404)
    flash(_("notify.route_removed"), "success")
    return redirect(url_for("notify.index"))
