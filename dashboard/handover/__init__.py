"""The handover pages."""

from dashboard.handover.views import bp

__all__ = ["bp"]
