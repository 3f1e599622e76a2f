"""``roomwatch discover`` against snmpsim on several loopback addresses (127.0.0.0/24 only).

One snmpsim process per address (each serving one recording as community ``public``), all
on the same UDP port, like a row of real devices; the rest of the /24 stays silent.
"""

from __future__ import annotations

import asyncio
import csv
import ipaddress
import json
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from agent.discover_cli import discover
from agent.discovery import probe, sweep
from agent.simroom import _builtin_variation_dir, _die_with_parent, _responder, devices_dir
from collector.discovery import parse_range
from collector.profiles import load_profiles
from core.cli import cli, main
from core.types import SnmpCredentials

pytestmark = pytest.mark.snmp
DEVICES = {"127.0.0.2": "huawei-sw-1", "127.0.0.3": "apc-ups-2", "127.0.0.4": "env-2"}
LOOPBACK = ipaddress.IPv4Network("127.0.0.0/24")


def loopback_only(text: str) -> str:
    """Tests never sweep anything but loopback."""
    outside = [a for a in parse_range(text) if ipaddress.IPv4Address(a) not in LOOPBACK]
    assert not outside, f"tests sweep 127.0.0.0/24 only, not {text}"
    return text


def common_free_port() -> int:
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.bind(("127.0.0.2", 0))
            port = int(s.getsockname()[1])
        try:
            for host in DEVICES:
                with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as t:
                    t.bind((host, port))
        except OSError:
            continue
        return port
    raise RuntimeError("no UDP port free on every test address")


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    base = tmp_path_factory.mktemp("fleet")
    port = common_free_port()
    procs: list[subprocess.Popen[bytes]] = []
    env = {**os.environ, "SNMPSIM_ALLOW_ROOT": "true"}
    for host, recording in DEVICES.items():
        data = base / host / "data"
        data.mkdir(parents=True)
        shutil.copy(devices_dir() / "recordings" / f"{recording}.snmprec", data / "public.snmprec")
        (base / host / "cache").mkdir()
        procs.append(subprocess.Popen(
            [str(_responder()), f"--data-dir={data}", f"--agent-udpv4-endpoint={host}:{port}",
             f"--cache-dir={base / host / 'cache'}",
             f"--variation-modules-dir={devices_dir() / 'variation'}",
             f"--variation-modules-dir={_builtin_variation_dir()}", "--log-level=error"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            env={**env, "HOME": str(base / host)}, cwd=base / host, preexec_fn=_die_with_parent,
        ))  # fmt: skip
    try:
        creds = [SnmpCredentials("2c", "public")]
        deadline = time.monotonic() + 20
        for host in DEVICES:
            while asyncio.run(probe(host, port, creds, {}, timeout=0.3)) is None:
                assert time.monotonic() < deadline, f"snmpsim on {host} did not answer"
                assert all(p.poll() is None for p in procs), "snmpsim exited"
        yield port
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=10)


def test_sweep_finds_and_identifies_each_device(fleet: int) -> None:
    seen: list[int] = []
    addresses = [str(h) for h in ipaddress.IPv4Network(loopback_only("127.0.0.0/24")).hosts()]
    started = time.monotonic()
    found = asyncio.run(
        sweep(
            addresses, fleet, [SnmpCredentials("2c", "wrong"), SnmpCredentials("2c", "public")],
            load_profiles(), concurrency=128, timeout=0.3,
            progress=lambda p: seen.append(p.done),
        )
    )  # fmt: skip
    took = time.monotonic() - started
    assert [c.address for c in found] == list(DEVICES)
    by_address = {c.address: c for c in found}
    hw = by_address["127.0.0.2"]
    assert (hw.name, hw.profile, hw.vendor, hw.serial, hw.community) == (
        "huawei-sw-1", "huawei-switch", "Huawei", "2102351HLL10K3000123", "public"
    )  # fmt: skip
    assert by_address["127.0.0.3"].profile == "apc-ups"
    assert by_address["127.0.0.3"].serial == "AS1234567890"
    assert by_address["127.0.0.4"].profile == "env-sensor"
    assert sorted(seen) == list(range(1, 255))  # one progress report per address
    assert took < 20, took


def test_discover_command_json_and_ledger_snippet(fleet: int, tmp_path: Path) -> None:
    out_csv = tmp_path / "candidates.csv"
    result = CliRunner().invoke(
        cli,
        ["discover", loopback_only("127.0.0.1-127.0.0.6"), "--port", str(fleet), "--community",
         "public", "--timeout", "0.3", "--json", "--output", str(out_csv)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [c["address"] for c in data] == list(DEVICES)
    assert {"sys_object_id", "sys_descr", "serial", "profile"} <= set(data[0])
    rows = list(csv.DictReader(out_csv.open(encoding="utf-8")))
    assert [r["name"] for r in rows] == ["huawei-sw-1", "apc-ups-2", "env-2"]
    assert rows[1]["port"] == str(fleet) and rows[1]["model"] == "Smart-UPS 3000"
    assert "found 3" in result.stderr


def test_discover_yaml_and_table(fleet: int, tmp_path: Path) -> None:
    out = tmp_path / "candidates.yaml"
    result = CliRunner().invoke(
        discover,
        [loopback_only("127.0.0.2-3"), "--port", str(fleet), "--timeout", "0.3", "--output",
         str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "huawei-switch" in result.stdout and "apc-ups" in result.stdout
    assert [d["name"] for d in yaml.safe_load(out.read_text())["devices"]] == [
        "huawei-sw-1", "apc-ups-2"
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["10.0.0.0/16"], "at most 4096"),
        (["nonsense"], "write a CIDR"),
        (["127.0.0.2", "--output", "x.txt"], "use a .csv or .yaml"),
    ],
    ids=["too-big", "garbage", "bad-output"],
)
def test_bad_input_is_one_line(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # refused before any packet is sent: the non-loopback range here is never swept
    assert main(["discover", *args]) == 2
    err = capsys.readouterr().err
    assert message in err and err.startswith("roomwatch: error: ")
    assert err.count("\n") == 1 and "Traceback" not in err


def test_silent_range_finds_nothing(fleet: int) -> None:
    result = CliRunner().invoke(
        discover, [loopback_only("127.0.0.10-12"), "--port", str(fleet), "--timeout", "0.2"]
    )
    assert result.exit_code == 0
    assert "no device answered" in result.stderr
