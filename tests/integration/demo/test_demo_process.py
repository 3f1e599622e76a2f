"""`roomwatch demo` as a person runs it: starts, serves, stops cleanly on Ctrl-C or a kill,
leaves no simulator behind, and reuses its database on the next run."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

pytestmark = pytest.mark.snmp
ROOMWATCH = str(Path(sys.executable).with_name("roomwatch"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(tmp: Path, port: int) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ROOMWATCH_")}
    env.update(ROOMWATCH_SERVER_PORT=str(port), ROOMWATCH_AGENT_METRICS_PORT=str(_free_port()),
               ROOMWATCH_AGENT_TRAP_PORT="0",
               ROOMWATCH_ADMIN_PASSWORD="demo-test-password")  # fmt: skip
    return subprocess.Popen(
        [ROOMWATCH, "demo", "--no-scenario"], cwd=tmp, env=env, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )  # fmt: skip


def _wait_serving(proc: subprocess.Popen[str], port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stdout.read() if proc.stdout else "demo exited"
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health", timeout=2)
            return
        except OSError:
            time.sleep(0.3)  # waiting for another process to come up
    raise AssertionError("demo did not serve in time")


def _simulators(parent_pid: int) -> list[psutil.Process]:
    try:
        return [p for p in psutil.Process(parent_pid).children(recursive=True)
                if "snmpsim" in " ".join(p.cmdline())]  # fmt: skip
    except psutil.NoSuchProcess:
        return []


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL],
                         ids=["ctrl-c", "sigterm", "kill"])  # fmt: skip
def test_demo_stops_cleanly_and_leaves_no_simulator(tmp_path: Path, sig: signal.Signals) -> None:
    port = _free_port()
    proc = _start(tmp_path, port)
    try:
        _wait_serving(proc, port)
        sims = _simulators(proc.pid)
        assert sims, "the simulated room runs as a child process"
        proc.send_signal(sig)
        out, _ = proc.communicate(timeout=30)
        if sig != signal.SIGKILL:
            assert proc.returncode == 0, out
            assert "Traceback" not in out, out[-4000:]
        _gone, alive = psutil.wait_procs(sims, timeout=10)
        assert not alive, f"orphan simulator(s): {[p.pid for p in alive]}"
    finally:
        if proc.poll() is None:
            proc.kill()


def test_second_run_reuses_the_database(tmp_path: Path) -> None:
    for run in range(2):
        port = _free_port()
        proc = _start(tmp_path, port)
        try:
            _wait_serving(proc, port)
            proc.send_signal(signal.SIGTERM)
            out, _ = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
        assert proc.returncode == 0, out
        # the admin account is created (and its password shown) on the first run only
        assert ("administrator account" in out) == (run == 0), out
    assert (tmp_path / "var" / "roomwatch.db").exists()
