"""The supervisor's daily review of the duty log (值班记录审阅), signed via the journal.

A day is a local calendar day (the server's time zone unless given); its log is the
handovers due that day plus every journal entry signed that day (inspection sheets,
changes, visitors...). A day without a review is listed as missing until one is signed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.types import Role
from records import checkpoints, journal
from records.errors import RecordError
from records.signing import confirm_signer
from store import audit
from store.models import Alarm
from store.models_handover import DayReview, Handover
from store.models_journal import JournalEntry

KIND = "review"
REVIEW_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN})
MISSING_WINDOW = 14  # days looked back for missing reviews


def local_tz() -> tzinfo:
    tz = datetime.now().astimezone().tzinfo
    assert tz is not None
    return tz


def day_bounds(day: date, tz: tzinfo) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=tz)
    return start, datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)


@dataclass(slots=True)
class DaySummary:
    day: date
    handovers: list[Handover] = field(default_factory=list)
    entries: list[JournalEntry] = field(default_factory=list)
    alarms: int = 0
    review: DayReview | None = None

    @property
    def kinds(self) -> dict[str, int]:
        return dict(Counter(e.kind for e in self.entries))

    @property
    def inspections(self) -> list[JournalEntry]:
        return [e for e in self.entries if e.kind == "inspection"]


def summary(session: Session, day: date, tz: tzinfo) -> DaySummary:
    start, end = day_bounds(day, tz)
    handovers = list(session.scalars(select(Handover).where(
        Handover.due_at >= start, Handover.due_at < end).order_by(Handover.due_at)))  # fmt: skip
    entries = list(session.scalars(select(JournalEntry).where(
        JournalEntry.signed_at >= start, JournalEntry.signed_at < end,
        JournalEntry.kind != KIND).order_by(JournalEntry.seq)))  # fmt: skip
    alarms = session.scalar(select(func.count()).select_from(Alarm).where(
        Alarm.first_seen >= start, Alarm.first_seen < end)) or 0  # fmt: skip
    review = session.scalars(select(DayReview).where(DayReview.day == day)).first()
    return DaySummary(day, handovers, entries, alarms, review)


def review_day(
    session: Session, day: date, tz: tzinfo, *, username: str, password: str, note: str,
    address: str, now: datetime,
) -> DayReview:  # fmt: skip
    """Sign one day's log as reviewed (once; supervisors and admins); the chain's head
    becomes a checkpoint (records.checkpoints)."""
    user = confirm_signer(session, username, password, REVIEW_ROLES)
    if day > now.astimezone(tz).date():
        raise RecordError("handover.review_future_day", day=day.isoformat())
    if session.scalars(select(DayReview).where(DayReview.day == day)).first() is not None:
        raise RecordError("journal.already_signed", kind=KIND, record_id=day.isoformat())
    day_log = summary(session, day, tz)
    row = DayReview(day=day, note=note.strip()[:4000])
    session.add(row)
    session.flush()
    body = {
        "day": day.isoformat(), "note": row.note, "alarms": day_log.alarms,
        "handovers": [{"id": h.id, "signed": h.signed_at is not None,
                       "signed_by": h.signed_by, "override_by": h.override_by}
                      for h in day_log.handovers],
        "journal": [{"seq": e.seq, "kind": e.kind, "record_id": e.record_id,
                     "hash": e.hash} for e in day_log.entries],
    }  # fmt: skip
    journal.freeze(session, kind=KIND, record_id=row.id, content=body, signer=user.username,
                   address=address, now=now)  # fmt: skip
    row.signed_at, row.signed_by, row.signed_from = now, user.username, address
    # the chain's head, this review's own entry, anchored outside the rows (the caller appends
    # it to the checkpoint file once committed: records.checkpoints)
    checkpoints.record(session, by=user.username, reason=f"day review {day.isoformat()}",
                       now=now)  # fmt: skip
    audit.record(session, user.username, "handover.review", "handover_review", row.id,
                 after={"day": day.isoformat()}, address=address, now=now)  # fmt: skip
    session.flush()
    return row


def missing_reviews(session: Session, today: date, days: int = MISSING_WINDOW) -> list[date]:
    """Past days (before ``today``, within ``days``) that have no signed review."""
    first = today - timedelta(days=days)
    done = set(session.scalars(select(DayReview.day).where(
        DayReview.day >= first, DayReview.signed_at.is_not(None))))  # fmt: skip
    return [d for d in (first + timedelta(days=i) for i in range(days)) if d not in done]


def review_of(session: Session, at: datetime, tz: tzinfo) -> DayReview | None:
    """The supervisor's signed review of the local day holding ``at`` (a print's 主管审阅)."""
    day = at.astimezone(tz).date()
    return session.scalars(select(DayReview).where(
        DayReview.day == day, DayReview.signed_at.is_not(None))).first()  # fmt: skip
