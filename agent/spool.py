"""The agent's queue of batches for the server: on disk, in order, surviving a kill; in
memory when the disk cannot be written.

Files in ``spool_dir`` (sorting the names gives the order)::

    open-<ns>-<seq>-<id>.jsonl    the batch being filled: one line per poll (a JSON list of
                                  samples), appended as each poll completes, so that a
                                  ``kill -9`` loses at most the poll in progress
    batch-<ns>-<seq>-<id>.jsonl   closed batches waiting for the server
    batch-<ns>-<seq>.json         batches of earlier versions (a whole request body)
    events-<ns>-<seq>-<id>.json   trap events (a whole request body)
    dead-letter/                  batches the server refused for good, as whole bodies for a
                                  person to read; ``rejected/``, its earlier name, is read too

``<id>`` is the batch id (uuid4, hex): the server stores a batch at most once, so every
retry of a batch, also after a restart, sends the id it was given when it was made.

When a write fails (disk full, read-only, gone) nothing stops: the batch is held in memory
and sent from there, the temporary file is removed, and the next batch tries the disk
again; once the disk takes writes, held batches are written to it. Memory holds at most
``memory_limit`` samples and events: beyond that the oldest batches are dropped and
counted. A start-up removes temporary files and closes what a kill left open.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import math
import os
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from collector.parse import clean_text
from collector.traps import TrapEvent, event_to_json
from core.types import Sample

log = logging.getLogger(__name__)

__all__ = ["Batch", "Spool", "SpoolHealth", "sample_to_json"]


def _iso(ts: datetime) -> str:
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=UTC)
    return ts.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def sample_to_json(s: Sample) -> dict[str, Any]:
    """One sample in the ``POST /api/v1/samples`` body. The last guard before the wire:
    text without control characters (a NUL cannot be stored) and no NaN or infinity
    (not JSON): whatever reader made the sample, one bad value never spoils a batch."""
    value, text = s.value, s.text
    if value is not None and not math.isfinite(value):
        value, text = None, f"unknown: value {value}"
    return {
        "device": s.device,
        "metric": s.metric,
        "instance": clean_text(s.instance),
        "value": value,
        "text": None if text is None else clean_text(text),
        "unit": s.unit,
        "ts": _iso(s.ts),
    }


@dataclass(eq=False)
class Batch:
    """One request's worth of samples (``kind`` "batch") or trap events ("events")."""

    kind: str
    name: str  # its file name in the spool; the sort key
    batch_id: str  # "" for files of earlier versions (sent as they are)
    count: int | None  # samples or events; None: on disk, not read yet
    path: Path | None = None  # on disk; None while held in memory
    lines: list[bytes] | None = None  # samples in memory: one JSON list per poll
    body: bytes | None = None  # events in memory: the whole request body
    strikes: int = 0  # the same 5xx answered in a row
    last_status: int | None = None


@dataclass(frozen=True, slots=True)
class SpoolHealth:
    ok: bool  # the last write to the spool directory worked
    error: str | None
    disk_batches: int
    memory_batches: int
    memory_items: int  # samples and events held in memory
    write_errors: int  # since start
    samples_dropped: int  # since start: could not be kept (memory full, dead letter lost)
    events_dropped: int
    dead_lettered: int  # batches moved to dead-letter/ since start
    dead_letter_files: int  # batches in dead-letter/ and rejected/ now


def _new_id() -> str:
    return uuid.uuid4().hex


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _good_lines(data: bytes) -> tuple[list[bytes], int]:
    """The complete JSON-list lines of a file a kill left open, and their length in bytes."""
    lines: list[bytes] = []
    size = 0
    for raw in data.splitlines(keepends=True):
        if not raw.endswith(b"\n"):
            break  # the poll being written when the process died
        try:
            ok = isinstance(json.loads(raw), list)
        except ValueError:
            ok = False
        if not ok:
            break
        lines.append(raw)
        size += len(raw)
    return lines, size


class Spool:
    def __init__(
        self, directory: str | Path, agent: str, max_batch: int = 5000, memory_limit: int = 100_000
    ) -> None:
        self.dir = Path(directory)
        self.dead_dir = self.dir / "dead-letter"
        self.old_dead_dir = self.dir / "rejected"
        self.agent = agent
        self.max_batch = max_batch
        self.memory_limit = memory_limit
        self._lock = threading.RLock()
        self._pending: list[Batch] = []
        self._open: Batch | None = None
        self._open_path: Path | None = None
        self._seq = itertools.count()
        self.ok = True
        self.error: str | None = None
        self.write_errors = 0
        self.samples_dropped = 0
        self.events_dropped = 0
        self.dead_lettered = 0
        self._recover()

    # ── health ───────────────────────────────────────────────────────────────────────────
    def _failed(self, what: str, exc: OSError) -> None:
        self.write_errors += 1
        reason = str(exc.strerror or exc)
        message = f"{what}: {reason}"
        if self.ok or reason not in (self.error or ""):  # once per fault, not per batch
            log.error("spool %s cannot be written (%s): batches are kept in memory", self.dir,
                      message)  # fmt: skip
        self.ok, self.error = False, message

    def _wrote(self) -> None:
        if not self.ok:
            log.warning("spool %s can be written again", self.dir)
        self.ok, self.error = True, None

    def health(self) -> SpoolHealth:
        with self._lock:
            memory = [b for b in self._pending if b.path is None]
            disk = len(self._pending) - len(memory)
            held = sum(b.count or 0 for b in memory)
            return SpoolHealth(
                self.ok, self.error, disk, len(memory), held, self.write_errors,
                self.samples_dropped, self.events_dropped, self.dead_lettered,
                self.dead_letter_files(),
            )  # fmt: skip

    def dead_letter_files(self) -> int:
        found = 0
        for folder in (self.dead_dir, self.old_dead_dir):
            with contextlib.suppress(OSError):
                found += sum(1 for p in folder.iterdir() if p.suffix in (".json", ".jsonl"))
        return found

    # ── start-up ─────────────────────────────────────────────────────────────────────────
    def _recover(self) -> None:
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            self._failed("create the spool directory", exc)
            return
        for tmp in self.dir.glob(".*.tmp"):  # a write cut short (full disk, kill)
            with contextlib.suppress(OSError):
                tmp.unlink()
        for path in sorted(self.dir.glob("open-*.jsonl")):
            self._close_left_open(path)
        for pattern, kind in (("batch-*.json*", "batch"), ("events-*.json", "events")):
            for path in self.dir.glob(pattern):
                if path.suffix in (".json", ".jsonl"):
                    self._pending.append(Batch(kind, path.name, _id_of(path.name), None, path))
        self._pending.sort(key=lambda b: b.name)

    def _close_left_open(self, path: Path) -> None:
        """A batch a kill left open: keep its complete lines and close it."""
        try:
            data = path.read_bytes()
        except OSError as exc:
            log.error("cannot read %s: %s", path, exc)
            return
        lines, size = _good_lines(data)
        final = path.name.replace("open-", "batch-", 1)
        count = sum(len(json.loads(line)) for line in lines)
        try:
            if not lines:
                path.unlink()
                return
            if size != len(data):
                os.truncate(path, size)
            os.replace(path, self.dir / final)
        except OSError as exc:
            self._failed(f"close {path.name}", exc)
            if lines:  # send from memory; the same id makes a later replay harmless
                self._pending.append(Batch("batch", final, _id_of(final), count, lines=lines))
            return
        log.info("spool: closed %s left open (%d samples)", final, count)

    # ── samples ──────────────────────────────────────────────────────────────────────────
    def add(self, samples: Sequence[Sample]) -> None:
        """Append one poll's samples to the open batch, on disk at once."""
        with self._lock:
            for start in range(0, len(samples), self.max_batch):
                chunk = samples[start : start + self.max_batch]
                filled = (self._open.count or 0) if self._open is not None else 0
                if filled and filled + len(chunk) > self.max_batch:
                    self._close_open()
                if self._open is None:
                    self._start_open()
                rows = json.dumps([sample_to_json(s) for s in chunk], ensure_ascii=False)
                self._append(rows.encode("utf-8") + b"\n", len(chunk))

    def _stem(self) -> str:
        return f"{time.time_ns():020d}-{next(self._seq):08d}-{_new_id()}"

    def _start_open(self) -> None:
        stem = self._stem()
        self._open = Batch("batch", f"batch-{stem}.jsonl", stem.rsplit("-", 1)[1], 0, lines=[])
        self._open_path = self.dir / f"open-{stem}.jsonl"  # made by the first append

    def _append(self, line: bytes, count: int) -> None:
        batch = self._open
        assert batch is not None and batch.lines is not None and batch.count is not None
        batch.lines.append(line)
        batch.count += count
        if self._open_path is None:
            return  # this batch lives in memory
        try:
            # opened for each poll, not held: no descriptor stays open between polls
            fd = os.open(self._open_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
            try:
                _write_all(fd, line)
            finally:
                os.close(fd)
        except OSError as exc:
            self._failed(f"write {batch.name}", exc)
            self._drop_open_file()  # the batch goes on in memory, with all its lines
        else:
            self._wrote()

    def _drop_open_file(self) -> None:
        if self._open_path is not None:
            with contextlib.suppress(OSError):  # read-only: a restart sends it, same id
                self._open_path.unlink()
        self._open_path = None

    def close_open(self) -> None:
        """Close the batch being filled so that it can be sent."""
        with self._lock:
            self._close_open()

    def _close_open(self) -> None:
        batch, self._open = self._open, None
        if batch is None:
            return
        if not batch.count:
            self._drop_open_file()
            return
        if self._open_path is not None:
            try:
                os.replace(self._open_path, self.dir / batch.name)
            except OSError as exc:
                self._failed(f"close {batch.name}", exc)
                self._drop_open_file()
            else:
                batch.path, batch.lines = self.dir / batch.name, None
            self._open_path = None
        self._pending.append(batch)
        if batch.path is None:
            self._bound()

    # ── events ───────────────────────────────────────────────────────────────────────────
    def add_events(self, events: Sequence[TrapEvent]) -> None:
        if not events:
            return
        stem = self._stem()
        batch_id = stem.rsplit("-", 1)[1]
        body = {"agent": self.agent, "batch_id": batch_id,
                "events": [event_to_json(e) for e in events]}  # fmt: skip
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        batch = Batch("events", f"events-{stem}.json", batch_id, len(events), body=data)
        with self._lock:
            self._pending.append(batch)
            self._store(batch)
            if batch.path is None:
                self._bound()

    # ── memory ───────────────────────────────────────────────────────────────────────────
    def _store(self, batch: Batch) -> bool:
        """Write a batch held in memory to disk (atomically); False if the disk refuses."""
        data = self.body(batch)
        tmp = self.dir / f".{batch.name}.tmp"
        try:
            with open(tmp, "wb") as fh:
                fh.write(data if batch.kind == "events" else b"".join(batch.lines or ()))
            os.replace(tmp, self.dir / batch.name)
        except OSError as exc:
            self._failed(f"write {batch.name}", exc)
            with contextlib.suppress(OSError):
                tmp.unlink()
            return False
        self._wrote()
        batch.path, batch.lines, batch.body = self.dir / batch.name, None, None
        return True

    def store_held(self) -> None:
        """Write batches held in memory to disk, oldest first, while the disk takes them."""
        with self._lock:
            for batch in [b for b in self._pending if b.path is None]:
                if not self._store(batch):
                    return

    def _bound(self) -> None:
        held = [b for b in self._pending if b.path is None]
        total = sum(b.count or 0 for b in held)
        for batch in held:
            if total <= self.memory_limit:
                return
            total -= batch.count or 0
            self._pending.remove(batch)
            self._count_lost(batch)
            log.error("spool: memory queue full (%d): dropped %s (%d %s)", self.memory_limit,
                      batch.name, batch.count or 0, "events" if batch.kind == "events"
                      else "samples")  # fmt: skip

    def _count_lost(self, batch: Batch) -> None:
        count = batch.count
        if count is None:
            try:
                count = _count_in(self.body(batch))
            except OSError:
                count = 0
        if batch.kind == "events":
            self.events_dropped += count
        else:
            self.samples_dropped += count

    # ── sending ──────────────────────────────────────────────────────────────────────────
    def pending(self, kind: str) -> list[Batch]:
        with self._lock:
            return [b for b in self._pending if b.kind == kind]

    def body(self, batch: Batch) -> bytes:
        """The request body of a batch (reads the file when it is on disk)."""
        if batch.body is not None:
            return batch.body
        lines = batch.lines
        if batch.path is not None:
            data = batch.path.read_bytes()
            if batch.path.suffix == ".json":
                return data
            lines = data.splitlines()
        parts = [p for p in (line.strip()[1:-1] for line in lines or ()) if p.strip()]
        head = json.dumps({"agent": self.agent, "batch_id": batch.batch_id}, ensure_ascii=False)
        return head[:-1].encode("utf-8") + b', "samples": [' + b", ".join(parts) + b"]}"

    def done(self, batch: Batch) -> None:
        """The server has it: forget it."""
        with self._lock:
            if batch in self._pending:
                self._pending.remove(batch)
        if batch.path is not None:
            try:
                batch.path.unlink(missing_ok=True)
            except OSError as exc:  # read-only: a restart sends it again, same id
                self._failed(f"remove {batch.path.name}", exc)

    def dead_letter(self, batch: Batch, why: str) -> None:
        """Move a batch the server will never take to dead-letter/ (a whole body)."""
        with self._lock:
            self._dead_letter(batch, why)

    def _dead_letter(self, batch: Batch, why: str) -> None:
        try:
            data = self.body(batch)
        except OSError:
            data = b""
        name = batch.name.removesuffix(".jsonl").removesuffix(".json") + ".json"
        tmp = self.dead_dir / f".{name}.tmp"
        try:
            self.dead_dir.mkdir(exist_ok=True)
            tmp.write_bytes(data)
            os.replace(tmp, self.dead_dir / name)
        except OSError as exc:
            with contextlib.suppress(OSError):
                tmp.unlink()
            self._failed(f"write dead-letter/{name}", exc)
            self._count_lost(batch)
            log.error("batch %s refused (%s) and cannot be kept in %s: dropped", batch.name,
                      why, self.dead_dir)  # fmt: skip
        else:
            log.error("batch %s refused for good (%s): moved to %s", batch.name, why,
                      self.dead_dir)  # fmt: skip
        self.dead_lettered += 1
        self.done(batch)


def _id_of(name: str) -> str:
    """The batch id in a file name (``<kind>-<ns>-<seq>-<id>.<ext>``); "" when there is none."""
    parts = name.split(".", 1)[0].split("-")
    return parts[3] if len(parts) == 4 else ""


def _count_in(body: bytes) -> int:
    try:
        data: Any = json.loads(body)
    except ValueError:
        return 0
    items = data.get("samples", data.get("events", [])) if isinstance(data, dict) else []
    return len(items) if isinstance(items, list) else 0
