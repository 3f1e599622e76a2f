"""Plan notifications in the tick's transaction: which messages, to which channels.

Every message is a Notification row with a unique ``dedupe_key`` ("fire:12",
"severity:12:3:<time>", "clear:12", "esc:12:1", "flapping:12"), written in the same
transaction as the alarm change: after a restart nothing already notified is notified
again, and nothing is lost. A Delivery row per routed channel is what the worker sends.
Quiet alarms (suppressed, inhibited, in maintenance, flapping) get no message.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.config import NotifySettings
from core.types import Severity
from rules.alarms import AlarmChange, ChangeKind
from rules.catalog import load_catalog
from rules.lifecycle import active_suppression, device_context
from rules.notify.hours import in_hours
from rules.notify.templates import AlarmFacts, Kind, render, render_storm
from rules.notify.value_words import state_words
from rules.spec import RuleSpec
from store.models import Alarm, Delivery, Notification, NotifyChannel, NotifyRoute


@dataclass(frozen=True, slots=True)
class Planned:
    notification_id: int
    kind: Kind
    alarm_id: int | None
    deliveries: int


def quiet_reason(
    session: Session, alarm: Alarm, windows: Mapping[str, int], now: datetime
) -> str | None:
    """Why an alarm sends nothing now, or None when it may notify."""
    if alarm.flapping:
        return "flapping"
    if alarm.inhibited_by_id is not None:
        return "inhibited"
    if alarm.device in windows:
        return "maintenance"
    if active_suppression(session, alarm, now) is not None:
        return "suppressed"
    return None


def facts(
    session: Session, alarm: Alarm, at: datetime, rule: RuleSpec | None = None, **kw: object
) -> AlarmFacts:
    """What a message says about ``alarm``; with its ``rule``, a state in words and the
    rule's title (for the recovery)."""
    ctx = device_context(session, alarm.device)
    state_zh, state_en = state_words(rule, alarm.value, load_catalog())
    return AlarmFacts(
        alarm_id=alarm.id,
        device=alarm.device,
        summary_zh=alarm.summary_zh,
        summary_en=alarm.summary_en,
        severity=Severity(alarm.severity),
        at=at,
        room=ctx.room,
        rack=ctx.rack,
        position_u=ctx.position_u,
        value=alarm.value,
        state_zh=state_zh,
        state_en=state_en,
        title_zh=rule.title_zh if rule else "",
        title_en=rule.title_en if rule else "",
        **kw,  # type: ignore[arg-type]
    )


def _exists(session: Session, key: str) -> bool:
    return session.scalar(select(Notification.id).where(Notification.dedupe_key == key)) is not None


def routed_channels(
    session: Session, kind: Kind, severity: int, room: str, level: int, now: datetime
) -> list[int]:
    """Enabled channels with an enabled route taking this kind, severity, room and level,
    whose hours (local time of the server, where the duty room is) include ``now``."""
    local = now.astimezone().time()
    q = (
        select(NotifyRoute, NotifyChannel.id)
        .join(NotifyChannel, NotifyChannel.id == NotifyRoute.channel_id)
        .where(NotifyRoute.enabled, NotifyChannel.enabled, NotifyRoute.level == level)
        .order_by(NotifyChannel.id)
    )
    out: list[int] = []
    for route, channel_id in session.execute(q):
        if severity < route.min_severity:
            continue
        if route.kinds and kind.value not in route.kinds:
            continue
        if route.rooms and room not in route.rooms:
            continue
        if route.hours and not in_hours(route.hours, local):
            continue
        if channel_id not in out:
            out.append(channel_id)
    return out


def add_notification(
    session: Session,
    key: str,
    kind: Kind,
    severity: int,
    now: datetime,
    zh: tuple[str, str],
    en: tuple[str, str],
    *,
    alarm_id: int | None = None,
    room: str = "",
    level: int = 0,
    recipients: Sequence[str] = (),
    channels: Iterable[int] | None = None,
) -> Planned:
    """One Notification and its Deliveries (``channels`` None: by the routes)."""
    n = Notification(
        dedupe_key=key[:200],
        alarm_id=alarm_id,
        kind=kind.value,
        level=level,
        severity=severity,
        room=room,
        subject_zh=zh[0],
        body_zh=zh[1],
        subject_en=en[0],
        body_en=en[1],
        recipients=list(recipients),
        created_at=now,
    )
    session.add(n)
    session.flush()
    targets = (
        []
        if kind is Kind.GROUPED
        else list(
            channels
            if channels is not None
            else routed_channels(session, kind, severity, room, level, now)
        )
    )
    for channel_id in targets:
        session.add(
            Delivery(
                notification_id=n.id,
                channel_id=channel_id,
                status="pending",
                next_attempt_at=now,
                created_at=now,
            )
        )
    return Planned(n.id, kind, alarm_id, len(targets))


def _alarm_message(
    session: Session, key: str, kind: Kind, alarm: Alarm, now: datetime, **kw: object
) -> Planned:
    f = facts(session, alarm, now, **kw)  # type: ignore[arg-type]
    return add_notification(
        session,
        key,
        kind,
        alarm.severity,
        now,
        render(kind, f, "zh"),
        render(kind, f, "en"),
        alarm_id=alarm.id,
        room=f.room,
        level=f.level,
        recipients=kw.get("recipients", ()),  # type: ignore[arg-type]
    )


def _was_notified(session: Session, alarm_id: int) -> bool:
    q = select(Notification.id).where(
        Notification.alarm_id == alarm_id,
        Notification.kind.in_([Kind.FIRE.value, Kind.GROUPED.value, Kind.SEVERITY.value]),
    )
    return session.scalars(q.limit(1)).first() is not None


def plan(
    session: Session,
    changes: Sequence[AlarmChange],
    flapping_started: Sequence[int],
    windows: Mapping[str, int],
    cfg: NotifySettings,
    now: datetime,
    rules: Mapping[str, RuleSpec] | None = None,
) -> list[Planned]:
    """Messages for one tick's changes: fire (grouped in a storm), severity, clear, flapping.
    ``rules`` (by name) lets a message say a state in words and a recovery name its rule."""
    out: list[Planned] = []
    by_name = rules or {}
    fires: list[Alarm] = []
    for c in changes:
        alarm = session.get(Alarm, c.alarm_id)
        if alarm is None:
            continue
        rule = by_name.get(alarm.rule)
        if alarm.id in flapping_started:
            key = f"flapping:{alarm.id}"
            if not _exists(session, key):
                out.append(_alarm_message(session, key, Kind.FLAPPING, alarm, now, rule=rule))
            continue
        if quiet_reason(session, alarm, windows, now) is not None:
            continue
        if c.kind in (ChangeKind.OPENED, ChangeKind.REFIRED):
            if not _exists(session, f"fire:{alarm.id}"):
                fires.append(alarm)
        elif c.kind is ChangeKind.SEVERITY:
            key = f"severity:{alarm.id}:{alarm.severity}:{c.at.isoformat()}"
            if not _exists(session, key):
                prev = c.previous_severity
                out.append(_alarm_message(session, key, Kind.SEVERITY, alarm, now,
                                          previous_severity=prev, rule=rule))  # fmt: skip
        elif c.kind is ChangeKind.RESOLVED:
            key = f"clear:{alarm.id}"
            if _was_notified(session, alarm.id) and not _exists(session, key):
                out.append(_alarm_message(session, key, Kind.CLEAR, alarm, now, rule=rule))
    if fires:
        out += _plan_fires(session, fires, cfg, now, by_name)
    return out


def _plan_fires(
    session: Session,
    fires: list[Alarm],
    cfg: NotifySettings,
    now: datetime,
    rules: Mapping[str, RuleSpec],
) -> list[Planned]:
    since = now - timedelta(seconds=cfg.storm_window_seconds)
    recent = session.scalar(
        select(func.count(Notification.id)).where(
            Notification.kind.in_([Kind.FIRE.value, Kind.GROUPED.value]),
            Notification.created_at > since,
        )
    )
    if int(recent or 0) + len(fires) <= cfg.storm_threshold:
        return [
            _alarm_message(session, f"fire:{a.id}", Kind.FIRE, a, now, rule=rules.get(a.rule))
            for a in fires
        ]
    all_facts = [facts(session, a, now, rules.get(a.rule)) for a in fires]
    for a in fires:  # recorded as notified (restart-safe), sent only as part of the group
        add_notification(
            session,
            f"fire:{a.id}",
            Kind.GROUPED,
            a.severity,
            now,
            ("", ""),
            ("", ""),
            alarm_id=a.id,
        )
    worst = max(a.severity for a in fires)
    key = f"storm:{now.isoformat()}:{min(a.id for a in fires)}"
    return [
        add_notification(
            session,
            key,
            Kind.STORM,
            worst,
            now,
            render_storm(all_facts, now, "zh"),
            render_storm(all_facts, now, "en"),
        )
    ]
