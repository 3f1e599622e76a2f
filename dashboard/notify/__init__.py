"""Notification channels, routes and the delivery log (admins edit, supervisors read)."""

from dashboard.notify import actions as _actions  # noqa: F401 (registers the POST routes)
from dashboard.notify.views import bp

__all__ = ["bp"]
