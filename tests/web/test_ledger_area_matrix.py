"""Issue 6 as a whole, on the demo data: every page of the ledger, the access log and the
change approvals renders for every role in both languages; every POST route of the three
areas is refused to the roles that may not use it and to a forged post without a CSRF
token. The route tables are checked against the app's URL map, so a new route must be
classified here."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from agent.simroom import load_demo_room
from core.types import Role
from demo.records import seed_records
from inventory.ledger import seed_room
from store.models import AuditEntry, Device, Rack
from store.models_access import AccessEntry, WorkApplication
from store.models_changes import ChangeRequest
from store.models_ledger import Loan, StockTake
from tests.web.conftest import NOW, PASSWORD, form_token

ALL = frozenset(Role)
ACTORS = frozenset({Role.DUTY, Role.SUPERVISOR, Role.ADMIN})
HEADS = frozenset({Role.SUPERVISOR, Role.ADMIN})
ADMINS = frozenset({Role.ADMIN})
AREAS = ("/ledger", "/access", "/changes")

# endpoint → (concrete path template, roles allowed)
POSTS: dict[str, tuple[str, frozenset[Role]]] = {
    "ledger.create": ("/ledger/asset/new", HEADS),
    "ledger.save": ("/ledger/asset/{device}/edit", HEADS),
    "ledger.credentials": ("/ledger/asset/{device}/credentials", HEADS),
    "ledger.import_preview": ("/ledger/import/preview", HEADS),
    "ledger.import_apply": ("/ledger/import/apply", HEADS),
    "ledger.place_save": ("/ledger/places/site", HEADS),
    "ledger.lend": ("/ledger/loans/lend", ACTORS),
    "ledger.give_back": ("/ledger/loans/{loan}/return", ACTORS),
    "ledger.stocktake_start": ("/ledger/stocktake/start", ACTORS),
    "ledger.stocktake_action": ("/ledger/stocktake/{stocktake}/scan", ACTORS),
    "access.create": ("/access/new", ACTORS),
    "access.approve": ("/access/{entry}/approve", HEADS),
    "access.reject": ("/access/{entry}/reject", HEADS),
    "access.enter": ("/access/{entry}/enter", ACTORS),
    "access.leave": ("/access/{entry}/leave", ACTORS),
    "access.add_item": ("/access/{entry}/items", ACTORS),
    "access.works_create": ("/access/works", ACTORS),
    "access.works_approve": ("/access/works/{work}/approve", HEADS),
    "access.works_reject": ("/access/works/{work}/reject", HEADS),
    "access.works_signoff": ("/access/works/{work}/signoff", ACTORS),
    "access.staff_add": ("/access/staff", ADMINS),
    "access.staff_remove": ("/access/staff/999999/remove", ADMINS),
    "changes.create": ("/changes/new", ACTORS),
    "changes.update": ("/changes/{change}/edit", ACTORS),
    "changes.act": ("/changes/{change}/submit", ACTORS),
    "changes.decide": ("/changes/{change}/approve", HEADS),
    "changes.announce": ("/changes/{change}/announce", ACTORS),
    "changes.close": ("/changes/{change}/close", ACTORS),
}
# pages: endpoint → (path template, roles that may open it)
GETS: dict[str, tuple[str, frozenset[Role]]] = {
    "ledger.index": ("/ledger/?warranty=any", ALL),
    "ledger.asset": ("/ledger/asset/{device}", ALL),
    "ledger.new": ("/ledger/asset/new", HEADS),
    "ledger.edit": ("/ledger/asset/{device}/edit", HEADS),
    "ledger.rack": ("/ledger/rack/{rack}", ALL),
    "ledger.loan_list": ("/ledger/loans", ALL),
    "ledger.stocktakes": ("/ledger/stocktake", ALL),
    "ledger.stocktake": ("/ledger/stocktake/{stocktake}", ALL),
    "ledger.place_list": ("/ledger/places", ALL),
    "ledger.import_form": ("/ledger/import", HEADS),
    "ledger.export": ("/ledger/export.csv", ALL),
    "access.index": ("/access/", ALL),
    "access.new": ("/access/new", ACTORS),
    "access.detail": ("/access/{entry}", ALL),
    "access.works_index": ("/access/works", ALL),
    "access.history": ("/access/history?q=李", ALL),
    "access.register_print": ("/access/print", ALL),
    "access.staff_list": ("/access/staff", ADMINS),
    "changes.index": ("/changes/", ALL),
    "changes.new": ("/changes/new", ACTORS),
    "changes.detail": ("/changes/{change}", ALL),
    # only the requester edits a draft: the demo's change is nobody's here
    "changes.edit": ("/changes/{change}/edit", frozenset()),
    "changes.calendar_page": ("/changes/calendar", ALL),
}
# a message id shown instead of its text (missing from the catalogs)
_RAW_ID = re.compile(r"\b(?:ledger|access|changes)\.[a-z_]+\.[a-z_.]+\b")
_TAG = re.compile(r"<[^>]+>")


@pytest.fixture
def ids(sessions: sessionmaker[Session]) -> dict[str, int]:
    """The demo room and every area's demo data (demo/records.py), as `make run` has it."""
    with sessions() as s, s.begin():
        seed_room(s, load_demo_room(), 16100)
    done = seed_records(sessions, NOW)
    assert "inventory.demo" in done
    with sessions() as s:
        key = s.scalar(select(Device.id).where(Device.asset_tag == "KEY-001"))
        out = {
            "device": s.scalar(select(Device.id).where(Device.kind != "asset").limit(1)),
            "key": key,
            "rack": s.scalar(select(Rack.id).limit(1)),
            "loan": s.scalar(select(Loan.id).where(Loan.returned_at.is_(None)).limit(1)),
            "stocktake": s.scalar(select(StockTake.id).limit(1)),
            "entry": s.scalar(select(AccessEntry.id).limit(1)),
            "work": s.scalar(select(WorkApplication.id).limit(1)),
            "change": s.scalar(select(ChangeRequest.id).order_by(ChangeRequest.id).limit(1)),
        }
    missing = [k for k, v in out.items() if v is None]
    assert not missing, f"the demo has no {missing}"
    return {k: int(v) for k, v in out.items() if v is not None}


def _routes(app: Flask, method: str) -> set[str]:
    return {r.endpoint for r in app.url_map.iter_rules()
            if method in (r.methods or ()) and r.rule.startswith(AREAS)}  # fmt: skip


def test_every_route_of_the_three_areas_is_classified(app: Flask) -> None:
    assert _routes(app, "POST") == set(POSTS)
    assert _routes(app, "GET") == set(GETS)


def _audits(sessions: sessionmaker[Session]) -> int:
    with sessions() as s:
        return int(s.scalar(select(func.count()).select_from(AuditEntry)) or 0)


@pytest.mark.parametrize("role", list(Role), ids=[r.value for r in Role])
def test_pages_render_for_every_role_in_both_languages(
    client: FlaskClient, logged_in: Callable[[Role], str], ids: dict[str, int], role: Role
) -> None:
    logged_in(role)
    for lang in ("zh_CN", "en"):
        token = form_token(client, "/ledger/")
        client.post("/language", data={"lang": lang, "csrf_token": token})
        for endpoint, (template, allowed) in GETS.items():
            path = template.format(**ids)
            r = client.get(path)
            if role not in allowed:
                assert r.status_code == 403, (lang, path, r.status_code)
                continue
            assert r.status_code == 200, (lang, path, r.status_code)
            if endpoint == "ledger.export":
                continue
            text = _TAG.sub(" ", r.get_data(as_text=True))
            assert not _RAW_ID.findall(text), (lang, path, _RAW_ID.findall(text)[:5])
        overview = client.get("/ledger/").get_data(as_text=True)
        assert f'lang="{lang.replace("_", "-")}"' in overview
        # the demo's key and tools are in the ledger, next to the polled devices
        assert "key-room-door" in overview and "tool-multimeter" in overview
        # warranty: one demo device expired, one expiring soon
        flagged = client.get("/ledger/?warranty=any").get_data(as_text=True)
        assert "ups-1" in flagged and "pdu-1" in flagged and "switch-1" not in flagged
        loans_page = client.get("/ledger/loans").get_data(as_text=True)
        assert "王强" in loans_page  # the overdue key


@pytest.mark.parametrize("role", list(Role), ids=[r.value for r in Role])
def test_every_post_route_checks_the_role(
    client: FlaskClient, logged_in: Callable[[Role], str], ids: dict[str, int],
    sessions: sessionmaker[Session], role: Role,
) -> None:  # fmt: skip
    logged_in(role)
    token = form_token(client, "/ledger/")
    for endpoint, (template, allowed) in POSTS.items():
        path = template.format(**ids)
        before = _audits(sessions)
        with sessions() as s:
            before_id = s.scalar(select(func.max(AuditEntry.id))) or 0
        r = client.post(path, data={"csrf_token": token, "password": PASSWORD, "tag": "X-1"})
        if role in allowed:
            # allowed: it may still be refused for its content (400/409), never as a role
            assert r.status_code not in (403, 500), (endpoint, r.status_code)
            # what it did is audited with who and from where
            with sessions() as s:
                new = list(s.scalars(select(AuditEntry).where(AuditEntry.id > before_id)))
            assert all(a.actor == role.value and a.address == "127.0.0.1" for a in new), [
                (endpoint, a.action, a.actor, a.address) for a in new
            ]
        else:
            assert r.status_code == 403, (endpoint, r.status_code)
            assert _audits(sessions) == before, endpoint


def test_forged_posts_without_a_token_are_refused(
    client: FlaskClient, logged_in: Callable[[Role], str], ids: dict[str, int],
    sessions: sessionmaker[Session],
) -> None:  # fmt: skip
    logged_in(Role.ADMIN)
    before = _audits(sessions)
    for endpoint, (template, _allowed) in POSTS.items():
        path = template.format(**ids)
        r = client.post(path, data={"password": PASSWORD, "tag": "X-1", "name": "forged"})
        assert r.status_code == 400, (endpoint, r.status_code)
        bad = client.post(path, data={"csrf_token": "forged", "name": "forged"})
        assert bad.status_code == 400, (endpoint, bad.status_code)
    assert _audits(sessions) == before


def test_actions_that_succeed_are_audited_with_who_and_where(
    client: FlaskClient, logged_in: Callable[[Role], str], ids: dict[str, int],
    sessions: sessionmaker[Session],
) -> None:  # fmt: skip
    """A supervisor's day through the three areas: each action one audit entry or more,
    all with the user and the address the request came from."""
    from records.access.forms import local_day, local_input

    logged_in(Role.SUPERVISOR)
    token = form_token(client, "/ledger/")
    with sessions() as s:
        before_id = s.scalar(select(func.max(AuditEntry.id))) or 0
        room = s.scalar(select(Rack.room_id).where(Rack.id == ids["rack"]))
        rack_key = s.scalar(select(Device.id).where(Device.asset_tag == "KEY-002"))
    today = local_day(NOW)
    steps = [
        ("/ledger/places/site", {"name": "园区B", "title": "二号楼"}),
        ("/ledger/stocktake/start", {"room_id": str(room)}),
        ("/ledger/loans/lend", {"device_id": str(rack_key), "borrower": "李四",
                                "due_at": (today.replace(year=today.year + 1)).isoformat()}),
        ("/access/new", {"room": str(room), "kind": "visit", "person": "赵六",
                         "organisation": "某厂商", "id_number": "110101199001011234",
                         "purpose": "参观", "escort": "张三",
                         "planned_out": local_input(NOW + timedelta(hours=2))}),
        ("/access/works", {"room": str(room), "company": "华信机电", "content": "布线",
                           "people": "王强", "start_date": today.isoformat(),
                           "end_date": today.isoformat()}),
    ]  # fmt: skip
    for path, data in steps:
        r = client.post(path, data={**data, "csrf_token": token})
        assert r.status_code == 302, (path, r.status_code, r.get_data(as_text=True)[:300])
    with sessions() as s:
        new = list(s.scalars(select(AuditEntry).where(AuditEntry.id > before_id)))
    actions = {a.action for a in new}
    assert {"ledger.site", "ledger.stocktake_start", "ledger.lend", "access.register",
            "access.work.request"} <= actions, actions  # fmt: skip
    assert {(a.actor, a.address) for a in new} == {("supervisor", "127.0.0.1")}
