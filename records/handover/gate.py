"""The handover gate: whether a shift may hand over now, and every reason it may not.

交不清楚不接班, 接不清楚不交班: a handover is refused while

- a fault arises during the handover (工程部 §6.3 交接过程中发生故障，应停止交接，由交班人员
  负责处理): an alarm at or above the configured severity (``min_severity``, default
  critical) that fired after the handover opened, or that is firing unacknowledged at
  signing time. The outgoing shift stays in charge and owns it (:func:`kept_by_outgoing`
  names those alarms; the service makes an outgoing person their owner);
- an alarm is *in handling by the outgoing shift*: acknowledged, not resolved, at or above
  that severity, and owned by an outgoing person (or, with no owner, acknowledged by one)
  — the person who is handling it must finish or hand it over explicitly, not walk away
  mid-fault;
- a switching operation (倒闸操作) or a fault handling (事故处理) is marked in progress;
- a carried-over item says it blocks (its ``blocking`` message id);
- an item is not confirmed by the incoming person;
- a required field is empty (the outgoing shift's notes: 值班情况必须详细介绍).

Which carried-over sources block (§6.2 正在进行倒闸操作或事故处理过程中, §3.6 交接班时检查
各类工具和钥匙):

- ``change``: a change being carried out (in progress) that does switching or power work
  (a power device — UPS, PDU, ATS, switchgear, generator — or 倒闸/断电/停电/送电/切换 in
  its title or plan): records/changes/carryover.py;
- ``inspection``: an on-site check sheet (告警现场检查) still open — a fault is being
  handled on site; scheduled rounds left unsigned do not block (例行工作未完成…说明原因，
  由接班人员继续完成): records/inspection/carryover.py;
- ``loan``: a key (钥匙) on loan past its due time — the keys cannot be checked at the
  handover: inventory/loans_carryover.py.

The others do not block: visitors inside (the incoming person takes them over), tools on
loan, a key-cabinet stock-take due, hand-written notes; alarms are judged here, where the
outgoing people are known.

A supervisor may override with a reason and their password (the service journals it).
Pure: no I/O; the service builds :class:`GateInput` from the database.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from core.types import Severity

ACKNOWLEDGED = "acknowledged"
FIRING = "firing"


@dataclass(frozen=True, slots=True)
class GateAlarm:
    id: int
    severity: int
    status: str
    owner: str | None = None
    acked_by: str | None = None
    device: str = ""
    first_seen: datetime | None = None
    summary_zh: str = ""
    summary_en: str = ""


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
    opened_at: datetime | None = None
    min_severity: int = Severity.CRITICAL


@dataclass(frozen=True, slots=True)
class Refusal:
    """One reason the handover is refused: a message id and its parameters."""

    msgid: str
    params: dict[str, Any] = field(default_factory=dict)


def in_handling(
    alarm: GateAlarm, outgoing: Collection[str], min_severity: int = Severity.CRITICAL
) -> bool:
    """An alarm the outgoing shift is still handling (see the module's definition)."""
    if alarm.status != ACKNOWLEDGED or alarm.severity < min_severity:
        return False
    holder = alarm.owner or alarm.acked_by
    return holder is not None and holder in outgoing


def fault_during(alarm: GateAlarm, gate: GateInput) -> str | None:
    """Why this alarm stops the handover as a fault arising during it, or None:
    ``fired`` (it fired after the handover opened) or ``unacknowledged`` (firing, nobody
    has acknowledged it)."""
    if alarm.severity < gate.min_severity:
        return None
    opened, seen = gate.opened_at, alarm.first_seen
    if opened is not None and seen is not None and seen > opened:
        return "fired"
    if alarm.status == FIRING:
        return "unacknowledged"
    return None


def kept_by_outgoing(gate: GateInput) -> list[int]:
    """The alarms the outgoing shift stays in charge of (faults arising during the handover)."""
    return [a.id for a in gate.alarms if fault_during(a, gate) is not None]


def _alarm_params(a: GateAlarm) -> dict[str, Any]:
    return {"id": a.id, "device": a.device, "alarm": a.summary_zh or a.summary_en,
            "alarm_en": a.summary_en or a.summary_zh}  # fmt: skip


def refusals(gate: GateInput) -> list[Refusal]:
    """Every reason the handover may not happen now, in a stable order; empty = it may."""
    out: list[Refusal] = []
    for a in gate.alarms:
        why = fault_during(a, gate)
        if why is not None:
            out.append(Refusal(f"handover.gate.alarm_{why}", _alarm_params(a)))
        elif in_handling(a, gate.outgoing, gate.min_severity):
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
