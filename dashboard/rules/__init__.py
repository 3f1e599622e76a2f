"""Rules in the dashboard: the loaded rules, enable/disable, overrides per room or device."""

from dashboard.rules import actions as _actions  # noqa: F401 (registers the POST routes)
from dashboard.rules.views import bp

__all__ = ["bp"]
