"""``make bench-snmp``: a simulated fleet of 48-port switches and UPSs on loopback (several
snmpsim processes), polled by roomwatch's pipeline (poll, decode, map to metrics, rates),
by net-snmp ``snmpbulkwalk`` (C, several in parallel) and by the Prometheus
``snmp_exporter`` (Debian package), same devices, same run.

Printed for each: varbinds per second, client CPU seconds per 1,000 varbinds (ours:
getrusage of this process; snmpbulkwalk: getrusage of the finished children; the
exporter: its process's cpu_times), wall time for the fleet, and roomwatch's ratios.
snmpsim itself is the slow part (~130 µs CPU a varbind), so wall time says more about
it than about the clients: compare CPU per varbind. The peers walk ifTable + ifXTable;
roomwatch is measured twice: its pipeline with the if-mib / ups-mib profiles (what it
polls in production) and its adapter walking ifTable + ifXTable (the peers' OIDs).
"""

from __future__ import annotations

import asyncio
import os
import re
import resource
import shutil
import socket
import statistics
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from agent.simroom import SimRoom, devices_dir
from agent.snmp import SnmpSession
from core.types import SnmpCredentials, Target

SWITCHES = int(os.environ.get("ROOMWATCH_BENCH_SWITCHES", "16"))
UPSS = int(os.environ.get("ROOMWATCH_BENCH_UPSS", "4"))
SIMULATORS = 2
ROUNDS = int(os.environ.get("ROOMWATCH_BENCH_ROUNDS", "7"))
PARALLEL = 8
MAX_REPS = int(os.environ.get("ROOMWATCH_BENCH_MAX_REPS", "25"))
TABLES = ["1.3.6.1.2.1.2.2", "1.3.6.1.2.1.31.1.1"]
_IF_ROW = re.compile(r"^(1\.3\.6\.1\.2\.1\.(?:2\.2\.1|31\.1\.1\.1)\.\d+)\.(\d+)\|(.*)$")


@dataclass(frozen=True)
class Device:
    community: str
    port: int
    kind: str  # "switch" or "ups"


@dataclass(frozen=True)
class Figure:
    name: str
    varbinds: int
    cpu: float
    wall: float

    @property
    def cpu_per_k(self) -> float:
        return self.cpu / self.varbinds * 1000 if self.varbinds else float("nan")

    def line(self) -> str:
        rate = self.varbinds / self.wall if self.wall else 0.0
        return (f"{self.name}: {self.varbinds} varbinds, {rate:,.0f} varbinds/s, "
                f"CPU {self.cpu_per_k:.4f} s per 1,000 varbinds "
                f"({self.cpu_per_k * 1000:.1f} µs/varbind), wall {self.wall:.2f} s")  # fmt: skip


def median_figure(name: str, rounds: list[tuple[int, float, float]]) -> Figure:
    """One figure per tool: the median round (varbinds, CPU and wall of one fleet poll)."""
    return Figure(
        name,
        int(statistics.median(r[0] for r in rounds)),
        statistics.median(r[1] for r in rounds),
        statistics.median(r[2] for r in rounds),
    )


def _static(line: str) -> str:
    """A recording line with snmpsim's variation (numeric...) replaced by its initial value:
    the simulator then spends its CPU on answering, not on computing counters."""
    oid, tag, value = line.split("|", 2)
    if ":" not in tag:
        return line
    base = tag.split(":", 1)[0]
    m = re.search(r"initial=(\d+)", value)
    return f"{oid}|{base}|{m.group(1) if m else value.split(',')[0]}"


def switch48(recording: Path) -> str:
    """The 24-port switch recording grown to 48 ports (ports 25-48 copy ports 1-24)."""
    rows: list[tuple[tuple[int, ...], str]] = []
    for raw in recording.read_text(encoding="utf-8").splitlines():
        if not raw.strip() or raw.startswith("#"):
            continue
        line = _static(raw)
        if line.startswith("1.3.6.1.2.1.2.1.0|"):
            line = "1.3.6.1.2.1.2.1.0|2|48"
        rows.append((_key(line), line))
        m = _IF_ROW.match(line)
        if m:
            col, index, rest = m.group(1), int(m.group(2)), m.group(3)
            new = index + 24
            if rest.startswith("4|"):  # names end with the port number: Gi1/0/7 -> Gi1/0/31
                rest = re.sub(rf"/{index}$", f"/{new}", rest)
            if col == "1.3.6.1.2.1.2.2.1.1":
                rest = f"2|{new}"
            copy = f"{col}.{new}|{rest}"
            rows.append((_key(copy), copy))
    rows.sort()
    return "\n".join(line for _, line in rows) + "\n"


def _key(line: str) -> tuple[int, ...]:
    return tuple(int(x) for x in line.split("|", 1)[0].split("."))


def _free_tcp_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def fleet(tmp: Path) -> Iterator[list[Device]]:
    """SIMULATORS snmpsim processes sharing SWITCHES 48-port switches and UPSS UPSs."""
    rec = devices_dir() / "recordings"
    sw = switch48(rec / "switch-1.snmprec")
    ups = (rec / "ups-1.snmprec").read_text(encoding="utf-8")
    dirs = [tmp / f"sim{i}" for i in range(SIMULATORS)]
    for d in dirs:
        d.mkdir()
    names: list[tuple[int, str, str]] = []
    for i in range(SWITCHES):
        names.append((i % SIMULATORS, f"sw48-{i + 1:02d}", "switch"))
    for i in range(UPSS):
        names.append((i % SIMULATORS, f"ups-{i + 1:02d}", "ups"))
    for sim, name, kind in names:
        (dirs[sim] / f"{name}.snmprec").write_text(sw if kind == "switch" else ups)
    with ExitStack() as stack:
        rooms = [stack.enter_context(SimRoom(d)) for d in dirs]
        yield [Device(name, rooms[sim].port, kind) for sim, name, kind in names]


def _cpu_self() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _cpu_children() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def roomwatch_pipeline(devices: list[Device], adaptive: bool = True) -> Figure:
    """The agent's own path: Poller.poll per device (GET/GETBULK, parse, rates). The poller
    keeps one session per device and asks each column for the rows it had last time
    (max-repetitions from MAX_REPS up to ``agent.poller.ADAPTIVE_MAX_REPETITIONS``);
    ``adaptive=False`` pins it at MAX_REPS, as the peers are configured."""
    from agent import poller as poller_mod
    from agent.poller import Poller
    from collector.profiles import load_profiles

    ceiling = poller_mod.ADAPTIVE_MAX_REPETITIONS
    if not adaptive:
        poller_mod.ADAPTIVE_MAX_REPETITIONS = MAX_REPS
    poller = Poller(load_profiles(), max_repetitions=MAX_REPS)
    targets = [
        Target(d.community, "snmp", "127.0.0.1", d.port,
               "if-mib" if d.kind == "switch" else "ups-mib",
               SnmpCredentials("2c", d.community), timeout=10, retries=1)
        for d in devices
    ]  # fmt: skip
    counted = _count_varbinds()

    async def one_round(sem: asyncio.Semaphore) -> int:
        async def poll(t: Target) -> int:
            async with sem:
                result = await poller.poll(t)
            assert result.ok, result.error
            return len(result.samples)

        return sum(await asyncio.gather(*(poll(t) for t in targets)))

    async def main() -> list[tuple[int, float, float]]:
        sem = asyncio.Semaphore(PARALLEL * 2)
        await one_round(sem)  # warm-up: rate baselines
        rounds = []
        for _ in range(ROUNDS):
            counted.reset()
            cpu0, t0 = _cpu_self(), time.perf_counter()
            await one_round(sem)
            rounds.append((counted.n, _cpu_self() - cpu0, time.perf_counter() - t0))
        return rounds

    try:
        rounds = asyncio.run(main())
    finally:
        counted.undo()
        poller.close()
        poller_mod.ADAPTIVE_MAX_REPETITIONS = ceiling
    how = f"adaptive max-repetitions {MAX_REPS}..{ceiling}" if adaptive else f"fixed {MAX_REPS}"
    return median_figure(f"roomwatch pipeline (if-mib/ups-mib profiles, {how})", rounds)


class _count_varbinds:
    """Count what SnmpSession returns (the bench's only patch; negligible per call)."""

    def __init__(self) -> None:
        self.n = 0
        self._get, self._walk = SnmpSession.get, SnmpSession.walk
        counter = self

        async def get(self: SnmpSession, oids: list[str], strict: bool = False) -> dict:  # type: ignore[type-arg]
            got = await counter._get(self, oids, strict)
            counter.n += len(got)
            return got

        async def walk(self: SnmpSession, root: str, *a: object, **kw: object) -> dict:  # type: ignore[type-arg]
            got = await counter._walk(self, root, *a, **kw)  # type: ignore[arg-type]
            counter.n += len(got)
            return got

        SnmpSession.get, SnmpSession.walk = get, walk  # type: ignore[method-assign]

    def reset(self) -> None:
        self.n = 0

    def undo(self) -> None:
        SnmpSession.get, SnmpSession.walk = self._get, self._walk  # type: ignore[method-assign]


def roomwatch_walk(devices: list[Device]) -> Figure:
    """The adapter alone walking ifTable + ifXTable of every switch: the peers' OIDs."""
    switches = [d for d in devices if d.kind == "switch"]

    async def main() -> list[tuple[int, float, float]]:
        sessions = [
            SnmpSession("127.0.0.1", d.port, SnmpCredentials("2c", d.community), timeout=10,
                        max_repetitions=MAX_REPS)
            for d in switches
        ]  # fmt: skip
        sem = asyncio.Semaphore(PARALLEL * 2)

        async def walk(s: SnmpSession) -> int:
            async with sem:
                return sum([len(await s.walk(t)) for t in TABLES])

        await asyncio.gather(*(walk(s) for s in sessions))
        rounds = []
        for _ in range(ROUNDS):
            cpu0, t0 = _cpu_self(), time.perf_counter()
            n = sum(await asyncio.gather(*(walk(s) for s in sessions)))
            rounds.append((n, _cpu_self() - cpu0, time.perf_counter() - t0))
        for s in sessions:
            s.close()
        return rounds

    return median_figure("roomwatch adapter walk ifTable+ifXTable", asyncio.run(main()))


def netsnmp(devices: list[Device]) -> Figure | None:
    exe = shutil.which("snmpbulkwalk")
    if exe is None:
        return None
    switches = [d for d in devices if d.kind == "switch"]
    env = {**os.environ, "MIBS": ""}
    jobs = [(d, t) for d in switches for t in TABLES]

    def walk(job: tuple[Device, str]) -> int:
        d, table = job
        out = subprocess.run(
            [exe, "-v2c", "-c", d.community, f"-Cr{MAX_REPS}", "-m", "", "-On", "-Oq",
             "-t", "10", f"127.0.0.1:{d.port}", table],
            check=True, capture_output=True, env=env,
        ).stdout  # fmt: skip
        return out.count(b"\n")

    with ThreadPoolExecutor(PARALLEL) as pool:
        list(pool.map(walk, jobs))
        rounds = []
        for _ in range(ROUNDS):
            cpu0, t0 = _cpu_children(), time.perf_counter()
            n = sum(pool.map(walk, jobs))
            rounds.append((n, _cpu_children() - cpu0, time.perf_counter() - t0))
    return median_figure(f"net-snmp snmpbulkwalk ({PARALLEL} in parallel)", rounds)


def exporter_config(devices: list[Device]) -> str:
    """snmp_exporter 0.21 snmp.yml: one module per community, ifTable + ifXTable."""
    import yaml

    cols = {
        "1.3.6.1.2.1.2.2.1": {1: "gauge", 2: "DisplayString", 3: "gauge", 4: "gauge",
                              5: "gauge", 6: "PhysAddress48", 7: "gauge", 8: "gauge",
                              9: "gauge", **{c: "counter" for c in range(10, 21)},
                              21: "gauge"},
        "1.3.6.1.2.1.31.1.1.1": {1: "DisplayString", **{c: "counter" for c in range(2, 14)},
                                 14: "gauge", 15: "gauge", 16: "gauge", 17: "gauge",
                                 18: "DisplayString", 19: "gauge"},
    }  # fmt: skip
    metrics = [
        {"name": f"{'if' if base.endswith('2.2.1') else 'ifx'}_{col}", "oid": f"{base}.{col}",
         "type": kind, "indexes": [{"labelname": "ifIndex", "type": "gauge"}]}
        for base, columns in cols.items()
        for col, kind in columns.items()
    ]  # fmt: skip
    modules = {
        d.community: {"version": 2, "max_repetitions": MAX_REPS, "timeout": "10s",
                      "auth": {"community": d.community}, "walk": TABLES, "metrics": metrics}
        for d in devices
        if d.kind == "switch"
    }  # fmt: skip
    return str(yaml.safe_dump(modules, sort_keys=False))


def exporter(devices: list[Device], tmp: Path) -> Figure | None:
    exe = shutil.which("prometheus-snmp-exporter")
    if exe is None:
        return None
    import psutil

    switches = [d for d in devices if d.kind == "switch"]
    conf = tmp / "snmp.yml"
    conf.write_text(exporter_config(devices))
    port = _free_tcp_port()
    proc = subprocess.Popen(
        [exe, f"--config.file={conf}", f"--web.listen-address=127.0.0.1:{port}",
         "--log.level=error"],
        stdout=subprocess.DEVNULL, stderr=open(tmp / "exporter.log", "wb"),  # noqa: SIM115
    )  # fmt: skip
    try:
        _wait_http(f"http://127.0.0.1:{port}/", proc, tmp / "exporter.log")
        pproc = psutil.Process(proc.pid)

        def scrape(d: Device) -> int:
            url = f"http://127.0.0.1:{port}/snmp?target=127.0.0.1:{d.port}&module={d.community}"
            with urllib.request.urlopen(url, timeout=60) as resp:
                text = resp.read().decode()
            n = sum(1 for line in text.splitlines() if line.startswith(("if_", "ifx_")))
            if n == 0:
                raise RuntimeError(f"snmp_exporter returned no interface metrics: {text[:300]}")
            return n

        with ThreadPoolExecutor(PARALLEL) as pool:
            list(pool.map(scrape, switches))
            rounds = []
            for _ in range(ROUNDS):
                c = pproc.cpu_times()
                cpu0, t0 = c.user + c.system, time.perf_counter()
                n = sum(pool.map(scrape, switches))
                c = pproc.cpu_times()
                rounds.append((n, c.user + c.system - cpu0, time.perf_counter() - t0))
        return median_figure(f"snmp_exporter ({PARALLEL} scrapes in parallel)", rounds)
    finally:
        proc.terminate()
        proc.wait(10)


def _wait_http(url: str, proc: subprocess.Popen[bytes], log: Path, deadline: float = 15) -> None:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"snmp_exporter exited: {log.read_text()[-500:]}")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.05)  # polling a starting server; no event to wait on
    raise RuntimeError(f"snmp_exporter did not listen within {deadline}s")


def _ratio(ours: Figure, peer: Figure) -> str:
    return f"{peer.cpu_per_k / ours.cpu_per_k:.2f}x" if ours.cpu_per_k else "n/a"


def run() -> list[str]:
    lines = [f"snmp_fleet: {SWITCHES} x 48-port switches + {UPSS} UPSs on {SIMULATORS} snmpsim "
             f"processes, median of {ROUNDS} rounds (one round = the whole fleet once), "
             f"max-repetitions {MAX_REPS}"]  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="roomwatch-fleet-") as name, fleet(Path(name)) as devs:
        tmp = Path(name)
        figures: dict[str, Figure | None] = {}
        steps: list[tuple[str, Callable[[], Figure | None]]] = [
            ("pipeline", lambda: roomwatch_pipeline(devs)),
            ("pipeline-fixed", lambda: roomwatch_pipeline(devs, adaptive=False)),
            ("walk", lambda: roomwatch_walk(devs)),
            ("netsnmp", lambda: netsnmp(devs)),
            ("exporter", lambda: exporter(devs, tmp)),
        ]
        for key, step in steps:
            figures[key] = step()
    ours, walk = figures["pipeline"], figures["walk"]
    assert ours is not None and walk is not None
    for fig in figures.values():
        if fig is not None:
            lines.append("  " + fig.line())
    for key, label in (("netsnmp", "net-snmp snmpbulkwalk"), ("exporter", "snmp_exporter")):
        peer = figures[key]
        if peer is None:
            lines.append(f"  {label}: not installed")
            continue
        fixed = figures["pipeline-fixed"]
        pinned = f" ({_ratio(fixed, peer)} at fixed max-repetitions)" if fixed else ""
        lines.append(f"  CPU per varbind, {label} / roomwatch: pipeline {_ratio(ours, peer)}"
                     f"{pinned}, adapter walk {_ratio(walk, peer)} "
                     f"(higher = roomwatch cheaper)")  # fmt: skip
    per_switch = 48 * 9 + 5  # the if-mib profile: 9 columns x 48 ports + 5 scalars
    us = ours.cpu_per_k * 1000  # µs of CPU per varbind
    capacity = 60 / (per_switch * us / 1e6) if us else 0
    lines.append(f"  projected: {capacity:,.0f} 48-port switches per 60 s cycle on one core "
                 f"(pipeline {us:.1f} µs/varbind x {per_switch} varbinds a switch)")  # fmt: skip
    return lines
