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
polls in production: every column of a device in the same GETBULKs, ``walk_columns``) and
its adapter walking ifTable + ifXTable one table at a time (the peers' OIDs and requests).
snmpsim answers at most 64 varbinds a GETBULK, whatever is asked.
"""

from __future__ import annotations

import asyncio
import contextvars
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


class Tool:
    """One client of the fleet: set up once, then ``round()`` polls the whole fleet once and
    says (varbinds, CPU seconds, wall seconds). The tools take turns round by round, so
    each one's median is taken over the same stretch of a shared, noisy machine."""

    name = ""

    def round(self) -> tuple[int, float, float]:
        raise NotImplementedError

    def close(self) -> None:
        return None


class Pipeline(Tool):
    """The agent's own path: Poller.poll per device (GET/GETBULK, parse, rates). The poller
    keeps one session per device and asks each column for the rows it had last time
    (max-repetitions from MAX_REPS up to ``agent.poller.ADAPTIVE_MAX_REPETITIONS``);
    ``adaptive=False`` pins it at MAX_REPS, as the peers are configured."""

    def __init__(self, devices: list[Device], counted: _count_varbinds, adaptive: bool = True):
        from agent import poller as poller_mod
        from agent.poller import Poller
        from collector.profiles import load_profiles

        self._mod, self._adaptive, self._counted = poller_mod, adaptive, counted
        ceiling = poller_mod.ADAPTIVE_MAX_REPETITIONS
        how = f"adaptive max-repetitions {MAX_REPS}..{ceiling}" if adaptive else f"fixed {MAX_REPS}"
        self.name = f"roomwatch pipeline (if-mib/ups-mib profiles, {how})"
        self._ceiling = ceiling if adaptive else MAX_REPS
        self.poller = Poller(load_profiles(), max_repetitions=MAX_REPS)
        self.targets = [
            Target(d.community, "snmp", "127.0.0.1", d.port,
                   "if-mib" if d.kind == "switch" else "ups-mib",
                   SnmpCredentials("2c", d.community), timeout=10, retries=1)
            for d in devices
        ]  # fmt: skip
        self._runner = asyncio.Runner()
        self._sem = self._runner.run(self._semaphore())
        self.round()  # warm-up: rate baselines, sessions

    @staticmethod
    async def _semaphore() -> asyncio.Semaphore:
        return asyncio.Semaphore(PARALLEL * 2)

    async def _one_round(self) -> None:
        async def poll(t: Target) -> None:
            async with self._sem:
                result = await self.poller.poll(t)
            assert result.ok, result.error

        await asyncio.gather(*(poll(t) for t in self.targets))

    def round(self) -> tuple[int, float, float]:
        saved = self._mod.ADAPTIVE_MAX_REPETITIONS
        self._mod.ADAPTIVE_MAX_REPETITIONS = self._ceiling
        try:
            self._counted.reset()
            cpu0, t0 = _cpu_self(), time.perf_counter()
            self._runner.run(self._one_round())
            return self._counted.n, _cpu_self() - cpu0, time.perf_counter() - t0
        finally:
            self._mod.ADAPTIVE_MAX_REPETITIONS = saved

    def close(self) -> None:
        self._runner.run(self._close())
        self._runner.close()

    async def _close(self) -> None:
        self.poller.close()


_IN_COLUMNS: contextvars.ContextVar[bool] = contextvars.ContextVar("in_columns", default=False)


class _count_varbinds:
    """Count what SnmpSession returns (the bench's only patch; negligible per call)."""

    def __init__(self) -> None:
        self.n = 0
        self._get, self._walk = SnmpSession.get, SnmpSession.walk
        self._columns = SnmpSession.walk_columns
        counter = self

        async def get(self: SnmpSession, oids: list[str], strict: bool = False) -> dict:  # type: ignore[type-arg]
            got = await counter._get(self, oids, strict)
            counter.n += len(got)
            return got

        async def walk(self: SnmpSession, root: str, *a: object, **kw: object) -> dict:  # type: ignore[type-arg]
            got = await counter._walk(self, root, *a, **kw)  # type: ignore[arg-type]
            if not _IN_COLUMNS.get():  # column by column: walk_columns counts its rows
                counter.n += len(got)
            return got

        async def columns(self: SnmpSession, roots: list[str], *a: object, **kw: object) -> dict:  # type: ignore[type-arg]
            token = _IN_COLUMNS.set(True)
            try:
                got = await counter._columns(self, roots, *a, **kw)  # type: ignore[arg-type]
            finally:
                _IN_COLUMNS.reset(token)
            counter.n += sum(map(len, got.values()))
            return got

        SnmpSession.get, SnmpSession.walk = get, walk  # type: ignore[method-assign,assignment]
        SnmpSession.walk_columns = columns  # type: ignore[method-assign]

    def reset(self) -> None:
        self.n = 0

    def undo(self) -> None:
        SnmpSession.get, SnmpSession.walk = self._get, self._walk  # type: ignore[method-assign]
        SnmpSession.walk_columns = self._columns  # type: ignore[method-assign]


class AdapterWalk(Tool):
    """The adapter alone walking ifTable + ifXTable of every switch, one table at a time:
    the peers' OIDs and requests."""

    name = "roomwatch adapter walk ifTable+ifXTable"

    def __init__(self, devices: list[Device]) -> None:
        self._runner = asyncio.Runner()
        self.sessions = self._runner.run(self._open(devices))
        self.round()

    @staticmethod
    async def _open(devices: list[Device]) -> list[SnmpSession]:
        return [
            SnmpSession("127.0.0.1", d.port, SnmpCredentials("2c", d.community), timeout=10,
                        max_repetitions=MAX_REPS)
            for d in devices
            if d.kind == "switch"
        ]  # fmt: skip

    async def _walk_all(self) -> int:
        sem = asyncio.Semaphore(PARALLEL * 2)

        async def walk(s: SnmpSession) -> int:
            async with sem:
                return sum([len(await s.walk(t)) for t in TABLES])

        return sum(await asyncio.gather(*(walk(s) for s in self.sessions)))

    def round(self) -> tuple[int, float, float]:
        cpu0, t0 = _cpu_self(), time.perf_counter()
        n = self._runner.run(self._walk_all())
        return n, _cpu_self() - cpu0, time.perf_counter() - t0

    def close(self) -> None:
        for s in self.sessions:
            s.close()
        self._runner.close()


class NetSnmp(Tool):
    """net-snmp ``snmpbulkwalk`` (C), PARALLEL processes at a time, each table of each switch."""

    name = f"net-snmp snmpbulkwalk ({PARALLEL} in parallel)"

    def __init__(self, exe: str, devices: list[Device]) -> None:
        self.exe = exe
        self.env = {**os.environ, "MIBS": ""}
        self.jobs = [(d, t) for d in devices if d.kind == "switch" for t in TABLES]
        self.pool = ThreadPoolExecutor(PARALLEL)
        self.round()

    def _walk(self, job: tuple[Device, str]) -> int:
        d, table = job
        out = subprocess.run(
            [self.exe, "-v2c", "-c", d.community, f"-Cr{MAX_REPS}", "-m", "", "-On", "-Oq",
             "-t", "10", f"127.0.0.1:{d.port}", table],
            check=True, capture_output=True, env=self.env,
        ).stdout  # fmt: skip
        return out.count(b"\n")

    def round(self) -> tuple[int, float, float]:
        cpu0, t0 = _cpu_children(), time.perf_counter()
        n = sum(self.pool.map(self._walk, self.jobs))
        return n, _cpu_children() - cpu0, time.perf_counter() - t0

    def close(self) -> None:
        self.pool.shutdown()


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


class Exporter(Tool):
    """The Prometheus ``snmp_exporter`` (Debian package): PARALLEL scrapes at a time, one
    module per switch (ifTable + ifXTable); its CPU is its process's cpu_times."""

    name = f"snmp_exporter ({PARALLEL} scrapes in parallel)"

    def __init__(self, exe: str, devices: list[Device], tmp: Path) -> None:
        import psutil

        self.switches = [d for d in devices if d.kind == "switch"]
        conf = tmp / "snmp.yml"
        conf.write_text(exporter_config(devices))
        self.port = _free_tcp_port()
        self.proc = subprocess.Popen(
            [exe, f"--config.file={conf}", f"--web.listen-address=127.0.0.1:{self.port}",
             "--log.level=error"],
            stdout=subprocess.DEVNULL, stderr=open(tmp / "exporter.log", "wb"),  # noqa: SIM115
        )  # fmt: skip
        try:
            _wait_http(f"http://127.0.0.1:{self.port}/", self.proc, tmp / "exporter.log")
            self.pproc = psutil.Process(self.proc.pid)
            self.pool = ThreadPoolExecutor(PARALLEL)
            self.round()
        except BaseException:
            self.proc.terminate()
            raise

    def _scrape(self, d: Device) -> int:
        url = f"http://127.0.0.1:{self.port}/snmp?target=127.0.0.1:{d.port}&module={d.community}"
        with urllib.request.urlopen(url, timeout=60) as resp:
            text = resp.read().decode()
        n = sum(1 for line in text.splitlines() if line.startswith(("if_", "ifx_")))
        if n == 0:
            raise RuntimeError(f"snmp_exporter returned no interface metrics: {text[:300]}")
        return n

    def round(self) -> tuple[int, float, float]:
        c = self.pproc.cpu_times()
        cpu0, t0 = c.user + c.system, time.perf_counter()
        n = sum(self.pool.map(self._scrape, self.switches))
        c = self.pproc.cpu_times()
        return n, c.user + c.system - cpu0, time.perf_counter() - t0

    def close(self) -> None:
        self.pool.shutdown()
        self.proc.terminate()
        self.proc.wait(10)


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
             f"processes, median of {ROUNDS} rounds (one round = the whole fleet once; the "
             f"tools take turns round by round), max-repetitions {MAX_REPS}"]  # fmt: skip
    counted = _count_varbinds()
    rounds: dict[str, list[tuple[int, float, float]]] = {}
    try:
        with (
            tempfile.TemporaryDirectory(prefix="roomwatch-fleet-") as name,
            fleet(Path(name)) as devs,
            ExitStack() as stack,
        ):
            tools: dict[str, Tool] = {}
            makers: list[tuple[str, Callable[[], Tool | None]]] = [
                ("pipeline", lambda: Pipeline(devs, counted)),
                ("pipeline-fixed", lambda: Pipeline(devs, counted, adaptive=False)),
                ("walk", lambda: AdapterWalk(devs)),
                ("netsnmp", lambda: _maybe(shutil.which("snmpbulkwalk"), NetSnmp, devs)),
                ("exporter", lambda: _maybe(shutil.which("prometheus-snmp-exporter"), Exporter,
                                            devs, Path(name))),
            ]  # fmt: skip
            for key, make in makers:
                tool = make()
                if tool is not None:
                    tools[key] = tool
                    stack.callback(tool.close)
            for _ in range(ROUNDS):
                for key, tool in tools.items():
                    rounds.setdefault(key, []).append(tool.round())
            figures: dict[str, Figure | None] = {
                key: median_figure(tool.name, rounds[key]) for key, tool in tools.items()
            }
    finally:
        counted.undo()
    ours, walk = figures["pipeline"], figures["walk"]
    assert ours is not None and walk is not None
    for fig in figures.values():
        if fig is not None:
            lines.append("  " + fig.line())
    for key, label in (("netsnmp", "net-snmp snmpbulkwalk"), ("exporter", "snmp_exporter")):
        peer = figures.get(key)
        if peer is None:
            lines.append(f"  {label}: not installed")
            continue
        fixed = figures.get("pipeline-fixed")
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


def _maybe(exe: str | None, cls: Callable[..., Tool], *args: object) -> Tool | None:
    """The peer's tool, or None where its program is not installed (said in the output)."""
    return cls(exe, *args) if exe else None
