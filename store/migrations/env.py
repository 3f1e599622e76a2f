"""Alembic environment: uses the engine handed over by store.db (no ini file)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from store.models import Base

engine: Engine = context.config.attributes["engine"]

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
