"""Inspection templates per room: the shipped default, and a supervisor's edits (audited).

The form is validated here (pure :func:`parse_edit`), field by field, so the dashboard can
show each message next to its field; :func:`apply_edit` writes a valid edit.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from records.errors import NotFound
from records.inspection.defaults import (
    DEFAULT_ITEMS,
    DEFAULT_OVERDUE_HOURS,
    DEFAULT_SCHEDULE,
    ItemSpec,
)
from records.inspection.rounds import format_rounds, parse_rounds
from records.inspection.standards import Standard, check_standard
from store import audit
from store.models import Room
from store.models_inspection import InspectionTemplate, InspectionTemplateItem

MAX_OVERDUE_HOURS = 72


def template_for(session: Session, room_id: int) -> InspectionTemplate | None:
    return session.scalars(
        select(InspectionTemplate).where(InspectionTemplate.room_id == room_id)
    ).first()


def install_default(
    session: Session, room_id: int, now: datetime, by: str = "system"
) -> InspectionTemplate:
    """The room's template, made from the shipped default when the room has none."""
    found = template_for(session, room_id)
    if found is not None:
        return found
    tpl = InspectionTemplate(
        room_id=room_id,
        schedule=DEFAULT_SCHEDULE,
        overdue_hours=DEFAULT_OVERDUE_HOURS,
        updated_by=by,
        updated_at=now,
    )
    tpl.items = [_item(spec, i) for i, spec in enumerate(DEFAULT_ITEMS)]
    session.add(tpl)
    session.flush()
    audit.record(session, by, "inspection.template_installed", "room", room_id, now=now)
    return tpl


def _item(spec: ItemSpec, position: int) -> InspectionTemplateItem:
    return InspectionTemplateItem(
        position=position,
        kind=spec.kind,
        code=spec.code,
        title_zh=spec.title_zh,
        title_en=spec.title_en,
        device_type=spec.device_type,
        metrics=spec.metrics,
        op=spec.op,
        low=spec.low,
        high=spec.high,
        expect=spec.expect,
        unit=spec.unit,
        enabled=True,
    )


@dataclass(frozen=True, slots=True)
class ItemEdit:
    id: int
    title_zh: str
    title_en: str
    low: float | None
    high: float | None
    expect: str
    enabled: bool


@dataclass(slots=True)
class TemplateEdit:
    schedule: str = ""
    overdue_hours: int = DEFAULT_OVERDUE_HOURS
    items: list[ItemEdit] = field(default_factory=list)
    new_manual: tuple[str, str] | None = None  # (title_zh, title_en) of an added manual item


def _float(raw: str) -> float:
    value = float(raw.strip().replace("，", "."))
    if not math.isfinite(value):
        raise ValueError(raw)
    return value


def parse_edit(
    form: Mapping[str, str], items: list[InspectionTemplateItem]
) -> tuple[TemplateEdit, dict[str, str]]:
    """The edit the form asks for, and the message id of each bad field (by field name).

    Fields: ``schedule``, ``overdue_hours``, per item ``title_zh-<id>``, ``title_en-<id>``,
    ``low-<id>``, ``high-<id>``, ``expect-<id>``, ``enabled-<id>``; ``new_title_zh`` /
    ``new_title_en`` add a manual item.
    """
    errors: dict[str, str] = {}
    edit = TemplateEdit()
    try:
        edit.schedule = format_rounds(parse_rounds(form.get("schedule", "")))
    except ValueError:
        errors["schedule"] = "inspection.tpl.bad_schedule"
    try:
        edit.overdue_hours = int(form.get("overdue_hours", "").strip())
        if not 1 <= edit.overdue_hours <= MAX_OVERDUE_HOURS:
            raise ValueError
    except ValueError:
        errors["overdue_hours"] = "inspection.tpl.bad_overdue"
    for it in items:
        title_zh = form.get(f"title_zh-{it.id}", "").strip()
        title_en = form.get(f"title_en-{it.id}", "").strip()
        if not title_zh or len(title_zh) > 200:
            errors[f"title_zh-{it.id}"] = "inspection.tpl.bad_title"
        if len(title_en) > 200:
            errors[f"title_en-{it.id}"] = "inspection.tpl.bad_title"
        low, high, expect = it.low, it.high, it.expect
        if it.kind == "auto":
            bounds: dict[str, float | None] = {}
            for name in ("low", "high"):
                raw = form.get(f"{name}-{it.id}", "").strip()
                try:
                    bounds[name] = _float(raw) if raw else None
                except ValueError:
                    errors[f"{name}-{it.id}"] = "inspection.tpl.bad_number"
                    bounds[name] = None
            low, high = bounds["low"], bounds["high"]
            expect = form.get(f"expect-{it.id}", "").strip()[:200]
            problem = check_standard(Standard(it.op, low, high, expect))
            if problem and not any(k.endswith(f"-{it.id}") for k in errors):
                errors[f"std-{it.id}"] = problem
        enabled = form.get(f"enabled-{it.id}", "") in ("on", "1", "true")
        edit.items.append(
            ItemEdit(it.id, title_zh, title_en or it.title_en, low, high, expect, enabled)
        )
    new_zh = form.get("new_title_zh", "").strip()
    new_en = form.get("new_title_en", "").strip()
    if new_zh or new_en:
        if not new_zh or len(new_zh) > 200 or len(new_en) > 200:
            errors["new_title_zh"] = "inspection.tpl.bad_title"
        else:
            edit.new_manual = (new_zh, new_en or new_zh)
    return edit, errors


def _snapshot(tpl: InspectionTemplate) -> dict[str, object]:
    return {
        "schedule": tpl.schedule,
        "overdue_hours": tpl.overdue_hours,
        "items": [
            {
                "id": i.id,
                "title_zh": i.title_zh,
                "low": i.low,
                "high": i.high,
                "expect": i.expect,
                "enabled": i.enabled,
            }
            for i in tpl.items
        ],
    }


def apply_edit(
    session: Session, template_id: int, edit: TemplateEdit, by: str, now: datetime
) -> InspectionTemplate:
    """Write a validated edit; sheets already opened keep the standard they were opened with."""
    tpl = session.get(InspectionTemplate, template_id)
    if tpl is None:
        raise NotFound("record.not_found")
    before = _snapshot(tpl)
    tpl.schedule, tpl.overdue_hours = edit.schedule, edit.overdue_hours
    tpl.updated_by, tpl.updated_at = by, now
    by_id = {i.id: i for i in tpl.items}
    for e in edit.items:
        row = by_id.get(e.id)
        if row is None:
            continue
        row.title_zh, row.title_en, row.enabled = e.title_zh, e.title_en, e.enabled
        if row.kind == "auto":
            row.low, row.high, row.expect = e.low, e.high, e.expect
    if edit.new_manual is not None:
        code = f"manual_{len(tpl.items) + 1}"
        tpl.items.append(
            InspectionTemplateItem(
                position=max((i.position for i in tpl.items), default=0) + 1,
                kind="manual",
                code=code,
                title_zh=edit.new_manual[0],
                title_en=edit.new_manual[1],
                enabled=True,
            )
        )
    session.flush()
    audit.record(
        session,
        by,
        "inspection.template_edited",
        "room",
        tpl.room_id,
        before=before,
        after=_snapshot(tpl),
        now=now,
    )
    return tpl


def rooms_with_templates(session: Session) -> list[tuple[Room, InspectionTemplate | None]]:
    rooms = list(session.scalars(select(Room).order_by(Room.name)))
    tpls = {t.room_id: t for t in session.scalars(select(InspectionTemplate))}
    return [(r, tpls.get(r.id)) for r in rooms]
