"""The access pages: the blueprint and the modules that add their routes to it."""

from dashboard.access import history, staff_pages, work_pages  # noqa: F401  (their routes go on bp)
from dashboard.access.views import bp

__all__ = ["bp"]
