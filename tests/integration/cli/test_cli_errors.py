"""Bad input never gives a traceback: the real ``roomwatch`` command, run as a subprocess.

Foundation requirement "Bad input": a wrong config key, a broken rule file, an unreachable
database URL, a port in use, an unknown device profile... each gives a one-line error naming
the cause and the fix, and a non-zero exit. Long-running commands (serve, agent) that start
when they should have refused are killed after a timeout and the test fails.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
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


def roomwatch(cwd: Path, *args: str, env: Mapping[str, str] | None = None) -> Run:
    """Run ``roomwatch ARGS`` in ``cwd`` with a clean environment (no ROOMWATCH_* of ours)."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("ROOMWATCH_")}
    full_env["PYTHONUNBUFFERED"] = "1"
    full_env.update(env or {})
    cmd = [*_command(), *args]
    proc = subprocess.Popen(
        cmd,
        cwd=cwd,
        env=full_env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
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
    metric: room_temperature
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
        pytest.param(["user", "add", "zhangsan", "--role", "duty", "--password", "x" * 12],
                     id="user-add"),
        pytest.param(["token", "create", "agent-1"], id="token-create"),
    ],
)
def test_database_not_migrated(tmp_path: Path, args: list[str]) -> None:
    env = {"ROOMWATCH_DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}"}
    run = roomwatch(tmp_path, *args, env=env)
    assert_one_line_error(run, "schema", "roomwatch db upgrade")


# --- 4. port in use --------------------------------------------------------------------------


def test_serve_port_in_use(tmp_path: Path, migrated_db: str, busy_port: int) -> None:
    env = {"ROOMWATCH_DATABASE_URL": migrated_db}
    run = roomwatch(tmp_path, "serve", "--port", str(busy_port), env=env)
    assert_one_line_error(run, str(busy_port), "in use", "--port")


def test_agent_metrics_port_in_use(tmp_path: Path, busy_port: int) -> None:
    _write(tmp_path / "t.yaml", GOOD_TARGETS)
    run = roomwatch(
        tmp_path, "agent", "--metrics-port", str(busy_port), "--targets-file", "t.yaml"
    )
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


# --- 7. the command itself -------------------------------------------------------------------


def test_version(tmp_path: Path) -> None:
    run = roomwatch(tmp_path, "--version")
    assert run.code == 0, run
    assert re.search(r"roomwatch, version \S+", run.stdout), run


def test_unknown_command(tmp_path: Path) -> None:
    run = roomwatch(tmp_path, "nosuchcommand")
    assert_one_line_error(run, "nosuchcommand", "--help")


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
