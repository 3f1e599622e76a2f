from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from agent.uplink import Uplink, fetch_targets, load_targets_file
from core.errors import ConfigError
from core.types import Sample

TS = datetime(2026, 1, 1, 8, 0, 0, 123000, tzinfo=UTC)


class Api:
    """A tiny real HTTP server on 127.0.0.1 that records what it receives."""

    def __init__(self, port: int = 0) -> None:
        self.status = 202
        self.bodies: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.targets: Any = {"targets": []}
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                api.headers.append(dict(self.headers))
                if 200 <= api.status < 300:
                    api.bodies.append(json.loads(body))
                self.send_response(api.status)
                self.end_headers()
                self.wfile.write(b'{"error": "nope"}' if api.status >= 400 else b"{}")

            def do_GET(self) -> None:
                api.headers.append(dict(self.headers))
                data = json.dumps(api.targets).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture()
def api() -> Iterator[Api]:
    server = Api()
    yield server
    server.stop()


def free_tcp_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def samples(n: int, start: int = 0) -> list[Sample]:
    return [
        Sample("ups-1", "ups_output_load_percent", "1", float(i), TS, "%")
        for i in range(start, start + n)
    ]


def test_accepted_batch(api: Api, tmp_path: Path) -> None:
    up = Uplink(api.url, "s3cret", "agent-7", tmp_path / "spool", report_health=False)
    up.add(samples(2))
    report = up.push()
    assert (report.sent, report.pending, report.error) == (1, 0, None)
    assert api.headers[0]["Authorization"] == "Bearer s3cret"
    batch_id = api.bodies[0]["batch_id"]
    assert len(batch_id) == 32 and int(batch_id, 16) >= 0  # a uuid4, hex
    assert api.bodies == [
        {
            "agent": "agent-7",
            "batch_id": batch_id,
            "samples": [
                {
                    "device": "ups-1",
                    "metric": "ups_output_load_percent",
                    "instance": "1",
                    "value": 0.0,
                    "text": None,
                    "unit": "%",
                    "ts": "2026-01-01T08:00:00.123Z",
                },
                {
                    "device": "ups-1",
                    "metric": "ups_output_load_percent",
                    "instance": "1",
                    "value": 1.0,
                    "text": None,
                    "unit": "%",
                    "ts": "2026-01-01T08:00:00.123Z",
                },
            ],
        }
    ]
    assert up.last_success is not None
    assert up.push().sent == 0  # nothing buffered: nothing sent


def test_server_down_spools_in_order_then_replays(tmp_path: Path) -> None:
    port = free_tcp_port()
    up = Uplink(f"http://127.0.0.1:{port}", "t", "a", tmp_path, timeout=2, report_health=False)
    for batch in range(3):
        up.add(samples(2, start=batch * 10))
        report = up.push()
        assert report.sent == 0 and report.error and "unreachable" in report.error
    files = sorted(p.name for p in tmp_path.glob("batch-*.jsonl"))
    assert len(files) == 3 and up.pending_batches() == 3
    assert not list(tmp_path.glob(".*.tmp"))  # written atomically
    server = Api(port)  # the server comes back on the same address
    try:
        up.add(samples(1, start=30))
        report = up.push()
        assert (report.sent, report.pending) == (4, 0)
        firsts = [b["samples"][0]["value"] for b in server.bodies]
        assert firsts == [0.0, 10.0, 20.0, 30.0]  # order kept
    finally:
        server.stop()


def test_5xx_keeps_the_batch(api: Api, tmp_path: Path) -> None:
    up = Uplink(api.url, "t", "a", tmp_path, report_health=False)
    api.status = 503
    up.add(samples(1))
    assert up.push().pending == 1
    api.status = 202
    assert up.push().sent == 1
    assert len(api.bodies) == 1


def test_4xx_moves_batch_to_dead_letter_and_continues(api: Api, tmp_path: Path) -> None:
    up = Uplink(api.url, "t", "a", tmp_path, report_health=False)
    api.status = 400
    up.add(samples(1))
    report = up.push()
    assert (report.sent, report.rejected, report.pending) == (0, 1, 0)
    rejected = list((tmp_path / "dead-letter").glob("batch-*.json"))
    assert len(rejected) == 1  # kept for a person to read, never retried
    assert json.loads(rejected[0].read_text())["samples"][0]["metric"] == (
        "ups_output_load_percent"
    )
    api.status = 202
    up.add(samples(1, start=5))
    assert up.push().sent == 1
    assert api.bodies[0]["samples"][0]["value"] == 5.0


def test_large_buffer_is_split(api: Api, tmp_path: Path) -> None:
    up = Uplink(api.url, "t", "a", tmp_path, max_batch=3, report_health=False)
    up.add(samples(7))
    assert up.push().sent == 3
    assert [len(b["samples"]) for b in api.bodies] == [3, 3, 1]


def test_fetch_targets(api: Api) -> None:
    api.targets = {
        "targets": [
            {
                "device": "ups-1",
                "kind": "snmp",
                "address": "127.0.0.1",
                "port": 1161,
                "profile": "ups-mib",
                "version": "2c",
                "community": "ups-1",
                "interval": 10,
                "timeout": 1,
                "retries": 2,
            },
            {"device": "demo-host", "kind": "host"},
        ]
    }
    targets = fetch_targets(api.url, "tok")
    assert api.headers[-1]["Authorization"] == "Bearer tok"
    assert [
        (t.device, t.kind, t.port, t.credentials.community, t.interval, t.retries) for t in targets
    ] == [("ups-1", "snmp", 1161, "ups-1", 10.0, 2), ("demo-host", "host", 161, "public", 30.0, 1)]
    api.targets = {"targets": [{"device": "x", "kind": "teapot"}]}
    with pytest.raises(ConfigError, match="target #1 field 'kind'"):
        fetch_targets(api.url, "tok")


def test_fetch_targets_unreachable() -> None:
    with pytest.raises(ConnectionError):
        fetch_targets(f"http://127.0.0.1:{free_tcp_port()}", "tok", timeout=2)


def test_load_targets_file(tmp_path: Path) -> None:
    path = tmp_path / "targets.yaml"
    path.write_text(
        "- {device: sw, address: 10.0.0.2, version: 1, community: c}\n- {device: me, kind: host}\n",
        encoding="utf-8",
    )
    targets = load_targets_file(path)
    assert [(t.device, t.credentials.version) for t in targets] == [("sw", "1"), ("me", "2c")]
    path.write_text("- {device: sw, colour: red}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="field 'colour'"):
        load_targets_file(path)
    with pytest.raises(ConfigError, match="not found"):
        load_targets_file(tmp_path / "absent.yaml")
