"""The JSON API under /api/v1: agents' ingest and targets, health, read endpoints."""

from dashboard.api.views import bp

__all__ = ["bp"]
