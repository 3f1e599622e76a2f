"""``roomwatch demo``."""

from __future__ import annotations

import logging
import os
import secrets
import signal
import tempfile
import threading
from types import FrameType

import click

from core.cli import check_log_level
from core.config import load_settings
from core.errors import RoomwatchError
from core.logging import setup_logging


@click.command()
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="TOML config.")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=None, help="Dashboard port (default 8080)."
)
@click.option(
    "--metrics-port",
    type=click.IntRange(0, 65535),
    default=None,
    help="Agent /metrics port (default 9108).",
)
@click.option("--no-scenario", is_flag=True, help="Do not switch the UPS/uplink on a schedule.")
@click.option(
    "--check",
    is_flag=True,
    help="Start everything, wait for one poll to land and one page to render, exit 0.",
)
def demo(
    config_path: str | None,
    port: int | None,
    metrics_port: int | None,
    no_scenario: bool,
    check: bool,
) -> None:
    """Run server, rule engine, agent and a simulated machine room in one process."""
    from demo.accounts import describe
    from demo.check import login_and_fetch, wait_for
    from demo.room import Demo

    settings = load_settings(config_path)
    setup_logging("WARNING" if check else check_log_level(settings.log_level))
    logging.getLogger("alembic").setLevel(logging.WARNING)  # "Context impl SQLiteImpl."
    scratch = tempfile.TemporaryDirectory(prefix="roomwatch-check-") if check else None
    if scratch is not None:
        # a self-test of the installation: its own database and free ports, so neither a
        # running demo nor the user's data gets in the way
        port, metrics_port = 0, 0
        settings.database_url = f"sqlite:///{scratch.name}/check.db"
        settings.agent.spool_dir = f"{scratch.name}/spool"
        settings.agent.trap_port = 0
        os.environ["ROOMWATCH_ADMIN_PASSWORD"] = secrets.token_urlsafe(12)
    room = Demo(
        settings,
        web_port=settings.server.port if port is None else port,
        metrics_port=settings.agent.metrics_port if metrics_port is None else metrics_port,
        scenario=not (no_scenario or check),
    )
    stop = threading.Event()

    def _on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    for sig in (signal.SIGINT, signal.SIGTERM):  # Ctrl-C works even if SIGINT was ignored
        signal.signal(sig, _on_signal)
    try:
        room.start()
        if check:

            def landed() -> bool:
                _raise_agent_error(room.agent_error)  # no point waiting for a dead agent
                return "ups-1" in room.polled_devices()

            wait_for("a poll landing in the database", landed, 90)
            html = login_and_fetch(room.web.url, "admin", os.environ["ROOMWATCH_ADMIN_PASSWORD"])
            if "ups-1" not in html:
                raise click.ClickException("the overview page does not show ups-1")
            click.echo(f"demo check ok: polled {sorted(room.polled_devices())}, overview rendered")
            return
        if room.admin_password:
            click.echo(
                f"\n  administrator account: admin / {room.admin_password}\n"
                "  (shown once; set ROOMWATCH_ADMIN_PASSWORD to choose it)\n"
            )
        if room.accounts is not None:
            click.echo(describe(room.accounts, room.web.url))
        click.echo(f"  roomwatch demo 演示: open {room.web.url}  (Ctrl-C to stop 停止)\n")
        while not stop.wait(1) and not room.stop_event.is_set():
            pass
        _raise_agent_error(room.agent_error)
    except KeyboardInterrupt:
        pass
    finally:
        click.echo("stopping the demo…")
        room.stop()
        if scratch is not None:
            scratch.cleanup()


def _raise_agent_error(error: Exception | None) -> None:
    """The demo's agent stopped on its own: say why in one line (core.cli.main), exit non-zero."""
    if error is None:
        return
    if isinstance(error, RoomwatchError):
        raise error
    raise click.ClickException(f"the demo's agent stopped: {error}")
