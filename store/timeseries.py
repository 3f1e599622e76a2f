"""The time-series store: latest value per series and raw samples.

Callers own the session and its transaction (``with factory() as s, s.begin():``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, delete, select
from sqlalchemy import insert as sa_insert
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


def write_samples(session: Session, samples: Sequence[Sample]) -> int:
    """Store a batch: upsert each series' latest value (only if newer) and append raw rows.

    Returns the number of samples stored. A replayed old batch never overwrites a newer
    latest value, but its raw samples are kept.
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
    session.execute(_upsert(session.get_bind().dialect.name), rows)
    ids = series_ids(session, {s.device for s in samples})
    session.execute(
        sa_insert(RawSample),
        [{"series_id": ids[s.key], "ts": s.ts, "value": s.value, "text": s.text} for s in samples],
    )
    return len(samples)


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
