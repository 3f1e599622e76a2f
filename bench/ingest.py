"""Store ingest on SQLite: roomwatch's ``write_samples`` (upsert latest + append raw, one
transaction per batch) against the floor: the same rows appended with the stdlib ``sqlite3``
``executemany`` into a bare table (no latest-value upsert, no ORM)."""

from __future__ import annotations

import sqlite3
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.stats import report, timed_runs
from core.types import Sample
from store import timeseries
from store.db import make_engine, session_factory, upgrade

BATCH = 2000  # a room of ~100 devices x 20 series
RUNS = 15


def _batch(i: int) -> list[Sample]:
    ts = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=10 * i)
    return [
        Sample(f"dev-{n // 20}", f"metric_{n % 20}", "", float(n + i), ts) for n in range(BATCH)
    ]


def run() -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        upgrade(engine)
        factory = session_factory(engine)
        counter = iter(range(10**6))

        def ours() -> None:
            with factory() as s, s.begin():
                timeseries.write_samples(s, _batch(next(counter)))

        mine = timed_runs(ours, RUNS)
        engine.dispose()
        con = sqlite3.connect(Path(tmp) / "peer.db")
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=NORMAL")
        con.execute(
            "CREATE TABLE raw (device TEXT, metric TEXT, instance TEXT, ts TEXT, value REAL)"
        )
        counter2 = iter(range(10**6))

        def peer() -> None:
            rows = [(s.device, s.metric, s.instance, s.ts.isoformat(), s.value)
                    for s in _batch(next(counter2))]  # fmt: skip
            with con:
                con.executemany("INSERT INTO raw VALUES (?,?,?,?,?)", rows)

        theirs = timed_runs(peer, RUNS)
        con.close()
    line = report(
        f"ingest batch of {BATCH} samples (SQLite)", mine, theirs, "sqlite3 executemany floor"
    )
    per_s = BATCH / sorted(mine)[len(mine) // 2]
    return [line, f"ingest throughput: {per_s:,.0f} samples/s (median batch)"]
