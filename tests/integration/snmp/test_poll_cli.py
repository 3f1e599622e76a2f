"""``roomwatch poll`` against snmpsim recordings and a real net-snmp agent over SNMPv3."""

from __future__ import annotations

import json

import pytest

from agent.simroom import SimRoom
from core.cli import main
from tests.fixtures.snmpd import AUTH_KEY, PRIV_KEY, Snmpd

pytestmark = pytest.mark.snmp


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["poll", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_table_of_a_ups(sim_room: SimRoom, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, f"127.0.0.1:{sim_room.port}", "--community", "ups-1")
    assert code == 0, err
    assert "profile ups-mib" in out.splitlines()[0]
    line = next(x for x in out.splitlines() if x.startswith("ups_battery_charge_percent "))
    metric, instance, value, unit = line.split()  # the charge wanders: other tests move it
    assert (metric, instance, unit) == ("ups_battery_charge_percent", "-", "%")
    assert 0 <= float(value) <= 100


def test_json_of_a_switch(sim_room: SimRoom, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, f"127.0.0.1:{sim_room.port}", "--community", "switch-1", "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["device"] == f"127.0.0.1:{sim_room.port}"
    oper = [r for r in doc["readings"] if r["metric"] == "if_oper_status"]
    assert len(oper) == 24
    assert {"metric", "instance", "value", "unit", "text"} == set(oper[0])
    names = {r["instance"] for r in oper}
    assert "GigabitEthernet1/0/24" in names


def test_named_profile(sim_room: SimRoom, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(
        capsys, f"127.0.0.1:{sim_room.port}", "--community", "ups-1", "--profile", "system",
        "--json",
    )  # fmt: skip
    assert code == 0, err
    assert json.loads(out)["profile"] == "system"


def test_snmpv3_auth_priv(snmpd: Snmpd, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(
        capsys, f"127.0.0.1:{snmpd.port}", "--snmp-version", "3", "--user", "privsha256aes256",
        "--auth-protocol", "SHA256", "--auth-key", AUTH_KEY, "--priv-protocol", "AES256",
        "--priv-key", PRIV_KEY, "--json",
    )  # fmt: skip
    assert code == 0, err
    readings = {r["metric"]: r for r in json.loads(out)["readings"]}
    assert readings["sys_name"]["text"] == "roomwatch-snmpd"


@pytest.mark.parametrize(
    ("argv", "kind"),
    [
        (["--snmp-version", "3", "--user", "authsha", "--auth-key", "wrong-key-1"], "auth_failure"),
        (["--snmp-version", "3", "--user", "ghost", "--auth-key", AUTH_KEY], "unknown_user"),
        (["--community", "wrong", "--timeout", "0.3", "--retries", "0"], "timeout"),
    ],
    ids=["wrong-auth-key", "unknown-user", "wrong-community"],
)
def test_failures_are_one_line_and_exit_non_zero(
    snmpd: Snmpd, capsys: pytest.CaptureFixture[str], argv: list[str], kind: str
) -> None:
    code, out, err = _run(capsys, f"127.0.0.1:{snmpd.port}", *argv)
    assert code != 0 and out == ""
    assert err.count("\n") == 1 and err.startswith("roomwatch: error: ")
    assert f" {kind}: " in err


@pytest.mark.parametrize(
    ("argv", "match"),
    [
        (["127.0.0.1:99999"], "bad port"),
        (["127.0.0.1", "--user", "u"], "add --snmp-version 3"),
        (["127.0.0.1", "--snmp-version", "3"], "needs --user"),
        (["127.0.0.1", "--profile", "no-such"], "unknown profile"),
        (["127.0.0.1", "--snmp-version", "3", "--user", "u", "--auth-key", "12345678",
          "--auth-protocol", "SHA3"], "unknown auth protocol"),
    ],
    ids=["port", "v3-option-on-v2c", "v3-without-user", "profile", "auth-protocol"],
)  # fmt: skip
def test_bad_options(capsys: pytest.CaptureFixture[str], argv: list[str], match: str) -> None:
    code, out, err = _run(capsys, *argv)
    assert code == 2 and out == ""
    assert match in err and err.count("\n") == 1
