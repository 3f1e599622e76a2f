"""The agent pushes trap events to ``POST /api/v1/events`` at once; spooled when the server
is away, replayed in order when it is back. A tiny local HTTP server stands in for the
server side (written elsewhere)."""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from agent.runner import run_agent
from core.config import Settings
from core.types import Target
from tests.fixtures.aio import run_async

pytestmark = pytest.mark.skipif(shutil.which("snmptrap") is None, reason="net-snmp tools absent")


def free_port(kind: int = socket.SOCK_DGRAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class EventsApi:
    def __init__(self, port: int = 0) -> None:
        self.posts: list[tuple[str, str, dict[str, Any]]] = []
        self.got_event = threading.Event()
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                api.posts.append((self.path, self.headers.get("Authorization", ""), body))
                if self.path == "/api/v1/events":
                    api.got_event.set()
                self.send_response(202)
                self.end_headers()
                self.wfile.write(b"{}")

            def do_GET(self) -> None:
                self.send_response(404)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def events(self) -> list[dict[str, Any]]:
        return [b for path, _, b in self.posts if path == "/api/v1/events"]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def settings(tmp_path: Path, server_port: int, trap_port: int) -> Settings:
    s = Settings()
    s.agent.server_url = f"http://127.0.0.1:{server_port}"
    s.agent.token = "tok-events"
    s.agent.name = "agent-traps"
    s.agent.metrics_port = 0
    s.agent.spool_dir = str(tmp_path / "spool")
    s.agent.push_interval_seconds = 0.2
    s.agent.trap_port = trap_port
    s.agent.trap_communities = ["public"]
    return s


def targets(dead_port: int) -> list[Target]:
    return [Target("ups-1", "snmp", "127.0.0.3", dead_port, "system", interval=60, timeout=0.2,
                   retries=0)]  # fmt: skip


async def snmptrap(port: int, trap_oid: str) -> None:
    proc = await asyncio.create_subprocess_exec(
        "snmptrap", "-v2c", "-c", "public", "--clientaddr=127.0.0.3", f"udp:127.0.0.1:{port}",
        "", trap_oid, "1.3.6.1.2.1.33.1.2.2.0", "i", "5",
    )  # fmt: skip
    assert await proc.wait() == 0


async def until(predicate: Any, seconds: float = 10) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds
    while not predicate():
        assert loop.time() < end, "condition not met in time"
        await asyncio.sleep(0.05)


@run_async
async def test_trap_is_pushed_at_once(tmp_path: Path, silent_udp_port: int) -> None:
    api = EventsApi()
    trap_port = free_port()
    stop = asyncio.Event()
    cfg = settings(tmp_path, api.port, trap_port)
    cfg.agent.push_interval_seconds = 3600  # only the trap itself may cause the push
    task = asyncio.create_task(run_agent(cfg, stop, targets=targets(silent_udp_port)))
    try:
        await until(lambda: _bound(trap_port))
        await snmptrap(trap_port, "1.3.6.1.2.1.33.2.0.1")
        await asyncio.to_thread(api.got_event.wait, 10)
    finally:
        stop.set()
        await asyncio.wait_for(task, 15)
        api.stop()
    (body,) = api.events()[:1]
    _, auth, _ = next(p for p in api.posts if p[0] == "/api/v1/events")
    assert auth == "Bearer tok-events"
    assert body["agent"] == "agent-traps"
    (event,) = body["events"]
    assert event["device"] == "ups-1"
    assert event["address"] == "127.0.0.3"
    assert event["trap_oid"] == "1.3.6.1.2.1.33.2.0.1"
    assert event["name"] == "upsTrapOnBattery"
    assert event["varbinds"]["1.3.6.1.2.1.33.1.2.2.0"] == "5"
    assert event["ts"].endswith("Z")


@run_async
async def test_events_spooled_while_server_away_then_replayed(
    tmp_path: Path, silent_udp_port: int
) -> None:
    server_port = free_port(socket.SOCK_STREAM)  # nobody listens there yet
    trap_port = free_port()
    spool = tmp_path / "spool"
    stop = asyncio.Event()
    task = asyncio.create_task(
        run_agent(
            settings(tmp_path, server_port, trap_port), stop, targets=targets(silent_udp_port)
        )
    )
    api: EventsApi | None = None
    try:
        await until(lambda: _bound(trap_port))
        await snmptrap(trap_port, "1.3.6.1.2.1.33.2.0.1")
        await snmptrap(trap_port, "1.3.6.1.6.3.1.1.5.3")
        await until(lambda: len(list(spool.glob("events-*.json"))) == 2)
        api = EventsApi(server_port)  # the server comes back
        await until(lambda: not list(spool.glob("events-*.json")))
    finally:
        stop.set()
        await asyncio.wait_for(task, 15)
        if api is not None:
            api.stop()
    assert api is not None
    names = [e["name"] for body in api.events() for e in body["events"]]
    assert names == ["upsTrapOnBattery", "linkDown"]  # in the order they arrived


def _bound(port: int) -> bool:
    """Whether the receiver holds ``port``. The probe binds and releases without yielding to
    the loop, so it can never take the port from under the receiver."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return True
        return False
