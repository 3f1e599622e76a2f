"""The ledger pages."""

from dashboard.ledger.views import bp

__all__ = ["bp"]
