"""The changes pages: list, request form, one change with its actions, the calendar."""

from dashboard.changes import actions  # noqa: F401  (registers the POST routes on bp)
from dashboard.changes.views import bp

__all__ = ["bp"]
