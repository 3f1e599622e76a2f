"""``POST /api/v1/events``: trap events from agents, stored and evaluated at once."""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from flask import current_app, g, jsonify, request
from flask.typing import ResponseReturnValue
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    create_model,
)

from dashboard.api.metrics import ingest_metrics
from dashboard.api.schemas import AgentName, BatchId, Name, Refused, Storable, UtcTime, judge
from dashboard.api.views import body_error, bp, token_required
from dashboard.extensions import db_session, roomwatch
from rules.service import RuleRunner
from rules.traps import IncomingEvent
from store import ingest

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
    address: Annotated[str, StringConstraints(min_length=1, max_length=200), Storable]
    trap_oid: Oid
    name: Annotated[str, StringConstraints(max_length=100), Storable]
    # kept as JSON, where a NUL is escaped: a binary OCTET STRING value is storable
    varbinds: Annotated[dict[VarKey, VarValue], Field(max_length=200)] = Field(default_factory=dict)
    ts: UtcTime

    def to_event(self, agent: str) -> IncomingEvent:
        return IncomingEvent(
            agent=agent,
            device=self.device,
            address=self.address,
            trap_oid=self.trap_oid,
            name=self.name,
            varbinds={k: "" if v is None else str(v) for k, v in self.varbinds.items()},
            ts=self.ts,
        )


class EventsIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    agent: AgentName
    batch_id: BatchId | None = None
    events: list[EventIn]


class EventsAck(BaseModel):
    """The answer to ``POST /api/v1/events`` (202, a replayed ``batch_id`` too)."""

    accepted: int = Field(description="Events stored")
    unmatched: int = Field(0, description="Stored events of no known device")
    transitions: int = 0
    alarms_opened: int = 0
    alarms_resolved: int = 0
    fallback: int = Field(0, description="Events handled by the built-in trap table")
    alarm_ids: list[int] = Field(default_factory=list)
    refused: list[Refused] = Field(default_factory=list)
    batch_id: str | None = None
    replay: bool = Field(False, description="True when this batch_id was stored before")


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
        judged = judge(events_model(limit), request.get_data(cache=False), "events")
    except ValidationError as exc:
        return body_error(exc, "events", limit)
    body = judged.body
    runner = rule_runner()
    incoming = [e.to_event(body.agent) for e in body.events]
    now = roomwatch().clock.now()
    s = db_session()
    with runner.lock, s.begin():  # the events and their batch id: together or not at all
        if body.batch_id is not None and not ingest.claim(
            s, "events", body.agent, body.batch_id, now
        ):
            first = ingest.stored_ack(s, "events", body.agent, body.batch_id)
            replayed = EventsAck.model_validate_json(first) if first else EventsAck(accepted=0)
            ack, report = replayed.model_copy(update={"replay": True}), None
        else:
            report = runner.on_events(s, incoming, now)
            ack = EventsAck(
                accepted=report.stored,
                unmatched=report.unmatched,
                transitions=report.transitions,
                alarms_opened=report.opened,
                alarms_resolved=report.resolved,
                fallback=report.fallback,
                alarm_ids=list(report.alarm_ids),
                refused=judged.refused,
                batch_id=body.batch_id,
            )
            if body.batch_id is not None:
                ingest.settle(s, "events", body.agent, body.batch_id, ack.accepted,
                              len(ack.refused), ack.model_dump_json())  # fmt: skip
    metrics = ingest_metrics()
    if report is None:
        metrics.duplicate_batches.labels("events").inc()
        log.info("agent %s replayed events batch %s: stored before", body.agent, body.batch_id)
        return jsonify(ack.model_dump()), 202
    metrics.events_refused.inc(len(ack.refused))
    worker: Any = current_app.extensions.get(NOTIFY_KEY)
    if worker is not None and report.notifications:
        worker.wake()
    log.debug("agent %s (token %s) pushed %d events", body.agent, g.api_client, len(incoming))
    return jsonify(ack.model_dump()), 202
