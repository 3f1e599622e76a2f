"""``roomwatch agent``: poll devices, push samples, serve /metrics."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

import click

from core.config import load_settings
from core.errors import RoomwatchError


@click.command("agent")
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="TOML settings file (else ROOMWATCH_CONFIG, else defaults).",
)
@click.option("--server-url", default=None, help="Server to push to and ask for targets.")
@click.option("--token", default=None, help="Agent token (Bearer) for the server's API.")
@click.option(
    "--targets-file",
    type=click.Path(dir_okay=False),
    default=None,
    help="Poll the targets in this YAML file instead of asking the server.",
)
@click.option("--metrics-port", type=int, default=None, help="Port of /metrics (0 = any).")
def agent(
    config_path: str | None,
    server_url: str | None,
    token: str | None,
    targets_file: str | None,
    metrics_port: int | None,
) -> None:
    """Run the polling agent until interrupted (Ctrl-C / SIGTERM)."""
    from agent.runner import run_agent

    try:
        settings = load_settings(config_path)
        overrides = {
            "server_url": server_url,
            "token": token,
            "targets_file": targets_file,
            "metrics_port": metrics_port,
        }
        for key, value in overrides.items():
            if value is not None:
                setattr(settings.agent, key, value)
    except (RoomwatchError, ValueError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await run_agent(settings, stop)

    try:
        asyncio.run(main())
    except RoomwatchError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
