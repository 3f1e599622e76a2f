"""The agent against the real server (waitress + the app, SQLite and PostgreSQL): a failing
spool raises the server's alarm, a NUL in a device string is stored cleaned, and a batch
whose answer was lost is stored once."""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from agent.uplink import Uplink
from core.config import Settings
from core.types import Sample
from dashboard.app import create_app
from dashboard.serve import WebServer
from rules.service import RuleRunner
from store.accounts import create_token
from store.db import session_factory
from store.models import Alarm, RawSample, Series


@pytest.fixture
def live(engine: Engine) -> Iterator[tuple[str, str]]:
    """The app served by waitress over ``engine``, and an agent token: (base URL, token)."""
    with session_factory(engine)() as s, s.begin():
        token = create_token(s, "agent-7")
    web = WebServer(create_app(Settings(secret_key="test-secret"), engine=engine), "127.0.0.1", 0)
    web.start()
    try:
        yield web.url, token
    finally:
        web.stop()


def poll(device: str, n: int, text: str = "Smart-UPS 1500") -> list[Sample]:
    ts = datetime.now(UTC) - timedelta(seconds=60 - n)
    return [Sample(device, "device_up", "", 1.0, ts), Sample(device, "sys_descr", "", None, ts,
                                                            "", text)]  # fmt: skip


def raw_rows(engine: Engine, device: str) -> int:
    with session_factory(engine)() as s:
        q = select(func.count()).select_from(RawSample).join(Series).where(Series.device == device)
        return int(s.scalar(q) or 0)


def test_failing_spool_raises_the_servers_alarm(
    live: tuple[str, str], engine: Engine, tmp_path: Path
) -> None:
    url, token = live
    blocked = tmp_path / "spool"
    blocked.write_text("a file where the spool folder should be")  # cannot be written
    up = Uplink(url, token, "agent-7", blocked)
    up.add(poll("ups-1", 0))
    report = up.push()
    assert (report.sent, report.pending, report.error) == (1, 0, None)  # sent from memory
    assert raw_rows(engine, "ups-1") == 2
    runner = RuleRunner.from_paths()  # the built-in pack
    with session_factory(engine)() as s, s.begin():
        runner.tick(s, datetime.now(UTC))
    with session_factory(engine)() as s:
        alarm = s.scalar(select(Alarm).where(Alarm.rule == "agent_spool_failing"))
        assert alarm is not None, "no alarm for the agent's failing spool"
        assert (alarm.device, alarm.status) == ("agent-7", "firing")  # not in the ledger


def test_nul_in_a_device_string_is_stored_cleaned(
    live: tuple[str, str], engine: Engine, tmp_path: Path
) -> None:
    """On PostgreSQL a NUL made every push 500, forever; now it never leaves the agent."""
    url, token = live
    up = Uplink(url, token, "agent-7", tmp_path, report_health=False)
    up.add(poll("ups-1", 0, text="Smart-UPS\x00\x00 1500"))
    up.add(poll("ups-2", 1))  # the healthy neighbour, in the same batch
    assert up.push().sent == 1
    with session_factory(engine)() as s:
        texts = set(s.scalars(select(RawSample.text).where(RawSample.text.is_not(None))))
    assert texts == {"Smart-UPS 1500"}
    assert raw_rows(engine, "ups-1") == raw_rows(engine, "ups-2") == 2


class LosingProxy:
    """Forwards to the server; while ``lose`` is set it drops the server's answer, as a
    timed-out upload does: the server stored the batch, the agent never heard it."""

    def __init__(self, target: str) -> None:
        self.lose = True
        self.lost = 0
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def _forward(self, body: bytes | None) -> None:
                headers = dict(self.headers)
                req = urllib.request.Request(
                    target + self.path, data=body, method=self.command, headers=headers
                )
                try:
                    with urllib.request.urlopen(req, timeout=10) as resp:
                        status, data = resp.status, resp.read()
                except urllib.error.HTTPError as exc:
                    status, data = exc.code, exc.read()
                if proxy.lose and body is not None:
                    proxy.lost += 1
                    self.close_connection = True  # no answer at all
                    return
                self.send_response(status)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                self._forward(self.rfile.read(int(self.headers["Content-Length"])))

            def do_GET(self) -> None:
                self._forward(None)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def test_lost_answer_then_retry_stores_once(
    live: tuple[str, str], engine: Engine, tmp_path: Path
) -> None:
    url, token = live
    proxy = LosingProxy(url)
    try:
        up = Uplink(proxy.url, token, "agent-7", tmp_path, report_health=False)
        for n in range(3):
            up.add(poll("ups-1", n))
        assert up.push().pending == 1  # stored by the server, but no answer came
        assert proxy.lost == 1 and raw_rows(engine, "ups-1") == 6
        proxy.lose = False
        assert up.push().sent == 1  # the retry: the same batch id
    finally:
        proxy.stop()
    stored = raw_rows(engine, "ups-1")
    assert stored == 6, f"{stored - 6} duplicate rows"
    print(f"lost answer + retry: produced 6 samples, stored {stored}, duplicates {stored - 6}")
