"""The time-series store: latest value per series and raw samples.

Callers own the session and its transaction (``with factory() as s, s.begin():``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, delete, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from core.types import Sample
from store.models import RawSample, Series

SeriesKey = tuple[str, str, str]


_UPSERTS: dict[str, Any] = {}


def _upsert(dialect: str) -> Any:
    """INSERT ... ON CONFLICT DO UPDATE of a series' latest value, only when newer.

    Built once per dialect and run as an executemany, so SQLAlchemy compiles it once.
    """
    stmt = _UPSERTS.get(dialect)
    if stmt is None:
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        table = cast(Table, Series.__table__)
        ins = insert(table)
        stmt = ins.on_conflict_do_update(
            index_elements=["device", "metric", "instance"],
            set_={c: ins.excluded[c] for c in ("unit", "value", "text", "ts")},
            where=ins.excluded.ts >= table.c.ts,
        )
        _UPSERTS[dialect] = stmt
    return stmt


# PostgreSQL: one statement over arrays; faster than an executemany, and its rowcount is
# exact (psycopg reports none for an executemany)
_RAW_INSERT_PG = text(
    "INSERT INTO raw_samples (series_id, ts, value, text) "
    "SELECT * FROM unnest(CAST(:series_id AS integer[]), CAST(:ts AS timestamptz[]), "
    "CAST(:value AS double precision[]), CAST(:text AS text[])) "
    "ON CONFLICT (series_id, ts) DO NOTHING"
)
_RAW_INSERT_SQLITE = sqlite.insert(cast(Table, RawSample.__table__)).on_conflict_do_nothing(
    index_elements=["series_id", "ts"]
)


def _append_raw(session: Session, dialect: str, ids: list[int], samples: Sequence[Sample]) -> int:
    """Append raw points, skipping a (series, ts) already stored; returns the rows added."""
    if dialect == "postgresql":
        columns = {
            "series_id": ids,
            "ts": [s.ts for s in samples],
            # one element type per array: an int value (callers pass 1 for 1.0) becomes a float
            "value": [None if s.value is None else float(s.value) for s in samples],
            "text": [s.text for s in samples],
        }
        result: Any = session.execute(_RAW_INSERT_PG, columns)
    else:  # SQLite: executemany, whose rowcount counts the rows inserted
        rows = [{"series_id": sid, "ts": s.ts, "value": s.value, "text": s.text}
                for sid, s in zip(ids, samples, strict=True)]  # fmt: skip
        result = session.execute(_RAW_INSERT_SQLITE, rows)
    return int(result.rowcount)


def write_samples(session: Session, samples: Sequence[Sample]) -> int:
    """Store a batch: upsert each series' latest value (only if newer) and append raw rows.

    Returns the number of raw points newly stored: a point whose series already has one at
    the same ts (a replayed batch, or twice in this one) is skipped. A replayed old batch
    never overwrites a newer latest value.
    """
    if not samples:
        return 0
    # the newest sample per series decides its latest value
    newest: dict[SeriesKey, Sample] = {}
    for s in samples:
        cur = newest.get(s.key)
        if cur is None or s.ts >= cur.ts:
            newest[s.key] = s
    rows = [
        {"device": s.device, "metric": s.metric, "instance": s.instance, "unit": s.unit,
         "value": s.value, "text": s.text, "ts": s.ts}
        for s in newest.values()
    ]  # fmt: skip
    dialect = session.get_bind().dialect.name
    session.execute(_upsert(dialect), rows)
    ids = series_ids(session, {s.device for s in samples})
    return _append_raw(session, dialect, [ids[s.key] for s in samples], samples)


def series_ids(session: Session, devices: Iterable[str]) -> dict[SeriesKey, int]:
    """Ids of every series of the given devices."""
    q = select(Series.id, Series.device, Series.metric, Series.instance).where(
        Series.device.in_(sorted(devices))
    )
    return {(dev, met, inst): sid for sid, dev, met, inst in session.execute(q)}


def _to_sample(row: Series) -> Sample:
    return Sample(
        device=row.device,
        metric=row.metric,
        instance=row.instance,
        value=row.value,
        ts=row.ts,
        unit=row.unit,
        text=row.text,
    )


def latest(
    session: Session, devices: Iterable[str] | None = None, metrics: Iterable[str] | None = None
) -> dict[SeriesKey, Sample]:
    """Latest value of every series (optionally of some devices / metrics)."""
    q = select(Series)
    if devices is not None:
        q = q.where(Series.device.in_(list(devices)))
    if metrics is not None:
        q = q.where(Series.metric.in_(list(metrics)))
    return {(r.device, r.metric, r.instance): _to_sample(r) for r in session.scalars(q)}


def history(
    session: Session, device: str, metric: str, instance: str, since: datetime
) -> list[tuple[datetime, float | None]]:
    """Raw points of one series since a time, oldest first."""
    q = (
        select(RawSample.ts, RawSample.value)
        .join(Series, Series.id == RawSample.series_id)
        .where(Series.device == device, Series.metric == metric, Series.instance == instance)
        .where(RawSample.ts >= since)
        .order_by(RawSample.ts)
    )
    return [(ts, v) for ts, v in session.execute(q)]


def prune_raw(session: Session, before: datetime) -> int:
    """Delete raw samples older than ``before`` (retention); returns rows deleted."""
    result = session.execute(delete(RawSample).where(RawSample.ts < before))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
