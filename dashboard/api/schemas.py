"""The ingest bodies and answers, validated strictly once at the edge (pydantic, JSON mode).

A body that breaks the schema (not JSON, a missing or mistyped field, too many items) is
refused as a whole (400/422) and nothing is stored: that is a broken client. An item that
follows the schema but that the store cannot hold (a NUL character, a time out of range in
UTC: error type ``unstorable``), or whose time is outside the window the store keeps
(ahead of the server's clock, older than the raw retention), is refused alone and named in
the acknowledgement (:class:`Refused`), and its healthy neighbours are stored: an agent
sets aside a batch the server refuses with a 4xx, and one odd device reading must not
cost the readings of the others. These models are the API's one description (the OpenAPI
document is generated from them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Annotated, Any, Generic, Literal, TypeVar

import pydantic_core
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    create_model,
)
from pydantic_core import PydanticCustomError

from core.types import Sample

UNSTORABLE = "unstorable"  # the error type of what the schema allows but the store cannot hold


def _storable_text(value: str | None) -> str | None:
    # PostgreSQL text cannot hold NUL (SQLite could: both databases are kept alike)
    if value is not None and "\x00" in value:
        raise PydanticCustomError(
            UNSTORABLE, "contains a NUL character (\\u0000), which the database cannot store"
        )
    return value


def _to_utc(value: datetime) -> datetime:
    try:
        return value.astimezone(UTC)
    except OverflowError:  # 9999-12-31T23:59:59-10:00 is in year 10000 in UTC
        raise PydanticCustomError(
            UNSTORABLE,
            "{ts} is out of range once converted to UTC (0001-01-01 to 9999-12-31)",
            {"ts": value.isoformat()},
        ) from None


Storable = AfterValidator(_storable_text)
Name = Annotated[str, StringConstraints(min_length=1, max_length=100), Storable]
# the agent names the whole batch: a NUL there refuses the body (422), so the schema says so
AgentName = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=r"^[^\x00]+$")]
MetricName = Annotated[
    str, StringConstraints(min_length=1, max_length=100, pattern=r"^[a-zA-Z_][a-zA-Z0-9_]*$")
]
UtcTime = Annotated[AwareDatetime, AfterValidator(_to_utc)]
BatchId = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,64}$"),
    Field(
        description="The agent's id of this batch (1-64 of A-Z a-z 0-9 _ -). The server "
        "stores a batch at most once: a replay of an id it has stored is answered with the "
        "first acknowledgement, marked replay=true. Ids are forgotten after the raw "
        "retention (server.raw_retention_days)."
    ),
]


class SampleIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    device: Name = Field(description="Device name as in the inventory")
    metric: MetricName = Field(description="Metric name, e.g. ups_output_load_percent")
    instance: Annotated[str, StringConstraints(max_length=200), Storable] = Field(
        "", description="Instance label (interface, probe...); empty for a device-wide value"
    )
    value: Annotated[float | None, Field(allow_inf_nan=False)] = Field(
        None, description="The number; null for a text-only reading"
    )
    text: Annotated[str | None, StringConstraints(max_length=4000), Storable] = Field(
        None, description="The text reading (or the label of a value); no NUL character"
    )
    unit: Annotated[str, StringConstraints(max_length=40), Storable] = ""
    ts: UtcTime = Field(
        description="When it was read, with its offset. Refused (per sample) when ahead of "
        "the server's clock by more than server.max_clock_skew_seconds, or older than the "
        "raw retention."
    )

    def to_sample(self) -> Sample:
        return Sample(
            device=self.device,
            metric=self.metric,
            instance=self.instance,
            value=self.value,
            ts=self.ts,
            unit=self.unit,
            text=self.text,
        )


class BatchIn(BaseModel):
    """``POST /api/v1/samples``."""

    model_config = ConfigDict(extra="forbid", strict=True)

    agent: AgentName = Field(description="The sending agent's name (no NUL character)")
    batch_id: BatchId | None = None
    samples: list[SampleIn]


@lru_cache(maxsize=8)
def batch_model(max_samples: int) -> type[BatchIn]:
    """The batch schema with this server's limit on the number of samples."""
    return create_model(
        "Batch",
        __base__=BatchIn,
        samples=(list[SampleIn], Field(max_length=max_samples)),
    )


RefusalCode = Literal["unstorable", "future", "too_old"]


class Refused(BaseModel):
    """One item of a batch that was not stored, and why."""

    index: int = Field(description="Its position in the body's list, from 0")
    device: str | None = Field(description="Its device, as sent (cut at 100 characters)")
    metric: str | None = Field(None, description="Its metric, as sent (samples only)")
    code: RefusalCode = Field(
        description="unstorable: the database cannot hold it (a NUL character, a time out "
        "of range in UTC); future: ahead of the server's clock by more than the allowed "
        "skew; too_old: older than the raw retention"
    )
    reason: str = Field(description="What is wrong, in words")


class SamplesAck(BaseModel):
    """The answer to ``POST /api/v1/samples`` (202, a replayed ``batch_id`` too)."""

    accepted: int = Field(description="Samples of this batch taken (valid, inside the window)")
    duplicates: int = Field(
        0, description="Accepted samples whose series already held a point at that ts: skipped"
    )
    refused: list[Refused] = Field(default_factory=list)
    batch_id: str | None = None
    replay: bool = Field(False, description="True when this batch_id was stored before")


M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Judged(Generic[M]):
    """A body that follows the schema: its storable items (``indexes`` = their positions in
    the body's list) and the items refused as unstorable."""

    body: M
    indexes: list[int]
    refused: list[Refused]


def judge(model: type[M], raw: bytes, items: str) -> Judged[M]:
    """Validate ``raw`` against ``model``; the items of its list field ``items`` that only
    the store refuses are set aside (:class:`Refused`), the rest validated as sent.

    Raises :class:`ValidationError` when the body breaks the schema anywhere else.
    """
    try:
        body = model.model_validate_json(raw)
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_input=False)
        if not all(e["type"] == UNSTORABLE and _in_item(e["loc"], items) for e in errors):
            raise
        bad: dict[int, list[Any]] = {}
        for e in errors:
            bad.setdefault(int(e["loc"][1]), []).append(e)
        data = pydantic_core.from_json(raw)  # the same parser: it parsed a moment ago
        listed = data[items]
        indexes = [i for i in range(len(listed)) if i not in bad]
        data[items] = [listed[i] for i in indexes]
        # the healthy items again, alone: the same strict JSON-mode validation as above
        body = model.model_validate_json(pydantic_core.to_json(data))
        refused = [_unstorable(i, listed[i], errs) for i, errs in sorted(bad.items())]
        return Judged(body, indexes, refused)
    return Judged(body, list(range(len(getattr(body, items)))), [])


def _in_item(loc: Sequence[int | str], items: str) -> bool:
    return len(loc) >= 2 and loc[0] == items and isinstance(loc[1], int)


def _sent(item: Any, key: str) -> str | None:
    value = item.get(key) if isinstance(item, dict) else None
    return value[:100] if isinstance(value, str) else None


def _unstorable(index: int, item: Any, errors: list[Any]) -> Refused:
    words = "; ".join(f"{field_path(tuple(e['loc'][2:]))}: {e['msg']}" for e in errors)
    return Refused(
        index=index,
        device=_sent(item, "device"),
        metric=_sent(item, "metric"),
        code="unstorable",
        reason=words,
    )


def window_refusal(
    ts: datetime, now: datetime, max_skew: timedelta, retention: timedelta
) -> tuple[RefusalCode, str] | None:
    """Why a sample stamped ``ts`` is outside what the store takes at ``now``, or None.

    Ahead of the clock by more than ``max_skew``: it would stay its series' latest value
    and freeze the rules over it. Older than ``retention``: pruned before anyone reads it.
    """
    if ts > now + max_skew:
        return "future", (
            f"ts {ts.isoformat()} is {_span(ts - now)} ahead of the server's clock "
            f"({now.isoformat()}); at most {_span(max_skew)} is taken: check the agent's clock"
        )
    if ts < now - retention:
        return "too_old", (
            f"ts {ts.isoformat()} is {_span(now - ts)} old, beyond the raw retention of "
            f"{_span(retention)}"
        )
    return None


def _span(d: timedelta) -> str:
    seconds = d.total_seconds()
    for unit, size in (("years", 365 * 86400), ("days", 86400), ("hours", 3600), ("minutes", 60)):
        if seconds >= 2 * size:
            return f"{seconds / size:.0f} {unit}"
    return f"{seconds:.0f} s"


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
