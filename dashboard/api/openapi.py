"""``GET /api/v1/openapi.json``: the API described from the pydantic models it validates with.

The request bodies come from the very models ``samples()`` and ``events()`` validate with
(:func:`dashboard.api.schemas.batch_model`, :func:`dashboard.api.events.events_model`, with
this server's limits), so the document cannot drift from what the server accepts. The
answers are described by the small models below: what a client may rely on, open to fields
added later (``extra="allow"``).
"""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask.typing import ResponseReturnValue
from pydantic import BaseModel, ConfigDict, Field

from core.cli import package_version
from dashboard.api.events import MAX_EVENTS, EventsAck, events_model
from dashboard.api.schemas import SamplesAck, batch_model
from dashboard.api.views import bp
from dashboard.extensions import roomwatch

REF = "#/components/schemas/{model}"


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class ErrorDetail(_Open):
    field: str = Field(description="Where in the body, e.g. samples[3].ts")
    type: str
    message: str


class ErrorInner(_Open):
    code: str = Field(description="A stable code for programs (people read the message)")
    message: str = Field(description="What is wrong, in words")
    details: list[ErrorDetail]


class Error(_Open):
    """The one JSON error shape of the API."""

    error: ErrorInner


class Health(_Open):
    status: str = Field(description="ok, or error when the database is unreachable")
    database: str


class Target(_Open):
    device: str
    kind: str
    address: str
    port: int
    profile: str | None = None
    version: str = Field(description="SNMP version: 1, 2c or 3")
    interval: float
    timeout: float
    retries: int


class Targets(_Open):
    targets: list[Target]


class Alarm(_Open):
    id: int
    rule: str
    device: str
    severity: int
    status: str
    summary_zh: str
    summary_en: str


class Alarms(_Open):
    alarms: list[Alarm]


def _json(model: str, description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": REF.format(model=model)}}},
    }


def _errors(*codes: int) -> dict[str, Any]:
    words = {
        400: "The body is not JSON",
        401: "No token, or a wrong or revoked one",
        413: "The body is larger than the server takes",
        422: "The body does not follow the schema (the details name each field)",
        503: "The database is unreachable",
    }
    return {str(c): _json("Error", words[c]) for c in codes}


def _post(body: str, ack: str, summary: str) -> dict[str, Any]:
    return {
        "summary": summary,
        "security": [{"bearer": []}],
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": REF.format(model=body)}}},
        },
        "responses": {"202": _json(ack, "Accepted"), **_errors(400, 401, 413, 422)},
    }


def _get(out: str, summary: str, *, secured: bool = True) -> dict[str, Any]:
    ok = _json(out, "OK") if out else {"description": "OK", "content": {"application/json": {}}}
    op: dict[str, Any] = {"summary": summary, "responses": {"200": ok}}
    if secured:
        op["security"] = [{"bearer": []}]
        op["responses"].update(_errors(401))
    return op


def _health() -> dict[str, Any]:
    return {
        "summary": "Is the server and its database up (no token needed)",
        "responses": {"200": _json("Health", "Up"), **_errors(503)},
    }


def _components(models: dict[str, type[BaseModel]]) -> dict[str, Any]:
    """Every model's JSON schema, with the models they use, as named components."""
    out: dict[str, Any] = {}
    for name, model in models.items():
        schema = model.model_json_schema(ref_template=REF, mode="validation")
        out.update(schema.pop("$defs", {}))
        schema["title"] = name
        out[name] = schema
    return out


def document(max_batch: int) -> dict[str, Any]:
    """The OpenAPI 3.1 document of ``/api/v1`` for a server taking ``max_batch`` samples."""
    models: dict[str, type[BaseModel]] = {
        "Batch": batch_model(max_batch),
        "Events": events_model(min(MAX_EVENTS, max_batch)),
        "SamplesAck": SamplesAck,
        "EventsAck": EventsAck,
        "Error": Error,
        "Health": Health,
        "Targets": Targets,
        "Alarms": Alarms,
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "roomwatch API",
            "version": package_version(),
            "description": "Agents' ingest (samples, trap events) and targets; open alarms; "
            "health. Authenticate with `Authorization: Bearer <token>` "
            "(`roomwatch token create NAME`).",
        },
        "servers": [{"url": "/api/v1"}],
        "paths": {
            "/health": {"get": _health()},
            "/samples": {"post": _post("Batch", "SamplesAck", "Push a batch of samples")},
            "/events": {"post": _post("Events", "EventsAck", "Push trap events")},
            "/targets": {"get": _get("Targets", "The devices an agent polls")},
            "/alarms": {"get": _get("Alarms", "The open alarms")},
            "/openapi.json": {"get": _get("", "This document", secured=False)},
        },
        "components": {
            "schemas": _components(models),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


@bp.get("/openapi.json")
def openapi() -> ResponseReturnValue:
    return jsonify(document(roomwatch().settings.server.max_batch_samples))
