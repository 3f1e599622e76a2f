"""Configuration: defaults < TOML < environment, validated once with one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.config import load_settings
from core.errors import ConfigError


def test_defaults() -> None:
    s = load_settings(env={})
    assert s.database_url == "sqlite:///var/roomwatch.db"
    assert s.server.port == 8080 and s.server.language == "zh_CN"


def test_file_then_environment(tmp_path: Path) -> None:
    cfg = tmp_path / "rw.toml"
    cfg.write_text('database_url = "sqlite:///x.db"\n[server]\nport = 9000\n[agent]\nname = "a2"\n')
    s = load_settings(cfg, env={"ROOMWATCH_SERVER_PORT": "9100"})
    assert (s.database_url, s.server.port, s.agent.name) == ("sqlite:///x.db", 9100, "a2")
    s = load_settings(
        env={"ROOMWATCH_CONFIG": str(cfg), "ROOMWATCH_DATABASE_URL": "sqlite:///y.db"}
    )
    assert s.database_url == "sqlite:///y.db" and s.server.port == 9000


def test_example_config_is_valid() -> None:
    example = Path(__file__).resolve().parents[3] / "roomwatch.example.toml"
    assert load_settings(example, env={}).agent.metrics_port == 9108


@pytest.mark.parametrize(
    ("toml", "env", "expected"),
    [
        ("[server]\nprot = 1\n", {}, "unknown setting 'server.prot'"),
        ("databse_url = 'x'\n", {}, "unknown setting 'databse_url'"),
        ("[server]\nport = 'high'\n", {}, "setting 'server.port'"),
        ("[server]\nport = 70000\n", {}, "setting 'server.port'"),
        ("[server\n", {}, "not valid TOML"),
        ("", {"ROOMWATCH_SERVER_PROT": "1"}, "unknown environment variable ROOMWATCH_SERVER_PROT"),
        ("", {"ROOMWATCH_SERVER_PORT": "x"}, "setting 'server.port'"),
    ],
    ids=["typo-key", "typo-top", "wrong-type", "out-of-range", "bad-toml", "env-typo", "env-type"],
)
def test_bad_config_is_one_line(
    tmp_path: Path, toml: str, env: dict[str, str], expected: str
) -> None:
    cfg = tmp_path / "rw.toml"
    cfg.write_text(toml)
    with pytest.raises(ConfigError) as info:
        load_settings(cfg, env=env)
    assert expected in str(info.value)
    assert "\n" not in str(info.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "nope.toml", env={})
