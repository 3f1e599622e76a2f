"""The ingest body, validated strictly once at the edge (pydantic, JSON mode)."""

from __future__ import annotations

from datetime import UTC
from functools import lru_cache
from typing import Annotated, Any

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    create_model,
)

from core.types import Sample

Name = Annotated[str, StringConstraints(min_length=1, max_length=100)]
MetricName = Annotated[
    str, StringConstraints(min_length=1, max_length=100, pattern=r"^[a-zA-Z_][a-zA-Z0-9_]*$")
]


class SampleIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    device: Name
    metric: MetricName
    instance: Annotated[str, StringConstraints(max_length=200)] = ""
    value: Annotated[float | None, Field(allow_inf_nan=False)] = None
    text: Annotated[str | None, StringConstraints(max_length=4000)] = None
    unit: Annotated[str, StringConstraints(max_length=40)] = ""
    ts: AwareDatetime

    def to_sample(self) -> Sample:
        return Sample(
            device=self.device,
            metric=self.metric,
            instance=self.instance,
            value=self.value,
            ts=self.ts.astimezone(UTC),
            unit=self.unit,
            text=self.text,
        )


class BatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    agent: Name
    samples: list[SampleIn]


@lru_cache(maxsize=8)
def batch_model(max_samples: int) -> type[BatchIn]:
    """The batch schema with this server's limit on the number of samples."""
    return create_model(
        "Batch",
        __base__=BatchIn,
        samples=(list[SampleIn], Field(max_length=max_samples)),
    )


def field_path(loc: tuple[int | str, ...]) -> str:
    """('samples', 3, 'ts') -> 'samples[3].ts'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "body"


def error_details(exc: ValidationError) -> list[dict[str, Any]]:
    return [
        {"field": field_path(tuple(e["loc"])), "type": e["type"], "message": e["msg"]}
        for e in exc.errors(include_url=False, include_input=False)
    ]
