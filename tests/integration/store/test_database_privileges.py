"""docs/database-privileges.md, run as written: the application role signs and purges, and
cannot remove a trigger, TRUNCATE, or update the journal (PostgreSQL)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import sessionmaker

from records import journal
from store.db import make_engine, upgrade

DOC = Path(__file__).parents[3] / "docs" / "database-privileges.md"
TODAY = datetime.now(UTC)  # the purge triggers judge age by the database's clock
YEAR = timedelta(days=365)


def _doc_sql(owner: str, app: str, database: str) -> list[list[str]]:
    """The doc's SQL blocks as statements, with this test's role and database names; psql
    commands left out, CREATE DATABASE made an ALTER (the test has its database already)."""
    blocks = re.findall(r"```sql\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    out = []
    for block in blocks:
        lines = [ln for ln in block.splitlines() if not ln.startswith(("\\", "--"))]
        sql = "\n".join(lines).replace("roomwatch_owner", owner).replace("roomwatch_app", app)
        sql = sql.replace("DATABASE roomwatch", f'DATABASE "{database}"')
        sql = re.sub(r"CREATE DATABASE (\S+) OWNER", r"ALTER DATABASE \1 OWNER TO", sql)
        out.append([s.strip() for s in sql.split(";") if s.strip()])
    return out


@pytest.fixture
def app_engine(db_url: str) -> Iterator[Engine]:
    """The schema made by an owner role, and an engine for the application role."""
    if not db_url.startswith("postgresql"):
        pytest.skip("roles and privileges are PostgreSQL's")
    url = make_url(db_url)
    tag = uuid.uuid4().hex[:8]
    owner, app = f"rw_owner_{tag}", f"rw_app_{tag}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    setup, after_upgrade = _doc_sql(owner, app, str(url.database))
    try:
        with admin.connect() as conn:
            for sql in setup:
                conn.execute(text(sql))
        as_owner = make_engine(url.set(username=owner).render_as_string(hide_password=False))
        upgrade(as_owner)
        with as_owner.begin() as conn:
            for sql in after_upgrade:
                conn.execute(text(sql))
        as_owner.dispose()
        engine = make_engine(url.set(username=app).render_as_string(hide_password=False))
        yield engine
        engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{url.database}" OWNER TO CURRENT_USER'))
            conn.execute(text(f'GRANT ALL ON DATABASE "{url.database}" TO PUBLIC'))
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            for role in (app, owner):
                conn.execute(text(f"DROP OWNED BY {role}; DROP ROLE {role}"))
        admin.dispose()


@pytest.mark.pg
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_the_application_role_signs_but_cannot_remove_a_guard(app_engine: Engine) -> None:
    with sessionmaker(app_engine)() as s, s.begin():
        for i, when in ((1, TODAY - 4 * YEAR), (2, TODAY)):
            journal.freeze(s, kind="handover", record_id=i, content={"notes": "正常"},
                           signer="duty", address="", now=when)  # fmt: skip
    with sessionmaker(app_engine)() as s, s.begin():
        assert journal.purge_before(s, TODAY - 3 * YEAR - timedelta(days=5), by="admin",
                                    now=TODAY) == 1  # fmt: skip
    refused = {}
    for sql in (
        "TRUNCATE journal",
        "TRUNCATE inspection_items",
        "UPDATE journal SET reason = ''",
        "DELETE FROM journal_purges",
        "DROP TRIGGER journal_append_only ON journal",
        "ALTER TABLE journal DISABLE TRIGGER ALL",
        "SET session_replication_role = replica",
    ):
        try:
            with app_engine.begin() as conn:
                conn.execute(text(sql))
            refused[sql] = ""
        except DBAPIError as exc:
            refused[sql] = str(exc.orig).splitlines()[0]
    assert all(refused.values()), refused
    with sessionmaker(app_engine)() as s:
        assert journal.verify(s).checked == 2 and journal.verify_purges(s) == []
