"""The demo: server, rule engine, agent and a simulated machine room in one process."""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Engine, select

from agent.runner import run_agent
from agent.simroom import SimRoom, load_demo_room
from core.config import Settings
from core.errors import PortInUseError
from dashboard.app import create_app
from dashboard.serve import BackgroundServices, WebServer
from demo import accounts as demo_accounts
from demo.records import seed_records
from inventory import vault
from inventory.ledger import seed_room
from store import accounts
from store.cli import ensure_admin
from store.db import make_engine, session_factory, upgrade
from store.models import Series

log = logging.getLogger("roomwatch.demo")
AGENT_TOKEN_NAME = "demo-agent"


def reserve_metrics_port(host: str, port: int) -> int:
    """Check that the agent's /metrics port is free (0: pick a free one)."""
    return _reserve(host, port, socket.SOCK_STREAM, "agent /metrics",
                    "--metrics-port or ROOMWATCH_AGENT_METRICS_PORT")  # fmt: skip


def reserve_trap_port(host: str, port: int) -> int:
    """Check that the trap receiver's UDP port is free (0 stays 0: no receiver)."""
    if port == 0:
        return 0
    return _reserve(host, port, socket.SOCK_DGRAM, "SNMP trap receiver",
                    "ROOMWATCH_AGENT_TRAP_PORT (0 turns it off)")  # fmt: skip


def _reserve(host: str, port: int, kind: socket.SocketKind, what: str, fix: str) -> int:
    with socket.socket(socket.AF_INET, kind) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            raise PortInUseError(
                f"port {port} on {host} ({what}) is already in use: stop the program "
                f"using it or choose another with {fix}"
            ) from None
        return int(sock.getsockname()[1])


@dataclass
class ScenarioStep:
    at: float  # seconds into the cycle
    what: str
    action: str  # method name on SimRoom
    arg: bool


# One cycle of events so that alarms fire and clear while someone watches.
SCENARIO = [
    ScenarioStep(
        45, "UPS ups-1 switched to battery (mains lost) 市电中断", "set_ups_on_battery", True
    ),
    ScenarioStep(135, "UPS ups-1 back on mains 市电恢复", "set_ups_on_battery", False),
    ScenarioStep(165, "switch-1 uplink port down 上联端口中断", "set_uplink_down", True),
    ScenarioStep(225, "switch-1 uplink port up again 上联端口恢复", "set_uplink_down", False),
]
CYCLE_SECONDS = 300.0


@dataclass
class Demo:
    settings: Settings
    web_port: int
    metrics_port: int
    scenario: bool = True
    poll_interval: float = 10.0
    stop_event: threading.Event = field(default_factory=threading.Event)
    admin_password: str | None = None
    accounts: demo_accounts.DemoAccounts | None = None
    agent_error: Exception | None = None

    def start(self) -> None:
        self.engine: Engine = make_engine(self.settings.database_url)
        upgrade(self.engine)
        self.admin_password = ensure_admin(self.settings.database_url)
        self.sim = SimRoom()
        self.sim.start()
        factory = session_factory(self.engine)
        vault.install(vault.secret_from_settings(self.settings))  # credentials sealed at rest
        with factory() as s, s.begin():
            seed_room(s, load_demo_room(), self.sim.port, self.poll_interval)
            token = accounts.rotate_token(s, AGENT_TOKEN_NAME, actor="demo")
        seed_records(factory, datetime.now(UTC))
        self.accounts = demo_accounts.setup(factory)
        app = create_app(self.settings, engine=self.engine)
        self.web = WebServer(app, self.settings.server.host, self.web_port)
        self.web.start()
        self.background = BackgroundServices(self.engine, self.settings, self.stop_event)
        self.background.attach(app)  # the events API and the tick share one rule runner
        self.background.start()
        self.metrics_port = reserve_metrics_port(
            self.settings.agent.metrics_host, self.metrics_port
        )
        agent_settings = self.settings.model_copy(deep=True)
        agent_settings.agent.server_url = self.web.url
        agent_settings.agent.token = token
        agent_settings.agent.metrics_port = self.metrics_port
        agent_settings.agent.trap_port = reserve_trap_port(
            self.settings.agent.trap_host, self.settings.agent.trap_port
        )
        agent_settings.agent.push_interval_seconds = 2.0
        self._agent = threading.Thread(
            target=self._run_agent, args=(agent_settings,), name="agent", daemon=True
        )
        self._agent.start()
        if self.scenario:
            threading.Thread(target=self._scenario, name="scenario", daemon=True).start()

    def _run_agent(self, agent_settings: Settings) -> None:
        try:
            asyncio.run(run_agent(agent_settings, self.stop_event))
        except Exception as exc:  # reported by the demo command as one line
            self.agent_error = exc
            self.stop_event.set()

    def metrics_server_port(self) -> int:
        return self.metrics_port

    def _scenario(self) -> None:
        start = datetime.now(UTC)
        done: set[tuple[int, int]] = set()
        while not self.stop_event.wait(1.0):
            elapsed = (datetime.now(UTC) - start).total_seconds()
            cycle, offset = divmod(elapsed, CYCLE_SECONDS)
            for i, step in enumerate(SCENARIO):
                if offset >= step.at and (int(cycle), i) not in done:
                    done.add((int(cycle), i))
                    log.info("scenario: %s", step.what)
                    try:
                        getattr(self.sim, step.action)(step.arg)
                    except Exception as exc:  # the demo goes on without this step
                        log.warning("scenario step failed: %s", exc)

    def polled_devices(self) -> set[str]:
        """Devices with a device_up sample stored (a poll has landed)."""
        factory = session_factory(self.engine)
        with factory() as s:
            rows = s.scalars(select(Series.device).where(Series.metric == "device_up"))
            return set(rows)

    def stop(self) -> None:
        self.stop_event.set()
        if hasattr(self, "_agent"):
            self._agent.join(timeout=10)
        if hasattr(self, "web"):
            self.web.stop()
        if hasattr(self, "background"):
            self.background.join()
        if hasattr(self, "sim"):
            self.sim.stop()
        if hasattr(self, "engine"):
            self.engine.dispose()
