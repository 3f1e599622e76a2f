"""The factory: the stored secret key, health when the database is gone, JSON 500s."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine

from core.config import Settings
from dashboard.app import create_app
from store.db import make_engine


def test_generated_secret_key_is_kept_next_to_the_sqlite_database(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'db' / 'roomwatch.db'}")
    first = create_app(settings, engine=sqlite_engine)
    key_file = tmp_path / "db" / "secret_key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    second = create_app(settings, engine=sqlite_engine)
    assert first.secret_key == second.secret_key == key_file.read_text().strip()
    assert len(str(first.secret_key)) >= 32


def test_health_is_503_when_the_database_is_unreachable(tmp_path: Path) -> None:
    dead = make_engine(
        "postgresql+psycopg://nobody@127.0.0.1:1/none", connect_args={"connect_timeout": 1}
    )
    app = create_app(Settings(secret_key="k"), engine=dead, test_config={"TESTING": True})
    resp = app.test_client().get("/api/v1/health")
    assert resp.status_code == 503
    assert resp.get_json() == {"status": "error", "database": "unreachable"}


def test_unhandled_api_error_is_json_500(app: Flask, client: FlaskClient) -> None:
    def boom() -> str:
        raise RuntimeError("boom")

    app.add_url_rule("/api/v1/boom", "boom", boom)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    resp = client.get("/api/v1/boom")
    assert resp.status_code == 500
    assert resp.get_json()["error"]["code"] == "internal_error"
    assert "boom" not in resp.get_data(as_text=True)


def test_security_headers(client: FlaskClient) -> None:
    resp = client.get("/login")
    assert "default-src 'self'" in resp.headers["Content-Security-Policy"]
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert resp.headers["X-Request-ID"]
