"""The three duty areas together on the demo data (issue 5): every screen renders for every
role in both languages, every POST route is guarded by role (table over routes × roles,
checked complete against the app's URL map), forged posts to a signed record are refused
with nothing written, and signed records are amended from the screen (never edited)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from core.duty import ShiftSlot
from core.types import Role
from demo.records import seed_records
from records import journal
from records.errors import RecordError
from records.handover import service as handover
from records.handover.service import Override
from records.inspection import sheets
from records.roster import swaps
from store.accounts import create_user
from store.models import AuditEntry, Room
from store.models_handover import Handover, HandoverItem
from store.models_inspection import InspectionItem, InspectionSheet
from store.models_journal import JournalEntry
from store.models_roster import RosterShift, RosterSwap
from tests.web.conftest import NOW, PASSWORD, form_token, login

Sessions = sessionmaker[Session]
pytestmark = pytest.mark.usefixtures("room", "alarm_id")
ROLES = (Role.DUTY, Role.SUPERVISOR, Role.ADMIN, Role.READONLY)
START = NOW + timedelta(minutes=30)


@dataclass(frozen=True)
class World:
    room_id: int
    draft_sheet: int
    signed_sheet: int
    draft_handover: int
    signed_handover: int
    swap_id: int
    month: str


def _sign_sheet(s: Session, sheet_id: int, by: str) -> None:
    sheet = s.get(InspectionSheet, sheet_id)
    assert sheet is not None
    entries = [sheets.Entry(i.id, i.result or "pass", "已通知厂家" if i.result == "fail" else "",
                            "yes" if i.result == "fail" else "")
               for i in sheet.items]  # fmt: skip
    sheets.fill(s, sheet_id, entries, by, NOW)
    sheets.sign(s, sheet_id, username=by, password=PASSWORD, address="10.1.1.5", now=NOW)


def _swap(s: Session) -> tuple[int, str]:
    """A pending swap between two demo people working different shifts on the same day."""
    shifts = list(s.scalars(select(RosterShift).order_by(RosterShift.day, RosterShift.username)))
    for a in shifts:
        for b in shifts:
            if a.day == b.day and a.username < b.username and a.code != b.code:
                try:
                    row = swaps.request_swap(s, a.username, a.day, b.username, b.day,
                                             "家中有事", NOW)  # fmt: skip
                except RecordError:  # e.g. two places at once: try the next pair
                    continue
                return row.id, a.day.strftime("%Y-%m")
    raise AssertionError("the demo roster has no two shifts to swap")


@pytest.fixture
def world(sessions: Sessions) -> World:
    """The demo's duty data plus a user of each role, a draft and a signed sheet, a draft and
    a signed handover (overridden by the supervisor), and a pending swap."""
    with sessions() as s, s.begin():
        for role in ROLES:
            create_user(s, role.value, PASSWORD, role)
        create_user(s, "zhang", PASSWORD, Role.DUTY)
        create_user(s, "wang", PASSWORD, Role.DUTY)
    assert "records.handover.demo" in seed_records(sessions, NOW)
    with sessions() as s, s.begin():
        room = s.scalars(select(Room)).one()
        draft = sheets.open_sheet(s, room, NOW, kind="manual", slot="m1", by="duty").id
        signed = sheets.open_sheet(s, room, NOW, kind="manual", slot="m2", by="duty").id
        _sign_sheet(s, signed, "duty")
        night = ShiftSlot("night", START - timedelta(hours=12), START, ("zhang",))
        day = ShiftSlot("day", START, START + timedelta(hours=12), ("wang",))
        done = handover.open_handover(s, night, day, NOW).id
        handover.record_arrival(s, done, "wang", NOW)  # face to face, before signing
        handover.sign(s, done, outgoing_user="zhang", outgoing_password=PASSWORD,
                      incoming_user="wang", incoming_password=PASSWORD, address="10.1.1.6",
                      now=NOW, notes="UPS 电池供电，已通知厂家",
                      override=Override("supervisor", PASSWORD, "厂家已到场处理"))  # fmt: skip
        later = ShiftSlot("day", START, START + timedelta(hours=12), ("wang",))
        nxt = ShiftSlot("night", START + timedelta(hours=12), START + timedelta(hours=24),
                        ("zhang",))  # fmt: skip
        open_one = handover.open_handover(s, later, nxt, NOW).id
        swap_id, month = _swap(s)
    return World(room.id, draft, signed, open_one, done, swap_id, month)


def _as(client: FlaskClient, role: Role, lang: str = "zh_CN") -> None:
    assert login(client, role.value).status_code == 302
    if lang != "zh_CN":
        client.post("/language", data={"lang": lang, "csrf_token": form_token(client, "/")})


# --- every screen, every role, both languages --------------------------------------------

SUPERVISOR_ONLY = {"inspection_template", "roster_generate", "handover_day"}


def _screens(w: World) -> dict[str, str]:
    return {
        "inspection_index": "/inspection/",
        "inspection_draft": f"/inspection/{w.draft_sheet}",
        "inspection_signed": f"/inspection/{w.signed_sheet}",
        "inspection_print": f"/inspection/{w.signed_sheet}/print",
        "inspection_template": f"/inspection/templates/{w.room_id}",
        "inspection_search": f"/inspection/?room={w.room_id}&result=abnormal&from=2020-01-01",
        "roster_month": f"/roster/?month={w.month}",
        "roster_generate": "/roster/generate",
        "roster_teams": "/roster/teams",
        "roster_swaps": "/roster/swaps",
        "handover_index": "/handover/",
        "handover_draft": f"/handover/{w.draft_handover}",
        "handover_signed": f"/handover/{w.signed_handover}",
        "handover_day": "/handover/day",
    }


# a message id shown as is (missing from the catalog) looks like "handover.something"
_RAW_ID = re.compile(r"(?<![/\w.-])(?:inspection|roster|handover|amend|journal|sign|record)"
                     r"\.[a-z_]+(?:\.[a-z_]+)*(?![\w/-])")  # fmt: skip


def _text(html: str) -> str:
    """The visible text (tags, attributes and scripts removed)."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
@pytest.mark.parametrize("role", ROLES, ids=[r.value for r in ROLES])
def test_every_screen_renders_for_every_role_in_both_languages(
    client: FlaskClient, world: World, role: Role, lang: str
) -> None:
    _as(client, role, lang)
    for name, path in _screens(world).items():
        page = client.get(path)
        allowed = name not in SUPERVISOR_ONLY or role in (Role.SUPERVISOR, Role.ADMIN)
        assert page.status_code == (200 if allowed else 403), (name, path)
        if not allowed:
            continue
        text = _text(page.get_data(as_text=True))
        raw = _RAW_ID.findall(text)
        assert not raw, f"{name}: untranslated {raw[:5]}"
        if lang == "en" and name != "inspection_print":  # (print: no menu) data stays as typed
            assert "Log out" in text or "Logout" in text or "Sign out" in text, name


def test_handover_links_lead_to_the_alarm_sheet_change_and_visitor(
    app: Flask, client: FlaskClient, world: World, sessions: Sessions
) -> None:
    """Each carried-over item links to its own screen, and that screen opens."""
    _as(client, Role.READONLY)
    with sessions() as s:
        items = list(s.scalars(select(HandoverItem).where(
            HandoverItem.handover_id == world.draft_handover)))  # fmt: skip
    sources = {i.source for i in items}
    assert {"alarm", "inspection", "change", "visitor"} <= sources, sources
    page = client.get(f"/handover/{world.draft_handover}").get_data(as_text=True)
    for i in items:
        if not i.url:
            continue
        assert f'href="{i.url}"' in page
        assert client.get(i.url).status_code == 200, (i.source, i.url)
    # the supervisor's day view links the day's signed sheets
    boss = app.test_client()
    _as(boss, Role.SUPERVISOR)
    day = boss.get("/handover/day").get_data(as_text=True)
    assert f'/inspection/{world.signed_sheet}"' in day
    assert boss.get(f"/inspection/{world.signed_sheet}").status_code == 200


# --- every POST route × every role --------------------------------------------------------

ALL = frozenset(ROLES)
ACTING = frozenset({Role.DUTY, Role.SUPERVISOR, Role.ADMIN})
EDITORS = frozenset({Role.SUPERVISOR, Role.ADMIN})


@dataclass(frozen=True)
class Route:
    endpoint: str
    path: Callable[[World], str]
    allowed: frozenset[Role]
    data: Callable[[World], dict[str, Any]] = lambda w: {}


ROUTES = [
    Route("inspection.open_now", lambda w: "/inspection/open", ACTING,
          lambda w: {"room": w.room_id}),
    Route("inspection.fill", lambda w: f"/inspection/{w.draft_sheet}/fill", ACTING),
    Route("inspection.refresh", lambda w: f"/inspection/{w.draft_sheet}/refresh", ACTING),
    Route("inspection.sign", lambda w: f"/inspection/{w.draft_sheet}/sign", ACTING,
          lambda w: {"password": PASSWORD}),
    Route("inspection.amend", lambda w: f"/inspection/{w.signed_sheet}/amend", ACTING,
          lambda w: {"correction": "x", "reason": "y", "amend_password": PASSWORD}),
    Route("inspection.install", lambda w: f"/inspection/templates/{w.room_id}/install", EDITORS),
    Route("inspection.save_template", lambda w: f"/inspection/templates/{w.room_id}", EDITORS),
    Route("roster.publish", lambda w: "/roster/publish", EDITORS, lambda w: {"month": w.month}),
    Route("roster.cell", lambda w: "/roster/cell", EDITORS,
          lambda w: {"month": w.month, "day": f"{w.month}-10", "username": "sun.li",
                     "code": ""}),
    Route("roster.generate", lambda w: "/roster/generate", EDITORS,
          lambda w: {"month": "2099-01", "pattern": "three_plus_two"}),
    Route("roster.save_team", lambda w: "/roster/teams", EDITORS,
          lambda w: {"name": "F", "members": "duty"}),
    Route("roster.swap_request", lambda w: "/roster/swaps", ACTING,
          lambda w: {"day": f"{w.month}-10", "with_user": "sun.li",
                     "with_day": f"{w.month}-11", "reason": "x"}),
    Route("roster.swap_decide", lambda w: f"/roster/swaps/{w.swap_id}/decide", EDITORS,
          lambda w: {"action": "approve"}),
    Route("handover.save", lambda w: f"/handover/{w.draft_handover}/save", ACTING,
          lambda w: {"notes": "n"}),
    Route("handover.note", lambda w: f"/handover/{w.draft_handover}/note", ACTING,
          lambda w: {"note": "n"}),
    Route("handover.arrive", lambda w: f"/handover/{w.draft_handover}/arrive", ACTING),
    Route("handover.sign", lambda w: f"/handover/{w.draft_handover}/sign", ACTING,
          lambda w: {"outgoing_user": "wang", "outgoing_password": PASSWORD,
                     "incoming_user": "zhang", "incoming_password": PASSWORD}),
    Route("handover.sign", lambda w: f"/handover/{w.draft_handover}/sign", EDITORS,
          lambda w: {"outgoing_user": "wang", "outgoing_password": PASSWORD,
                     "incoming_user": "zhang", "incoming_password": PASSWORD,
                     "override_reason": "强行交接", "override_password": PASSWORD}),
    Route("handover.amend", lambda w: f"/handover/{w.signed_handover}/amend", ACTING,
          lambda w: {"correction": "x", "reason": "y", "amend_password": PASSWORD}),
    Route("handover.open_by_hand", lambda w: "/handover/open", ACTING),
    Route("handover.review_day", lambda w: "/handover/day/review", EDITORS,
          lambda w: {"day": (NOW - timedelta(days=1)).date().isoformat(),
                     "password": PASSWORD}),
]  # fmt: skip


def test_the_table_covers_every_post_route(app: Flask) -> None:
    posts = {r.endpoint for r in app.url_map.iter_rules()
             if "POST" in (r.methods or ()) and r.endpoint.split(".")[0]
             in ("inspection", "roster", "handover")}  # fmt: skip
    assert posts == {r.endpoint for r in ROUTES}


def _written(sessions: Sessions) -> tuple[int, int, int, int]:
    """What any write leaves behind: audit entries, journal entries, sheets, handovers."""
    with sessions() as s:
        return (s.scalar(select(func.count()).select_from(AuditEntry)) or 0,
                s.scalar(select(func.count()).select_from(JournalEntry)) or 0,
                s.scalar(select(func.count()).select_from(InspectionSheet)) or 0,
                s.scalar(select(func.count()).select_from(Handover)) or 0)  # fmt: skip


@pytest.mark.parametrize("role", ROLES, ids=[r.value for r in ROLES])
def test_every_post_route_is_guarded_by_role(
    client: FlaskClient, world: World, sessions: Sessions, role: Role
) -> None:
    """Forbidden: 403 and nothing written. Allowed: never 403 (the form may still be bad)."""
    _as(client, role)
    token = form_token(client, "/handover/")
    for route in ROUTES:
        before = _written(sessions)
        resp = client.post(route.path(world), data={"csrf_token": token, **route.data(world)})
        where = (route.endpoint, role.value, resp.status_code)
        if role in route.allowed:
            assert resp.status_code != 403, where
        else:
            assert resp.status_code == 403, where
            assert _written(sessions) == before, where
    with sessions() as s:
        swap = s.get(RosterSwap, world.swap_id)
        assert swap is not None
        assert (swap.status == "pending") == (role not in EDITORS)  # only they approve


# --- forged posts to a signed record ------------------------------------------------------


def _snapshot(sessions: Sessions, w: World) -> tuple[Any, ...]:
    """Every stored field of the signed sheet and handover and their items."""

    def cols(row: Any) -> tuple[Any, ...]:
        return tuple(getattr(row, c.key) for c in row.__table__.columns)

    with sessions() as s:
        sheet = s.get(InspectionSheet, w.signed_sheet)
        h = s.get(Handover, w.signed_handover)
        assert sheet is not None and h is not None
        items = [
            cols(i)
            for i in s.scalars(
                select(InspectionItem)
                .where(InspectionItem.sheet_id == w.signed_sheet)
                .order_by(InspectionItem.id)
            )
        ]
        hitems = [
            cols(i)
            for i in s.scalars(
                select(HandoverItem)
                .where(HandoverItem.handover_id == w.signed_handover)
                .order_by(HandoverItem.id)
            )
        ]
        return cols(sheet), items, cols(h), hitems  # fmt: skip


@pytest.fixture
def signed_forms(world: World, sessions: Sessions) -> Iterator[list[tuple[str, dict[str, Any]]]]:
    with sessions() as s:
        ids = list(s.scalars(select(InspectionItem.id).where(
            InspectionItem.sheet_id == world.signed_sheet)))  # fmt: skip
        refs = list(s.scalars(select(HandoverItem.ref).where(
            HandoverItem.handover_id == world.signed_handover)))  # fmt: skip
    ticks: dict[str, Any] = {}
    for i in ids:
        ticks |= {f"item-{i}": "1", f"result-{i}": "fail", f"note-{i}": "改写",
                  f"reported-{i}": "no"}  # fmt: skip
    both = {"outgoing_user": "zhang", "outgoing_password": PASSWORD, "incoming_user": "wang",
            "incoming_password": PASSWORD, "notes": "改写", "confirm": refs}  # fmt: skip
    sheet, h = f"/inspection/{world.signed_sheet}", f"/handover/{world.signed_handover}"
    yield [
        (f"{sheet}/fill", ticks),
        (f"{sheet}/refresh", ticks),
        (f"{sheet}/sign", {**ticks, "password": PASSWORD}),
        (f"{h}/save", {"notes": "改写", "switching": "1", "confirm": []}),
        (f"{h}/note", {"note": "补一条"}),
        (f"{h}/arrive", {}),
        (f"{h}/sign", both),
        (f"{h}/sign", {**both, "override_reason": "再签一次", "override_password": PASSWORD}),
    ]


@pytest.mark.parametrize("role", [Role.DUTY, Role.SUPERVISOR], ids=["duty", "supervisor"])
def test_forged_posts_to_a_signed_record_are_refused_and_write_nothing(
    client: FlaskClient, world: World, sessions: Sessions, role: Role,
    signed_forms: list[tuple[str, dict[str, Any]]],
) -> None:  # fmt: skip
    _as(client, role)
    token = form_token(client, "/handover/")
    before, written = _snapshot(sessions, world), _written(sessions)
    for path, data in signed_forms:
        if role is Role.DUTY and "override_reason" in data:
            continue  # refused earlier: duty may not override at all (table above)
        resp = client.post(path, data={"csrf_token": token, **data})
        assert resp.status_code in (400, 409), (path, resp.status_code)
        html = resp.get_data(as_text=True)
        assert "已签字" in html or "冻结" in html, path
        assert _snapshot(sessions, world) == before, path
        assert _written(sessions) == written, path
    with sessions() as s:
        assert journal.verify(s).ok


# --- amendments from the screen ------------------------------------------------------------


def _amend(client: FlaskClient, path: str, **data: Any) -> Any:
    form = {"correction": "第 3 项读数应为 23.5°C", "reason": "笔误", "amend_password": PASSWORD}
    form.update(data)
    return client.post(path, data={"csrf_token": form_token(client, "/handover/"), **form})


@pytest.mark.parametrize("kind", ["inspection", "handover"])
def test_signer_or_supervisor_amends_a_signed_record_under_it(
    app: Flask, client: FlaskClient, world: World, sessions: Sessions, kind: str
) -> None:
    record = world.signed_sheet if kind == "inspection" else world.signed_handover
    signer = "duty" if kind == "inspection" else "wang"
    path = f"/{kind}/{record}"
    login(client, signer)
    page = client.get(path).get_data(as_text=True)
    assert 'name="correction"' in page and "不得撕页" in page
    # refused, nothing written: wrong password, no reason, no correction
    written = _written(sessions)
    bad = _amend(client, f"{path}/amend", amend_password="wrong")
    assert bad.status_code == 400 and "签字密码不正确" in bad.get_data(as_text=True)
    assert _amend(client, f"{path}/amend", reason=" ").status_code == 400
    no_text = _amend(client, f"{path}/amend", correction="")
    assert no_text.status_code == 400 and "请写明更正内容" in no_text.get_data(as_text=True)
    assert _written(sessions) == written
    # another duty person who did not sign may not amend it
    other = app.test_client()
    login(other, "zhang" if kind == "inspection" else "duty")
    assert 'name="correction"' not in other.get(path).get_data(as_text=True)
    written = _written(sessions)  # (the login is audited)
    refused = _amend(other, f"{path}/amend")
    assert refused.status_code == 400 and "不能补记更正" in refused.get_data(as_text=True)
    assert _written(sessions) == written
    # the signer amends; the supervisor too; both shown under the record, original kept
    assert _amend(client, f"{path}/amend").status_code == 302
    boss = app.test_client()
    login(boss, "supervisor")
    assert _amend(boss, f"{path}/amend", correction="补充：已复核",
                  reason="主管复核").status_code == 302  # fmt: skip
    html = client.get(path).get_data(as_text=True)
    assert "第 3 项读数应为 23.5°C" in html and "笔误" in html and "补充：已复核" in html
    if kind == "inspection":  # the printed form carries the corrections too
        printed = client.get(f"{path}/print").get_data(as_text=True)
        assert "第 3 项读数应为 23.5°C" in printed and "主管复核" in printed
    with sessions() as s:
        entries = journal.entries_for(s, kind, record)
        assert [e.action for e in entries] == ["sign", "amend", "amend"]
        assert {e.amends_seq for e in entries[1:]} == {entries[0].seq}
        assert [e.signer for e in entries[1:]] == [signer, "supervisor"]
        assert journal.verify(s).ok
        actions = set(s.scalars(select(AuditEntry.action)))
    assert f"{kind}.amend" in actions


def test_a_draft_cannot_be_amended(client: FlaskClient, world: World) -> None:
    login(client, "supervisor")
    resp = _amend(client, f"/inspection/{world.draft_sheet}/amend")
    assert resp.status_code == 409
    resp = _amend(client, f"/handover/{world.draft_handover}/amend")
    assert resp.status_code == 409
