"""Migrations are the only way the schema is made, and they match the models exactly."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from core.errors import DatabaseError
from store.db import (
    alembic_config,
    current_revision,
    head_revision,
    make_engine,
    require_current,
    upgrade,
)
from store.models import Base


def test_upgrade_matches_models_and_downgrades_cleanly(db_url: str) -> None:
    engine = make_engine(db_url)
    with pytest.raises(DatabaseError, match="roomwatch db upgrade"):
        require_current(engine)
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    require_current(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}),
                                Base.metadata)  # fmt: skip
    assert diff == [], f"models and migrations differ: {diff}"
    upgrade(engine)  # idempotent
    command.downgrade(alembic_config(engine), "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()


def test_unreachable_database_is_one_clear_line() -> None:
    engine = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
    with pytest.raises(DatabaseError) as info:
        upgrade(engine)
    msg = str(info.value)
    assert "cannot connect" in msg and "ROOMWATCH_DATABASE_URL" in msg and "\n" not in msg


def test_malformed_url_is_refused() -> None:
    with pytest.raises(DatabaseError, match="not valid"):
        make_engine("not a url")
