"""SNMP credentials end to end: entered on the pages (per device, and a profile a room's
devices inherit), encrypted in the database (a direct SELECT finds no plaintext), never
shown back (pages, export, history), and handed in full to the agents' /api/v1/targets."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from core.types import Role
from inventory import vault
from store.models import Device
from tests.web.conftest import form_token

DEVICE_SECRET = "dev1ce-C0mmunity"
AUTH_SECRET = "auth-Pa55phrase"
ROOM_SECRET = "r00m-C0mmunity"


def _raw(sessions: sessionmaker[Session], sql: str) -> str:
    with sessions() as s:
        return " ".join(str(v) for row in s.execute(text(sql)) for v in row)


def test_secrets_sealed_at_rest_masked_on_pages_and_real_for_agents(
    client: FlaskClient, logged_in, room, sessions, token: str
) -> None:
    logged_in(Role.ADMIN)
    with sessions() as s:
        srv = s.scalar(select(Device.id).where(Device.name == "srv-1"))
        sw = s.scalar(select(Device.id).where(Device.name == "sw-1"))
    csrf = form_token(client, f"/ledger/asset/{srv}")
    r = client.post(f"/ledger/asset/{srv}/credentials", data={
        "credential_source": "device", "snmp_version": "3", "snmp_user": "monitor",
        "snmp_auth_protocol": "SHA", "snmp_auth_key": AUTH_SECRET,
        "snmp_priv_protocol": "AES", "snmp_priv_key": "priv-Pa55phrase",
        "community": DEVICE_SECRET, "csrf_token": csrf,
    })  # fmt: skip
    assert r.status_code == 302
    # a profile on the room, inherited by sw-1
    r = client.post("/ledger/places/profile", data={
        "name": "a101-v2", "snmp_version": "2c", "community": ROOM_SECRET, "csrf_token": csrf,
    })  # fmt: skip
    assert r.status_code == 302
    with sessions() as s:
        from store.models_ledger import CredentialProfile

        pid = s.scalar(select(CredentialProfile.id).where(CredentialProfile.name == "a101-v2"))
    r = client.post("/ledger/places/room", data={
        "name": "A101", "title_zh": "一号机房", "credential_profile_id": pid, "csrf_token": csrf,
    })  # fmt: skip
    assert r.status_code == 302, r.get_data(as_text=True)[:400]
    r = client.post(f"/ledger/asset/{sw}/credentials",
                    data={"credential_source": "inherit", "snmp_version": "2c",
                          "credential_profile_id": "", "csrf_token": csrf})  # fmt: skip
    assert r.status_code == 302

    # at rest: no plaintext anywhere in the tables that hold or record them
    stored = " ".join([
        _raw(sessions, "SELECT community, snmp_auth_key, snmp_priv_key FROM devices"),
        _raw(sessions, "SELECT community, snmp_auth_key, snmp_priv_key FROM credential_profiles"),
        _raw(sessions, "SELECT before, after FROM audit_log"),
    ])  # fmt: skip
    for secret in (DEVICE_SECRET, AUTH_SECRET, "priv-Pa55phrase", ROOM_SECRET):
        assert secret not in stored
    assert "enc1:" in _raw(sessions, f"SELECT community FROM devices WHERE id = {srv}")

    # shown back: never in full (asset page with its history, places, list, exports)
    pages = (f"/ledger/asset/{srv}", f"/ledger/asset/{sw}", "/ledger/places", "/ledger/",
             "/ledger/export.csv", "/ledger/export.xlsx", f"/ledger/asset/{srv}/edit")  # fmt: skip
    for path in pages:
        body = client.get(path).get_data()
        for secret in (DEVICE_SECRET, AUTH_SECRET, "priv-Pa55phrase", ROOM_SECRET):
            assert secret.encode() not in body, (path, secret)

    # the agents get the real ones (sw-1 through the room's profile)
    resp = client.get("/api/v1/targets", headers={"Authorization": f"Bearer {token}"})
    targets = {t["device"]: t for t in resp.get_json()["targets"]}
    assert targets["srv-1"]["version"] == "3"
    assert AUTH_SECRET in resp.get_data(as_text=True)
    assert targets["sw-1"]["community"] == ROOM_SECRET

    # saving the form again with the secrets left blank keeps them (they are never prefilled)
    r = client.post(f"/ledger/asset/{srv}/credentials", data={
        "credential_source": "device", "snmp_version": "3", "snmp_user": "monitor",
        "snmp_auth_protocol": "SHA", "snmp_priv_protocol": "AES", "csrf_token": csrf,
    })  # fmt: skip
    assert r.status_code == 302
    resp = client.get("/api/v1/targets", headers={"Authorization": f"Bearer {token}"})
    assert AUTH_SECRET in resp.get_data(as_text=True)


def test_each_test_starts_without_a_key() -> None:
    """tests/conftest.py undoes what a test installs (an app installs its own key)."""
    assert not vault.installed()
    with vault.preserved():
        vault.install("inner")
        assert vault.installed()
    assert not vault.installed()


def test_a_key_installed_by_a_test_is_gone_for_the_next_one_a() -> None:
    vault.install("left-behind")


def test_a_key_installed_by_a_test_is_gone_for_the_next_one_b() -> None:
    assert not vault.installed()


def test_a_polled_device_needs_an_address(client: FlaskClient, logged_in, room, sessions) -> None:
    logged_in(Role.SUPERVISOR)
    token = form_token(client, "/ledger/asset/new")
    base = {"name": "sw-9", "kind": "snmp", "status": "in_use", "face": "front",
            "device_type": "switch", "csrf_token": token}  # fmt: skip
    r = client.post("/ledger/asset/new", data=base)
    assert r.status_code == 400 and 'id="err-address"' in r.get_data(as_text=True)
    r = client.post("/ledger/asset/new", data={**base, "address": "10.0.0.9"})
    assert r.status_code == 302
    with sessions() as s:
        d = s.scalar(select(Device).where(Device.name == "sw-9"))
        assert d is not None and d.address == "10.0.0.9"
