"""Tables of the inspection area (filled by its work)."""

from __future__ import annotations
