"""Configuration: defaults < TOML file < ROOMWATCH_* environment, validated once.

Every setting has one environment variable: ``ROOMWATCH_<SECTION>_<KEY>`` (upper case),
except the top-level ones (``ROOMWATCH_DATABASE_URL``, ``ROOMWATCH_SECRET_KEY``...).
A wrong key or value is a :class:`ConfigError` whose one line names the key and the fix.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from core.errors import ConfigError

ENV_PREFIX = "ROOMWATCH_"
DEFAULT_VAR = Path("var")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class ServerSettings(_Section):
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=0, le=65535)
    rule_tick_seconds: float = Field(5.0, gt=0)
    max_batch_samples: int = Field(10_000, gt=0)
    max_body_bytes: int = Field(4 * 1024 * 1024, gt=0)
    language: str = "zh_CN"
    # ingest refuses samples stamped further ahead of the server's clock than this: a
    # future-dated point would stay the series' latest value and freeze its rules
    max_clock_skew_seconds: float = Field(300.0, ge=0)
    # raw samples (and ingest batch ids) are kept this long; ingest refuses older samples
    raw_retention_days: float = Field(7.0, gt=0)
    # the address people open (https://roomwatch.example.com); with https:// the browser is
    # told to use TLS only (session cookie Secure, HSTS). Behind a TLS proxy the app cannot
    # tell by itself, hence a setting; tls overrides what the address implies
    public_url: str = ""
    tls: bool | None = None
    hsts_seconds: int = Field(365 * 24 * 3600, ge=0)  # Strict-Transport-Security; 0: none

    @field_validator("public_url")
    @classmethod
    def _absolute_http_url(cls, value: str) -> str:
        scheme, _, rest = value.partition("://")
        if value and (scheme.lower() not in ("http", "https") or not rest.strip("/")):
            raise ValueError("give the full address, e.g. https://roomwatch.example.com")
        return value.rstrip("/")

    @property
    def uses_tls(self) -> bool:
        """Served over TLS: from ``tls`` when set, else from ``public_url``."""
        if self.tls is not None:
            return self.tls
        return self.public_url.lower().startswith("https://")


class AgentSettings(_Section):
    name: str = "agent-1"
    server_url: str = "http://127.0.0.1:8080"
    token: str = ""
    targets_file: str = ""
    metrics_host: str = "127.0.0.1"
    metrics_port: int = Field(9108, ge=0, le=65535)
    spool_dir: str = "var/spool"
    concurrency: int = Field(32, gt=0)
    push_interval_seconds: float = Field(5.0, gt=0)
    targets_refresh_seconds: float = Field(60.0, gt=0)
    trap_host: str = "127.0.0.1"
    trap_port: int = Field(1162, ge=0, le=65535)  # 162 needs root; 0 = no trap receiver
    trap_communities: list[str] = Field(default_factory=lambda: ["public"])
    # SNMPv3 trap senders: {user, auth_protocol, auth_key, priv_protocol, priv_key, engine_id}
    trap_users: list[dict[str, str]] = Field(default_factory=list)
    # when the spool cannot be written (disk full, read-only): batches kept in memory, at
    # most this many samples; beyond it the oldest are dropped and counted
    memory_queue_samples: int = Field(100_000, gt=0)
    # a batch the server answers with the same 5xx this many times (while its health check
    # says it is up) goes to spool_dir/dead-letter/ so the batches behind it get through
    dead_letter_after: int = Field(5, gt=0)


class RulesSettings(_Section):
    paths: list[str] = Field(default_factory=list)  # extra rule files/dirs; built-ins always load
    builtin: bool = True


class NotifySettings(_Section):
    """Alarm notifications: SMTP, storms, flapping, escalation and delivery retries."""

    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(25, ge=1, le=65535)
    smtp_from: str = "roomwatch@localhost"
    smtp_starttls: bool = False
    smtp_user: str = ""
    smtp_password: str = ""
    storm_threshold: int = Field(10, gt=0)  # more new alarms than this in the window: grouped
    storm_window_seconds: float = Field(60.0, gt=0)
    flap_changes: int = Field(6, gt=0)  # more state changes than this in the window: flapping
    flap_window_seconds: float = Field(600.0, gt=0)
    escalation_minutes: list[float] = Field(default_factory=lambda: [15.0, 30.0])
    escalation_contacts: list[str] = Field(default_factory=list)  # "LEVEL:address"
    retry_attempts: int = Field(5, gt=0)
    retry_backoff_seconds: float = Field(5.0, gt=0)  # doubles on every failed attempt
    retry_max_backoff_seconds: float = Field(300.0, gt=0)
    timeout_seconds: float = Field(5.0, gt=0)  # one HTTP or SMTP attempt
    channel_failures_alarm: int = Field(3, gt=0)  # failed deliveries in a row: channel alarm


class JournalSettings(_Section):
    """The journal of signed records: where its checkpoints are kept, how often it is checked."""

    # the chain's head (seq, hash) at every day review, kept outside the database; empty: a
    # file next to the SQLite database, or var/journal-checkpoints.jsonl with PostgreSQL
    checkpoint_file: str = ""
    verify_hours: float = Field(24.0, gt=0)  # the server verifies the journal this often


class HandoverSettings(_Section):
    """The handover gate and the incoming person's arrival (seed 000)."""

    # an alarm at or above this severity that fires during the handover (or is firing
    # unacknowledged at signing) stops it: 交接过程中发生故障，应停止交接
    gate_severity: Literal["info", "warning", "critical"] = "critical"
    # 接班人员应提前10分钟到岗 (machine room); a room under the engineering rule sets 15
    arrive_before_minutes: int = Field(10, ge=0, le=240)
    # per room (its name): minutes early, e.g. {"B1-power" = 15}; the duty room's applies
    room_arrive_before_minutes: dict[str, int] = Field(default_factory=dict)
    duty_room: str = ""  # the room whose rule the handover follows; empty: the default

    @field_validator("room_arrive_before_minutes")
    @classmethod
    def _minutes_in_range(cls, value: dict[str, int]) -> dict[str, int]:
        for room, minutes in value.items():
            if not 0 <= minutes <= 240:
                raise ValueError(f"room {room!r}: give minutes between 0 and 240")
        return value

    @property
    def arrive_minutes(self) -> int:
        """The early-arrival minutes of the duty room (the default when it has no rule)."""
        return self.room_arrive_before_minutes.get(self.duty_room, self.arrive_before_minutes)

    @property
    def gate_min_severity(self) -> int:
        return {"info": 1, "warning": 2, "critical": 3}[self.gate_severity]


class Settings(_Section):
    database_url: str = "sqlite:///var/roomwatch.db"
    secret_key: str = ""
    log_level: str = "INFO"
    server: ServerSettings = Field(default_factory=ServerSettings)
    agent: AgentSettings = Field(default_factory=AgentSettings)
    rules: RulesSettings = Field(default_factory=RulesSettings)
    notify: NotifySettings = Field(default_factory=NotifySettings)
    journal: JournalSettings = Field(default_factory=JournalSettings)
    handover: HandoverSettings = Field(default_factory=HandoverSettings)


def _env_overrides(env: Mapping[str, str]) -> dict[str, Any]:
    """Map ROOMWATCH_* variables onto the settings tree; unknown names are errors."""
    out: dict[str, Any] = {}
    sections: dict[str, type[_Section]] = {
        "server": ServerSettings,
        "agent": AgentSettings,
        "rules": RulesSettings,
        "notify": NotifySettings,
        "journal": JournalSettings,
        "handover": HandoverSettings,
    }
    top = set(Settings.model_fields) - set(sections)
    for name, raw in env.items():
        if not name.startswith(ENV_PREFIX) or name == "ROOMWATCH_CONFIG":
            continue
        key = name[len(ENV_PREFIX) :].lower()
        if key in {"admin_password", "new_password", "test_database_url"}:  # read by their commands
            continue
        if key in top:
            out[key] = raw
            continue
        for sect, model in sections.items():
            if key.startswith(sect + "_") and key[len(sect) + 1 :] in model.model_fields:
                field = key[len(sect) + 1 :]
                listed = {"paths", "trap_communities", "escalation_minutes", "escalation_contacts"}
                value: Any = raw.split(",") if field in listed else raw
                out.setdefault(sect, {})[field] = value
                break
        else:
            raise ConfigError(
                f"unknown environment variable {name}: remove it or use one of "
                f"ROOMWATCH_DATABASE_URL, ROOMWATCH_SERVER_PORT, ROOMWATCH_AGENT_TOKEN, ..."
            )
    return out


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(merged.get(k), dict):
            merged[k] = _merge(merged[k], v)
        else:
            merged[k] = v
    return merged


def load_settings(
    path: str | os.PathLike[str] | None = None, env: Mapping[str, str] | None = None
) -> Settings:
    """Load settings from an optional TOML file and the environment."""
    env = os.environ if env is None else env
    path = path or env.get("ROOMWATCH_CONFIG") or None
    data: dict[str, Any] = {}
    where = "defaults"
    if path:
        p = Path(path)
        where = str(p)
        try:
            data = tomllib.loads(p.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(
                f"config file {p} not found: check --config / ROOMWATCH_CONFIG"
            ) from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{p}: not valid TOML ({exc}): fix the syntax") from None
    data = _merge(data, _env_overrides(env))
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(x) for x in err["loc"])
        if err["type"] == "extra_forbidden":
            raise ConfigError(
                f"{where}: unknown setting '{loc}': remove it or check its spelling "
                f"(see roomwatch.example.toml)"
            ) from None
        variable = _variable_for(err["loc"], env)
        if variable:  # the environment overrides the file: the fault is the variable's
            raise ConfigError(
                f"environment variable {variable} (setting '{loc}'): {err['msg']}: "
                "correct or unset it"
            ) from None
        raise ConfigError(f"{where}: setting '{loc}': {err['msg']}") from None


def _variable_for(loc: tuple[int | str, ...], env: Mapping[str, str]) -> str | None:
    """The ROOMWATCH_* variable that gave the setting at ``loc`` its value, if one did."""
    for depth in (2, 1):  # section.key, then a top-level key
        key = "_".join(str(part) for part in loc[:depth]).lower()
        for name in env:
            if name.startswith(ENV_PREFIX) and name[len(ENV_PREFIX) :].lower() == key:
                return name
    return None
