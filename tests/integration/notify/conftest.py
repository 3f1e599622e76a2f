"""Real endpoints on loopback: an HTTP server that records (or fails, or hangs), aiosmtpd."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from tests.integration.rules.conftest import make_runner, room_db  # noqa: F401 (fixtures)


@dataclass
class Hook:
    """Requests received; ``mode``: ok | error500 | hang | robot_error."""

    url: str
    mode: str = "ok"
    requests: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)
    arrived: threading.Condition = field(default_factory=threading.Condition)
    release: threading.Event = field(default_factory=threading.Event)

    def wait_for(self, n: int, timeout: float = 5.0) -> bool:
        with self.arrived:
            return self.arrived.wait_for(lambda: len(self.requests) >= n, timeout)


@pytest.fixture
def hook() -> Iterator[Hook]:
    state: dict[str, Hook] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            h = state["hook"]
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with h.arrived:
                h.requests.append((self.path, dict(self.headers), body))
                h.arrived.notify_all()
            if h.mode == "hang":
                h.release.wait(30)
            code, answer = 200, b'{"errcode":0,"errmsg":"ok"}'
            if h.mode == "error500":
                code, answer = 500, b"boom"
            elif h.mode == "robot_error":
                answer = b'{"errcode":310000,"errmsg":"sign not match"}'
            try:
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)
            except OSError:
                pass  # the client gave up (timeout)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    h = Hook(url=f"http://127.0.0.1:{server.server_address[1]}/hook")
    state["hook"] = h
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    yield h
    h.release.set()
    server.shutdown()
    server.server_close()


@dataclass
class Mailbox:
    host: str
    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    arrived: threading.Condition = field(default_factory=threading.Condition)

    def wait_for(self, n: int, timeout: float = 5.0) -> bool:
        with self.arrived:
            return self.arrived.wait_for(lambda: len(self.messages) >= n, timeout)


class _Handler:
    def __init__(self, box: Mailbox) -> None:
        self.box = box

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = message_from_bytes(envelope.content, policy=policy.default)
        with self.box.arrived:
            self.box.messages.append(msg)  # type: ignore[arg-type]
            self.box.arrived.notify_all()
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox("127.0.0.1", _free_port())
    controller = Controller(_Handler(box), hostname=box.host, port=box.port)
    deadline = time.monotonic() + 5
    while True:
        try:
            controller.start()
            break
        except OSError:  # the free port was taken meanwhile: try another
            if time.monotonic() > deadline:
                raise
            box.port = controller.port = _free_port()
    yield box
    controller.stop()
