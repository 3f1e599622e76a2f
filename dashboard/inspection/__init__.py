"""The inspection pages."""

from dashboard.inspection.views import bp

__all__ = ["bp"]
