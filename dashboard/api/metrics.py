"""``GET /metrics``: the server's ingest counters in the Prometheus text format.

Each app holds its own :class:`IngestMetrics` on a dedicated ``CollectorRegistry`` (never
the process-wide default one), so two apps in one process, as in the tests, count apart.
Open like the agent's ``/metrics``: counts only, nothing about devices or people.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, generate_latest

from dashboard.security import public

KEY = "roomwatch.metrics"
REFUSAL_CODES = ("unstorable", "future", "too_old")
bp = Blueprint("metrics", __name__)


class IngestMetrics:
    """What the ingest endpoints took, refused and recognised as replays."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.samples_accepted = Counter(
            "roomwatch_ingest_samples_accepted",
            "Samples taken by POST /api/v1/samples (valid and inside the time window)",
            registry=self.registry,
        )
        self.samples_refused = Counter(
            "roomwatch_ingest_samples_refused",
            "Samples refused, by reason: unstorable, future, too_old",
            ["reason"],
            registry=self.registry,
        )
        self.samples_duplicate = Counter(
            "roomwatch_ingest_samples_duplicate",
            "Accepted samples whose series already held a point at that time (skipped)",
            registry=self.registry,
        )
        self.events_refused = Counter(
            "roomwatch_ingest_events_refused",
            "Trap events refused as unstorable (NUL character, time out of range)",
            registry=self.registry,
        )
        self.duplicate_batches = Counter(
            "roomwatch_ingest_duplicate_batches",
            "Batches whose batch_id was stored before: answered as replays, stored once",
            ["kind"],
            registry=self.registry,
        )
        for code in REFUSAL_CODES:  # every series present from the start, at 0
            self.samples_refused.labels(code)
        for kind in ("samples", "events"):
            self.duplicate_batches.labels(kind)


def ingest_metrics() -> IngestMetrics:
    """This app's counters (made on first use)."""
    metrics: IngestMetrics | None = current_app.extensions.get(KEY)
    if metrics is None:
        metrics = current_app.extensions.setdefault(KEY, IngestMetrics())
    return metrics


@bp.get("/metrics")
@public
def metrics() -> Response:
    body = generate_latest(ingest_metrics().registry)
    return Response(body, mimetype=None, content_type=CONTENT_TYPE_LATEST)
