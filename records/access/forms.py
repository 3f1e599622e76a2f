"""Form payloads of the access log, validated field by field (pure: no session, no Flask).

Each ``parse_*`` takes the submitted fields and returns the typed value, or the message id
of what is wrong with each field, so the page can show it next to that field.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from records.access.identity import normalize_id, valid_id

Errors = dict[str, str]
MAX_STAY = timedelta(days=31)
MAX_WORK_DAYS = 366
MAX_QUANTITY = 100_000


class Kind(enum.StrEnum):
    VISIT = "visit"  # 到访
    REPAIR = "repair"  # 网络抢修和设备维护
    CONSTRUCTION = "construction"  # 外来施工


class Direction(enum.StrEnum):
    IN = "in"
    OUT = "out"


@dataclass(frozen=True, slots=True)
class Registration:
    room_id: int
    kind: Kind
    person: str
    organisation: str
    id_number: str
    purpose: str
    escort: str  # required unless the person is staff (records.access.staff decides)
    work_application_id: int | None
    planned_out: datetime


@dataclass(frozen=True, slots=True)
class ItemLine:
    item: str
    quantity: int
    direction: Direction


@dataclass(frozen=True, slots=True)
class WorkRequest:
    room_id: int
    company: str
    content: str
    people: tuple[str, ...]
    start_date: date
    end_date: date


@dataclass(frozen=True, slots=True)
class Search:
    person: str = ""
    organisation: str = ""
    room_id: int | None = None
    start: date | None = None
    end: date | None = None


def local_datetime(text: str) -> datetime | None:
    """A ``datetime-local`` field (server local time, where the room is) as aware UTC."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return value.astimezone(UTC)  # a naive value is taken as local time


def local_input(value: datetime) -> str:
    """The inverse of :func:`local_datetime`, to refill a form."""
    return value.astimezone().strftime("%Y-%m-%dT%H:%M")


def local_day(now: datetime) -> date:
    """The calendar day in the room's (server's) time zone."""
    return now.astimezone().date()


def _text(form: Mapping[str, str], name: str, limit: int, errors: Errors, *,
          required: bool = True) -> str:  # fmt: skip
    value = (form.get(name) or "").strip()
    if required and not value:
        errors[name] = "access.err.required"
    elif len(value) > limit:
        errors[name] = "access.err.too_long"
    return value


def _int(form: Mapping[str, str], name: str, errors: Errors, msgid: str) -> int | None:
    raw = (form.get(name) or "").strip()
    if not raw:
        errors[name] = "access.err.required"
        return None
    if not raw.isdigit() or not 0 < int(raw) < 2**31:
        errors[name] = msgid
        return None
    return int(raw)


def _date(form: Mapping[str, str], name: str, errors: Errors, *, required: bool) -> date | None:
    raw = (form.get(name) or "").strip()
    if not raw:
        if required:
            errors[name] = "access.err.required"
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors[name] = "access.err.date"
        return None


def parse_registration(
    form: Mapping[str, str], now: datetime
) -> tuple[Registration | None, Errors]:
    errors: Errors = {}
    room_id = _int(form, "room", errors, "access.err.room")
    kind_raw = (form.get("kind") or "").strip()
    kind = Kind(kind_raw) if kind_raw in set(Kind) else None
    if kind is None:
        errors["kind"] = "access.err.kind"
    person = _text(form, "person", 100, errors)
    organisation = _text(form, "organisation", 200, errors)
    id_number = normalize_id(form.get("id_number") or "")
    if not id_number:
        errors["id_number"] = "access.err.required"
    elif not valid_id(id_number):
        errors["id_number"] = "access.err.id_number"
    purpose = _text(form, "purpose", 2000, errors)
    # whether an escort may be left out depends on who the person is, which only the
    # service can tell (an account or the admin's staff list): a field posted as "staff"
    # is never read
    escort = _text(form, "escort", 100, errors, required=False)
    work_id: int | None = None
    if kind is Kind.CONSTRUCTION:
        work_id = _int(form, "work_application", errors, "access.err.work")
    raw_out = (form.get("planned_out") or "").strip()
    planned_out = local_datetime(raw_out) if raw_out else None
    if not raw_out:
        errors["planned_out"] = "access.err.required"
    elif planned_out is None:
        errors["planned_out"] = "access.err.datetime"
    elif planned_out <= now:
        errors["planned_out"] = "access.err.planned_out_past"
    elif planned_out > now + MAX_STAY:
        errors["planned_out"] = "access.err.planned_out_far"
    if errors or room_id is None or kind is None or planned_out is None:
        return None, errors
    return Registration(room_id, kind, person, organisation, id_number, purpose, escort,
                        work_id, planned_out), errors  # fmt: skip


def parse_item(form: Mapping[str, str]) -> tuple[ItemLine | None, Errors]:
    errors: Errors = {}
    item = _text(form, "item", 200, errors)
    quantity = _int(form, "quantity", errors, "access.err.quantity")
    if quantity is not None and quantity > MAX_QUANTITY:
        errors["quantity"] = "access.err.quantity"
    raw = (form.get("direction") or "").strip()
    direction = Direction(raw) if raw in set(Direction) else None
    if direction is None:
        errors["direction"] = "access.err.direction"
    if errors or quantity is None or direction is None:
        return None, errors
    return ItemLine(item, quantity, direction), errors


def parse_work(form: Mapping[str, str], today: date) -> tuple[WorkRequest | None, Errors]:
    errors: Errors = {}
    room_id = _int(form, "room", errors, "access.err.room")
    company = _text(form, "company", 200, errors)
    content = _text(form, "content", 4000, errors)
    people_text = _text(form, "people", 4000, errors)
    people = tuple(p.strip() for p in people_text.splitlines() if p.strip())
    if "people" not in errors and not people:
        errors["people"] = "access.err.required"
    if any(len(p) > 100 for p in people):
        errors["people"] = "access.err.too_long"
    start = _date(form, "start_date", errors, required=True)
    end = _date(form, "end_date", errors, required=True)
    if start and end:
        if end < start:
            errors["end_date"] = "access.err.end_before_start"
        elif end < today:
            errors["end_date"] = "access.err.end_past"
        elif (end - start).days >= MAX_WORK_DAYS:
            errors["end_date"] = "access.err.period_too_long"
    if errors or room_id is None or start is None or end is None:
        return None, errors
    return WorkRequest(room_id, company, content, people, start, end), errors


def parse_search(form: Mapping[str, str]) -> tuple[Search, Errors]:
    """Search never fails as a whole: a bad field is reported and left out."""
    errors: Errors = {}
    room_raw = (form.get("room") or "").strip()
    room_id = int(room_raw) if room_raw.isdigit() and int(room_raw) < 2**31 else None
    if room_raw and room_id is None:
        errors["room"] = "access.err.room"
    start = _date(form, "start", errors, required=False)
    end = _date(form, "end", errors, required=False)
    if start and end and end < start:
        errors["end"] = "access.err.end_before_start"
        end = None
    person = (form.get("person") or "").strip()[:100]
    organisation = (form.get("organisation") or "").strip()[:200]
    return Search(person, organisation, room_id, start, end), errors
