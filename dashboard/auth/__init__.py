"""Login, logout and the language switch."""

from dashboard.auth.views import bp

__all__ = ["bp"]
