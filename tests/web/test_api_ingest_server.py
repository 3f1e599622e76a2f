"""The timed-out upload against a real ``roomwatch serve`` (issue 11, point 8).

The server is stopped (SIGSTOP) while the agent's request is in its socket; the client
gives up, the server is resumed and stores the orphaned request, and the agent sends the
same batch again. Each batch is stored once, with a batch id (the replay is recognised)
and without one (an older agent: the unique (series, ts) skips what is stored).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from store.accounts import create_token
from store.models import IngestBatch, RawSample

ROOMWATCH = Path(sys.executable).with_name("roomwatch")
SAMPLES = 300


@pytest.fixture
def server(engine: Engine, tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ROOMWATCH_")}
    env.update(PYTHONUNBUFFERED="1", ROOMWATCH_SECRET_KEY="test-secret",
               ROOMWATCH_DATABASE_URL=engine.url.render_as_string(hide_password=False),
               ROOMWATCH_SERVER_RULE_TICK_SECONDS="60")  # fmt: skip
    proc = subprocess.Popen(
        [str(ROOMWATCH), "serve", "--port", "0"], cwd=tmp_path, env=env, text=True,
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()  # "roomwatch serving on http://127.0.0.1:PORT (...)"
        assert "serving on" in line, line
        yield proc, line.split("serving on ", 1)[1].split()[0]
    finally:
        os.kill(proc.pid, signal.SIGCONT)
        proc.terminate()
        proc.communicate(timeout=30)


def _post(url: str, token: str, body: bytes, timeout: float) -> Any:
    req = urllib.request.Request(
        f"{url}/api/v1/samples", data=body, method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )  # fmt: skip
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        return resp.status, json.loads(resp.read())


def _counter(url: str, name: str, **labels: str) -> float:
    with urllib.request.urlopen(f"{url}/metrics", timeout=10) as resp:
        text = resp.read().decode()
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name and s.labels == labels:
                return float(s.value)
    raise AssertionError(f"{name} {labels} not in /metrics")


def _wait_for(url: str, name: str, value: float, **labels: str) -> None:
    """Until the server has counted ``value`` (the orphaned request has been handled)."""
    deadline = datetime.now(UTC) + timedelta(seconds=30)
    while _counter(url, name, **labels) < value:
        assert datetime.now(UTC) < deadline, f"{name} never reached {value}"


@pytest.mark.parametrize("batch_id", ["agent-1_0000001", None], ids=["batch-id", "no-batch-id"])
def test_a_batch_sent_again_after_a_client_timeout_is_stored_once(
    server: tuple[subprocess.Popen[str], str], engine: Engine, batch_id: str | None
) -> None:
    proc, url = server
    with Session(engine) as s, s.begin():
        token = create_token(s, "agent-1")
    ts = datetime.now(UTC) - timedelta(seconds=10)
    samples = [{"device": f"dev-{n // 10}", "metric": f"m_{n % 10}", "value": float(n),
                "ts": ts.isoformat()} for n in range(SAMPLES)]  # fmt: skip
    body = {"agent": "agent-1", "samples": samples}
    if batch_id is not None:
        body["batch_id"] = batch_id
    raw = json.dumps(body).encode()

    os.kill(proc.pid, signal.SIGSTOP)  # the server hangs with the request in its socket
    with pytest.raises((TimeoutError, socket.timeout)):
        _post(url, token, raw, timeout=1.0)  # the agent gives up (its 10 s, shortened)
    os.kill(proc.pid, signal.SIGCONT)  # the server goes on and stores the orphaned request
    status, ack = _post(url, token, raw, timeout=30)  # the agent's retry
    assert status == 202

    if batch_id is not None:
        _wait_for(url, "roomwatch_ingest_duplicate_batches_total", 1, kind="samples")
        # whichever of the two came second got the first one's acknowledgement
        assert ack["accepted"] == SAMPLES and ack["batch_id"] == batch_id
    else:
        _wait_for(url, "roomwatch_ingest_samples_accepted_total", 2 * SAMPLES)
        assert _counter(url, "roomwatch_ingest_samples_duplicate_total") == SAMPLES
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(RawSample)) == SAMPLES
        batches = s.scalar(select(func.count()).select_from(IngestBatch))
        assert batches == (1 if batch_id else 0)
