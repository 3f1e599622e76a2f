"""The admin's user pages."""

from dashboard.users.views import bp

__all__ = ["bp"]
