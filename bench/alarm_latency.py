"""End-to-end latency: a UPS switching to battery → the alarm stored → the webhook received.

The whole chain runs for real on loopback, wired like ``roomwatch demo``: the simulated
room (snmpsim), the agent (polling every second, pushing every 0.5 s, trap receiver on),
the server (waitress, SQLite, rule tick every second, notification worker) and a local
HTTP server standing in for the webhook.

* poll: ``SimRoom.set_ups_on_battery`` flips ups-1; we time when the polled value lands in
  the store, when the alarm is stored, and when the webhook receives the message. Target:
  the alarm within one tick after the poll lands.
* trap: ``snmptrap upsTrapOnBattery`` sent to the agent's trap port (from 127.0.0.9, the
  address of a ledger device "ups-trap", so the agent can tell which device sent it);
  the agent pushes it to ``POST /api/v1/events`` and the server evaluates it at once.
  Target: trap → notification p99 under 1 s.

``python -m bench alarm_latency`` (or ``make bench-rules``). Figures: p50 / p99 / max.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
import statistics
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from sqlalchemy import select

from agent.runner import run_agent
from agent.simroom import SimRoom, load_demo_room
from core.config import NotifySettings, ServerSettings, Settings
from dashboard.app import create_app
from dashboard.serve import BackgroundServices, WebServer
from inventory.ledger import seed_room
from rules.lifecycle import close
from store import accounts
from store.db import make_engine, session_factory, upgrade
from store.models import Alarm, Device, NotifyChannel, NotifyRoute, Series

CYCLES = 12
TICK_SECONDS = 1.0
POLL_SECONDS = 1.0
WAIT = 30.0
TRAP_ADDRESS = "127.0.0.9"
UPS_ON_BATTERY = "1.3.6.1.2.1.33.2.1"


@dataclass
class Receiver:
    """The webhook: arrival time (monotonic) of each message, by (kind, alarm id)."""

    got: dict[tuple[str, int | None], float] = field(default_factory=dict)
    cond: threading.Condition = field(default_factory=threading.Condition)

    def start(self) -> str:
        rec = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with rec.cond:
                    rec.got.setdefault((body["kind"], body["alarm_id"]), time.monotonic())
                    rec.cond.notify_all()
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def wait(self, kind: str, alarm_id: int, timeout: float) -> float | None:
        with self.cond:
            self.cond.wait_for(lambda: (kind, alarm_id) in self.got, timeout)
            return self.got.get((kind, alarm_id))


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Rig:
    def __init__(self, folder: Path) -> None:
        self.settings = Settings(
            database_url=f"sqlite:///{folder / 'bench.db'}",
            secret_key="bench",
            server=ServerSettings(host="127.0.0.1", port=0, rule_tick_seconds=TICK_SECONDS),
            # every cycle flips the UPS twice: no flapping, no storm grouping in a bench
            notify=NotifySettings(flap_changes=10_000, storm_threshold=10_000),
        )
        self.settings.agent.spool_dir = str(folder / "spool")
        self.settings.agent.metrics_port = 0
        self.settings.agent.trap_port = _free_udp_port()
        self.settings.agent.push_interval_seconds = 0.5
        self.stop_event = threading.Event()
        self.receiver = Receiver()

    def start(self) -> None:
        self.engine = make_engine(self.settings.database_url)
        upgrade(self.engine)
        self.factory = session_factory(self.engine)
        self.sim = SimRoom().start()
        url = self.receiver.start()
        with self.factory() as s, s.begin():
            seed_room(s, load_demo_room(), self.sim.port, POLL_SECONDS)
            ups = s.scalars(select(Device).where(Device.name == "ups-1")).one()
            s.add(
                Device(
                    name="ups-trap", device_type="ups", address=TRAP_ADDRESS, port=161,
                    room_id=ups.room_id, interval_seconds=3600, timeout_seconds=0.2, retries=0,
                )
            )  # fmt: skip
            token = accounts.rotate_token(s, "bench-agent", actor="bench")
            ch = NotifyChannel(name="bench-hook", kind="webhook", target=url, created_at=_now())
            s.add(ch)
            s.flush()
            s.add(NotifyRoute(channel_id=ch.id, kinds=["fire"], rooms=[], min_severity=1))
        app = create_app(self.settings, engine=self.engine)
        self.web = WebServer(app, "127.0.0.1", 0)
        self.web.start()
        self.background = BackgroundServices(self.engine, self.settings, self.stop_event)
        self.background.notifier.poll_seconds = 0.2
        self.background.attach(app)
        self.background.start()
        agent = self.settings.model_copy(deep=True)
        agent.agent.server_url = self.web.url
        agent.agent.token = token
        self.agent = threading.Thread(
            target=lambda: asyncio.run(run_agent(agent, self.stop_event)), daemon=True
        )
        self.agent.start()

    def stop(self) -> None:
        self.stop_event.set()
        self.agent.join(10)
        self.web.stop()
        self.background.join()
        self.sim.stop()
        self.receiver.server.shutdown()
        self.engine.dispose()

    def _source(self) -> float | None:
        with self.factory() as s:
            return s.scalar(
                select(Series.value).where(
                    Series.device == "ups-1", Series.metric == "ups_output_source"
                )
            )

    def _open_alarm(self, device: str) -> int | None:
        with self.factory() as s:
            return s.scalar(
                select(Alarm.id).where(
                    Alarm.device == device, Alarm.rule == "ups_on_battery",
                    Alarm.status != "resolved",
                )
            )  # fmt: skip

    def wait_ready(self) -> None:
        deadline = time.monotonic() + 60
        while self._source() is None or self._source() == 5:
            if time.monotonic() > deadline:
                raise RuntimeError("ups-1 was never polled: is the agent running?")
            time.sleep(0.1)

    def poll_cycle(self) -> tuple[float, float, float] | None:
        """(switch → value stored, value stored → alarm stored, switch → webhook) seconds."""
        t0 = time.monotonic()
        self.sim.set_ups_on_battery(True)
        landed = stored = None
        alarm_id = None
        while time.monotonic() - t0 < WAIT and alarm_id is None:
            if landed is None and self._source() == 5:
                landed = time.monotonic()
            alarm_id = self._open_alarm("ups-1")
            if alarm_id is None:
                time.sleep(0.01)
        stored = time.monotonic()
        heard = self.receiver.wait("fire", alarm_id, WAIT) if alarm_id else None
        self.sim.set_ups_on_battery(False)
        deadline = time.monotonic() + WAIT
        while self._open_alarm("ups-1") is not None and time.monotonic() < deadline:
            time.sleep(0.05)
        if alarm_id is None or heard is None:
            return None
        landed = landed or stored
        return landed - t0, stored - landed, heard - t0

    def trap_cycle(self) -> tuple[float, float] | None:
        """(trap sent → alarm stored, trap sent → webhook) seconds."""
        port = self.settings.agent.trap_port
        cmd = ["snmptrap", f"--clientaddr={TRAP_ADDRESS}", "-v", "2c", "-c", "public",
               f"127.0.0.1:{port}", "", UPS_ON_BATTERY]  # fmt: skip
        t0 = time.monotonic()
        subprocess.run(cmd, check=True, timeout=10)
        alarm_id = None
        while time.monotonic() - t0 < WAIT and alarm_id is None:
            alarm_id = self._open_alarm("ups-trap")
            if alarm_id is None:
                time.sleep(0.005)
        if alarm_id is None:
            return None
        stored = time.monotonic()
        heard = self.receiver.wait("fire", alarm_id, WAIT)
        with self.background.runner.lock, self.factory() as s, s.begin():
            close(s, alarm_id, "bench", "next cycle", _now())  # the next trap opens anew
        return (stored - t0, heard - t0) if heard is not None else None


def _now() -> Any:
    from datetime import UTC, datetime

    return datetime.now(UTC)


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def _line(name: str, values: list[float], target: str = "") -> str:
    if not values:
        return f"{name}: no measurement"
    ms = [v * 1000 for v in values]
    return (
        f"{name}: p50 {statistics.median(ms):.0f} ms, p99 {_pct(ms, 99):.0f} ms, "
        f"max {max(ms):.0f} ms ({len(ms)} runs){'; ' + target if target else ''}"
    )


def run(cycles: int = CYCLES) -> list[str]:
    lines = [f"alarm latency (poll every {POLL_SECONDS:g} s, rule tick every {TICK_SECONDS:g} s)"]
    with tempfile.TemporaryDirectory() as tmp:
        rig = Rig(Path(tmp))
        rig.start()
        try:
            rig.wait_ready()
            polls = [r for r in (rig.poll_cycle() for _ in range(cycles)) if r]
            traps: list[tuple[float, float]] = []
            if shutil.which("snmptrap"):
                traps = [r for r in (rig.trap_cycle() for _ in range(cycles)) if r]
        finally:
            rig.stop()
    landed_to_alarm = [p[1] for p in polls]
    within = sum(1 for v in landed_to_alarm if v <= TICK_SECONDS)
    lines += [
        _line("poll: UPS switch → value stored", [p[0] for p in polls]),
        _line(
            "poll: value stored → alarm stored",
            landed_to_alarm,
            f"within one tick ({TICK_SECONDS:g} s): {within}/{len(landed_to_alarm)}",
        ),
        _line("poll: UPS switch → webhook received", [p[2] for p in polls]),
        _line("trap: snmptrap → alarm stored", [t[0] for t in traps]),
        _line(
            "trap: snmptrap → webhook received",
            [t[1] for t in traps],
            "target p99 < 1000 ms" if traps else "",
        ),
        f"missed cycles: poll {cycles - len(polls)}, trap {cycles - len(traps) if traps else '-'}",
    ]
    return lines


if __name__ == "__main__":
    for line in run():
        print(line)
