"""Notification channels and routes in the store: save, enable/disable, the delivery log,
a test message (through the normal Delivery rows the worker sends). Every change is
audited with before/after, secrets and robot tokens masked. The caller commits.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.errors import RoomwatchError
from core.types import Severity
from rules.notify.channel_form import ChannelValues, RouteValues, mask, shown_target
from rules.notify.planner import Planned, add_notification
from rules.notify.templates import Kind
from store import audit
from store.models import Delivery, Notification, NotifyChannel, NotifyRoute

STATUSES = ("pending", "sending", "sent", "failed")


class ChannelError(RoomwatchError):
    """A channel change that cannot be made (unknown id, a name already taken)."""


def values(ch: NotifyChannel) -> ChannelValues:
    return ChannelValues(ch.name, ch.kind, ch.target, ch.secret, ch.language, ch.enabled)


def snapshot(ch: NotifyChannel) -> dict[str, Any]:
    """A channel as the audit journal keeps it: no secret, no robot token in full."""
    return {
        "name": ch.name,
        "kind": ch.kind,
        "target": shown_target(ch.kind, ch.target),
        "secret": mask(ch.secret),
        "language": ch.language,
        "enabled": ch.enabled,
    }


def route_snapshot(r: NotifyRoute) -> dict[str, Any]:
    return {
        "channel_id": r.channel_id,
        "min_severity": r.min_severity,
        "rooms": list(r.rooms or []),
        "hours": r.hours,
        "level": r.level,
        "enabled": r.enabled,
    }


def get_channel(session: Session, channel_id: int) -> NotifyChannel:
    ch = session.get(NotifyChannel, channel_id)
    if ch is None:
        raise ChannelError(f"no notification channel #{channel_id}: pick one from the list")
    return ch


def save_channel(
    session: Session, v: ChannelValues, channel_id: int | None, actor: str, now: datetime
) -> NotifyChannel:
    """Create (``channel_id`` None) or update a channel, audited."""
    taken = session.scalar(select(NotifyChannel.id).where(NotifyChannel.name == v.name))
    if taken is not None and taken != channel_id:
        raise ChannelError(f"a channel named {v.name} exists: choose another name")
    if channel_id is None:
        ch = NotifyChannel(created_at=now)
        session.add(ch)
        before = None
    else:
        ch = get_channel(session, channel_id)
        before = snapshot(ch)
    ch.name, ch.kind, ch.target = v.name, v.kind, v.target
    ch.secret, ch.language, ch.enabled = v.secret, v.language, v.enabled
    session.flush()
    action = "notify.channel_created" if before is None else "notify.channel_updated"
    audit.record(session, actor, action, "notify_channel", ch.id, before, snapshot(ch), now=now)
    return ch


def set_channel_enabled(
    session: Session, channel_id: int, enabled: bool, actor: str, now: datetime
) -> NotifyChannel:
    ch = get_channel(session, channel_id)
    before = snapshot(ch)
    ch.enabled = enabled
    if enabled:
        ch.consecutive_failures = 0
    action = "notify.channel_enabled" if enabled else "notify.channel_disabled"
    audit.record(session, actor, action, "notify_channel", ch.id, before, snapshot(ch), now=now)
    return ch


def add_route(session: Session, v: RouteValues, actor: str, now: datetime) -> NotifyRoute:
    get_channel(session, v.channel_id)
    r = NotifyRoute(
        channel_id=v.channel_id,
        min_severity=v.min_severity,
        kinds=[],
        rooms=list(v.rooms),
        hours=v.hours,
        level=v.level,
        enabled=True,
    )
    session.add(r)
    session.flush()
    audit.record(session, actor, "notify.route_added", "notify_route", r.id, None,
                 route_snapshot(r), now=now)  # fmt: skip
    return r


def remove_route(session: Session, route_id: int, actor: str, now: datetime) -> None:
    r = session.get(NotifyRoute, route_id)
    if r is None:
        raise ChannelError(f"no notification route #{route_id}: reload the page")
    audit.record(session, actor, "notify.route_removed", "notify_route", r.id,
                 route_snapshot(r), None, now=now)  # fmt: skip
    session.delete(r)


def channels(session: Session) -> list[NotifyChannel]:
    return list(session.scalars(select(NotifyChannel).order_by(NotifyChannel.name)))


def routes(session: Session) -> list[NotifyRoute]:
    q = select(NotifyRoute).order_by(NotifyRoute.channel_id, NotifyRoute.level, NotifyRoute.id)
    return list(session.scalars(q))


@dataclass(frozen=True, slots=True)
class LogRow:
    id: int
    channel: str
    kind: str
    subject: str
    status: str
    attempts: int
    error: str
    created_at: datetime
    sent_at: datetime | None


def delivery_log(
    session: Session, channel_id: int | None, status: str, page: int, per_page: int = 50
) -> tuple[list[LogRow], int]:
    """Deliveries newest first, filtered by channel and status; and how many match."""
    where = []
    if channel_id is not None:
        where.append(Delivery.channel_id == channel_id)
    if status:
        where.append(Delivery.status == status)
    total = int(session.scalar(select(func.count(Delivery.id)).where(*where)) or 0)
    q = (
        select(Delivery, Notification, NotifyChannel.name)
        .join(Notification, Notification.id == Delivery.notification_id)
        .join(NotifyChannel, NotifyChannel.id == Delivery.channel_id)
        .where(*where)
        .order_by(Delivery.created_at.desc(), Delivery.id.desc())
        .offset(max(page - 1, 0) * per_page)
        .limit(per_page)
    )
    rows = [
        LogRow(d.id, name, n.kind, n.subject_zh or n.subject_en, d.status, d.attempts,
               d.last_error, d.created_at, d.sent_at)
        for d, n, name in session.execute(q)
    ]  # fmt: skip
    return rows, total


def queue_test(session: Session, channel_id: int, actor: str, now: datetime) -> Planned:
    """A test message to one channel, sent by the delivery worker like any other."""
    ch = get_channel(session, channel_id)
    stamp = now.strftime("%Y-%m-%d %H:%M:%S %Z")
    planned = add_notification(
        session,
        f"test:{ch.id}:{now.isoformat()}:{secrets.token_hex(4)}",
        Kind.TEST,
        int(Severity.INFO),
        now,
        (
            f"【测试】roomwatch 通知通道 {ch.name}",
            f"这是一条测试消息，由 {actor} 于 {stamp} 发送。",
        ),
        (f"[Test] roomwatch channel {ch.name}", f"A test message sent by {actor} at {stamp}."),
        channels=[ch.id],
    )
    audit.record(session, actor, "notify.test_queued", "notify_channel", ch.id, None,
                 {"notification_id": planned.notification_id}, now=now)  # fmt: skip
    return planned
