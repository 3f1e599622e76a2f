"""The discovery import pages: upload (file or paste) → preview → add selected; duplicates
with the ledger detected; one transaction; the community never audited in clear; roles,
CSRF and bad files."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from collector.discovery import Candidate, to_csv, to_yaml
from core.types import Role
from store.models import AuditEntry, Device, Rack, Room
from tests.web.conftest import form_token

Factory = sessionmaker[Session]
COMMUNITY = "s3cretCommunityRO"


def cand(name: str, address: str, port: int = 161) -> Candidate:
    return Candidate(name=name, address=address, port=port, version="2c", community=COMMUNITY,
                     profile="ups-rfc1628", vendor="APC", model="SU3000", serial="AS1",
                     sys_object_id="1.3.6.1.4.1.318", sys_descr="APC")  # fmt: skip


FOUND = [cand("ups-9", "10.1.2.5"), cand("温湿度-1", "10.1.2.6", 1161), cand("sw-9", "10.1.2.7")]
_HIDDEN = re.compile(r'name="text" value="([^"]*)"', re.S)


def upload(client: FlaskClient, data: bytes, filename: str = "found.csv") -> object:
    return client.post(
        "/discovery/preview",
        data={"csrf_token": form_token(client, "/discovery/"),
              "file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )  # fmt: skip


def carried_text(html: str) -> str:
    import html as h

    match = _HIDDEN.search(html)
    assert match, "the preview carries the file in a hidden field"
    return h.unescape(match.group(1))


def devices(sessions: Factory) -> dict[str, Device]:
    with sessions() as s:
        return {d.name: d for d in s.scalars(select(Device))}


@pytest.fixture
def place(sessions: Factory) -> tuple[int, int]:
    with sessions() as s, s.begin():
        room = Room(name="B201", title_zh="二号机房", title_en="Room Two")
        rack = Rack(name="B01", room=room)
        s.add_all([room, rack])
        s.flush()
        return room.id, rack.id


@pytest.mark.parametrize("role", [Role.ADMIN, Role.SUPERVISOR])
def test_upload_preview_add(
    client: FlaskClient, logged_in: Callable[[Role], str], sessions: Factory,
    place: tuple[int, int], role: Role,
) -> None:  # fmt: skip
    user = logged_in(role)
    page = client.get("/discovery/").get_data(as_text=True)
    assert "roomwatch discover 10.1.2.0/24 --output found.csv" in page
    r = upload(client, to_csv(FOUND).encode("gbk"))
    assert r.status_code == 200  # type: ignore[attr-defined]
    html = r.get_data(as_text=True)  # type: ignore[attr-defined]
    assert html.count('type="checkbox" name="row"') == 3
    assert COMMUNITY not in html.replace(carried_text(html), "")  # shown masked only
    text = carried_text(html)
    r = client.post("/discovery/add", data={
        "csrf_token": form_token(client, "/discovery/"), "text": text, "kind": "csv",
        "row": ["2", "3"], "rack": str(place[1])})  # fmt: skip
    assert r.status_code == 302  # type: ignore[attr-defined]
    found = devices(sessions)
    assert set(found) == {"ups-9", "温湿度-1"}
    d = found["温湿度-1"]
    assert (d.kind, d.address, d.port, d.snmp_version, d.community) == (
        "snmp", "10.1.2.6", 1161, "2c", COMMUNITY)  # fmt: skip
    assert (d.profile, d.vendor, d.model, d.room_id, d.rack_id) == (
        "ups-rfc1628", "APC", "SU3000", place[0], place[1])  # fmt: skip
    with sessions() as s:
        entries = list(s.scalars(select(AuditEntry).where(
            AuditEntry.action == "device.discovered_added")))  # fmt: skip
    assert sorted(e.object_id for e in entries) == ["ups-9", "温湿度-1"]
    assert all(e.actor == user and e.address for e in entries)
    assert all(COMMUNITY not in str(e.after) for e in entries)
    assert entries[0].after and entries[0].after["community"] == "******"


def test_duplicates_with_the_ledger(
    client: FlaskClient, logged_in: Callable[[Role], str], sessions: Factory
) -> None:
    logged_in(Role.ADMIN)
    with sessions() as s, s.begin():
        s.add(Device(name="ups-old", address="10.1.2.5", port=161, community="x", vendor="APC"))
        s.add(Device(name="sw-9", address="10.9.9.9", port=161))
    text = to_yaml(FOUND)
    r = client.post("/discovery/preview", data={
        "csrf_token": form_token(client, "/discovery/"), "text": text})  # fmt: skip
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert html.count('type="checkbox" name="row"') == 1  # only 温湿度-1 is new
    assert "ups-old" in html and "10.9.9.9 → 10.1.2.7" in html
    # a row already in the ledger cannot be added: nothing is written, not even the new one
    r = client.post("/discovery/add", data={
        "csrf_token": form_token(client, "/discovery/"), "text": text, "kind": "yaml",
        "row": ["1", "2"]})  # fmt: skip
    assert r.status_code == 400
    assert set(devices(sessions)) == {"ups-old", "sw-9"}


def test_all_or_nothing_on_a_bad_place(
    client: FlaskClient, logged_in: Callable[[Role], str], sessions: Factory,
    place: tuple[int, int],
) -> None:  # fmt: skip
    logged_in(Role.ADMIN)
    r = client.post("/discovery/add", data={
        "csrf_token": form_token(client, "/discovery/"), "text": to_csv(FOUND), "kind": "csv",
        "row": ["2", "3", "4"], "room": str(place[0] + 100), "rack": str(place[1])})  # fmt: skip
    assert r.status_code == 400
    assert devices(sessions) == {}


def test_invalid_rows_are_listed_with_the_reason(
    client: FlaskClient, logged_in: Callable[[Role], str]
) -> None:
    logged_in(Role.ADMIN)
    text = to_csv(FOUND[:1]) + "bad,10.1.2.500,161,2c,pub,,,,\n"
    r = client.post("/discovery/preview", data={
        "csrf_token": form_token(client, "/discovery/"), "text": text})  # fmt: skip
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and 'id="row-3"' in html
    assert "address 列:不是有效的 IP 地址" in html


@pytest.mark.parametrize(
    ("data", "message"),
    [(b"name,address\n", "CSV 缺少列 port, community"), (b"", "文件为空"),
     (b"devices: [\n", "不是有效的 YAML")],
    ids=["columns", "empty", "yaml"],
)  # fmt: skip
def test_bad_file_message(
    client: FlaskClient, logged_in: Callable[[Role], str], data: bytes, message: str
) -> None:
    logged_in(Role.ADMIN)
    r = upload(client, data, "found.yaml" if b"devices" in data else "found.csv")
    assert r.status_code == 400  # type: ignore[attr-defined]
    assert message in r.get_data(as_text=True)  # type: ignore[attr-defined]


@pytest.mark.parametrize("role", [Role.DUTY, Role.READONLY])
def test_other_roles_get_403(
    client: FlaskClient, logged_in: Callable[[Role], str], sessions: Factory, role: Role
) -> None:
    logged_in(role)
    assert client.get("/discovery/").status_code == 403
    assert "/discovery/" not in client.get("/").get_data(as_text=True)  # no nav link
    token = form_token(client, "/")
    r = client.post("/discovery/add", data={"csrf_token": token, "text": to_csv(FOUND),
                                             "kind": "csv", "row": ["2"]})  # fmt: skip
    assert r.status_code == 403
    assert devices(sessions) == {}


def test_forged_post_is_refused(
    client: FlaskClient, logged_in: Callable[[Role], str], sessions: Factory
) -> None:
    logged_in(Role.ADMIN)
    for path in ("/discovery/preview", "/discovery/add"):
        r = client.post(path, data={"text": to_csv(FOUND), "kind": "csv", "row": ["2"],
                                    "csrf_token": "forged"})  # fmt: skip
        assert r.status_code == 400
    assert devices(sessions) == {}
