"""The machine room at a glance: alarm banner, rooms, racks and device cards."""

from dashboard.overview.views import bp

__all__ = ["bp"]
