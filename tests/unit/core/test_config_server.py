"""Server settings for TLS (public_url, tls, hsts_seconds) and errors that name their source."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.config import load_settings
from core.errors import ConfigError


@pytest.mark.parametrize(
    ("env", "public_url", "uses_tls"),
    [
        ({}, "", False),
        ({"ROOMWATCH_SERVER_PUBLIC_URL": "http://rw.example"}, "http://rw.example", False),
        ({"ROOMWATCH_SERVER_PUBLIC_URL": "https://rw.example/"}, "https://rw.example", True),
        ({"ROOMWATCH_SERVER_PUBLIC_URL": "https://rw.example", "ROOMWATCH_SERVER_TLS": "false"},
         "https://rw.example", False),
        ({"ROOMWATCH_SERVER_TLS": "true"}, "", True),
    ],
    ids=["unset", "http", "https", "tls-off", "tls-on"],
)  # fmt: skip
def test_tls_follows_the_public_url(env: dict[str, str], public_url: str, uses_tls: bool) -> None:
    server = load_settings(env=env).server
    assert (server.public_url, server.uses_tls) == (public_url, uses_tls)


@pytest.mark.parametrize("url", ["roomwatch.example", "ftp://roomwatch.example", "https://"])
def test_public_url_must_be_a_full_address(tmp_path: Path, url: str) -> None:
    cfg = tmp_path / "rw.toml"
    cfg.write_text(f'[server]\npublic_url = "{url}"\n')
    with pytest.raises(ConfigError, match=r"setting 'server.public_url'.*https://roomwatch"):
        load_settings(cfg, env={})


@pytest.mark.parametrize(
    ("name", "value", "setting"),
    [
        ("ROOMWATCH_SERVER_PORT", "abc", "server.port"),
        ("ROOMWATCH_SERVER_TLS", "maybe", "server.tls"),
        ("ROOMWATCH_AGENT_CONCURRENCY", "-1", "agent.concurrency"),
        ("ROOMWATCH_NOTIFY_ESCALATION_MINUTES", "15,soon", "notify.escalation_minutes.1"),
    ],
    ids=["port", "tls", "agent-range", "list-item"],
)
def test_bad_environment_value_names_the_variable(
    tmp_path: Path, name: str, value: str, setting: str
) -> None:
    """The variable is at fault, not the file (which may not even mention the setting)."""
    cfg = tmp_path / "rw.toml"
    cfg.write_text("[server]\nport = 9000\n")
    with pytest.raises(ConfigError) as info:
        load_settings(cfg, env={name: value})
    message = str(info.value)
    assert message.startswith(f"environment variable {name} (setting '{setting}')")
    assert "rw.toml" not in message and "\n" not in message


def test_bad_file_value_still_names_the_file(tmp_path: Path) -> None:
    cfg = tmp_path / "rw.toml"
    cfg.write_text("[server]\nport = 'abc'\n")
    with pytest.raises(ConfigError, match=r"rw\.toml: setting 'server\.port'"):
        load_settings(cfg, env={"ROOMWATCH_SERVER_HOST": "0.0.0.0"})
