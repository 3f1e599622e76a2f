"""The changes pages (being built)."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

from dashboard.security import login_required

bp = Blueprint("changes", __name__, template_folder="templates", url_prefix="/changes")


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    return render_template("changes/index.html")
