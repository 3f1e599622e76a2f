"""Bad input never gives a traceback: the real ``roomwatch`` command, run as a subprocess.

Foundation requirement "Bad input": a wrong config key, a broken rule file, an unreachable
database URL, a port in use, an unknown device profile... each gives a one-line error naming
the cause and the fix, and a non-zero exit. Long-running commands (serve, agent) that start
when they should have refused are killed after a timeout and the test fails.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

TIMEOUT = 20.0
ROOMWATCH = Path(sys.executable).with_name("roomwatch")
UNREACHABLE_PG = "postgresql+psycopg://nobody@127.0.0.1:1/x"


@dataclass(frozen=True)
class Run:
    args: list[str]
    code: int
    stdout: str
    stderr: str

    def lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.strip()]


def _command() -> list[str]:
    if ROOMWATCH.exists():
        return [str(ROOMWATCH)]
    return [sys.executable, "-m", "core.cli"]


def _clean_env(env: Mapping[str, str] | None) -> dict[str, str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("ROOMWATCH_")}
    full_env["PYTHONUNBUFFERED"] = "1"
    # no trap receiver on the shared default port: these tests are about other things, and a
    # machine may run a real agent (or another test) on 1162
    full_env["ROOMWATCH_AGENT_TRAP_PORT"] = "0"
    full_env.update(env or {})
    return full_env


def _start(
    cwd: Path, args: tuple[str, ...], env: Mapping[str, str] | None
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*_command(), *args],
        cwd=cwd,
        env=_clean_env(env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def roomwatch(cwd: Path, *args: str, env: Mapping[str, str] | None = None) -> Run:
    """Run ``roomwatch ARGS`` in ``cwd`` with a clean environment (no ROOMWATCH_* of ours)."""
    proc = _start(cwd, args, env)
    try:
        out, err = proc.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        pytest.fail(
            f"roomwatch {' '.join(args)} still running after {TIMEOUT:.0f}s (it should have "
            f"refused to start)\nstdout:\n{out}\nstderr:\n{err}"
        )
    return Run(list(args), proc.returncode, out, err)


def assert_one_line_error(run: Run, *needles: str) -> str:
    """Non-zero exit, exactly one non-empty stderr line containing every needle, no traceback."""
    shown = f"roomwatch {' '.join(run.args)}\nstdout:\n{run.stdout}\nstderr:\n{run.stderr}"
    assert "Traceback" not in run.stdout + run.stderr, shown
    assert run.code != 0, shown
    lines = run.lines()
    assert len(lines) == 1, f"expected one line on stderr\n{shown}"
    for needle in needles:
        assert needle.lower() in lines[0].lower(), f"{needle!r} missing\n{shown}"
    return lines[0]


# --- fixtures --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite database migrated by ``roomwatch db upgrade`` (copied per test)."""
    folder = tmp_path_factory.mktemp("template")
    db = folder / "rw.db"
    run = roomwatch(folder, "db", "upgrade", env={"ROOMWATCH_DATABASE_URL": f"sqlite:///{db}"})
    assert run.code == 0, run
    assert "Traceback" not in run.stderr
    return db


@pytest.fixture()
def migrated_db(migrated_template: Path, tmp_path: Path) -> str:
    """A migrated SQLite database of this test's own; returns its URL."""
    for suffix in ("", "-wal", "-shm"):
        src = migrated_template.with_name(migrated_template.name + suffix)
        if src.exists():
            shutil.copy(src, tmp_path / ("rw.db" + suffix))
    return f"sqlite:///{tmp_path / 'rw.db'}"


@pytest.fixture()
def busy_port() -> Iterator[int]:
    """A port on 127.0.0.1 that another socket is listening on."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(1)
    try:
        yield int(sock.getsockname()[1])
    finally:
        sock.close()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


GOOD_TARGETS = "- device: this-host\n  kind: host\n  interval: 60\n"
WRONG_KEY_TOML = "[server]\nprot = 1\n"
BAD_YAML_RULES = "rules:\n  - name: x\n    metric: [unclosed\n    op: '>'\n"
UNKNOWN_FIELD_RULES = """\
rules:
  - name: my_rule
    title_zh: 测试
    title_en: test
    metric: env_temperature_celsius
    op: ">"
    critical: 30
    colour: red
"""


# --- 1. wrong config key ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["serve"], id="serve"),
        pytest.param(["db", "upgrade"], id="db-upgrade"),
        pytest.param(["agent"], id="agent"),
    ],
)
def test_wrong_config_key_in_file(tmp_path: Path, args: list[str]) -> None:
    config = _write(tmp_path / "rw.toml", WRONG_KEY_TOML)
    run = roomwatch(tmp_path, *args, "--config", str(config))
    assert_one_line_error(run, "server.prot", "rw.toml", "spelling")


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["serve"], id="serve"),
        pytest.param(["db", "upgrade"], id="db-upgrade"),
        pytest.param(["agent"], id="agent"),
    ],
)
def test_unknown_environment_variable(tmp_path: Path, args: list[str]) -> None:
    run = roomwatch(tmp_path, *args, env={"ROOMWATCH_SERVER_PROT": "1"})
    assert_one_line_error(run, "ROOMWATCH_SERVER_PROT", "remove it")


def test_config_file_missing(tmp_path: Path) -> None:
    run = roomwatch(tmp_path, "db", "upgrade", "--config", "nope.toml")
    assert_one_line_error(run, "nope.toml", "not found", "--config")


def test_config_bad_value(tmp_path: Path) -> None:
    run = roomwatch(tmp_path, "serve", env={"ROOMWATCH_SERVER_PORT": "eighty"})
    assert_one_line_error(run, "server.port")


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["serve"], id="serve"),
        pytest.param(["agent", "--targets-file", "t.yaml", "--metrics-port", "0"], id="agent"),
        pytest.param(["demo", "--port", "0", "--metrics-port", "0"], id="demo"),
    ],
)
def test_unknown_log_level(tmp_path: Path, migrated_db: str, args: list[str]) -> None:
    _write(tmp_path / "t.yaml", GOOD_TARGETS)
    env = {"ROOMWATCH_LOG_LEVEL": "loud", "ROOMWATCH_DATABASE_URL": migrated_db}
    run = roomwatch(tmp_path, *args, env=env)
    assert_one_line_error(run, "log_level", "loud", "INFO")


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        pytest.param(["serve", "--port", "99999"], ["--port", "99999"], id="serve-port"),
        pytest.param(["agent", "--metrics-port", "x"], ["--metrics-port"], id="agent-port"),
        pytest.param(["agent", "--server-url", "x", "--bogus"], ["--bogus"], id="agent-option"),
    ],
)
def test_bad_option_value(tmp_path: Path, args: list[str], needles: list[str]) -> None:
    run = roomwatch(tmp_path, *args)
    assert_one_line_error(run, *needles, "--help")


# --- 2. broken rule file ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "needles"),
    [
        pytest.param(BAD_YAML_RULES, ["bad.yaml:", "yaml"], id="yaml-syntax"),
        pytest.param(UNKNOWN_FIELD_RULES, ["bad.yaml:8", "colour"], id="unknown-field"),
    ],
)
def test_rules_check_broken_file(tmp_path: Path, text: str, needles: list[str]) -> None:
    _write(tmp_path / "bad.yaml", text)
    run = roomwatch(tmp_path, "rules", "check", "bad.yaml")
    line = assert_one_line_error(run, *needles)
    assert re.search(r"bad\.yaml:\d+", line), line


def test_rules_check_good_file_passes(tmp_path: Path) -> None:
    _write(tmp_path / "good.yaml", UNKNOWN_FIELD_RULES.replace("    colour: red\n", ""))
    run = roomwatch(tmp_path, "rules", "check", "good.yaml")
    assert run.code == 0, run
    assert "ok: 1 rules" in run.stdout


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(BAD_YAML_RULES, id="yaml-syntax"),
        pytest.param(UNKNOWN_FIELD_RULES, id="unknown-field"),
    ],
)
def test_serve_with_broken_rule_file(tmp_path: Path, migrated_db: str, text: str) -> None:
    _write(tmp_path / "bad.yaml", text)
    env = {
        "ROOMWATCH_DATABASE_URL": migrated_db,
        "ROOMWATCH_RULES_PATHS": "bad.yaml",
        "ROOMWATCH_SERVER_PORT": "0",
    }
    run = roomwatch(tmp_path, "serve", env=env)
    line = assert_one_line_error(run, "bad.yaml")
    assert re.search(r"bad\.yaml:\d+", line), line


# --- 3. unreachable / malformed / unmigrated database ---------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["db", "upgrade"], id="db-upgrade"),
        pytest.param(["db", "status"], id="db-status"),
        pytest.param(["serve", "--port", "0"], id="serve"),
        pytest.param(["token", "create", "agent-1"], id="token-create"),
    ],
)
def test_unreachable_database(tmp_path: Path, args: list[str]) -> None:
    run = roomwatch(tmp_path, *args, env={"ROOMWATCH_DATABASE_URL": UNREACHABLE_PG})
    assert_one_line_error(run, "cannot connect", "127.0.0.1", "ROOMWATCH_DATABASE_URL")


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("nonsense", id="nonsense"),
        pytest.param("nosuchdb://x/y", id="unknown-dialect"),
    ],
)
@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["db", "upgrade"], id="db-upgrade"),
        pytest.param(["serve", "--port", "0"], id="serve"),
    ],
)
def test_malformed_database_url(tmp_path: Path, args: list[str], url: str) -> None:
    run = roomwatch(tmp_path, *args, env={"ROOMWATCH_DATABASE_URL": url})
    assert_one_line_error(run, url, "sqlite:///")


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["serve", "--port", "0"], id="serve"),
        pytest.param(
            ["user", "add", "zhangsan", "--role", "duty", "--password", "x" * 12], id="user-add"
        ),
        pytest.param(["token", "create", "agent-1"], id="token-create"),
    ],
)
def test_database_not_migrated(tmp_path: Path, args: list[str]) -> None:
    env = {"ROOMWATCH_DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}"}
    run = roomwatch(tmp_path, *args, env=env)
    assert_one_line_error(run, "schema", "roomwatch db upgrade")


def test_file_is_not_a_database(tmp_path: Path) -> None:
    _write(tmp_path / "junk.db", "this is not SQLite\n" * 100)
    env = {"ROOMWATCH_DATABASE_URL": f"sqlite:///{tmp_path / 'junk.db'}"}
    run = roomwatch(tmp_path, "db", "upgrade", env=env)
    assert_one_line_error(run, "junk.db", "not a database", "ROOMWATCH_DATABASE_URL")


# --- 4. port in use --------------------------------------------------------------------------


def test_serve_port_in_use(tmp_path: Path, migrated_db: str, busy_port: int) -> None:
    env = {"ROOMWATCH_DATABASE_URL": migrated_db}
    run = roomwatch(tmp_path, "serve", "--port", str(busy_port), env=env)
    assert_one_line_error(run, str(busy_port), "in use", "--port")


def test_serve_address_not_ours(tmp_path: Path, migrated_db: str) -> None:
    env = {"ROOMWATCH_DATABASE_URL": migrated_db}
    run = roomwatch(tmp_path, "serve", "--host", "192.0.2.1", "--port", "0", env=env)
    assert_one_line_error(run, "192.0.2.1", "cannot listen", "--host")


def test_demo_port_in_use(tmp_path: Path, busy_port: int) -> None:
    env = {"ROOMWATCH_DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}"}
    args = ["demo", "--port", str(busy_port), "--metrics-port", "0", "--no-scenario"]
    run = roomwatch(tmp_path, *args, env=env)
    assert_one_line_error(run, str(busy_port), "in use", "--port")


def test_agent_metrics_port_in_use(tmp_path: Path, busy_port: int) -> None:
    _write(tmp_path / "t.yaml", GOOD_TARGETS)
    run = roomwatch(tmp_path, "agent", "--metrics-port", str(busy_port), "--targets-file", "t.yaml")
    assert_one_line_error(run, str(busy_port), "in use", "metrics_port")


# --- 5. unknown device profile, bad targets file ---------------------------------------------


def test_agent_unknown_profile(tmp_path: Path) -> None:
    _write(
        tmp_path / "t.yaml",
        "- device: ups-9\n  address: 127.0.0.1\n  port: 1161\n  profile: no-such-profile\n",
    )
    run = roomwatch(tmp_path, "agent", "--metrics-port", "0", "--targets-file", "t.yaml")
    assert_one_line_error(run, "no-such-profile", "t.yaml", "ups-9", "ups-mib", "auto")


@pytest.mark.parametrize(
    ("text", "needles"),
    [
        pytest.param('- device: ups-9\n  port: "x"\n', ["t.yaml", "port"], id="port-not-int"),
        pytest.param("- device: ups-9\n  colour: red\n", ["t.yaml", "colour"], id="unknown-field"),
        pytest.param("- device: [unclosed\n", ["t.yaml", "YAML"], id="yaml-syntax"),
        pytest.param(None, ["t.yaml", "not found", "--targets-file"], id="missing"),
    ],
)
def test_agent_bad_targets_file(tmp_path: Path, text: str | None, needles: list[str]) -> None:
    if text is not None:
        _write(tmp_path / "t.yaml", text)
    run = roomwatch(tmp_path, "agent", "--metrics-port", "0", "--targets-file", "t.yaml")
    assert_one_line_error(run, *needles)


class _FakeServer(BaseHTTPRequestHandler):
    """Just enough of the roomwatch API for an agent: targets and an ingest that accepts."""

    targets: list[dict[str, object]] = []
    received: list[bytes] = []

    def do_GET(self) -> None:
        body = json.dumps({"targets": self.targets}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        self.received.append(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
        self.send_response(202)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture()
def fake_server() -> Iterator[str]:
    _FakeServer.targets = [
        {"device": "ups-9", "address": "127.0.0.1", "port": 1, "profile": "no-such-profile",
         "interval": 0.5},
        {"device": "this-host", "kind": "host", "interval": 0.5},
    ]  # fmt: skip
    _FakeServer.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_agent_unknown_profile_from_server_is_a_poll_error(
    tmp_path: Path, fake_server: str
) -> None:
    """From the server, an unknown profile is that device's poll error: the agent keeps going."""
    port = _free_port()
    args = ("agent", "--server-url", fake_server, "--token", "t", "--metrics-port", str(port))
    proc = _start(tmp_path, args, {"ROOMWATCH_AGENT_PUSH_INTERVAL_SECONDS": "0.5"})
    wanted = 'roomwatch_agent_poll_errors_total{device="ups-9"}'
    text = ""
    try:
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as r:
                    text = r.read().decode()
            except OSError:
                text = ""
            pushed = b"".join(_FakeServer.received)
            if wanted in text and b"no-such-profile" in pushed and b"this-host" in pushed:
                break
            time.sleep(0.2)
        assert proc.poll() is None, "the agent stopped"
        assert wanted in text, text
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        try:
            out, err = proc.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
            pytest.fail(f"agent did not stop on SIGTERM\n{err}")
    assert proc.returncode == 0, err
    assert "Traceback" not in out + err, err
    # the device's health sample, pushed to the server, names the profile and the known ones
    payload = b"".join(_FakeServer.received).decode()
    assert "unknown profile 'no-such-profile'" in payload, payload[:2000]
    assert "ups-mib" in payload


# --- 6. user accounts ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "needles"),
    [
        pytest.param(["--role", "boss", "--password", "x" * 12], ["boss", "duty"], id="bad-role"),
        pytest.param(["--role", "duty", "--password", "short"], ["too short", "8"], id="short-pw"),
    ],
)
def test_user_add_refused(
    tmp_path: Path, migrated_db: str, extra: list[str], needles: list[str]
) -> None:
    env = {"ROOMWATCH_DATABASE_URL": migrated_db}
    run = roomwatch(tmp_path, "user", "add", "zhangsan", *extra, env=env)
    assert_one_line_error(run, *needles)


def test_user_add_twice(tmp_path: Path, migrated_db: str) -> None:
    env = {"ROOMWATCH_DATABASE_URL": migrated_db}
    args = ["user", "add", "zhangsan", "--role", "duty", "--password", "x" * 12]
    first = roomwatch(tmp_path, *args, env=env)
    assert first.code == 0, first
    assert "created" in first.stdout
    second = roomwatch(tmp_path, *args, env=env)
    assert_one_line_error(second, "zhangsan", "already exists", "another name")


def test_user_add_password_from_environment(tmp_path: Path, migrated_db: str) -> None:
    """ROOMWATCH_NEW_PASSWORD (documented by ``user add --help``) is not an unknown setting."""
    env = {"ROOMWATCH_DATABASE_URL": migrated_db, "ROOMWATCH_NEW_PASSWORD": "x" * 12}
    run = roomwatch(tmp_path, "user", "add", "lisi", "--role", "readonly", env=env)
    assert run.code == 0, run
    assert "Traceback" not in run.stderr


# --- 7. the command itself -------------------------------------------------------------------


def test_version(tmp_path: Path) -> None:
    run = roomwatch(tmp_path, "--version")
    assert run.code == 0, run
    assert re.search(r"roomwatch, version \S+", run.stdout), run


def test_unknown_command(tmp_path: Path) -> None:
    run = roomwatch(tmp_path, "nosuchcommand")
    assert_one_line_error(run, "nosuchcommand", "--help")


def test_no_arguments_shows_help(tmp_path: Path) -> None:
    run = roomwatch(tmp_path)
    assert "Traceback" not in run.stdout + run.stderr
    assert "Commands:" in run.stdout + run.stderr


def test_module_entry_point(tmp_path: Path) -> None:
    """``python -m core.cli`` is the same command as the ``roomwatch`` script."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ROOMWATCH_")}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[3])
    proc = subprocess.run(
        [sys.executable, "-m", "core.cli", "--version"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert proc.returncode == 0, proc
    assert "roomwatch, version" in proc.stdout
