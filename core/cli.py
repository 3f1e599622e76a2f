"""The ``roomwatch`` command.

Subcommands live with the package that owns them and are loaded by name when used
("agent.cli:agent"), so ``core`` imports nothing above it and ``roomwatch --help``
stays fast. Every :class:`RoomwatchError` becomes one line on stderr and exit code 2;
click's usage errors (unknown command, bad option value) are one line too, never a traceback.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import click

from core.errors import ConfigError, RoomwatchError

SUMMARIES: dict[str, str] = {
    "agent": "Run a poller: SNMP and psutil, pushes samples to the server.",
    "db": "Database schema (migrations).",
    "demo": "Everything in one process with a simulated machine room.",
    "journal": "Verify the hash chain of signed duty records; purge after retention.",
    "ledger": "Import and export the equipment ledger (CSV, XLSX).",
    "discover": "Find SNMP devices in an address range (candidates for the ledger).",
    "poll": "Poll one device once and print what roomwatch reads (SNMP check).",
    "rules": "Check and list rule files.",
    "serve": "Run the dashboard, the API and the rule engine.",
    "token": "API tokens for agents.",
    "user": "Dashboard accounts.",
}

SUBCOMMANDS: dict[str, str] = {
    "agent": "agent.cli:agent",
    "db": "store.cli:db",
    "demo": "demo.cli:demo",
    "discover": "agent.discover_cli:discover",
    "journal": "records.cli:journal",
    "ledger": "inventory.cli:ledger",
    "poll": "agent.poll_cli:poll",
    "rules": "rules.cli:rules",
    "serve": "dashboard.serve:serve",
    "token": "store.cli:token",
    "user": "store.cli:user",
}


def package_version() -> str:
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
@click.version_option(package_version(), "--version", prog_name="roomwatch")
def cli() -> None:
    """roomwatch — 机房监控 machine-room monitoring: agents, rules, alarms, duty records."""


def _one_line(message: str) -> str:
    return " ".join(part.strip() for part in message.splitlines() if part.strip())


def _fail(message: str, code: int) -> int:
    click.echo(f"roomwatch: error: {_one_line(message)}", err=True)
    return code


def main(argv: list[str] | None = None) -> int:
    """Run the command; errors a user can act on are one line on stderr, never a traceback."""
    try:
        rv = cli.main(args=argv, prog_name="roomwatch", standalone_mode=False)
    except click.exceptions.NoArgsIsHelpError as exc:  # ``roomwatch`` / ``roomwatch db``
        exc.show()
        return exc.exit_code
    except click.UsageError as exc:  # unknown command, bad option value: exit 2
        where = exc.ctx.command_path if exc.ctx is not None else "roomwatch"
        return _fail(f"{exc.format_message()} (see '{where} --help')", exc.exit_code)
    except click.ClickException as exc:
        return _fail(exc.format_message(), exc.exit_code)
    except click.Abort:  # Ctrl-C / end of input at a prompt
        return _fail("aborted", 1)
    except RoomwatchError as exc:
        return _fail(str(exc), 2)
    except BrokenPipeError:  # ``roomwatch rules list | head``: the reader went away
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    return rv if isinstance(rv, int) else 0


def check_log_level(level: str) -> str:
    """``level`` in upper case, or a one-line ConfigError naming the setting and the choices."""
    name = level.strip().upper()
    if not isinstance(logging.getLevelNamesMapping().get(name), int) or name == "NOTSET":
        raise ConfigError(
            f"setting 'log_level': unknown level {level!r}: use DEBUG, INFO, WARNING or ERROR "
            "(log_level in the config file or ROOMWATCH_LOG_LEVEL)"
        )
    return name


def run_or_exit(func: Any, *args: Any, **kwargs: Any) -> Any:
    """Call ``func``; a RoomwatchError becomes a ClickException (one line, exit code 1)."""
    try:
        return func(*args, **kwargs)
    except RoomwatchError as exc:
        raise click.ClickException(str(exc)) from None


if __name__ == "__main__":
    sys.exit(main())
