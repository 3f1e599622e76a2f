"""The delivery worker: a background thread that sends pending deliveries with retries.

The rule tick only writes rows; this thread claims due deliveries (status "sending"),
sends each on a small thread pool with a timeout, and records the outcome: sent, or a
retry after a backoff that doubles, or failed after the last attempt, always with why.
A hanging or failing endpoint therefore never blocks the tick, nor the other channels.
A channel whose deliveries fail ``channel_failures_alarm`` times in a row raises its own
alarm (rule ``notify_channel_failing``), resolved by its next success.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from core.clock import Clock, SystemClock
from core.config import NotifySettings
from core.types import Severity
from rules.alarms import AlarmStatus
from rules.notify import smtp, webhook
from rules.notify.planner import add_notification
from rules.notify.templates import Kind, pick
from rules.notify.webhook import DeliveryFailed, Message
from store.models import Alarm, AlarmEvent, Delivery, Notification, NotifyChannel, NotifyRoute

log = logging.getLogger(__name__)
CHANNEL_RULE = "notify_channel_failing"
CHANNEL_DEVICE = "roomwatch"
STALE_SENDING = timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class ChannelInfo:
    id: int
    name: str
    kind: str
    target: str
    secret: str
    language: str


Send = Callable[[ChannelInfo, Message], None]


def backoff(attempts: int, cfg: NotifySettings) -> timedelta:
    """Wait after the ``attempts``-th failed attempt: base × 2^(attempts-1), capped."""
    seconds = cfg.retry_backoff_seconds * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, cfg.retry_max_backoff_seconds))


def make_sender(cfg: NotifySettings, clock: Clock) -> Send:
    def send(ch: ChannelInfo, m: Message) -> None:
        if ch.kind == "smtp":
            smtp.send(m, ch.target, cfg)
        elif ch.kind in {"webhook", "wecom", "dingtalk", "feishu"}:
            now_ms = int(clock.now().timestamp() * 1000)
            webhook.post(ch.kind, ch.target, ch.secret, m, now_ms, cfg.timeout_seconds)
        else:
            raise DeliveryFailed(f"unknown channel kind {ch.kind!r}: use smtp, webhook, wecom…")

    return send


def claim_due(
    session: Session, now: datetime, limit: int = 50
) -> list[tuple[int, ChannelInfo, Message]]:
    """Mark due pending deliveries as sending (one attempt more) and return what to send.

    A channel with a delivery still in flight is skipped, so each channel receives its
    messages in order (a fire before its clear) and a hanging one holds only itself.
    """
    busy = select(Delivery.channel_id).where(Delivery.status == "sending")
    q = (
        select(Delivery, Notification, NotifyChannel)
        .join(Notification, Notification.id == Delivery.notification_id)
        .join(NotifyChannel, NotifyChannel.id == Delivery.channel_id)
        .where(
            Delivery.status == "pending",
            Delivery.next_attempt_at <= now,
            Delivery.channel_id.not_in(busy),
        )
        .order_by(Delivery.next_attempt_at, Delivery.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=Delivery)
    )
    out = []
    for d, n, ch in session.execute(q):
        d.status = "sending"
        d.attempts += 1
        info = ChannelInfo(ch.id, ch.name, ch.kind, ch.target, ch.secret, ch.language)
        m = Message(
            subject=pick(ch.language, n.subject_zh, n.subject_en),
            body=pick(ch.language, n.body_zh, n.body_en),
            kind=n.kind,
            severity=n.severity,
            alarm_id=n.alarm_id,
            notification_id=n.id,
            recipients=tuple(n.recipients or ()),
        )
        out.append((d.id, info, m))
    session.flush()
    return out


def recover_stale(session: Session, now: datetime) -> int:
    """Deliveries left 'sending' by a stopped process go back to pending."""
    result = session.execute(
        update(Delivery)
        .where(Delivery.status == "sending", Delivery.next_attempt_at < now - STALE_SENDING)
        .values(status="pending", next_attempt_at=now)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def record_result(
    session: Session, delivery_id: int, error: str | None, cfg: NotifySettings, now: datetime
) -> None:
    d = session.get(Delivery, delivery_id)
    if d is None:
        return
    ch = session.get(NotifyChannel, d.channel_id)
    if error is None:
        d.status, d.sent_at, d.last_error = "sent", now, ""
        if ch is not None:
            ch.consecutive_failures = 0
            _resolve_channel_alarm(session, ch, now)
        return
    d.last_error = error[:1000]
    if d.attempts >= cfg.retry_attempts:
        d.status = "failed"
    else:
        d.status = "pending"
        d.next_attempt_at = now + backoff(d.attempts, cfg)
    if ch is not None:
        ch.consecutive_failures += 1
        if ch.consecutive_failures >= cfg.channel_failures_alarm:
            _raise_channel_alarm(session, ch, error, now)


def _open_channel_alarm(session: Session, ch: NotifyChannel) -> Alarm | None:
    return session.scalars(
        select(Alarm).where(
            Alarm.rule == CHANNEL_RULE,
            Alarm.device == CHANNEL_DEVICE,
            Alarm.instance == ch.name,
            Alarm.status != AlarmStatus.RESOLVED.value,
        )
    ).one_or_none()


def _raise_channel_alarm(session: Session, ch: NotifyChannel, error: str, now: datetime) -> None:
    if _open_channel_alarm(session, ch) is not None:
        return
    zh = f"通知通道 {ch.name} 连续 {ch.consecutive_failures} 次发送失败：{error}"
    en = f"Notification channel {ch.name} failed {ch.consecutive_failures} times in a row: {error}"
    alarm = Alarm(
        rule=CHANNEL_RULE,
        device=CHANNEL_DEVICE,
        instance=ch.name,
        severity=int(Severity.WARNING),
        peak_severity=int(Severity.WARNING),
        status=AlarmStatus.FIRING.value,
        summary_zh=zh[:1000],
        summary_en=en[:1000],
        first_seen=now,
        last_seen=now,
    )
    alarm.events.append(AlarmEvent(ts=now, kind="fired", actor="system", detail=error[:500]))
    session.add(alarm)
    session.flush()
    others = session.scalars(
        select(NotifyChannel.id)
        .join(NotifyRoute, NotifyRoute.channel_id == NotifyChannel.id)
        .where(NotifyChannel.enabled, NotifyChannel.id != ch.id, NotifyRoute.level == 0)
        .distinct()
    )
    add_notification(
        session,
        f"channel:{alarm.id}",
        Kind.CHANNEL,
        alarm.severity,
        now,
        (f"【警告】通知通道故障：{ch.name}", zh),
        (f"[Warning] Notification channel failing: {ch.name}", en),
        alarm_id=alarm.id,
        channels=list(others),
    )
    log.warning("notification channel %s keeps failing: %s", ch.name, error)


def _resolve_channel_alarm(session: Session, ch: NotifyChannel, now: datetime) -> None:
    alarm = _open_channel_alarm(session, ch)
    if alarm is None:
        return
    alarm.status = AlarmStatus.RESOLVED.value
    alarm.resolved_at = alarm.last_seen = now
    alarm.events.append(AlarmEvent(ts=now, kind="resolved", actor="system", detail="delivered"))


class DeliveryWorker:
    """Sends deliveries on its own threads until stopped; ``wake()`` after new ones."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        cfg: NotifySettings,
        clock: Clock | None = None,
        send: Send | None = None,
        poll_seconds: float = 1.0,
        threads: int = 4,
    ) -> None:
        self.factory = factory
        self.cfg = cfg
        self.clock = clock or SystemClock()
        self.send = send or make_sender(cfg, self.clock)
        self.poll_seconds = poll_seconds
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="notify")
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="notify", daemon=True)
        self.done = threading.Condition()
        self.finished = 0  # attempts recorded (tests wait on ``done`` for this)

    def start(self) -> None:
        with self.factory() as s, s.begin():
            recovered = recover_stale(s, self.clock.now())
        if recovered:
            log.info("notify: %d interrupted deliveries will be retried", recovered)
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 5) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)
        self._pool.shutdown(wait=False, cancel_futures=True)

    def run_once(self) -> int:
        """Claim what is due and hand it to the pool; returns how many were handed over."""
        with self.factory() as s, s.begin():
            claimed = claim_due(s, self.clock.now())
        by_channel: dict[int, list[tuple[int, ChannelInfo, Message]]] = {}
        for item in claimed:
            by_channel.setdefault(item[1].id, []).append(item)
        for items in by_channel.values():
            self._pool.submit(self._send_in_order, items)
        return len(claimed)

    def _send_in_order(self, items: list[tuple[int, ChannelInfo, Message]]) -> None:
        for delivery_id, ch, m in items:
            self._attempt(delivery_id, ch, m)

    def _attempt(self, delivery_id: int, ch: ChannelInfo, m: Message) -> None:
        error: str | None = None
        try:
            self.send(ch, m)
        except DeliveryFailed as exc:
            error = str(exc)
        except Exception as exc:  # a channel bug must not kill the worker; it is logged
            log.exception("notify: channel %s crashed", ch.name)
            error = f"internal error: {type(exc).__name__}: {exc}"
        if error:
            log.warning("notify: delivery %d to %s failed: %s", delivery_id, ch.name, error)
        try:
            with self.factory() as s, s.begin():
                record_result(s, delivery_id, error, self.cfg, self.clock.now())
        except Exception:
            log.exception("notify: cannot record delivery %d", delivery_id)
        with self.done:
            self.finished += 1
            self.done.notify_all()
        self._wake.set()  # a channel alarm may have queued a message

    def wait_finished(self, count: int, timeout: float) -> bool:
        with self.done:
            return self.done.wait_for(lambda: self.finished >= count, timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception:
                log.exception("notify: delivery round failed")
            self._wake.wait(self.poll_seconds)
            self._wake.clear()
