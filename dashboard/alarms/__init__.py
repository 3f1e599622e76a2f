"""Alarm list, detail with history, and acknowledgement."""

from dashboard.alarms.views import bp

__all__ = ["bp"]
