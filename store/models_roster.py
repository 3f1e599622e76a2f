"""Tables of the roster area (filled by its work)."""

from __future__ import annotations
