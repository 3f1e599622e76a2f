"""After a tick's alarm changes: mark alarms flapping, inhibited or in maintenance.

These flags keep an alarm recorded and listed but quiet (the planner sends nothing for
it). The decisions are the pure functions of :mod:`rules.flapping` and
:mod:`rules.inhibition`; this module reads and writes the rows (caller's Session).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from rules.alarms import AlarmChange, AlarmStatus, ChangeKind
from rules.flapping import FlapPolicy, is_flapping
from rules.inhibition import (
    ROOT_RULES,
    Chain,
    ParentCycleError,
    ParentMap,
    Parents,
    check_parents,
    root_cause,
)
from store.models import Alarm, AlarmEvent, Device

log = logging.getLogger(__name__)
_CHANGE_KINDS = ("fired", "resolved")


@dataclass(frozen=True, slots=True)
class FlagResult:
    flapping_started: tuple[int, ...] = ()  # alarms that just started flapping (notify once)
    inhibited: tuple[int, ...] = ()
    in_maintenance: tuple[int, ...] = ()


def parent_map(session: Session) -> ParentMap:
    power, network = aliased(Device), aliased(Device)
    q = (
        select(Device.name, power.name, network.name)
        .outerjoin(power, Device.power_parent_id == power.id)
        .outerjoin(network, Device.network_parent_id == network.id)
    )
    return {name: Parents(p, n) for name, p, n in session.execute(q)}


def _change_times(session: Session, alarm: Alarm, policy: FlapPolicy, now: datetime) -> list:
    q = (
        select(AlarmEvent.ts)
        .join(Alarm, Alarm.id == AlarmEvent.alarm_id)
        .where(
            Alarm.rule == alarm.rule,
            Alarm.device == alarm.device,
            Alarm.instance == alarm.instance,
            AlarmEvent.kind.in_(_CHANGE_KINDS),
            AlarmEvent.ts > now - policy.window,
        )
    )
    return list(session.scalars(q))


def _previous_flapping(session: Session, alarm: Alarm, policy: FlapPolicy, now: datetime) -> bool:
    prev = session.scalars(
        select(Alarm)
        .where(
            Alarm.rule == alarm.rule,
            Alarm.device == alarm.device,
            Alarm.instance == alarm.instance,
            Alarm.id != alarm.id,
        )
        .order_by(Alarm.id.desc())
        .limit(1)
    ).one_or_none()
    return bool(
        prev is not None
        and prev.flapping
        and prev.resolved_at is not None
        and now - prev.resolved_at < policy.window
    )


def _mark(alarm: Alarm, now: datetime, kind: str, detail: str) -> None:
    alarm.events.append(AlarmEvent(ts=now, kind=kind, actor="system", detail=detail))


def mark_flapping(
    session: Session, changes: Sequence[AlarmChange], policy: FlapPolicy, now: datetime
) -> list[int]:
    """Flag alarms whose key changes state too often; the ids that just started flapping."""
    started: list[int] = []
    for c in changes:
        if c.kind not in (ChangeKind.OPENED, ChangeKind.REFIRED, ChangeKind.RESOLVED):
            continue
        alarm = session.get(Alarm, c.alarm_id)
        if alarm is None or alarm.flapping:
            continue
        times = _change_times(session, alarm, policy, now)
        if not is_flapping(times, now, policy):
            continue
        alarm.flapping = True
        _mark(alarm, now, "flapping", f"{len(times)} changes in {policy.window_seconds:g} s")
        if not _previous_flapping(session, alarm, policy, now):
            started.append(alarm.id)
    return started


def _down(session: Session) -> dict[str, tuple[int, frozenset[Chain]]]:
    q = (
        select(Alarm.device, Alarm.id, Alarm.rule)
        .where(Alarm.status != AlarmStatus.RESOLVED.value, Alarm.rule.in_(list(ROOT_RULES)))
        .order_by(Alarm.id)
    )
    out: dict[str, tuple[int, frozenset[Chain]]] = {}
    for device, alarm_id, rule in session.execute(q):
        chains = ROOT_RULES[rule]
        if device in out:
            chains = chains | out[device][1]
            alarm_id = out[device][0]
        out[device] = (alarm_id, chains)
    return out


def mark_inhibited(session: Session, parents: ParentMap, now: datetime) -> list[int]:
    """Record open, not yet inhibited alarms under the root alarm of a down ancestor."""
    down = _down(session)
    if not down:
        return []
    marked: list[int] = []
    for alarm in session.scalars(
        select(Alarm).where(
            Alarm.status != AlarmStatus.RESOLVED.value, Alarm.inhibited_by_id.is_(None)
        )
    ):
        root = root_cause(alarm.device, parents, down)
        if root is None or root == alarm.id:
            continue
        alarm.inhibited_by_id = root
        _mark(alarm, now, "inhibited", f"#{root}")
        marked.append(alarm.id)
    return marked


def mark_maintenance(
    session: Session, changes: Sequence[AlarmChange], windows: Mapping[str, int], now: datetime
) -> list[int]:
    marked: list[int] = []
    for c in changes:
        if c.kind is ChangeKind.RESOLVED or c.device not in windows:
            continue
        alarm = session.get(Alarm, c.alarm_id)
        if alarm is None or alarm.maintenance_id == windows[c.device]:
            continue
        alarm.maintenance_id = windows[c.device]
        _mark(alarm, now, "maintenance", f"window #{windows[c.device]}")
        marked.append(alarm.id)
    return marked


def apply_flags(
    session: Session,
    changes: Sequence[AlarmChange],
    policy: FlapPolicy,
    windows: Mapping[str, int],
    now: datetime,
) -> FlagResult:
    if not changes:
        return FlagResult()
    started = mark_flapping(session, changes, policy, now)
    inhibited: list[int] = []
    if any(c.kind in (ChangeKind.OPENED, ChangeKind.REFIRED) for c in changes):
        parents = parent_map(session)
        try:
            check_parents(parents)
        except ParentCycleError as exc:
            log.error("inhibition skipped: %s", exc)
        else:
            inhibited = mark_inhibited(session, parents, now)
    maint = mark_maintenance(session, changes, windows, now)
    session.flush()
    return FlagResult(tuple(started), tuple(inhibited), tuple(maint))
