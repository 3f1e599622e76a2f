"""``roomwatch db``, ``roomwatch user`` and ``roomwatch token``."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import click
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

from core.config import Settings, load_settings
from core.errors import DatabaseError
from core.types import Role
from store import accounts
from store.db import (
    check_connection,
    current_revision,
    head_revision,
    make_engine,
    require_current,
    require_existing,
    session_factory,
    upgrade,
)

config_option = click.option(
    "--config", "config_path", type=click.Path(dir_okay=False), help="TOML config file."
)


# read by these commands themselves, not settings (core.config would call them unknown)
OWN_VARIABLES = frozenset({"ROOMWATCH_NEW_PASSWORD"})


def _settings(config_path: str | None) -> Settings:
    env = {k: v for k, v in os.environ.items() if k not in OWN_VARIABLES}
    return load_settings(config_path, env=env)


def open_engine(url: str, *, migrated: bool = True) -> Engine:
    """The configured database, checked: reachable and (when ``migrated``) at the current
    schema. A bad URL, a missing driver, an unreachable server or an old schema is a
    one-line :class:`DatabaseError` naming the cause and the fix."""
    if migrated:  # before make_engine: a missing SQLite file is refused, not created
        require_existing(url)
    try:
        engine = make_engine(url)
    except (NoSuchModuleError, ImportError):
        try:
            scheme = make_url(url).drivername
        except ArgumentError:
            scheme = url
        raise DatabaseError(
            f"database URL {url!r}: no database driver for {scheme!r}: use "
            "sqlite:///var/roomwatch.db or postgresql+psycopg://user@host/db"
        ) from None
    except OSError as exc:  # SQLite: the folder of the database file cannot be created
        raise DatabaseError(
            f"database URL {url!r}: cannot create {exc.filename}: {exc.strerror}: "
            "choose a writable path in ROOMWATCH_DATABASE_URL"
        ) from None
    with database_errors(engine):  # e.g. SQLite: "file is not a database"
        if migrated:
            require_current(engine)
        else:
            check_connection(engine)
    return engine


@contextmanager
def database_errors(engine: Engine) -> Iterator[None]:
    """A database failure in the middle of a command becomes one line, not a traceback."""
    try:
        yield
    except DBAPIError as exc:
        reason = str(exc.orig or exc).strip().splitlines()[0]
        raise DatabaseError(
            f"database {engine.url.render_as_string()}: {reason} "
            "(check ROOMWATCH_DATABASE_URL; run 'roomwatch db upgrade' if the schema is old)"
        ) from None


@click.group()
def db() -> None:
    """Database schema (Alembic migrations)."""


@db.command("upgrade")
@config_option
def db_upgrade(config_path: str | None) -> None:
    """Apply all migrations to the configured database."""
    settings = _settings(config_path)
    engine = open_engine(settings.database_url, migrated=False)
    with database_errors(engine):
        upgrade(engine)
        click.echo(f"database at revision {current_revision(engine)} (head {head_revision()})")


@db.command("status")
@config_option
def db_status(config_path: str | None) -> None:
    """Show the schema revision of the configured database."""
    engine = open_engine(_settings(config_path).database_url, migrated=False)
    with database_errors(engine):
        click.echo(f"current: {current_revision(engine) or 'empty'}  head: {head_revision()}")


@click.group()
def user() -> None:
    """Dashboard accounts."""


@user.command("add")
@click.argument("name")
@click.option(
    "--role", type=click.Choice([r.value for r in Role]), required=True, help="Account role."
)
@click.option("--display-name", default="", help="Name shown on records (e.g. 张三).")
@click.option(
    "--password",
    envvar="ROOMWATCH_NEW_PASSWORD",
    default=None,
    help="Password (default: asked twice; or ROOMWATCH_NEW_PASSWORD).",
)
@config_option
def user_add(
    name: str, role: str, display_name: str, password: str | None, config_path: str | None
) -> None:
    """Create an account NAME with ROLE."""
    engine = open_engine(_settings(config_path).database_url)  # before asking for a password
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    factory = session_factory(engine)
    with database_errors(engine), factory() as s, s.begin():
        accounts.create_user(s, name, password, role, display_name, actor="cli")
    click.echo(f"user {name} created with role {role}")


def ensure_admin(engine_url: str, username: str = "admin") -> str | None:
    """Create the administrator account if missing; return its password when created.

    The password is ROOMWATCH_ADMIN_PASSWORD when set, else generated (printed once).
    """
    engine = make_engine(engine_url)
    factory = session_factory(engine)
    with factory() as s, s.begin():
        if accounts.get_user(s, username) is not None:
            return None
        password = os.environ.get("ROOMWATCH_ADMIN_PASSWORD") or secrets.token_urlsafe(12)
        accounts.create_user(s, username, password, Role.ADMIN, "管理员 Administrator", "setup")
    return password


@click.group()
def token() -> None:
    """API tokens for agents."""


@token.command("create")
@click.argument("name")
@config_option
def token_create(name: str, config_path: str | None) -> None:
    """Create an API token NAME (printed once; give it to the agent as agent.token)."""
    engine = open_engine(_settings(config_path).database_url)
    factory = session_factory(engine)
    with database_errors(engine), factory() as s, s.begin():
        value = accounts.create_token(s, name, actor="cli")
    click.echo(value)
