"""Discovery import: a ``roomwatch discover --output`` file → preview → ledger devices."""

from dashboard.discovery.views import bp

__all__ = ["bp"]
