"""One device: identity, latest readings, open alarms."""

from dashboard.devices.views import bp

__all__ = ["bp"]
