"""The Flask application factory: settings, database, security, i18n and the blueprints."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from core.config import Settings, load_settings
from dashboard import errors, formatting, i18n, people, security
from dashboard.access import bp as access_bp
from dashboard.alarms import bp as alarms_bp
from dashboard.api import bp as api_bp
from dashboard.api.metrics import bp as metrics_bp
from dashboard.auth import bp as auth_bp
from dashboard.changes import bp as changes_bp
from dashboard.devices import bp as devices_bp
from dashboard.discovery import bp as discovery_bp
from dashboard.extensions import make_extension
from dashboard.handover import bp as handover_bp
from dashboard.inspection import bp as inspection_bp
from dashboard.ledger import bp as ledger_bp
from dashboard.notify import bp as notify_bp
from dashboard.overview import bp as overview_bp
from dashboard.roster import bp as roster_bp
from dashboard.rules import bp as rules_bp
from dashboard.users import bp as users_bp
from inventory import vault
from store.db import make_engine, require_current


def create_app(
    settings: Settings | None = None,
    *,
    engine: Engine | None = None,
    test_config: dict[str, Any] | None = None,
) -> Flask:
    """Build the dashboard + API app.

    ``settings`` default to :func:`load_settings` (file and environment); ``engine`` to
    one made from ``settings.database_url``, which must be migrated to head.
    ``test_config`` overrides Flask configuration keys (``TESTING``, ``SECRET_KEY``...).
    """
    settings = settings or load_settings()
    if engine is None:
        engine = make_engine(settings.database_url)
        require_current(engine)
    app = Flask(__name__, instance_relative_config=True)
    app.config.update(
        SESSION_COOKIE_NAME="roomwatch_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # over TLS (public_url https://, or server.tls) the cookie never travels in clear
        SESSION_COOKIE_SECURE=settings.server.uses_tls,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),  # one shift
        MAX_CONTENT_LENGTH=settings.server.max_body_bytes,
        WTF_CSRF_TIME_LIMIT=12 * 3600,
        JSON_SORT_KEYS=False,
    )
    if test_config:
        app.config.update(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = settings.secret_key or vault.stored_secret(
            _secret_dir(settings.database_url, app.instance_path)
        )
    # the ledger's SNMP secrets are encrypted with a key derived from the same secret
    vault.install(app.config["SECRET_KEY"])

    make_extension(settings, engine).init_app(app)
    CSRFProtect().init_app(app)
    app.extensions["csrf"].exempt(api_bp)
    i18n.init_app(app)
    formatting.init_app(app)
    people.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    areas = (auth_bp, overview_bp, devices_bp, alarms_bp, rules_bp, notify_bp, discovery_bp,
             inspection_bp, handover_bp, roster_bp, access_bp, changes_bp, ledger_bp,
             users_bp)  # fmt: skip
    for bp in areas:
        app.register_blueprint(bp)
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    app.register_blueprint(metrics_bp)  # GET /metrics (Prometheus)
    return app


def _secret_dir(database_url: str, instance_path: str) -> Path:
    """Next to the SQLite file when there is one, else in the instance folder."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        return Path(str(url.database)).parent
    return Path(instance_path)
