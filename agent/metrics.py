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
from core.errors import PortInUseError
from core.types import Sample

PREFIX = "roomwatch_"
_BAD = re.compile(r"[^a-zA-Z0-9_]")


def metric_name(metric: str) -> str:
    return PREFIX + _BAD.sub("_", metric)


class AgentState:
    """What the agent knows right now: latest sample per series and poll counters."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.latest: dict[tuple[str, str, str], Sample] = {}
        self.polls: dict[str, int] = {}
        self.poll_errors: dict[str, int] = {}
        self.last_push: datetime | None = None
        self.spool_batches: Callable[[], int] = lambda: 0

    def record(self, result: PollResult) -> None:
        device = result.target.device
        with self._lock:
            self.polls[device] = self.polls.get(device, 0) + 1
            if not result.ok:
                self.poll_errors[device] = self.poll_errors.get(device, 0) + 1
            for s in result.samples:
                self.latest[s.key] = s

    def forget(self, device: str) -> None:
        with self._lock:
            for key in [k for k in self.latest if k[0] == device]:
                del self.latest[key]
            self.polls.pop(device, None)
            self.poll_errors.pop(device, None)

    def snapshot(self) -> tuple[list[Sample], dict[str, int], dict[str, int]]:
        with self._lock:
            return list(self.latest.values()), dict(self.polls), dict(self.poll_errors)


class RoomwatchCollector(Collector):
    def __init__(self, state: AgentState, agent_name: str = "agent") -> None:
        self.state = state
        self.agent_name = agent_name

    def collect(self) -> Iterator[Metric]:
        samples, polls, errors = self.state.snapshot()
        yield from _sample_families(samples)
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
        last = self.state.last_push
        yield GaugeMetricFamily(
            PREFIX + "agent_last_push_timestamp_seconds",
            "When the server last accepted a batch (unix time, 0 = never)",
            value=last.timestamp() if last else 0.0,
        )
        yield GaugeMetricFamily(
            PREFIX + "agent_targets", "Devices this agent polls", value=len(polls)
        )


def _sample_families(samples: Iterable[Sample]) -> Iterator[Metric]:
    by_metric: dict[str, list[Sample]] = {}
    for s in samples:
        by_metric.setdefault(s.metric, []).append(s)
    for metric in sorted(by_metric):
        rows = sorted(by_metric[metric], key=lambda s: (s.device, s.instance))
        numeric = [s for s in rows if s.value is not None]
        if numeric:
            unit = numeric[0].unit
            fam = GaugeMetricFamily(
                metric_name(metric),
                f"{metric} ({unit})" if unit else metric,
                labels=["device", "instance"],
            )
            for s in numeric:
                fam.add_metric([s.device, s.instance], float(s.value or 0.0))
            yield fam
        texts = [
            s
            for s in rows
            if s.value is None and s.text is not None and not s.text.startswith("unknown:")
        ]
        if texts:  # info metrics: the text as a label, value 1 (Prometheus convention)
            info = GaugeMetricFamily(
                metric_name(metric) + "_info",
                f"{metric} (text)",
                labels=["device", "instance", "value"],
            )
            for s in texts:
                info.add_metric([s.device, s.instance, s.text or ""], 1.0)
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
