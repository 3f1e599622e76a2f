"""API endpoints: token auth (Bearer), one JSON error shape, all-or-nothing ingest."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Blueprint, g, jsonify, request
from flask.typing import ResponseReturnValue
from pydantic import ValidationError
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import RequestEntityTooLarge

from core.types import target_to_json
from dashboard.alarms import service as alarms
from dashboard.api.schemas import batch_model, error_details
from dashboard.errors import api_error
from dashboard.extensions import db_session, roomwatch
from inventory.ledger import enabled_targets
from store import timeseries
from store.accounts import verify_token

log = logging.getLogger(__name__)
bp = Blueprint("api", __name__)
F = TypeVar("F", bound=Callable[..., Any])


def token_required(view: F) -> F:
    """A valid ``Authorization: Bearer <token>``; the token's name goes to ``g.api_client``."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return api_error(401, "missing bearer token: send 'Authorization: Bearer <token>'")
        s = db_session()
        with s.begin():
            row = verify_token(s, token.strip())
            name = row.name if row is not None else None
        if name is None:
            return api_error(401, "invalid or revoked token")
        g.api_client = name
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


@bp.get("/health")
def health() -> ResponseReturnValue:
    try:
        with roomwatch().engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        log.warning("health: database unreachable: %s", str(exc).splitlines()[0])
        return jsonify({"status": "error", "database": "unreachable"}), 503
    return jsonify({"status": "ok", "database": "ok"})


@bp.post("/samples")
@token_required
def samples() -> ResponseReturnValue:
    settings = roomwatch().settings.server
    if request.content_length is not None and request.content_length > settings.max_body_bytes:
        return _too_large(settings.max_body_bytes)
    try:
        body = request.get_data(cache=False)
    except RequestEntityTooLarge:
        return _too_large(settings.max_body_bytes)
    if len(body) > settings.max_body_bytes:
        return _too_large(settings.max_body_bytes)
    try:
        batch = batch_model(settings.max_batch_samples).model_validate_json(body)
    except ValidationError as exc:
        details = error_details(exc)
        if any(d["type"] == "json_invalid" for d in details):
            return api_error(400, "body is not valid JSON", "bad_json", details)
        if any(d["field"] == "samples" and d["type"] == "too_long" for d in details):
            return api_error(
                422,
                f"too many samples in one batch: send at most {settings.max_batch_samples}",
                "too_many_samples",
                details,
            )
        first = details[0]["field"] if details else "body"
        return api_error(422, f"invalid field {first}", "validation_error", details)
    rows = [item.to_sample() for item in batch.samples]
    s = db_session()
    with s.begin():  # all or nothing
        accepted = timeseries.write_samples(s, rows)
    log.debug("agent %s (token %s) pushed %d samples", batch.agent, g.api_client, accepted)
    return jsonify({"accepted": accepted}), 202


def _too_large(limit: int) -> ResponseReturnValue:
    return api_error(413, f"body larger than {limit} bytes: send smaller batches")


@bp.get("/targets")
@token_required
def targets() -> ResponseReturnValue:
    s = db_session()
    with s.begin():
        body = {"targets": [target_to_json(t) for t in enabled_targets(s)]}
    return jsonify(body)


@bp.get("/alarms")
@token_required
def open_alarms() -> ResponseReturnValue:
    s = db_session()
    with s.begin():
        rows = alarms.list_alarms(s, "open")
        body = {"alarms": [alarms.alarm_json(a) for a in rows]}
    return jsonify(body)
