"""The ``roomwatch`` command.

Subcommands live with the package that owns them and are loaded by name when used
("agent.cli:agent"), so ``core`` imports nothing above it and ``roomwatch --help``
stays fast. Every :class:`RoomwatchError` becomes one line on stderr and exit code 2.
"""

from __future__ import annotations

import importlib
import sys
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import click

from core.errors import RoomwatchError

SUMMARIES: dict[str, str] = {
    "agent": "Run a poller: SNMP and psutil, pushes samples to the server.",
    "db": "Database schema (migrations).",
    "demo": "Everything in one process with a simulated machine room.",
    "rules": "Check and list rule files.",
    "serve": "Run the dashboard, the API and the rule engine.",
    "token": "API tokens for agents.",
    "user": "Dashboard accounts.",
}

SUBCOMMANDS: dict[str, str] = {
    "agent": "agent.cli:agent",
    "db": "store.cli:db",
    "demo": "demo.cli:demo",
    "rules": "rules.cli:rules",
    "serve": "dashboard.serve:serve",
    "token": "store.cli:token",
    "user": "store.cli:user",
}


def _version() -> str:
    try:
        return version("roomwatch")
    except PackageNotFoundError:  # running from a source tree without install
        return "0+unknown"


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(SUBCOMMANDS)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # summaries without importing every package (help stays fast and never fails)
        with formatter.section("Commands"):
            formatter.write_dl([(name, SUMMARIES[name]) for name in self.list_commands(ctx)])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = SUBCOMMANDS.get(cmd_name)
        if target is None:
            return None
        module, _, attr = target.partition(":")
        cmd = getattr(importlib.import_module(module), attr)
        assert isinstance(cmd, click.Command)
        return cmd


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(_version(), "--version", prog_name="roomwatch")
def cli() -> None:
    """roomwatch — 机房监控 machine-room monitoring: agents, rules, alarms, duty records."""


def main(argv: list[str] | None = None) -> Any:
    try:
        return cli.main(args=argv, prog_name="roomwatch", standalone_mode=True)
    except RoomwatchError as exc:
        click.echo(f"roomwatch: error: {exc}", err=True)
        sys.exit(2)


def run_or_exit(func: Any, *args: Any, **kwargs: Any) -> Any:
    """Call ``func``; a RoomwatchError becomes one line on stderr and exit code 2."""
    try:
        return func(*args, **kwargs)
    except RoomwatchError as exc:
        raise click.ClickException(str(exc)) from None
