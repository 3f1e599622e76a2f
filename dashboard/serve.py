"""``roomwatch serve``: the dashboard and API under waitress, plus the background services."""

from __future__ import annotations

import contextlib
import errno
import logging
import signal
import threading
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import click
from flask import Flask
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from waitress.server import create_server

from core.cli import check_log_level
from core.config import Settings, load_settings
from core.errors import ConfigError, PortInUseError
from core.logging import setup_logging
from store import ingest, timeseries
from store.cli import open_engine
from store.db import session_factory

if TYPE_CHECKING:
    from records.daily_check import DailyJournalCheck

log = logging.getLogger("roomwatch.serve")

DUTY_TICK = timedelta(seconds=30)  # duty schedulers: sheets, handovers, flags


class WebServer:
    """waitress serving the app on a thread; ``port`` is the bound port (0 picks a free one)."""

    def __init__(self, app: Flask, host: str, port: int) -> None:
        try:
            self._server = create_server(app, host=host, port=port, threads=8, ident="roomwatch")
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise PortInUseError(
                    f"port {port} on {host} is already in use: stop the program using it or "
                    "choose another port (--port or ROOMWATCH_SERVER_PORT)"
                ) from None
            raise ConfigError(  # unknown host name, a privileged port, an address not ours
                f"cannot listen on {host}:{port}: {exc.strerror or exc}: choose another address "
                "or port (--host/--port or ROOMWATCH_SERVER_HOST/ROOMWATCH_SERVER_PORT)"
            ) from None
        self.host = host
        self.port = int(self._server.effective_port)  # type: ignore[union-attr]
        self._thread = threading.Thread(target=self._run, name="web", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def _run(self) -> None:
        with contextlib.suppress(OSError):  # closed while stopping
            self._server.run()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.close()
        self._thread.join(timeout=5)


class BackgroundServices:
    """Rule tick and retention, on one thread, until ``stop`` is set."""

    def __init__(self, engine: Engine, settings: Settings, stop: threading.Event) -> None:
        from pathlib import Path

        from records.roster.on_duty import RosterOnDuty
        from rules.escalation import ConfiguredContacts
        from rules.loader import load_rules
        from rules.notify.worker import DeliveryWorker
        from rules.service import RuleRunner

        rules = load_rules([Path(p) for p in settings.rules.paths], builtin=settings.rules.builtin)
        # escalation reaches whoever the roster has on duty; the configured list as fallback
        contacts = ConfiguredContacts(settings.notify.escalation_contacts)
        on_duty = RosterOnDuty(session_factory(engine), contacts)
        self.runner = RuleRunner(rules, notify=settings.notify, on_duty=on_duty)
        self.factory = session_factory(engine)
        # notifications are sent by their own threads: a hanging endpoint never holds the tick
        self.notifier = DeliveryWorker(self.factory, settings.notify)
        self.tick_seconds = settings.server.rule_tick_seconds
        self.raw_retention = timedelta(days=settings.server.raw_retention_days)
        self.stop_event = stop
        self.ticks = 0
        self._thread = threading.Thread(target=self._loop, name="background", daemon=True)
        self._last_prune = datetime.min.replace(tzinfo=UTC)
        self._last_duty = datetime.min.replace(tzinfo=UTC)
        self.journal_check = _journal_check(self.factory, settings, engine)

    def attach(self, app: Flask) -> None:
        """Let the events API use this runner (one lock) and wake this notifier."""
        from dashboard.api.events import NOTIFY_KEY, RUNNER_KEY

        app.extensions[RUNNER_KEY] = self.runner
        app.extensions[NOTIFY_KEY] = self.notifier

    def start(self) -> None:
        self.notifier.start()
        self._thread.start()

    def join(self, timeout: float = 10) -> None:
        self._thread.join(timeout)
        self.notifier.stop()

    def tick_once(self) -> None:
        now = datetime.now(UTC)
        with self.runner.lock, self.factory() as s, s.begin():
            report = self.runner.tick(s, now)
            escalated = self.runner.escalate(s, now)
        if report.notifications or escalated:
            self.notifier.wake()
        if now - self._last_duty >= DUTY_TICK:
            from records.ticks import run_all

            run_all(self.factory, now)
            self._last_duty = now
            self.journal_check.maybe_start(now)  # once a day, on its own thread
        if now - self._last_prune > timedelta(hours=1):
            with self.factory() as s, s.begin():
                pruned = timeseries.prune_raw(s, now - self.raw_retention)
                ingest.prune(s, now - self.raw_retention)  # batch ids live as long
            if pruned:
                log.info(
                    "retention: removed %d raw samples older than %s", pruned, self.raw_retention
                )
            self._last_prune = now
        self.ticks += 1

    def _loop(self) -> None:
        while not self.stop_event.is_set():
            try:
                self.tick_once()
            except Exception:  # the loop must survive a bad tick; the error is logged
                log.exception("rule tick failed")
            self.stop_event.wait(self.tick_seconds)


def _journal_check(
    factory: sessionmaker[Session], settings: Settings, engine: Engine
) -> DailyJournalCheck:
    """The daily journal verification (records.daily_check), alarmed when it fails."""
    from records.checkpoints import file_for
    from records.daily_check import DailyJournalCheck

    kept = file_for(settings.journal.checkpoint_file, engine.url)
    return DailyJournalCheck(factory, kept, timedelta(hours=settings.journal.verify_hours))


def open_database(settings: Settings) -> Engine:
    """The configured database, reachable and migrated, or a one-line DatabaseError."""
    return open_engine(settings.database_url, migrated=True)


@click.command()
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="TOML config.")
@click.option("--host", default=None, help="Listen address (default from config: 127.0.0.1).")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=None,
    help="Listen port (default from config: 8080; 0 = any free port).",
)
def serve(config_path: str | None, host: str | None, port: int | None) -> None:
    """Run the dashboard, the API and the rule engine until Ctrl-C."""
    from dashboard.app import create_app

    settings = load_settings(config_path)
    setup_logging(check_log_level(settings.log_level))
    logging.getLogger("alembic").setLevel(logging.WARNING)  # "Context impl SQLiteImpl."
    # everything that can refuse to start does so before anything runs: settings, database,
    # rule files, the port; each refusal is one line (core.cli.main), never a traceback
    engine = open_database(settings)
    stop = threading.Event()
    background = BackgroundServices(engine, settings, stop)
    app = create_app(settings, engine=engine)
    background.attach(app)
    web = WebServer(
        app, host or settings.server.host, port if port is not None else settings.server.port
    )
    for sig in (signal.SIGINT, signal.SIGTERM):  # a clean stop on Ctrl-C and on a service stop
        signal.signal(sig, lambda signum, frame: stop.set())
    web.start()
    background.start()
    click.echo(f"roomwatch serving on {web.url} (Ctrl-C to stop)")
    try:
        while not stop.wait(1):
            pass
        click.echo("stopping…")
    finally:
        stop.set()
        web.stop()
        background.join()
        engine.dispose()
