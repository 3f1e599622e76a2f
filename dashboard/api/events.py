"""``POST /api/v1/events``: trap events from agents, stored and evaluated at once."""

from __future__ import annotations

import logging
from datetime import UTC
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from flask import current_app, g, jsonify, request
from flask.typing import ResponseReturnValue
from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    create_model,
)

from dashboard.api.schemas import Name, error_details
from dashboard.api.views import bp, token_required
from dashboard.errors import api_error
from dashboard.extensions import db_session, roomwatch
from rules.service import RuleRunner
from rules.traps import IncomingEvent

log = logging.getLogger(__name__)
RUNNER_KEY = "roomwatch.rules"  # the RuleRunner of the background services (serve sets it)
NOTIFY_KEY = "roomwatch.notify"  # the delivery worker (has wake()), when one runs
MAX_EVENTS = 1000

# empty when the trap carried no snmpTrapOID (stored, matched by nothing): one odd trap must
# not make the agent's whole batch bounce forever
Oid = Annotated[str, StringConstraints(max_length=200, pattern=r"^(\.?\d+(\.\d+)*)?$")]
VarKey = Annotated[str, StringConstraints(min_length=1, max_length=200)]
VarValue = Annotated[str, StringConstraints(max_length=2000)] | int | float | bool | None


class EventIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    device: Name | None = None
    address: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    trap_oid: Oid
    name: Annotated[str, StringConstraints(max_length=100)]
    varbinds: Annotated[dict[VarKey, VarValue], Field(max_length=200)] = Field(default_factory=dict)
    ts: AwareDatetime

    def to_event(self, agent: str) -> IncomingEvent:
        return IncomingEvent(
            agent=agent,
            device=self.device,
            address=self.address,
            trap_oid=self.trap_oid,
            name=self.name,
            varbinds={k: "" if v is None else str(v) for k, v in self.varbinds.items()},
            ts=self.ts.astimezone(UTC),
        )


class EventsIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    agent: Name
    events: list[EventIn]


@lru_cache(maxsize=8)
def events_model(max_events: int) -> type[EventsIn]:
    """The body schema with this server's limit (the ingest batch limit, at most 1000)."""
    return create_model(
        "Events", __base__=EventsIn, events=(list[EventIn], Field(max_length=max_events))
    )


def rule_runner() -> RuleRunner:
    """The server's runner; built once from the settings when no background service set it."""
    runner: RuleRunner | None = current_app.extensions.get(RUNNER_KEY)
    if runner is None:
        settings = roomwatch().settings
        runner = RuleRunner.from_paths(
            [Path(p) for p in settings.rules.paths],
            builtin=settings.rules.builtin,
            notify=settings.notify,
        )
        current_app.extensions[RUNNER_KEY] = runner
    return runner


@bp.post("/events")
@token_required
def events() -> ResponseReturnValue:
    limit = min(MAX_EVENTS, roomwatch().settings.server.max_batch_samples)
    try:
        body = events_model(limit).model_validate_json(request.get_data(cache=False))
    except ValidationError as exc:
        details = error_details(exc)
        if any(d["type"] == "json_invalid" for d in details):
            return api_error(400, "body is not valid JSON", "bad_json", details)
        if any(d["field"] == "events" and d["type"] == "too_long" for d in details):
            return api_error(
                422, f"too many events in one request: send at most {limit}",
                "too_many_events", details,
            )  # fmt: skip
        first = details[0]["field"] if details else "body"
        return api_error(422, f"invalid field {first}", "validation_error", details)
    runner = rule_runner()
    incoming = [e.to_event(body.agent) for e in body.events]
    s = db_session()
    with runner.lock, s.begin():
        report = runner.on_events(s, incoming, roomwatch().clock.now())
    worker: Any = current_app.extensions.get(NOTIFY_KEY)
    if worker is not None and report.notifications:
        worker.wake()
    log.debug("agent %s (token %s) pushed %d events", body.agent, g.api_client, len(incoming))
    return jsonify(
        {
            "accepted": report.stored,
            "unmatched": report.unmatched,
            "transitions": report.transitions,
            "alarms_opened": report.opened,
            "alarms_resolved": report.resolved,
            "fallback": report.fallback,
            "alarm_ids": list(report.alarm_ids),
        }
    ), 202
