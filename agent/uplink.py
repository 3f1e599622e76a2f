"""Samples to the server in batches, through the spool (:mod:`agent.spool`) so that
nothing is lost: each poll's samples are on disk as the poll completes, and a push closes
the open batch and sends every batch waiting, oldest first. Each batch carries its
``batch_id``, the same on every retry, so a batch the server took but whose answer was lost
is not stored twice.

What the server answers decides what becomes of a batch:

* 2xx: delivered, forgotten.
* 401 (wrong or revoked token), 404, 405, 408 (a wrong URL or a proxy in the way), 429
  (slow down), and any failure to reach the server: the batch stays, the push stops, and
  the next push retries in order.
* any other 4xx: the server will never take this batch: it goes to
  ``spool_dir/dead-letter/`` (kept for a person) and the next batches go on.
* 5xx: retried; the same 5xx for the same batch ``dead_letter_after`` times in a row, while
  the server's ``/api/v1/health`` says it is up, marks a batch the server cannot store (a
  poisoned batch): dead letter. 502, 503 and 504 say the server or its proxy is away, not
  that the batch is bad: they never count.

The agent reports the health of its spool as samples of a pseudo-device named after the
agent (``agent_spool_ok``, ``agent_samples_dropped``, ``agent_samples_dropped_total``,
``agent_dead_letter_batches``), so that the server's rule ``agent_spool_failing`` raises an
alarm; ``/metrics`` shows the same (:mod:`agent.metrics`).

Trap events go the same way on their own batches (``events-*.json``) to
``POST /api/v1/events``, pushed at once when they arrive (:meth:`Uplink.push_events`).

Blocking (urllib): call :meth:`Uplink.push` from a thread (``asyncio.to_thread``).
"""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from agent.spool import Batch, Spool, SpoolHealth, sample_to_json
from agent.targets import load_targets_file, targets_from_list
from collector.traps import TrapEvent
from core.types import Sample, Target

log = logging.getLogger(__name__)

__all__ = ["PushReport", "Uplink", "fetch_targets", "load_targets_file", "sample_to_json"]

RETRY_4XX = frozenset({401, 404, 405, 408, 429})  # not the batch's fault: keep and retry
AWAY_5XX = frozenset({502, 503, 504})  # the server or its proxy is away: never a strike
HEALTH_EVERY_SECONDS = 30.0  # the spool's health is reported this often, and on a change


@dataclass(frozen=True, slots=True)
class PushReport:
    sent: int  # batches accepted
    rejected: int  # batches moved to dead-letter/
    pending: int  # batches still waiting
    error: str | None = None


class Uplink:
    def __init__(
        self,
        server_url: str,
        token: str,
        agent_name: str,
        spool_dir: str | Path,
        timeout: float = 10.0,
        max_batch: int = 5000,
        memory_queue_samples: int = 100_000,
        dead_letter_after: int = 5,
        report_health: bool = True,
    ) -> None:
        base = server_url.rstrip("/")
        self.url = base + "/api/v1/samples"
        self.events_url = base + "/api/v1/events"
        self.health_url = base + "/api/v1/health"
        self.token = token
        self.agent_name = agent_name
        self.spool = Spool(spool_dir, agent_name, max_batch, memory_queue_samples)
        self.timeout = timeout
        self.dead_letter_after = dead_letter_after
        self.report_health = report_health
        self._events: list[TrapEvent] = []
        self._lock = threading.Lock()
        self._push_lock = threading.Lock()
        self._reported: tuple[bool, int] | None = None  # (spool ok, dropped) last reported
        self._reported_at = 0.0
        self.last_success: datetime | None = None
        self.last_error: str | None = None

    def add(self, samples: Iterable[Sample]) -> None:
        """One poll's samples: written to the spool at once (a kill loses none of them)."""
        items = samples if isinstance(samples, Sequence) else list(samples)
        if items:
            self.spool.add(items)

    def add_events(self, events: Iterable[TrapEvent]) -> None:
        with self._lock:
            self._events.extend(events)

    def pending_batches(self) -> int:
        return len(self.spool.pending("batch"))

    def pending_event_batches(self) -> int:
        return len(self.spool.pending("events"))

    def health(self) -> SpoolHealth:
        return self.spool.health()

    def health_samples(self, now: datetime | None = None, force: bool = False) -> list[Sample]:
        """The spool's health as samples of the pseudo-device named after the agent; empty
        when nothing changed since the last report less than HEALTH_EVERY_SECONDS ago."""
        h = self.spool.health()
        dropped = h.samples_dropped + h.events_dropped
        state = (h.ok, dropped)
        if (
            not force
            and state == self._reported
            and (time.monotonic() - self._reported_at < HEALTH_EVERY_SECONDS)
        ):
            return []
        since = dropped - (self._reported[1] if self._reported else 0)
        self._reported, self._reported_at = state, time.monotonic()
        ts = now or datetime.now(UTC)
        name = self.agent_name
        return [
            Sample(name, "agent_spool_ok", "", 1.0 if h.ok else 0.0, ts),
            Sample(name, "agent_samples_dropped", "", float(since), ts),
            Sample(name, "agent_samples_dropped_total", "", float(dropped), ts),
            Sample(name, "agent_dead_letter_batches", "", float(h.dead_letter_files), ts),
        ]

    def push_events(self) -> PushReport:
        """Spool buffered trap events as one batch, then send the waiting event batches."""
        with self._push_lock:
            with self._lock:
                events, self._events = self._events, []
            self.spool.add_events(events)
            return self._send("events", self.events_url)

    def push(self) -> PushReport:
        """Close the open batch, then send the waiting batches in order until one fails."""
        with self._push_lock:
            if self.report_health:
                self.add(self.health_samples())
            self.spool.close_open()
            self.spool.store_held()  # the disk may take again what memory holds
            return self._send("batch", self.url)

    def _send(self, kind: str, url: str) -> PushReport:
        sent = rejected = 0
        error: str | None = None
        for batch in self.spool.pending(kind):
            try:
                body = self.spool.body(batch)
            except FileNotFoundError:
                self.spool.done(batch)
                continue
            except OSError as exc:
                error = f"cannot read {batch.name}: {exc.strerror or exc}"
                log.error("spool: %s", error)
                break
            status, error = self._post(body, url)
            if status is not None and 200 <= status < 300:
                self.spool.done(batch)
                sent += 1
                self.last_success = datetime.now(UTC)
            elif self._refused_for_good(batch, status):
                self.spool.dead_letter(batch, error or f"HTTP {status}")
                rejected += 1
            else:
                if status == 401:
                    log.error("server refused the agent's token (HTTP 401): check agent.token;"
                              " batches are kept and retried")  # fmt: skip
                log.warning("push to %s failed (%s); %d batch(es) waiting", url, error,
                            len(self.spool.pending(kind)))  # fmt: skip
                break
        else:
            error = None
        self.last_error = error
        return PushReport(sent, rejected, len(self.spool.pending(kind)), error)

    def _refused_for_good(self, batch: Batch, status: int | None) -> bool:
        if status is None or status in RETRY_4XX or status in AWAY_5XX:
            return False
        if 400 <= status < 500:
            return True
        if status < 500:
            return False
        batch.strikes = batch.strikes + 1 if batch.last_status == status else 1
        batch.last_status = status
        # the same 5xx again and again while the server says it is well: this batch is what
        # it cannot store (a database that is down answers 503 on /health: no dead letter)
        return batch.strikes >= self.dead_letter_after and self._server_well()

    def _server_well(self) -> bool:
        req = urllib.request.Request(self.health_url, headers={"Accept": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                return 200 <= resp.status < 300
        except (urllib.error.URLError, OSError):
            return False

    def _post(self, body: bytes, url: str | None = None) -> tuple[int | None, str | None]:
        req = urllib.request.Request(
            url or self.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {self.token}",
            },
        )
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                return resp.status, None
        except urllib.error.HTTPError as exc:
            detail = exc.read(500).decode("utf-8", "replace")
            return exc.code, f"HTTP {exc.code}: {detail}"
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            return None, f"unreachable: {reason}"


def fetch_targets(server_url: str, token: str, timeout: float = 10.0) -> list[Target]:
    """``GET {server_url}/api/v1/targets`` -> targets. Raises ``ConnectionError`` when the
    server cannot be reached or answers an error, ``ConfigError`` for a bad payload."""
    url = server_url.rstrip("/") + "/api/v1/targets"
    req = urllib.request.Request(
        url, headers={"Authorization": f"Bearer {token}", "Accept": "application/json"}
    )
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            data = json.loads(resp.read().decode("utf-8"))
    except urllib.error.HTTPError as exc:
        raise ConnectionError(f"{url}: HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise ConnectionError(f"{url}: {getattr(exc, 'reason', exc)}") from None
    except ValueError:
        raise ConnectionError(f"{url}: answer is not JSON") from None
    items = data.get("targets") if isinstance(data, dict) else None
    return targets_from_list(items, url)
