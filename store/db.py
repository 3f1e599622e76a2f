"""Database engine, sessions and migrations (SQLite embedded default, PostgreSQL in production)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from core.errors import DatabaseError

MIGRATIONS = Path(__file__).parent / "migrations"


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; SQLite gets WAL mode and its folder is created."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseError(
            f"database URL {url!r} is not valid: use sqlite:///var/roomwatch.db or "
            "postgresql+psycopg://user@host/db"
        ) from None
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite":
        db = parsed.database
        if db and db != ":memory:":
            Path(db).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"timeout": 10}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("connect_args", {"connect_timeout": 5})
    try:
        return create_engine(parsed, **kwargs)
    except (NoSuchModuleError, ImportError):
        raise DatabaseError(
            f"database URL {url!r} names an unsupported database: use sqlite:/// or "
            "postgresql+psycopg://"
        ) from None


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def _sqlite_refusal(engine: Engine, reason: str) -> str:
    """A SQLite file this user may not write (or open): what to do, not "is the server
    running" (there is no server)."""
    db = engine.url.database
    if engine.url.get_backend_name() != "sqlite" or not db or db == ":memory:":
        return ""
    if "readonly" in reason or "read-only" in reason:
        return (f"the database file {db} is read-only for this user ({reason}): run roomwatch "
                "as the user that owns it, or make the file and its folder writable (SQLite "
                "writes its -wal and -shm files next to it)")  # fmt: skip
    if "unable to open" in reason:
        return (f"cannot open the database file {db} ({reason}): check that this user may "
                "read and write it and its folder")  # fmt: skip
    return ""


def check_connection(engine: Engine) -> None:
    """Raise a one-line DatabaseError when the database cannot be reached."""
    try:
        with engine.connect():
            pass
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        refusal = _sqlite_refusal(engine, reason)
        if refusal:
            raise DatabaseError(refusal) from None
        raise DatabaseError(
            f"cannot connect to the database at {engine.url.render_as_string()}: {reason} "
            "(check ROOMWATCH_DATABASE_URL and that the server is running)"
        ) from None


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply migrations (the only way production creates tables)."""
    check_connection(engine)
    command.upgrade(alembic_config(engine), revision)


def head_revision() -> str:
    script = ScriptDirectory.from_config(alembic_config(create_engine("sqlite://")))
    head = script.get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def require_existing(url: str | URL) -> None:
    """Refuse a SQLite file that does not exist: opening it would leave an empty one behind."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return  # make_engine names this fault
    db = parsed.database
    if parsed.get_backend_name() != "sqlite" or not db or db == ":memory:":
        return
    if parsed.query.get("uri") or Path(db).exists():  # a file: URI is SQLite's to resolve
        return
    raise DatabaseError(
        f"database file {db} does not exist (no schema yet): run 'roomwatch db upgrade' to "
        "create it, or correct ROOMWATCH_DATABASE_URL"
    )


def require_current(engine: Engine) -> None:
    """Refuse to run on a database that is missing or not migrated to head."""
    require_existing(engine.url)
    check_connection(engine)
    current = current_revision(engine)
    if current != head_revision():
        raise DatabaseError(
            f"database schema is at {current or 'nothing'}, this roomwatch needs "
            f"{head_revision()}: run 'roomwatch db upgrade'"
        )
