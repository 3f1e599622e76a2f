"""Ledger services on both backends: encryption at rest, inherited credentials, edits with
history, loans and their carry-over, stock-takes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from inventory import assets, loans, stocktake, vault
from inventory.errors import LedgerError
from inventory.ledger import enabled_targets
from inventory.loans_carryover import carry_over
from records.carryover import SOURCES
from store.models import AuditEntry, Device, Room
from store.models_ledger import CredentialProfile, StockTakeItem
from tests.integration.inventory.conftest import NOW


def _raw(sessions: sessionmaker[Session], sql: str) -> list[str]:
    with sessions() as s:
        return [str(v) for (v,) in s.execute(text(sql))]


def test_secrets_are_encrypted_at_rest_and_decrypted_for_the_agents(sessions, place, key):
    with sessions() as s, s.begin():
        sw = s.get(Device, place["sw"])
        assert sw is not None
        sw.community, sw.snmp_auth_key = "c0mmunity-X", "auth-key-Y"
    stored = " ".join(_raw(sessions, "SELECT community || snmp_auth_key FROM devices"))
    assert "c0mmunity-X" not in stored and "auth-key-Y" not in stored and "enc1:" in stored
    with sessions() as s:
        (target,) = enabled_targets(s)  # the key (kind asset) is not polled
        assert (target.device, target.credentials.community) == ("sw-1", "c0mmunity-X")
        assert target.credentials.auth_key == "auth-key-Y"
    # another key cannot read them: the agent gets nothing rather than ciphertext
    vault.uninstall()
    vault.install("another-secret")
    with sessions() as s:
        assert enabled_targets(s)[0].credentials.community == ""


def test_values_sealed_under_an_earlier_key_still_open(sessions, place, key):
    with sessions() as s, s.begin():
        sw = s.get(Device, place["sw"])
        assert sw is not None
        sw.community = "first"
    vault.install("second-secret")  # e.g. a second app in the same process
    with sessions() as s:
        assert enabled_targets(s)[0].credentials.community == "first"


def test_legacy_plaintext_rows_still_work_and_are_sealed_on_write(sessions, place, key):
    with sessions() as s, s.begin():
        s.execute(text(f"UPDATE devices SET community = 'legacy-public' WHERE id = {place['sw']}"))
    with sessions() as s:
        assert enabled_targets(s)[0].credentials.community == "legacy-public"
    with sessions() as s, s.begin():
        sw = s.get(Device, place["sw"])
        assert sw is not None
        assets.set_credentials(s, sw, {"community": "legacy-public"}, actor="a", now=NOW)
    assert all("legacy-public" not in v for v in _raw(sessions, "SELECT community FROM devices"))


def test_room_profile_is_inherited_and_encrypted(sessions, place, key):
    with sessions() as s, s.begin():
        profile = CredentialProfile(name="a101-v2", snmp_version="2c", community="room-secret",
                                    snmp_user="", snmp_auth_protocol="", snmp_auth_key="",
                                    snmp_priv_protocol="", snmp_priv_key="")  # fmt: skip
        s.add(profile)
        s.flush()
        room = s.get(Room, place["room"])
        assert room is not None
        room.credential_profile_id = profile.id
        sw = s.get(Device, place["sw"])
        assert sw is not None
        sw.credential_source = "inherit"
    assert "room-secret" not in " ".join(
        _raw(sessions, "SELECT community FROM credential_profiles")
    )
    with sessions() as s:
        assert enabled_targets(s)[0].credentials.community == "room-secret"


def test_edit_keeps_history_and_refuses_overlap_and_cycles(sessions, place, key):
    with sessions() as s, s.begin():
        ups = assets.save(s, None, {"name": "ups-1", "kind": "asset", "room_id": place["room"],
                                    "rack_id": place["rack"], "position_u": 1, "u_height": 3},
                          actor="sup", now=NOW)  # fmt: skip
        ups_id = ups.id
        assets.save(s, place["sw"], {"power_parent_id": ups_id, "owner": "李四"}, actor="sup",
                    now=NOW)  # fmt: skip
    with sessions() as s, pytest.raises(LedgerError) as exc:
        assets.save(s, ups_id, {"power_parent_id": place["sw"]}, actor="sup", now=NOW)
    assert (exc.value.msgid, exc.value.field) == ("ledger.error.parent_cycle", "power_parent_id")
    with sessions() as s, pytest.raises(LedgerError) as exc:
        assets.save(s, ups_id, {"position_u": 39}, actor="sup", now=NOW)
    assert exc.value.msgid == "ledger.error.u_overlap" and exc.value.params["other"] == "sw-1"
    with sessions() as s, pytest.raises(LedgerError) as exc:
        assets.save(s, ups_id, {"rack_id": place["rack"], "room_id": place["room_b"]},
                    actor="sup", now=NOW)  # fmt: skip
    assert exc.value.msgid == "ledger.error.rack_not_in_room"
    with sessions() as s:
        history = assets.history(s, place["sw"])
        assert [e.action for e in history] == ["ledger.update"]
        assert ("owner", "", "李四") in assets.changes(history[0])
        assert history[0].actor == "sup"


def test_loans_overdue_carry_over_and_damage(sessions, place):
    assert SOURCES["loan"].startswith("inventory.loans_carryover")
    with sessions() as s, s.begin():
        loan = loans.lend(s, place["key"], "王五", NOW + timedelta(hours=2), purpose="开机房门",
                          actor="duty", now=NOW,
                          approval=loans.KeyApproval("boss", NOW))  # fmt: skip
        loan_id = loan.id
    with sessions() as s, pytest.raises(LedgerError) as exc:
        loans.lend(s, place["key"], "赵六", NOW + timedelta(hours=2), actor="duty", now=NOW)
    assert exc.value.msgid == "ledger.error.already_lent"
    with sessions() as s:
        (early,) = carry_over(s, NOW + timedelta(hours=1))
        (late,) = carry_over(s, NOW + timedelta(hours=3))
    assert early.source == "loan" and early.ref == f"loan:{loan_id}"
    assert "王五" in early.summary and "逾期" not in early.summary
    assert "逾期" in late.summary and late.url.startswith("/ledger/loans")
    with sessions() as s, s.begin(), pytest.raises(LedgerError):
        loans.give_back(s, loan_id, "lost", actor="duty", now=NOW)  # a note is required
    with sessions() as s, s.begin():
        loans.give_back(s, loan_id, "lost", note="找不到了", actor="duty2", now=NOW)
    with sessions() as s:
        assert carry_over(s, NOW) == []
        d = s.get(Device, place["key"])
        assert d is not None and d.status == "retired"
        actions = [a.action for a in s.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert actions == ["ledger.lend", "ledger.report_lost"]


def test_stocktake_records_and_resolves_discrepancies(sessions, place):
    with sessions() as s, s.begin():
        other = Device(name="far", kind="asset", asset_tag="T-FAR", room_id=place["room_b"],
                       community="")  # fmt: skip
        s.add(other)
        st = stocktake.start(s, place["room"], actor="duty", now=NOW)
        st_id = st.id
        assert {i.asset_tag for i, _d in stocktake.items(s, st_id)} == {"T-SW", "K-1"}
        stocktake.scan(s, st_id, "T-SW", actor="duty", now=NOW)
        stocktake.scan(s, st_id, "T-FAR", actor="duty", now=NOW)
        stocktake.scan(s, st_id, "T-???", actor="duty", now=NOW)
        assert stocktake.close(s, st_id, actor="duty", now=NOW) == 3
    with sessions() as s:
        states = {(i.asset_tag, i.state) for i, _d in stocktake.items(s, st_id)}
    assert states == {("T-SW", "confirmed"), ("K-1", "missing"), ("T-FAR", "wrong_place"),
                      ("T-???", "unknown_tag")}  # fmt: skip
    with sessions() as s, s.begin(), pytest.raises(LedgerError) as exc:
        stocktake.scan(s, st_id, "T-SW", actor="duty", now=NOW)
    assert exc.value.msgid == "ledger.error.stocktake_closed"
    with sessions() as s, s.begin():
        missing = s.scalar(select(StockTakeItem).where(StockTakeItem.asset_tag == "K-1"))
        assert missing is not None
        stocktake.resolve(s, missing.id, "钥匙在值班室", actor="sup", now=NOW)
    with sessions() as s:
        item = s.scalar(select(StockTakeItem).where(StockTakeItem.asset_tag == "K-1"))
        assert item is not None and item.resolved_by == "sup"
