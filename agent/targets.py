"""Target lists: from the server's ``/api/v1/targets`` payload or a standalone YAML file."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from core.errors import ConfigError
from core.types import SnmpCredentials, Target, target_to_json


class TargetSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    device: str = Field(min_length=1)
    kind: Literal["snmp", "host"] = "snmp"
    address: str = "127.0.0.1"
    port: int = Field(161, ge=1, le=65535)
    profile: str = "auto"
    version: Literal["1", "2c", "3"] = "2c"
    community: str = "public"
    user: str = ""
    auth_protocol: str = ""
    auth_key: str = ""
    priv_protocol: str = ""
    priv_key: str = ""
    context: str = ""
    interval: float = Field(30.0, gt=0)
    timeout: float = Field(2.0, gt=0)
    retries: int = Field(1, ge=0, le=10)
    room: str = ""
    rack: str = ""

    def to_target(self) -> Target:
        return Target(
            self.device,
            self.kind,
            self.address,
            self.port,
            self.profile,
            SnmpCredentials(
                self.version,
                self.community,
                self.user,
                self.auth_protocol,
                self.auth_key,
                self.priv_protocol,
                self.priv_key,
                self.context,
            ),
            self.interval,
            self.timeout,
            self.retries,
            self.room,
            self.rack,
        )


target_to_dict = target_to_json  # the server's /api/v1/targets shape


def targets_from_list(items: Any, where: str) -> list[Target]:
    """Validate a list of target mappings; an error names the entry, the field and the fix."""
    if not isinstance(items, list):
        raise ConfigError(f"{where}: expected a list of targets (device, kind, address...)")
    out: list[Target] = []
    for i, item in enumerate(items):
        if isinstance(item, dict) and "version" in item:
            item = {**item, "version": str(item["version"])}
        try:
            out.append(TargetSpec.model_validate(item).to_target())
        except ValidationError as exc:
            err = exc.errors()[0]
            loc = ".".join(str(x) for x in err["loc"])
            raise ConfigError(f"{where}: target #{i + 1} field '{loc}': {err['msg']}") from None
    names = [t.device for t in out]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ConfigError(f"{where}: device {dup[0]!r} listed twice: keep one")
    return out


def load_targets_file(path: str | Path) -> list[Target]:
    """A standalone agent's targets: a YAML list (or ``{targets: [...]}``)."""
    p = Path(path)
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"targets file {p} not found: check --targets-file") from None
    except yaml.YAMLError:
        raise ConfigError(f"{p}: not valid YAML: fix the syntax") from None
    if isinstance(data, dict) and "targets" in data:
        data = data["targets"]
    return targets_from_list(data or [], str(p))
