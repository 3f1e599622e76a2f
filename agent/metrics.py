"""``/metrics`` for Prometheus: the latest polled values and the agent's own health.

A custom collector yields metric families at scrape time from what is held in memory,
on a private registry (never the global default one).
"""

from __future__ import annotations

import errno
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any

from prometheus_client import start_http_server
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector, CollectorRegistry

from agent.poller import PollResult
from agent.spool import SpoolHealth
from collector.traps import TrapEvent
from core.errors import PortInUseError
from core.types import Sample

PREFIX = "roomwatch_"
_BAD = re.compile(r"[^a-zA-Z0-9_]")


def metric_name(metric: str) -> str:
    return PREFIX + _BAD.sub("_", metric)


# Prometheus wants base units (promtool lints it): a series kept in minutes for people is
# exposed in seconds. unit -> (name suffix, base suffix, factor)
_TO_BASE = {"min": ("_minutes", "_seconds", 60.0)}


def exposed(metric: str, unit: str) -> tuple[str, float]:
    """The Prometheus name of ``metric`` and the factor that puts its value in base units."""
    rule = _TO_BASE.get(unit)
    if rule is not None and metric.endswith(rule[0]):
        return metric_name(metric.removesuffix(rule[0]) + rule[1]), rule[2]
    return metric_name(metric), 1.0


class AgentState:
    """What the agent knows right now: latest sample per series and poll counters."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.latest: dict[tuple[str, str, str], Sample] = {}
        self.polls: dict[str, int] = {}
        self.poll_errors: dict[str, int] = {}
        self.last_push: datetime | None = None
        self.traps: dict[str, int] = {}  # trap name -> count
        self.locations: dict[str, tuple[str, str]] = {}  # device -> (room, rack)
        self.spool_batches: Callable[[], int] = lambda: 0
        self.spool_health: Callable[[], SpoolHealth | None] = lambda: None

    def record(self, result: PollResult) -> None:
        device = result.target.device
        with self._lock:
            self.locations[device] = (result.target.room, result.target.rack)
            self.polls[device] = self.polls.get(device, 0) + 1
            if not result.ok:
                self.poll_errors[device] = self.poll_errors.get(device, 0) + 1
            for s in result.samples:
                self.latest[s.key] = s

    def record_event(self, event: TrapEvent) -> None:
        with self._lock:
            self.traps[event.name] = self.traps.get(event.name, 0) + 1

    def forget(self, device: str) -> None:
        with self._lock:
            for key in [k for k in self.latest if k[0] == device]:
                del self.latest[key]
            self.polls.pop(device, None)
            self.poll_errors.pop(device, None)
            self.locations.pop(device, None)

    def snapshot(self) -> tuple[list[Sample], dict[str, int], dict[str, int]]:
        with self._lock:
            return list(self.latest.values()), dict(self.polls), dict(self.poll_errors)

    def where(self) -> dict[str, tuple[str, str]]:
        with self._lock:
            return dict(self.locations)


class RoomwatchCollector(Collector):
    def __init__(self, state: AgentState, agent_name: str = "agent") -> None:
        self.state = state
        self.agent_name = agent_name

    def collect(self) -> Iterator[Metric]:
        samples, polls, errors = self.state.snapshot()
        yield from _sample_families(samples, self.state.where())
        total = CounterMetricFamily(
            PREFIX + "agent_polls", "Polls made, per device", labels=["device"]
        )
        for device, n in sorted(polls.items()):
            total.add_metric([device], n)
        yield total
        failed = CounterMetricFamily(
            PREFIX + "agent_poll_errors",
            "Polls that failed (device down, timeout), per device",
            labels=["device"],
        )
        for device, n in sorted(errors.items()):
            failed.add_metric([device], n)
        yield failed
        yield GaugeMetricFamily(
            PREFIX + "agent_spool_batches",
            "Sample batches waiting on disk for the server",
            value=self.state.spool_batches(),
        )
        yield from _spool_families(self.state.spool_health())
        last = self.state.last_push
        yield GaugeMetricFamily(
            PREFIX + "agent_last_push_timestamp_seconds",
            "When the server last accepted a batch (unix time, 0 = never)",
            value=last.timestamp() if last else 0.0,
        )
        yield GaugeMetricFamily(
            PREFIX + "agent_targets", "Devices this agent polls", value=len(polls)
        )
        traps = CounterMetricFamily(
            PREFIX + "agent_traps", "Traps and informs received, per trap name", labels=["trap"]
        )
        for name, n in sorted(self.state.traps.items()):
            traps.add_metric([name or "unknown"], n)
        yield traps


def _spool_families(health: SpoolHealth | None) -> Iterator[Metric]:
    """The spool's health: can it be written, what memory holds, what was lost."""
    if health is None:
        return
    gauges = (
        ("agent_spool_ok", "1 when the spool directory can be written, 0 when it cannot",
         1.0 if health.ok else 0.0),
        ("agent_memory_queue_batches", "Batches held in memory because the spool cannot be "
         "written", health.memory_batches),
        ("agent_memory_queue_items", "Samples and events held in memory because the spool "
         "cannot be written", health.memory_items),
        ("agent_dead_letter_files", "Batches the server refused for good, kept in the "
         "dead-letter folder", health.dead_letter_files),
    )  # fmt: skip
    for name, text, value in gauges:
        yield GaugeMetricFamily(PREFIX + name, text, value=float(value))
    counters = (
        ("agent_spool_write_errors", "Writes to the spool that failed", health.write_errors),
        ("agent_samples_dropped", "Samples that could not be kept (memory queue full, "
         "dead letter not writable)", health.samples_dropped),
        ("agent_events_dropped", "Trap events that could not be kept", health.events_dropped),
        ("agent_dead_lettered", "Batches moved to the dead-letter folder", health.dead_lettered),
    )  # fmt: skip
    for name, text, value in counters:
        yield CounterMetricFamily(PREFIX + name, text, value=float(value))


LABELS = ["device", "room", "rack", "instance"]


def _help(metric: str, unit: str) -> str:
    return f"{metric} ({unit}), as polled" if unit else f"{metric}, as polled"


def _sample_families(
    samples: Iterable[Sample], where: dict[str, tuple[str, str]] | None = None
) -> Iterator[Metric]:
    """One family per metric: gauges (counters for ``*_total``), and for text values an
    ``_info`` family with the text as a label (value 1, the Prometheus convention)."""
    where = where or {}
    by_metric: dict[str, list[Sample]] = {}
    for s in samples:
        by_metric.setdefault(s.metric, []).append(s)
    for metric in sorted(by_metric):
        rows = sorted(by_metric[metric], key=lambda s: (s.device, s.instance))
        numeric = [s for s in rows if s.value is not None]
        if numeric:
            unit = numeric[0].unit
            name, factor = exposed(metric, unit)
            fam: GaugeMetricFamily | CounterMetricFamily
            if metric.endswith("_total"):
                fam = CounterMetricFamily(name, _help(metric, unit), labels=LABELS)
            else:
                fam = GaugeMetricFamily(name, _help(metric, unit), labels=LABELS)
            for s in numeric:
                room, rack = where.get(s.device, ("", ""))
                fam.add_metric([s.device, room, rack, s.instance], float(s.value or 0.0) * factor)
            yield fam
        texts = [
            s
            for s in rows
            if s.value is None and s.text is not None and not s.text.startswith("unknown:")
        ]
        if texts and not metric.endswith("_total"):
            info = GaugeMetricFamily(
                metric_name(metric) + "_info",
                f"{metric} (text), as polled",
                labels=[*LABELS, "value"],
            )
            for s in texts:
                room, rack = where.get(s.device, ("", ""))
                info.add_metric([s.device, room, rack, s.instance, s.text or ""], 1.0)
            yield info


class MetricsServer:
    """Serves a private registry on ``host:port``; ``port=0`` picks a free port."""

    def __init__(self, collector: Collector, host: str = "127.0.0.1", port: int = 9108) -> None:
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(collector)
        try:
            server: Any
            server, self._thread = start_http_server(port, addr=host, registry=self.registry)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise PortInUseError(
                    f"metrics port {host}:{port} is already in use: stop the other process "
                    f"or set agent.metrics_port (ROOMWATCH_AGENT_METRICS_PORT)"
                ) from None
            raise
        self._server = server
        self.host = host
        self.port: int = server.server_address[1]

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
