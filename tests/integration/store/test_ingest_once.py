"""A point and a batch stored at most once (issue 11, point 8), on SQLite and PostgreSQL.

Unique (series, ts) on raw samples with inserts that skip what is stored; batch ids claimed
in the transaction that stores the batch, a second claim waiting for the first to end;
migration 0013 removes the duplicates an older server stored.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from core.types import Sample
from store import ingest, timeseries
from store.db import alembic_config, make_engine, session_factory, upgrade
from store.models import IngestBatch, RawSample, Series

T0 = datetime(2026, 11, 21, 3, 0, tzinfo=UTC)


def _s(n: int, dt: float = 0, value: float = 1.0) -> Sample:
    return Sample(f"dev-{n}", "m", "", value, T0 + timedelta(seconds=dt))


def _raw(sessions: sessionmaker[Session]) -> int:
    with sessions() as s:
        return int(s.scalar(select(func.count()).select_from(RawSample)) or 0)


def test_a_point_already_stored_is_skipped(sessions: sessionmaker[Session]) -> None:
    batch = [_s(n) for n in range(5)] + [_s(0, 10)]
    with sessions() as s, s.begin():
        assert timeseries.write_samples(s, batch) == 6
    with sessions() as s, s.begin():  # the same batch again, one new point in it
        assert timeseries.write_samples(s, [*batch, _s(0, 20)]) == 1
    with sessions() as s, s.begin():  # twice in one batch: once
        assert timeseries.write_samples(s, [_s(9, 0, 1.0), _s(9, 0, 2.0)]) == 1
    assert _raw(sessions) == 8
    with sessions() as s:
        assert timeseries.latest(s)[("dev-0", "m", "")].ts == T0 + timedelta(seconds=20)


def test_the_database_refuses_a_duplicate_point(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        timeseries.write_samples(s, [_s(0)])
    with pytest.raises(IntegrityError), sessions() as s, s.begin():
        sid = s.scalars(select(Series.id)).one()
        s.add(RawSample(series_id=sid, ts=T0, value=2.0))
        s.flush()


def test_a_batch_id_is_claimed_once_and_keeps_its_acknowledgement(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as s, s.begin():
        assert ingest.claim(s, "samples", "agent-1", "b-1", T0)
        ingest.settle(s, "samples", "agent-1", "b-1", 3, 1, '{"accepted": 3}')
    with sessions() as s, s.begin():
        assert not ingest.claim(s, "samples", "agent-1", "b-1", T0)
        assert ingest.stored_ack(s, "samples", "agent-1", "b-1") == '{"accepted": 3}'
        assert ingest.claim(s, "events", "agent-1", "b-1", T0)  # another stream
        assert ingest.claim(s, "samples", "agent-2", "b-1", T0)  # another agent
    with sessions() as s, s.begin():  # a rolled-back claim leaves the id free
        assert ingest.claim(s, "samples", "agent-1", "b-2", T0)
        s.rollback()
    with sessions() as s, s.begin():
        assert ingest.claim(s, "samples", "agent-1", "b-2", T0)


def test_batch_ids_are_pruned_with_the_raw_retention(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        ingest.claim(s, "samples", "a", "old", T0 - timedelta(days=8))
        ingest.claim(s, "samples", "a", "new", T0)
    with sessions() as s, s.begin():
        assert ingest.prune(s, T0 - timedelta(days=7)) == 1
    with sessions() as s:
        assert s.scalars(select(IngestBatch.batch_id)).all() == ["new"]


def _waiting_on_a_lock(engine: Engine) -> bool:
    """PostgreSQL: some other session of this database waits for a lock (our second claim)."""
    with engine.connect() as conn:
        return bool(conn.scalar(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock'"
        )))  # fmt: skip


def test_a_second_delivery_waits_for_the_first_and_finds_the_id_taken(engine: Engine) -> None:
    """The timed-out upload: its retry arrives while the first is still being stored."""
    sessions = session_factory(engine)
    results: list[bool] = []
    first = sessions()
    first.begin()
    assert ingest.claim(first, "samples", "agent-1", "b-1", T0)
    timeseries.write_samples(first, [_s(n) for n in range(3)])

    def retry() -> None:
        with sessions() as s, s.begin():
            claimed = ingest.claim(s, "samples", "agent-1", "b-1", T0)
            if claimed:
                timeseries.write_samples(s, [_s(n) for n in range(3)])
            results.append(claimed)

    thread = threading.Thread(target=retry)
    thread.start()
    if engine.dialect.name == "postgresql":  # see it blocked on the first's row, then go on
        deadline = datetime.now(UTC) + timedelta(seconds=10)
        while not _waiting_on_a_lock(engine):
            assert datetime.now(UTC) < deadline, "the second claim never waited"
            threading.Event().wait(0.02)  # polling the condition above, not guessing a time
    ingest.settle(first, "samples", "agent-1", "b-1", 3, 0, "{}")
    first.commit()
    first.close()
    thread.join(timeout=30)
    assert results == [False]
    assert _raw(sessions) == 3


def test_migration_0013_removes_duplicate_points_keeping_the_first(db_url: str) -> None:
    engine = make_engine(db_url)
    upgrade(engine, "0012")
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO series (id, device, metric, instance, unit, value, ts) "
            "VALUES (1, 'ups-1', 'm', '', '', 1.0, :ts)"
        ), {"ts": T0})  # fmt: skip
        for rid, dt, value in ((1, 0, 1.0), (2, 0, 2.0), (3, 10, 3.0), (4, 0, 4.0), (5, 10, 5.0)):
            conn.execute(
                text("INSERT INTO raw_samples (id, series_id, ts, value) VALUES (:i, 1, :ts, :v)"),
                {"i": rid, "ts": T0 + timedelta(seconds=dt), "v": value},
            )
    upgrade(engine, "0013")
    with engine.connect() as conn:
        kept = conn.execute(text("SELECT id, value FROM raw_samples ORDER BY id")).all()
    assert [tuple(r) for r in kept] == [(1, 1.0), (3, 3.0)]
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(text("INSERT INTO raw_samples (series_id, ts, value) VALUES (1, :ts, 9)"),
                     {"ts": T0})  # fmt: skip
    command.downgrade(alembic_config(engine), "0012")
    engine.dispose()


def test_mixed_value_types_in_one_batch(sessions: sessionmaker[Session]) -> None:
    """PostgreSQL appends through typed arrays: an int value, None and text in one batch."""
    batch = [Sample("ups-1", "a", "", 1, T0), Sample("ups-1", "b", "", 2.5, T0),
             Sample("ups-1", "c", "", None, T0, text="on battery")]  # fmt: skip
    with sessions() as s, s.begin():
        assert timeseries.write_samples(s, batch) == 3
    with sessions() as s:
        assert [v for _, v in timeseries.history(s, "ups-1", "a", "", T0)] == [1.0]
        assert timeseries.latest(s)[("ups-1", "c", "")].text == "on battery"
