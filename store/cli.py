"""``roomwatch db``, ``roomwatch user`` and ``roomwatch token``."""

from __future__ import annotations

import os
import secrets

import click

from core.config import Settings, load_settings
from core.types import Role
from store import accounts
from store.db import current_revision, head_revision, make_engine, session_factory, upgrade

config_option = click.option(
    "--config", "config_path", type=click.Path(dir_okay=False), help="TOML config file."
)


def _settings(config_path: str | None) -> Settings:
    return load_settings(config_path)


@click.group()
def db() -> None:
    """Database schema (Alembic migrations)."""


@db.command("upgrade")
@config_option
def db_upgrade(config_path: str | None) -> None:
    """Apply all migrations to the configured database."""
    settings = _settings(config_path)
    engine = make_engine(settings.database_url)
    upgrade(engine)
    click.echo(f"database at revision {current_revision(engine)} (head {head_revision()})")


@db.command("status")
@config_option
def db_status(config_path: str | None) -> None:
    """Show the schema revision of the configured database."""
    engine = make_engine(_settings(config_path).database_url)
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
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    engine = make_engine(_settings(config_path).database_url)
    factory = session_factory(engine)
    with factory() as s, s.begin():
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
    engine = make_engine(_settings(config_path).database_url)
    factory = session_factory(engine)
    with factory() as s, s.begin():
        value = accounts.create_token(s, name, actor="cli")
    click.echo(value)
