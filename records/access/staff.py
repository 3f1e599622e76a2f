"""Who is staff of the room (本中心工作人员): decided here, never by a tick box on the form.

Staff enter on registration, without approval or escort. A person is staff when

- they are an active dashboard account of an acting role (on duty, supervisor, admin),
  named by login or by display name; or
- they are on the staff list the admin keeps (people without an account), and the ID
  number registered is theirs: a name alone does not make an outsider staff.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from core.types import Role
from records.access.identity import hash_id, mask_id, new_salt, normalize_id, same_id, valid_id
from records.errors import NotFound, RecordError
from store import audit
from store.models import User
from store.models_access import StaffMember

ACCOUNT_ROLES = frozenset({Role.DUTY.value, Role.SUPERVISOR.value, Role.ADMIN.value})


def is_staff_account(session: Session, person: str) -> bool:
    """An active account of an acting role whose login or display name is ``person``."""
    name = person.strip()
    if not name:
        return False
    users = session.scalars(
        select(User).where(or_(User.username == name, User.display_name == name))
    )
    return any(u.active and u.role in ACCOUNT_ROLES for u in users)


def on_staff_list(session: Session, person: str, id_number: str) -> bool:
    """On the admin's list under this name, with this ID number."""
    rows = session.scalars(select(StaffMember).where(StaffMember.name == person.strip()))
    return any(same_id(m.id_salt, m.id_hash, id_number) for m in rows)


def is_staff(session: Session, person: str, id_number: str) -> bool:
    return is_staff_account(session, person) or on_staff_list(session, person, id_number)


def members(session: Session) -> list[StaffMember]:
    return list(session.scalars(select(StaffMember).order_by(StaffMember.name, StaffMember.id)))


def add(session: Session, name: str, organisation: str, id_number: str, *, by: str,
        now: datetime, address: str = "") -> StaffMember:  # fmt: skip
    """The admin puts a person on the list (the ID number is kept only masked and hashed)."""
    name, organisation = name.strip(), organisation.strip()
    if not name:
        raise RecordError("access.err.required", field="name")
    if len(name) > 100:
        raise RecordError("access.err.too_long", field="name")
    if len(organisation) > 200:
        raise RecordError("access.err.too_long", field="organisation")
    number = normalize_id(id_number)
    if not number:
        raise RecordError("access.err.required", field="id_number")
    if not valid_id(number):
        raise RecordError("access.err.id_number", field="id_number")
    if on_staff_list(session, name, number):
        raise RecordError("access.staff_already_listed", field="name", name=name)
    salt = new_salt()
    member = StaffMember(name=name, organisation=organisation, id_masked=mask_id(number),
                         id_salt=salt, id_hash=hash_id(salt, number), added_by=by,
                         added_at=now)  # fmt: skip
    session.add(member)
    session.flush()
    audit.record(session, by, "access.staff.add", "access_staff", member.id,
                 after={"name": name, "organisation": organisation, "id": member.id_masked},
                 address=address, now=now)  # fmt: skip
    return member


def remove(session: Session, member_id: int, *, by: str, now: datetime,
           address: str = "") -> None:  # fmt: skip
    """Off the list (past registrations keep what they were: they are frozen)."""
    member = session.get(StaffMember, member_id)
    if member is None:
        raise NotFound("record.not_found")
    audit.record(session, by, "access.staff.remove", "access_staff", member.id,
                 before={"name": member.name, "organisation": member.organisation,
                         "id": member.id_masked}, address=address, now=now)  # fmt: skip
    session.delete(member)
    session.flush()
