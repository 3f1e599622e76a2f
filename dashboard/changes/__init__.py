"""The changes pages."""

from dashboard.changes.views import bp

__all__ = ["bp"]
