"""CSV/XLSX import of the ledger against the database: plan (new / updated / unchanged,
with every error row by row) and apply, all or nothing; and the export's records.

A row is matched to an asset by name. Only the file's columns are written; rooms and
racks are named and must exist. The caller runs plan and apply in one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.messages import label, translate
from inventory import assets
from inventory.errors import LedgerError
from inventory.ledger_csv import WORDED, LedgerRow, RowError, parse
from inventory.ledger_rules import Slot, overlaps, u_problem
from store import audit
from store.models import Device, Rack, Room

Status = Literal["new", "updated", "unchanged"]


@dataclass(frozen=True, slots=True)
class Outcome:
    row: int
    name: str
    status: Status
    fields: dict[str, Any]  # device fields to write (room/rack resolved to ids)
    changes: tuple[tuple[str, str, str], ...] = ()  # (field, ledger, file) as shown


@dataclass(slots=True)
class Plan:
    outcomes: list[Outcome] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    def count(self, status: Status) -> int:
        return sum(o.status == status for o in self.outcomes)

    @property
    def ok(self) -> bool:
        return not self.errors


def _text(v: Any) -> str:
    return "" if v is None else v.isoformat() if hasattr(v, "isoformat") else str(v)


def _shown(key: str, v: Any, rooms: dict[int, str], racks: dict[int, str]) -> str:
    """A value as a person reads it: a room or rack by its name, not its id."""
    if key == "room_id" and v is not None:
        return rooms.get(v, str(v))
    if key == "rack_id" and v is not None:
        return racks.get(v, str(v))
    return _text(v)


def plan(session: Session, data: bytes, filename: str = "") -> Plan:
    """Parse and compare; LedgerError for a file that cannot be read at all."""
    rows, errors = parse(data, filename)
    result = Plan(errors=list(errors))
    rooms = {r.name: r for r in session.scalars(select(Room))}
    racks = {(r.room_id, r.name): r for r in session.scalars(select(Rack))}
    by_name = {d.name: d for d in session.scalars(select(Device))}
    room_names = {r.id: r.name for r in rooms.values()}
    rack_names = {r.id: r.name for r in racks.values()}
    names_in_file = {r.name for r in rows if r.name}
    slots: dict[int, list[Slot]] = {}  # rack id -> slots after the import
    for d in by_name.values():
        if d.name not in names_in_file and d.rack_id is not None and d.position_u is not None:
            slots.setdefault(d.rack_id, []).append(Slot(d.name, d.position_u, d.u_height))
    placed: list[tuple[LedgerRow, Rack, Slot]] = []
    for row in rows:
        problems = _row_fields(row, rooms, racks, by_name, result.errors)
        if problems is None or not row.valid:
            continue
        current = by_name.get(row.name)
        fields = problems
        rack_id = fields.get("rack_id", current.rack_id if current else None)
        pos = fields.get("position_u", current.position_u if current else None)
        height = fields.get("u_height", current.u_height if current else 1) or 1
        if rack_id is not None and pos is not None:
            rack = next(r for r in racks.values() if r.id == rack_id)
            slot = Slot(row.name, pos, height)
            if u_problem(slot, rack.height_u):
                result.errors.append(RowError(row.row, "position_u", "u_out_of_rack"))
                continue
            slots.setdefault(rack_id, []).append(slot)
            placed.append((row, rack, slot))
        if current is None:
            # the values a new asset gets, so a preview or dry run shows what was read
            # (a wrongly decoded file shows up before anything is written)
            shown = tuple(
                (k, "", _shown(k, v, room_names, rack_names)) for k, v in fields.items() if _text(v)
            )
            result.outcomes.append(Outcome(row.row, row.name, "new", fields, shown))
            continue
        changes = tuple(
            (k, _shown(k, getattr(current, k), room_names, rack_names),
             _shown(k, v, room_names, rack_names))
            for k, v in fields.items() if getattr(current, k) != v
        )  # fmt: skip
        result.outcomes.append(
            Outcome(row.row, row.name, "updated" if changes else "unchanged", fields, changes)
        )
    for row, rack, slot in placed:
        clash = overlaps(slot, slots.get(rack.id, []))
        if clash:
            result.errors.append(RowError(row.row, "position_u", "u_overlap", ", ".join(clash)))
    result.errors.sort(key=lambda e: (e.row, e.column))
    return result


def _row_fields(
    row: LedgerRow, rooms: dict[str, Room], racks: dict[tuple[int, str], Rack],
    by_name: dict[str, Device], errors: list[RowError],
) -> dict[str, Any] | None:  # fmt: skip
    """The device fields of a row (names resolved), or None after adding its errors."""
    v = dict(row.values)
    fields: dict[str, Any] = {}
    bad = []
    if "room" in v:
        room = rooms.get(v.pop("room")) if v.get("room") else None
        if row.values.get("room") and room is None:
            bad.append(RowError(row.row, "room", "unknown_room"))
        fields["room_id"] = room.id if room else None
        rack_name = v.pop("rack", "")
        if rack_name and room is not None:
            rack = racks.get((room.id, rack_name))
            if rack is None:
                bad.append(RowError(row.row, "rack", "unknown_rack"))
            fields["rack_id"] = rack.id if rack else None
        elif "rack" in row.values:
            fields["rack_id"] = None
    for key in ("serial", "asset_tag"):
        value = v.get(key)
        owner = next((d for d in by_name.values() if value and getattr(d, key) == value), None)
        if owner is not None and owner.name != row.name:
            bad.append(RowError(row.row, key, "taken", owner.name))
    # a polled device needs an address, whether the file or the ledger gives kind/address
    existing = by_name.get(row.name)
    kind = v.get("kind", existing.kind if existing else "asset")
    address = v.get("address", existing.address if existing else "")
    if kind != "asset" and not address:
        bad.append(RowError(row.row, "address", "required_for_kind"))
    if bad:
        errors.extend(bad)
        return None
    fields.update(v)
    return fields


def apply(
    session: Session, data: bytes, filename: str = "", *, actor: str, now: datetime,
    address: str = "",
) -> Plan:  # fmt: skip
    """Write the whole file or nothing: any error raises before a row is written, and a
    failure while writing raises too (the caller's transaction then rolls back)."""
    result = plan(session, data, filename)
    if not result.ok:
        raise ImportRefused(result)
    by_name = {d.name: d for d in session.scalars(select(Device))}
    for o in result.outcomes:
        if o.status == "unchanged":
            continue
        current = by_name.get(o.name)
        fields = dict(o.fields, name=o.name)
        if current is None and fields.get("kind", "asset") != "asset":
            fields.setdefault("enabled", True)
        assets.save(session, current.id if current else None, fields, actor=actor, now=now,
                    address=address)  # fmt: skip
    audit.record(session, actor, "ledger.import", "ledger", filename[:100],
                 after={"new": result.count("new"), "updated": result.count("updated"),
                        "unchanged": result.count("unchanged")},
                 address=address, now=now)  # fmt: skip
    return result


class ImportRefused(LedgerError):
    def __init__(self, result: Plan) -> None:
        super().__init__("ledger.import.refused", n=len(result.errors))
        self.result = result


def export_records(session: Session) -> list[dict[str, Any]]:
    """Every asset as the export's columns (no credentials: they never leave the server)."""
    out = []
    for d in session.scalars(select(Device).order_by(Device.name)):
        rec: dict[str, Any] = {k: getattr(d, k) for k in (
            "name", "asset_tag", "device_type", "kind", "vendor", "model", "serial", "owner",
            "status", "position_u", "u_height", "face", "address", "purchase_date",
            "warranty_until", "title_zh", "title_en")}  # fmt: skip
        rec["room"] = d.room.name if d.room else ""
        rec["rack"] = d.rack.name if d.rack else ""
        out.append(rec)
    return out


def problem_words(lang: str, e: RowError) -> str:
    """One row's problem in words: the row, the column's name and what is wrong (with the
    clashing row or asset), never the codes."""
    problem = translate(lang, f"ledger.problem.{e.problem}", other=e.other)
    if not e.column:
        return translate(lang, "ledger.row_problem", row=e.row, problem=problem)
    column = translate(lang, f"ledger.field.{e.column}")
    return translate(lang, "ledger.row_column_problem", row=e.row, column=column, problem=problem)


def value_words(lang: str, key: str, value: str) -> str:
    """A shown value of a code column (status, face, kind, type) in words."""
    return label(lang, WORDED[key], value) if key in WORDED and value else value


def outcome_words(lang: str, o: Outcome) -> str:
    """One row of the plan in words: status, asset and what changes."""
    changes = "; ".join(
        translate(lang, "ledger.change_line", field=translate(lang, f"ledger.field.{k}"),
                  before=value_words(lang, k, a) or "—", after=value_words(lang, k, b) or "—")
        for k, a, b in o.changes
    )  # fmt: skip
    status = translate(lang, f"ledger.outcome.{o.status}")
    line = translate(lang, "ledger.outcome_line", row=o.row, status=status, name=o.name)
    return f"{line}  {changes}" if changes else line


def error_lines(errors: Sequence[RowError]) -> list[str]:
    """Lines for the command line, which has no language of its own: 中文 / English."""
    return [f"{problem_words('zh_CN', e)} / {problem_words('en', e)}" for e in errors]
