"""A signed handover says one thing (issue 12, points 4 and 6), on SQLite and PostgreSQL:
the frozen record carries the incoming person, the arrival, the shifts' names and each
signer's display name; a record opened by hand names who took over; the wrong person is
told who may sign before any password is checked; the rows still match the signature."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from core.duty import ShiftSlot
from records import integrity, journal
from records.errors import RecordError
from records.handover import service
from store.accounts import display_names, get_user, set_display_name
from tests.integration.records.test_handover_service import NOW, _open, _ready, _sign
from tests.integration.records.test_handover_service import db as db  # fixture


def _names(db: sessionmaker[Session]) -> None:
    with db() as s, s.begin():
        set_display_name(s, "zhang", "张大伟", actor="admin")
        set_display_name(s, "wang", "王大壮", actor="admin")


def test_frozen_record_names_people_shifts_and_arrival(db: sessionmaker[Session]) -> None:
    _names(db)
    hid = _open(db)
    refs = _ready(db, hid)
    with db() as s, s.begin():
        _sign(s, hid, confirmed=refs)
    with db() as s:
        body = journal.content_of(journal.entries_for(s, "handover", hid)[0])
        assert body["incoming_people"] == ["wang"] and body["incoming_signer"] == "wang"
        assert body["arrived_by"] == "wang" and body["arrived_at"].startswith("2026-11-21T07:40")
        assert body["names"]["zhang"] == "张大伟" and body["names"]["wang"] == "王大壮"
        assert body["shifts"]["outgoing"]["code"] == "night"
        assert body["shifts"]["incoming"]["code"] == "day"
        # the names are not rows: the record still matches its signature
        assert integrity.check_record(s, "handover", hid) is None


def test_signed_by_hand_names_who_took_over(db: sessionmaker[Session]) -> None:
    """Opened by hand (incoming nobody yet): the signed record's incoming person is the
    incoming signer, not "—", and its shifts read as words, not "manual → manual"."""
    with db() as s, s.begin():
        hid = service.open_handover(s, ShiftSlot("manual", NOW, NOW, ("zhang",)),
                                    ShiftSlot("manual", NOW, NOW, ()), NOW, "zhang").id  # fmt: skip
    refs = _ready(db, hid)  # wang records the arrival
    _names(db)
    with db() as s, s.begin():
        _sign(s, hid, confirmed=refs)
    with db() as s:
        row = service.get(s, hid)
        assert service.people(row.incoming_people) == ["wang"]
        body = journal.content_of(journal.entries_for(s, "handover", hid)[0])
        assert body["incoming_people"] == ["wang"] and body["names"]["wang"] == "王大壮"
        assert body["shifts"]["incoming"]["zh_CN"] == "手动发起"
        assert body["shifts"]["incoming"]["en"] == "opened by hand"
        assert integrity.check_record(s, "handover", hid) is None


def test_renaming_a_person_later_leaves_the_record_matching(
    db: sessionmaker[Session],
) -> None:
    hid = _open(db)
    refs = _ready(db, hid)
    with db() as s, s.begin():
        _sign(s, hid, confirmed=refs)
    _names(db)
    with db() as s:
        assert integrity.check_record(s, "handover", hid) is None
        assert journal.content_of(journal.entries_for(s, "handover", hid)[0])["names"] == {
            "wang": "wang", "zhang": "zhang"}  # fmt: skip


@pytest.mark.parametrize(
    ("kw", "msgid"),
    [({"incoming_user": "boss", "incoming_password": "nope"}, "handover.not_incoming"),
     ({"outgoing_user": "wang", "incoming_user": "zhang", "outgoing_password": "nope"},
      "handover.not_outgoing")],
    ids=["not-the-incoming-person", "not-the-outgoing-person"],
)  # fmt: skip
def test_who_signs_is_checked_before_the_password(
    db: sessionmaker[Session], kw: dict[str, object], msgid: str
) -> None:
    hid = _open(db)
    refs = _ready(db, hid)
    with pytest.raises(RecordError) as exc, db() as s, s.begin():
        _sign(s, hid, confirmed=refs, **kw)
    assert exc.value.msgid == msgid
    if msgid == "handover.not_incoming":
        assert exc.value.params["people"] == "wang"


def test_display_names_and_renaming(db: sessionmaker[Session]) -> None:
    _names(db)
    with db() as s, s.begin():
        assert display_names(s, ["wang", "zhang", "nobody"]) == {
            "wang": "王大壮", "zhang": "张大伟", "nobody": "nobody"}  # fmt: skip
        with pytest.raises(Exception, match="display name"):
            set_display_name(s, "wang", "   ", actor="admin")
        user = get_user(s, "wang")
        assert user is not None and user.display_name == "王大壮"
