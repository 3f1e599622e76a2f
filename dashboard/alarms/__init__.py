"""The alarm console: live list, detail with timeline, actions, response times, maintenance."""

from dashboard.alarms import actions as _actions  # noqa: F401 (registers the POST routes)
from dashboard.alarms.views import bp

__all__ = ["bp"]
