"""The inspection pages (being built)."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

from dashboard.security import login_required

bp = Blueprint("inspection", __name__, template_folder="templates", url_prefix="/inspection")


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    return render_template("inspection/index.html")
