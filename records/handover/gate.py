"""The handover gate: whether a shift may hand over now, and every reason it may not.

交不清楚不接班, 接不清楚不交班: a handover is refused while

- an alarm is *in handling by the outgoing shift*: acknowledged, not resolved, critical,
  and owned by an outgoing person (or, with no owner, acknowledged by one) — the person
  who is handling it must finish or hand it over explicitly, not walk away mid-fault;
- a switching operation (倒闸操作) or a fault handling (事故处理) is marked in progress;
- a carried-over item says it blocks (its ``blocking`` message id);
- an item is not confirmed by the incoming person;
- a required field is empty (the outgoing shift's notes: 值班情况必须详细介绍).

A supervisor may override with a reason and their password (the service journals it).
Pure: no I/O; the service builds :class:`GateInput` from the database.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from core.types import Severity

ACKNOWLEDGED = "acknowledged"


@dataclass(frozen=True, slots=True)
class GateAlarm:
    id: int
    severity: int
    status: str
    owner: str | None = None
    acked_by: str | None = None
    device: str = ""


@dataclass(frozen=True, slots=True)
class GateItem:
    ref: str
    summary: str = ""
    blocking: str = ""
    confirmed: bool = False


@dataclass(frozen=True, slots=True)
class GateInput:
    outgoing: Collection[str]
    notes: str = ""
    switching: bool = False
    fault: bool = False
    alarms: tuple[GateAlarm, ...] = ()
    items: tuple[GateItem, ...] = ()


@dataclass(frozen=True, slots=True)
class Refusal:
    """One reason the handover is refused: a message id and its parameters."""

    msgid: str
    params: dict[str, Any] = field(default_factory=dict)


def in_handling(alarm: GateAlarm, outgoing: Collection[str]) -> bool:
    """An alarm the outgoing shift is still handling (see the module's definition)."""
    if alarm.status != ACKNOWLEDGED or alarm.severity < Severity.CRITICAL:
        return False
    holder = alarm.owner or alarm.acked_by
    return holder is not None and holder in outgoing


def refusals(gate: GateInput) -> list[Refusal]:
    """Every reason the handover may not happen now, in a stable order; empty = it may."""
    out: list[Refusal] = []
    for a in gate.alarms:
        if in_handling(a, gate.outgoing):
            out.append(Refusal("handover.gate.alarm_in_handling",
                               {"id": a.id, "device": a.device,
                                "person": a.owner or a.acked_by or ""}))  # fmt: skip
    if gate.switching:
        out.append(Refusal("handover.gate.switching"))
    if gate.fault:
        out.append(Refusal("handover.gate.fault"))
    for item in gate.items:
        if item.blocking:
            out.append(
                Refusal(
                    "handover.gate.blocking",
                    {"item": item.summary or item.ref, "reason": item.blocking},
                )
            )
    unconfirmed = [i for i in gate.items if not i.confirmed]
    if unconfirmed:
        out.append(Refusal("handover.gate.unconfirmed", {"count": len(unconfirmed)}))
    if not gate.notes.strip():
        out.append(Refusal("handover.gate.notes_required"))
    return out
