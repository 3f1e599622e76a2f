"""``roomwatch agent``: poll devices, push samples, serve /metrics."""

from __future__ import annotations

import asyncio
import logging
import signal

import click
from pydantic import ValidationError

from core.cli import check_log_level
from core.config import load_settings
from core.errors import ConfigError


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
@click.option(
    "--metrics-port",
    type=click.IntRange(0, 65535),
    default=None,
    help="Port of /metrics (0 = any).",
)
def agent(
    config_path: str | None,
    server_url: str | None,
    token: str | None,
    targets_file: str | None,
    metrics_port: int | None,
) -> None:
    """Run the polling agent until interrupted (Ctrl-C / SIGTERM)."""
    # whatever stops it from starting (settings, targets file, unknown profile, metrics port
    # in use) is a RoomwatchError: one line from core.cli.main, exit code 2, no traceback
    from agent.runner import run_agent

    settings = load_settings(config_path)
    overrides = {
        "server_url": server_url,
        "token": token,
        "targets_file": targets_file,
        "metrics_port": metrics_port,
    }
    for key, value in overrides.items():
        if value is not None:
            try:
                setattr(settings.agent, key, value)
            except ValidationError as exc:
                option = "--" + key.replace("_", "-")
                raise ConfigError(f"{option} {value!r}: {exc.errors()[0]['msg']}") from None
    logging.basicConfig(
        level=check_log_level(settings.log_level),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await run_agent(settings, stop)

    asyncio.run(main())
