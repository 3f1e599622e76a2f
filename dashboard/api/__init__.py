"""The JSON API under /api/v1: agents' ingest and targets, trap events, health, reads."""

from dashboard.api import events as _events  # noqa: F401 (registers POST /events on bp)
from dashboard.api import openapi as _openapi  # noqa: F401 (registers GET /openapi.json)
from dashboard.api.views import bp

__all__ = ["bp"]
