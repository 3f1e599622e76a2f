"""Samples to the server in batches, through a disk spool so that nothing is lost.

Every batch is first written to ``spool_dir`` (atomically: temp file + ``os.replace``,
named by time and sequence so that sorting the names gives the order), then the spool is
sent oldest first. 2xx removes the file; a 4xx other than 429 moves it to
``spool_dir/rejected/`` (the server will never take it; kept for a person to look at);
anything else (unreachable, 5xx, 429) stops the send and leaves the rest for the next
push, so batches arrive in order once the server is back.

Trap events go the same way on their own spool files (``events-*.json``) to
``POST /api/v1/events``, pushed at once when they arrive (:meth:`Uplink.push_events`).

Blocking (urllib): call :meth:`Uplink.push` from a thread (``asyncio.to_thread``).
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from agent.targets import load_targets_file, targets_from_list
from collector.traps import TrapEvent, event_to_json
from core.types import Sample, Target

log = logging.getLogger(__name__)

__all__ = ["PushReport", "Uplink", "fetch_targets", "load_targets_file", "sample_to_json"]


def _iso(ts: datetime) -> str:
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=UTC)
    return ts.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def sample_to_json(s: Sample) -> dict[str, Any]:
    return {
        "device": s.device,
        "metric": s.metric,
        "instance": s.instance,
        "value": s.value,
        "text": s.text,
        "unit": s.unit,
        "ts": _iso(s.ts),
    }


@dataclass(frozen=True, slots=True)
class PushReport:
    sent: int  # batches accepted
    rejected: int  # batches moved to rejected/
    pending: int  # batches still in the spool
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
    ) -> None:
        self.url = server_url.rstrip("/") + "/api/v1/samples"
        self.events_url = server_url.rstrip("/") + "/api/v1/events"
        self.token = token
        self.agent_name = agent_name
        self.spool = Path(spool_dir)
        self.rejected_dir = self.spool / "rejected"
        self.timeout = timeout
        self.max_batch = max_batch
        self._buffer: list[Sample] = []
        self._events: list[TrapEvent] = []
        self._lock = threading.Lock()
        self._push_lock = threading.Lock()
        self._seq = itertools.count()
        self.last_success: datetime | None = None
        self.last_error: str | None = None
        self.spool.mkdir(parents=True, exist_ok=True)

    def add(self, samples: Iterable[Sample]) -> None:
        with self._lock:
            self._buffer.extend(samples)

    def add_events(self, events: Iterable[TrapEvent]) -> None:
        with self._lock:
            self._events.extend(events)

    def pending_batches(self) -> int:
        return len(self._spooled())

    def pending_event_batches(self) -> int:
        return len(self._spooled("events"))

    def _spooled(self, kind: str = "batch") -> list[Path]:
        return sorted(self.spool.glob(f"{kind}-*.json"))

    def _write(self, kind: str, body: dict[str, Any]) -> None:
        name = f"{kind}-{time.time_ns():020d}-{next(self._seq):08d}.json"
        tmp = self.spool / f".{name}.tmp"
        tmp.write_bytes(json.dumps(body, ensure_ascii=False).encode("utf-8"))
        os.replace(tmp, self.spool / name)

    def spool_buffer(self) -> int:
        """Move buffered samples to disk as batches; returns how many batches were written."""
        with self._lock:
            samples, self._buffer = self._buffer, []
        written = 0
        for start in range(0, len(samples), self.max_batch):
            body = {
                "agent": self.agent_name,
                "samples": [sample_to_json(s) for s in samples[start : start + self.max_batch]],
            }
            self._write("batch", body)
            written += 1
        return written

    def push_events(self) -> PushReport:
        """Spool buffered trap events as one batch, then send the event spool in order."""
        with self._push_lock:
            with self._lock:
                events, self._events = self._events, []
            if events:
                self._write(
                    "events",
                    {"agent": self.agent_name, "events": [event_to_json(e) for e in events]},
                )
            return self._send_spool("events", self.events_url)

    def push(self) -> PushReport:
        """Spool what is buffered, then send the spool in order until something fails."""
        with self._push_lock:
            self.spool_buffer()
            return self._send_spool("batch", self.url)

    def _send_spool(self, kind: str, url: str) -> PushReport:
        sent = rejected = 0
        error: str | None = None
        for path in self._spooled(kind):
            status, error = self._post(path.read_bytes(), url)
            if status is not None and 200 <= status < 300:
                path.unlink()
                sent += 1
                self.last_success = datetime.now(UTC)
            elif status is not None and 400 <= status < 500 and status != 429:
                self.rejected_dir.mkdir(exist_ok=True)
                os.replace(path, self.rejected_dir / path.name)
                log.error(
                    "server rejected %s (HTTP %s): %s; kept in %s",
                    path.name,
                    status,
                    error,
                    self.rejected_dir,
                )
                rejected += 1
            else:
                log.warning(
                    "push to %s failed (%s); %d file(s) spooled",
                    url,
                    error,
                    len(self._spooled(kind)),
                )
                break
        else:
            error = None
        self.last_error = error
        return PushReport(sent, rejected, len(self._spooled(kind)), error)

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
