"""API endpoints: token auth (Bearer), one JSON error shape, ingest that stores each batch
once and refuses bad samples one by one."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps
from typing import Any, TypeVar

from flask import Blueprint, g, jsonify, request
from flask.typing import ResponseReturnValue
from pydantic import ValidationError
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from werkzeug.exceptions import RequestEntityTooLarge

from core.types import Sample, target_to_json
from dashboard.alarms import service as alarms
from dashboard.api.metrics import ingest_metrics
from dashboard.api.schemas import (
    Refused,
    SamplesAck,
    batch_model,
    error_details,
    judge,
    window_refusal,
)
from dashboard.errors import api_error
from dashboard.extensions import db_session, roomwatch
from inventory.ledger import enabled_targets
from store import ingest, timeseries
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
    """Store a batch once: its storable samples, the others refused one by one in the answer.

    400/413/422 when the body breaks the schema (not JSON, too large, a missing or mistyped
    field, too many samples): nothing is stored. Otherwise 202 with a :class:`SamplesAck`;
    for a ``batch_id`` stored before, 202 with the first acknowledgement, ``replay`` true
    (any 2xx tells the agent the batch is delivered: its spool file goes).
    """
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
        judged = judge(batch_model(settings.max_batch_samples), body, "samples")
    except ValidationError as exc:
        return body_error(exc, "samples", settings.max_batch_samples)
    batch = judged.body
    now = roomwatch().clock.now()
    skew = timedelta(seconds=settings.max_clock_skew_seconds)
    retention = timedelta(days=settings.raw_retention_days)
    refused = list(judged.refused)
    rows = []
    for index, item in zip(judged.indexes, batch.samples, strict=True):
        outside = window_refusal(item.ts, now, skew, retention)
        if outside is None:
            rows.append(item.to_sample())
        else:
            code, reason = outside
            refused.append(Refused(index=index, device=item.device, metric=item.metric,
                                   code=code, reason=reason))  # fmt: skip
    refused.sort(key=lambda r: r.index)
    s = db_session()
    with s.begin():  # the samples and their batch id: together or not at all
        ack, replay = _store_once(s, batch.agent, batch.batch_id, rows, refused, now)
    metrics = ingest_metrics()
    if replay:
        metrics.duplicate_batches.labels("samples").inc()
        log.info("agent %s replayed samples batch %s: stored before", batch.agent, batch.batch_id)
        return jsonify(ack.model_dump()), 202
    metrics.samples_accepted.inc(ack.accepted)
    metrics.samples_duplicate.inc(ack.duplicates)
    for r in refused:
        metrics.samples_refused.labels(r.code).inc()
    if refused:
        first = refused[0]
        log.warning("agent %s: %d of %d samples refused, first: [%d] %r %r: %s", batch.agent,
                    len(refused), len(refused) + len(rows), first.index, first.device,
                    first.metric, first.reason)  # fmt: skip
    log.debug("agent %s (token %s) pushed %d samples", batch.agent, g.api_client, ack.accepted)
    return jsonify(ack.model_dump()), 202


def _store_once(
    s: Session,
    agent: str,
    batch_id: str | None,
    rows: list[Sample],
    refused: list[Refused],
    now: datetime,
) -> tuple[SamplesAck, bool]:
    """Store the samples unless ``batch_id`` was stored before; (acknowledgement, replay)."""
    if batch_id is not None and not ingest.claim(s, "samples", agent, batch_id, now):
        first = ingest.stored_ack(s, "samples", agent, batch_id)
        ack = SamplesAck.model_validate_json(first) if first else SamplesAck(accepted=0)
        return ack.model_copy(update={"batch_id": batch_id, "replay": True}), True
    stored = timeseries.write_samples(s, rows)
    ack = SamplesAck(accepted=len(rows), duplicates=len(rows) - stored, refused=refused,
                     batch_id=batch_id)  # fmt: skip
    if batch_id is not None:
        ingest.settle(s, "samples", agent, batch_id, ack.accepted, len(refused),
                      ack.model_dump_json())  # fmt: skip
    return ack, False


def body_error(exc: ValidationError, items: str, limit: int) -> ResponseReturnValue:
    """The one error answer for a body refused as a whole (400 for bad JSON, else 422)."""
    details = error_details(exc)
    if any(d["type"] == "json_invalid" for d in details):
        return api_error(400, "body is not valid JSON", "bad_json", details)
    if any(d["field"] == items and d["type"] == "too_long" for d in details):
        return api_error(
            422, f"too many {items} in one request: send at most {limit}",
            f"too_many_{items}", details,
        )  # fmt: skip
    first = details[0]["field"] if details else "body"
    return api_error(422, f"invalid field {first}", "validation_error", details)


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
