"""``kill -9`` of a real agent process loses at most the polls in progress: each poll's
samples are in the spool as the poll completes, and the next start sends them."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from agent.uplink import Uplink
from tests.integration.agent.test_spool_faults import free_port
from tests.integration.agent.test_uplink import Api

ROOMWATCH = str(Path(sys.executable).with_name("roomwatch"))
HOSTS = ("host-a", "host-b", "host-c")  # the psutil probe: no SNMP agent needed


def polls_so_far(metrics_port: int) -> int:
    """Polls the agent has finished (its own /metrics), 0 while it is not serving yet."""
    try:
        url = f"http://127.0.0.1:{metrics_port}/metrics"
        with urllib.request.urlopen(url, timeout=2) as resp:
            text = resp.read().decode()
    except OSError:
        return 0
    counts = re.findall(r'^roomwatch_agent_polls_total\{device="host-."\} (\S+)$', text, re.M)
    return int(sum(float(c) for c in counts))


def test_kill_9_loses_no_finished_poll(tmp_path: Path) -> None:
    targets = tmp_path / "targets.yaml"
    targets.write_text(
        "".join(f"- {{device: {h}, kind: host, interval: 0.3}}\n" for h in HOSTS), "utf-8"
    )
    spool = tmp_path / "spool"
    metrics_port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ROOMWATCH_")}
    env.update(
        ROOMWATCH_AGENT_NAME="agent-kill",
        ROOMWATCH_AGENT_SERVER_URL=f"http://127.0.0.1:{free_port()}",  # nobody: nothing sent
        ROOMWATCH_AGENT_PUSH_INTERVAL_SECONDS="3600",  # and no push before the kill
        ROOMWATCH_AGENT_SPOOL_DIR=str(spool),
        ROOMWATCH_AGENT_TARGETS_FILE=str(targets),
        ROOMWATCH_AGENT_METRICS_PORT=str(metrics_port),
        ROOMWATCH_AGENT_TRAP_PORT="0",
    )
    proc = subprocess.Popen(
        [ROOMWATCH, "agent"], env=env, cwd=tmp_path, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        finished = 0
        while finished < 15:  # five rounds of the three hosts
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else "agent exited"
            assert time.monotonic() < deadline, "the agent did not poll in time"
            finished = polls_so_far(metrics_port)
            time.sleep(0.05)  # between two looks at /metrics, not a wait for an event
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    assert proc.returncode == -signal.SIGKILL
    assert list(spool.glob("open-*.jsonl")), "the batch being filled is on disk"
    api = Api()  # the server, and a new agent process on the same spool
    try:
        up = Uplink(api.url, "tok", "agent-kill", spool, report_health=False)
        assert up.push().pending == 0
        rows = [s for b in api.bodies for s in b["samples"]]
    finally:
        api.stop()
    polls = [s for s in rows if s["metric"] == "device_up"]  # one per poll, up or not
    assert len(polls) >= finished  # every poll finished before the kill was stored
    assert len({(s["device"], s["ts"]) for s in polls}) == len(polls)  # and only once
    per_poll = len(rows) / len(polls)
    print(f"kill -9: {finished} polls finished before the kill ({finished * per_poll:.0f} "
          f"samples), stored {len(polls)} polls, {len(rows)} samples")  # fmt: skip
