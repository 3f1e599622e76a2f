"""Tables of the access area (filled by its work)."""

from __future__ import annotations
