"""Trap events arriving from agents: stored, matched to a ledger device, evaluated at once.

Event rules (``event:`` in rule files, evaluated by :func:`rules.events.evaluate_event`)
decide what a trap does. While no loaded rule handles a trap, a small built-in table maps
the traps a machine room cannot wait for onto their polled rule (``upsTrapOnBattery`` →
``ups_on_battery``): the alarm opens now, and the poll clears it as usual.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.types import Severity
from rules.engine import Reason, RuleStateValue, State, StateKey, Transition
from store.models import Device, TrapEvent


@dataclass(frozen=True, slots=True)
class IncomingEvent:
    agent: str
    device: str | None
    address: str
    trap_oid: str
    name: str
    varbinds: Mapping[str, Any] = field(default_factory=dict)
    ts: datetime | None = None


# trap name or OID → (the polled rule it fires at once, severity)
FALLBACK_TRAPS: Mapping[str, tuple[str, Severity]] = {
    "upsTrapOnBattery": ("ups_on_battery", Severity.CRITICAL),
    "1.3.6.1.2.1.33.2.1": ("ups_on_battery", Severity.CRITICAL),
}


def resolve_device(session: Session, event: IncomingEvent) -> str | None:
    """The event's device: as sent, or the one ledger device at its address."""
    if event.device:
        return event.device
    names = list(session.scalars(select(Device.name).where(Device.address == event.address)))
    return names[0] if len(names) == 1 else None


def store_event(
    session: Session, event: IncomingEvent, device: str | None, now: datetime
) -> TrapEvent:
    row = TrapEvent(
        agent=event.agent,
        device=device,
        address=event.address,
        trap_oid=event.trap_oid.lstrip("."),
        name=event.name,
        varbinds={str(k): str(v) for k, v in event.varbinds.items()},
        ts=event.ts or now,
        received_at=now,
    )
    session.add(row)
    return row


def fallback_transition(
    event: IncomingEvent,
    device: str,
    loaded_rules: set[str],
    states: Mapping[StateKey, RuleStateValue],
    now: datetime,
) -> tuple[StateKey, RuleStateValue, Transition] | None:
    """The built-in table's firing for a trap no event rule handles (pure)."""
    hit = FALLBACK_TRAPS.get(event.name) or FALLBACK_TRAPS.get(event.trap_oid.lstrip("."))
    if hit is None or hit[0] not in loaded_rules:
        return None
    rule, severity = hit
    key = (rule, device, "")
    prev = states.get(key)
    if prev is not None and prev.state in (State.FIRING, State.CLEARING):
        return None  # already firing: the alarm is open
    new = RuleStateValue(State.FIRING, severity, now, None)
    return (
        key,
        new,
        Transition(
            rule=rule,
            device=device,
            instance="",
            from_state=prev.state if prev else State.OK,
            to_state=State.FIRING,
            severity=severity,
            value=None,
            reason=Reason.FIRED,
            at=now,
            previous_severity=prev.severity if prev else None,
        ),
    )


def stored_names(events: Sequence[TrapEvent]) -> list[str]:
    return [e.name or e.trap_oid for e in events]
