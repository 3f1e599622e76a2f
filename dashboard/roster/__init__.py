"""The roster pages."""

from dashboard.roster.views import bp

__all__ = ["bp"]
