"""The trap receiver against net-snmp's real ``snmptrap`` / ``snmpinform`` on loopback."""

from __future__ import annotations

import asyncio
import shutil
import socket

import pytest

from agent.traps import TrapReceiver, TrapUser
from collector.traps import TrapEvent
from core.errors import ConfigError, PortInUseError
from core.types import Target
from tests.fixtures.aio import run_async

pytestmark = pytest.mark.skipif(shutil.which("snmptrap") is None, reason="net-snmp tools absent")

SENDER_ENGINE = "0x8000000001020304"
TARGETS = [
    Target("ups-1", "snmp", "127.0.0.3", 161),
    Target("switch-1", "snmp", "127.0.0.4", 161),
]
USERS = [
    TrapUser("trapper", "SHA", "authpass123", "AES", "privpass123", engine_id=SENDER_ENGINE),
    TrapUser("informer", "SHA256", "authpass456", "AES", "privpass456"),
]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Events:
    def __init__(self) -> None:
        self.items: list[TrapEvent] = []
        self.arrived = asyncio.Event()

    def __call__(self, event: TrapEvent) -> None:
        self.items.append(event)
        self.arrived.set()

    async def next(self, timeout: float = 10) -> TrapEvent:
        await asyncio.wait_for(self.arrived.wait(), timeout)
        self.arrived.clear()
        return self.items[-1]


async def send(*args: str) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    out, _ = await asyncio.wait_for(proc.communicate(), 20)
    return proc.returncode or 0, out.decode(errors="replace")


CASES = [
    (
        "v1-ups-on-battery",  # v1 enterprise 33.2, specific 1 -> 1.3.6.1.2.1.33.2.0.1
        ["snmptrap", "-v1", "-c", "public", "{dest}", "1.3.6.1.2.1.33.2", "127.0.0.3", "6",
         "1", "", "1.3.6.1.2.1.33.1.2.2.0", "i", "12"],
        "ups-1", "upsTrapOnBattery", "1.3.6.1.2.1.33.2.0.1", {"1.3.6.1.2.1.33.1.2.2.0": "12"},
    ),
    (
        "v2c-link-down",
        ["snmptrap", "-v2c", "-c", "public", "--clientaddr=127.0.0.4", "{dest}", "",
         "1.3.6.1.6.3.1.1.5.3", "1.3.6.1.2.1.2.2.1.1.24", "i", "24",
         "1.3.6.1.2.1.2.2.1.8.24", "i", "2"],
        "switch-1", "linkDown", "1.3.6.1.6.3.1.1.5.3", {"1.3.6.1.2.1.2.2.1.8.24": "2"},
    ),
    (
        "v3-authpriv-trap",
        ["snmptrap", "-v3", "-e", SENDER_ENGINE, "-u", "trapper", "-l", "authPriv", "-a", "SHA",
         "-A", "authpass123", "-x", "AES", "-X", "privpass123", "--clientaddr=127.0.0.3",
         "{dest}", "", "1.3.6.1.2.1.33.2.0.1", "1.3.6.1.2.1.33.1.2.2.0", "i", "30"],
        "ups-1", "upsTrapOnBattery", "1.3.6.1.2.1.33.2.0.1", {"1.3.6.1.2.1.33.1.2.2.0": "30"},
    ),
    (
        "v3-inform-acknowledged",
        ["snmpinform", "-v3", "-u", "informer", "-l", "authPriv", "-a", "SHA-256", "-A",
         "authpass456", "-x", "AES", "-X", "privpass456", "-t", "2", "-r", "1",
         "--clientaddr=127.0.0.4", "{dest}", "", "1.3.6.1.6.3.1.1.5.3",
         "1.3.6.1.2.1.2.2.1.1.1", "i", "1"],
        "switch-1", "linkDown", "1.3.6.1.6.3.1.1.5.3", {"1.3.6.1.2.1.2.2.1.1.1": "1"},
    ),
    (
        "v2c-inform-acknowledged",
        ["snmpinform", "-v2c", "-c", "public", "-t", "2", "-r", "1", "{dest}", "",
         "1.3.6.1.2.1.33.2.0.1"],
        None, "upsTrapOnBattery", "1.3.6.1.2.1.33.2.0.1", {},  # from 127.0.0.1: no target
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("case", "argv", "device", "name", "oid", "binds"), CASES, ids=[c[0] for c in CASES]
)
@run_async
async def test_real_traps_become_events(
    case: str,
    argv: list[str],
    device: str | None,
    name: str,
    oid: str,
    binds: dict[str, str],
) -> None:
    events = Events()
    receiver = TrapReceiver(
        "127.0.0.1", free_port(), ["public"], events, lambda: TARGETS, USERS
    ).start()
    try:
        dest = f"udp:127.0.0.1:{receiver.port}"
        code, out = await send(*[dest if a == "{dest}" else a for a in argv])
        assert code == 0, out  # an inform returns 0 only once it was acknowledged
        event = await events.next()
    finally:
        receiver.stop()
    assert (event.device, event.name, event.trap_oid) == (device, name, oid), dict(event.varbinds)
    assert event.address.startswith("127.0.0.")
    assert binds.items() <= dict(event.varbinds).items()
    assert event.ts.tzinfo is not None


@run_async
async def test_wrong_community_and_wrong_key_are_dropped() -> None:
    events = Events()
    receiver = TrapReceiver(
        "127.0.0.1", free_port(), ["public"], events, lambda: TARGETS, USERS
    ).start()
    try:
        dest = f"udp:127.0.0.1:{receiver.port}"
        await send("snmptrap", "-v2c", "-c", "wrong", dest, "", "1.3.6.1.6.3.1.1.5.3")
        await send(
            "snmptrap", "-v3", "-e", SENDER_ENGINE, "-u", "trapper", "-l", "authPriv", "-a",
            "SHA", "-A", "wrongpass99", "-x", "AES", "-X", "privpass123", dest, "",
            "1.3.6.1.6.3.1.1.5.3",
        )  # fmt: skip
        # a good one after the bad ones: it is the first (and only) event
        await send("snmptrap", "-v2c", "-c", "public", dest, "", "1.3.6.1.6.3.1.1.5.4")
        event = await events.next()
    finally:
        receiver.stop()
    assert [e.name for e in events.items] == ["linkUp"]
    assert event.name == "linkUp"


def test_port_in_use_is_one_line() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("127.0.0.1", 0))
        port = taken.getsockname()[1]

        async def start() -> None:
            TrapReceiver("127.0.0.1", port, ["public"], lambda e: None).start()

        with pytest.raises(PortInUseError, match=r"agent\.trap_port"):
            asyncio.run(start())


def test_unknown_protocol_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown protocol"):
        TrapReceiver("127.0.0.1", 0, [], lambda e: None, users=[TrapUser("u", "SHA1024", "k")])
