"""A simulated machine room: snmpsim serving ``devices/recordings`` on loopback.

One ``snmpsim-command-responder`` process answers for every recording; the SNMP
community selects the device (community = recording file stem). Values move
(``numeric`` counters, the ``wander`` module in ``devices/variation``) and a few OIDs
are writable (``writecache``, ``wander``) so a demo or test can switch the UPS to
battery, take the core uplink down or heat the cold aisle.

The simulator dies with the process that started it (``PR_SET_PDEATHSIG``). Linux
sends that signal when the *thread* that started it exits: call :meth:`SimRoom.start`
from a thread that lives as long as the room (the main thread, usually).
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import Any

import yaml

from agent.snmp import SnmpError, SnmpSession
from core.errors import RoomwatchError
from core.types import SnmpCredentials, Target

UPS_OUTPUT_SOURCE = "1.3.6.1.2.1.33.1.4.1.0"  # 3 normal, 5 battery
UPS_BATTERY_STATUS = "1.3.6.1.2.1.33.1.2.1.0"  # 2 normal, 3 low
UPLINK_OPER_STATUS = "1.3.6.1.2.1.2.2.1.8.24"  # switch-1 GigabitEthernet1/0/24
ENV_TEMPERATURE_TENTHS = "1.3.6.1.4.1.3854.1.2.2.1.16.1.14.1"  # env-1 "Inlet A03"
_SYS_NAME = "1.3.6.1.2.1.1.5.0"
_PR_SET_PDEATHSIG = 1


class SimRoomError(RoomwatchError):
    """The simulator did not start or did not answer."""


def devices_dir() -> Path:
    import devices

    return Path(next(iter(devices.__path__)))  # also as a namespace package


def load_demo_room(path: Path | None = None) -> dict[str, Any]:
    """The demo room description (``devices/demo-room.yaml``) as plain data."""
    path = path or devices_dir() / "demo-room.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not {"room", "racks", "devices"} <= set(data):
        raise SimRoomError(f"{path}: expected the keys room, racks and devices")
    return data


def _run(coro: Coroutine[Any, Any, None]) -> None:
    """Run ``coro`` to completion, also from code that is inside a running event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(coro)
        return
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, coro).result()


def _die_with_parent() -> None:  # runs in the child between fork and exec
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _free_udp_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((host, 0))
        port: int = s.getsockname()[1]
        return port


def _responder() -> Path:
    exe = Path(sys.executable).parent / "snmpsim-command-responder"
    if exe.exists():
        return exe
    found = shutil.which("snmpsim-command-responder")
    if not found:
        raise SimRoomError("snmpsim-command-responder not found: pip install 'roomwatch[demo]'")
    return Path(found)


def _builtin_variation_dir() -> Path:
    spec = importlib.util.find_spec("snmpsim")
    if spec is None or not spec.submodule_search_locations:
        raise SimRoomError("snmpsim is not installed: pip install 'roomwatch[demo]'")
    return Path(next(iter(spec.submodule_search_locations))) / "variation"


class SimRoom:
    def __init__(
        self, data_dir: Path | None = None, host: str = "127.0.0.1", start_timeout: float = 15.0
    ) -> None:
        self.data_dir = data_dir or devices_dir() / "recordings"
        self.host = host
        self.start_timeout = start_timeout
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None
        self._tmp: tempfile.TemporaryDirectory[str] | None = None

    @property
    def communities(self) -> list[str]:
        return sorted(p.stem for p in self.data_dir.glob("*.snmprec"))

    def start(self) -> SimRoom:
        if self.process is not None:
            return self
        if not self.communities:
            raise SimRoomError(f"no .snmprec recordings in {self.data_dir}")
        self._tmp = tempfile.TemporaryDirectory(prefix="roomwatch-sim-")
        tmp = Path(self._tmp.name)
        (tmp / "cache").mkdir()
        last_error = ""
        for _attempt in range(3):  # the free port may be taken between probe and bind
            self.port = _free_udp_port(self.host)
            self._spawn(tmp)
            try:
                self._wait_ready()
                return self
            except SimRoomError as exc:
                last_error = str(exc)
                self._kill()
        self._cleanup()
        raise SimRoomError(last_error)

    def _spawn(self, tmp: Path) -> None:
        env = {**os.environ, "SNMPSIM_ALLOW_ROOT": "true", "HOME": str(tmp)}
        cmd = [
            str(_responder()),
            f"--data-dir={self.data_dir}",
            f"--agent-udpv4-endpoint={self.host}:{self.port}",
            f"--cache-dir={tmp / 'cache'}",
            f"--variation-modules-dir={devices_dir() / 'variation'}",
            f"--variation-modules-dir={_builtin_variation_dir()}",
            "--log-level=error",
        ]
        self._log = open(tmp / "snmpsim.log", "ab")  # noqa: SIM115 - closed in _kill
        self.process = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=tmp,
            preexec_fn=_die_with_parent,
        )

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.start_timeout
        community = self.communities[0]
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                raise SimRoomError(f"snmpsim exited at start: {self._log_tail()}")
            try:
                _run(self._probe(community))
                return
            except SnmpError:
                time.sleep(0.2)
        raise SimRoomError(
            f"snmpsim did not answer on {self.host}:{self.port} within "
            f"{self.start_timeout:.0f}s: {self._log_tail()}"
        )

    async def _probe(self, community: str) -> None:
        session = SnmpSession(
            self.host, self.port, SnmpCredentials("2c", community), timeout=0.5, retries=0
        )
        try:
            await session.get([_SYS_NAME])
        finally:
            session.close()

    def _log_tail(self) -> str:
        if self._tmp is None:
            return ""
        with contextlib.suppress(OSError):
            text = (Path(self._tmp.name) / "snmpsim.log").read_text(errors="replace")
            return text.strip().splitlines()[-1] if text.strip() else "(no output)"
        return ""

    def _kill(self) -> None:
        if self.process is not None:
            if self.process.poll() is None:
                self.process.terminate()
                try:
                    self.process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait(timeout=5)
            self.process = None
        with contextlib.suppress(AttributeError):
            self._log.close()

    def _cleanup(self) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def stop(self) -> None:
        self._kill()
        self._cleanup()

    def __enter__(self) -> SimRoom:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def targets(self, interval: float = 10, timeout: float = 1.0, retries: int = 1) -> list[Target]:
        """One SNMP target per recording, with auto-detected profiles."""
        if not self.port:
            raise SimRoomError("the simulated room is not started: call start() first")
        return [
            Target(
                device=c,
                kind="snmp",
                address=self.host,
                port=self.port,
                profile="auto",
                credentials=SnmpCredentials("2c", c),
                interval=interval,
                timeout=timeout,
                retries=retries,
            )
            for c in self.communities
        ]

    async def set_value(
        self, community: str, oid: str, value: int | str, kind: str = "integer"
    ) -> None:
        """SET a writable OID (``writecache`` / ``wander`` records) of one device."""
        session = SnmpSession(
            self.host, self.port, SnmpCredentials("2c", community), timeout=1.0, retries=2
        )
        try:
            await session.set(oid, value, kind)
        finally:
            session.close()

    def set_value_sync(
        self, community: str, oid: str, value: int | str, kind: str = "integer"
    ) -> None:
        """:meth:`set_value` for synchronous code (works inside a running loop too)."""
        _run(self.set_value(community, oid, value, kind))

    def set_ups_on_battery(self, on_battery: bool = True) -> None:
        self.set_value_sync("ups-1", UPS_OUTPUT_SOURCE, 5 if on_battery else 3)

    def set_uplink_down(self, down: bool = True) -> None:
        self.set_value_sync("switch-1", UPLINK_OPER_STATUS, 2 if down else 1)

    def set_temperature(self, celsius: float) -> None:
        """Pin env-1's "Inlet A03" temperature (it no longer wanders afterwards)."""
        self.set_value_sync("env-1", ENV_TEMPERATURE_TENTHS, round(celsius * 10))
