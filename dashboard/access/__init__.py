"""The access pages."""

from dashboard.access.views import bp

__all__ = ["bp"]
