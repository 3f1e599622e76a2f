"""施工申请单: construction work in a room, approved by its head, signed off every day.

(外来施工单位及相关施工人员进入机房施工, 须递交《施工申请单》, 经信息中心负责人批准...
每天施工结束后... 经值班人员同意后, 方可离开机房.)
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from records.access.forms import WorkRequest, local_day
from records.errors import NotFound, RecordError
from store import audit
from store.models import Room
from store.models_access import WorkApplication, WorkSignoff

REQUESTED, APPROVED, REJECTED = "requested", "approved", "rejected"


def get(session: Session, work_id: int) -> WorkApplication:
    work = session.get(WorkApplication, work_id)
    if work is None:
        raise NotFound("record.not_found")
    return work


def request(session: Session, req: WorkRequest, *, by: str, now: datetime,
            address: str = "") -> WorkApplication:  # fmt: skip
    if session.get(Room, req.room_id) is None:
        raise RecordError("access.err.room", field="room")
    work = WorkApplication(room_id=req.room_id, company=req.company, content=req.content,
                           people="\n".join(req.people), start_date=req.start_date,
                           end_date=req.end_date, status=REQUESTED, requested_by=by,
                           requested_at=now, decision_note="")  # fmt: skip
    session.add(work)
    session.flush()
    audit.record(session, by, "access.work.request", "access_work", work.id,
                 after={"company": work.company, "start": str(work.start_date),
                        "end": str(work.end_date)}, address=address, now=now)  # fmt: skip
    return work


def decide(session: Session, work_id: int, *, approve: bool, by: str, note: str,
           now: datetime, address: str = "") -> WorkApplication:  # fmt: skip
    """The room's head decides once; a decided application is not decided again."""
    work = get(session, work_id)
    if work.status != REQUESTED:
        raise RecordError("access.work_already_decided")
    if work.requested_by == by:  # the room's head approves someone else's application
        raise RecordError("access.work_self_approval")
    work.status = APPROVED if approve else REJECTED
    work.decided_by, work.decided_at, work.decision_note = by, now, note.strip()[:2000]
    audit.record(session, by, f"access.work.{'approve' if approve else 'reject'}",
                 "access_work", work.id, after={"status": work.status, "note": note},
                 address=address, now=now)  # fmt: skip
    return work


def is_active(work: WorkApplication, day: date) -> bool:
    return work.status == APPROVED and work.start_date <= day <= work.end_date


def sign_off(session: Session, work_id: int, *, by: str, note: str,
             now: datetime, address: str = "") -> WorkSignoff:  # fmt: skip
    """Today's sign-off of the site by the person on duty: once a day while active."""
    work = get(session, work_id)
    today = local_day(now)
    if not is_active(work, today):
        raise RecordError("access.work_not_active_today")
    done = session.scalar(select(WorkSignoff).where(WorkSignoff.application_id == work.id,
                                                    WorkSignoff.day == today))  # fmt: skip
    if done is not None:
        raise RecordError("access.work_signed_today", user=done.signed_by)
    row = WorkSignoff(application_id=work.id, day=today, signed_by=by, signed_at=now,
                      note=note.strip()[:2000])  # fmt: skip
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:  # another person signed the same day meanwhile
        raise RecordError("access.work_signed_today", user="") from None
    audit.record(session, by, "access.work.signoff", "access_work", work.id,
                 after={"day": str(today)}, address=address, now=now)  # fmt: skip
    return row


def applications(session: Session, *, limit: int = 200) -> list[tuple[WorkApplication, str]]:
    """Applications, newest first, with their room's name."""
    rows = session.execute(
        select(WorkApplication, Room.name).join(Room, Room.id == WorkApplication.room_id)
        .options(selectinload(WorkApplication.signoffs))
        .order_by(WorkApplication.requested_at.desc(), WorkApplication.id.desc())
        .limit(limit))  # fmt: skip
    return [(w, name) for w, name in rows]


def active(session: Session, now: datetime) -> list[WorkApplication]:
    """Approved applications covering today (what a construction registration may use)."""
    today = local_day(now)
    return list(session.scalars(
        select(WorkApplication).where(WorkApplication.status == APPROVED,
                                      WorkApplication.start_date <= today,
                                      WorkApplication.end_date >= today)
        .order_by(WorkApplication.id)))  # fmt: skip


def unsigned_today(session: Session, now: datetime) -> list[WorkApplication]:
    """Active applications nobody has signed off yet today (shown on the index)."""
    today = local_day(now)
    return [w for w in active(session, now) if all(s.day != today for s in w.signoffs)]
