"""Errors a user can act on. Each carries a one-line message that names the cause and the fix."""

from __future__ import annotations


class RoomwatchError(Exception):
    """Base for every error shown to a user as one line (never a traceback)."""


class ConfigError(RoomwatchError):
    """Configuration file or environment is wrong."""


class DatabaseError(RoomwatchError):
    """Database unreachable or not migrated."""


class ProfileError(RoomwatchError):
    """A device profile is missing or invalid."""


class RuleFileError(RoomwatchError):
    """A rule file is invalid; the message names file, line and field."""


class PortInUseError(RoomwatchError):
    """A listening port is already taken."""
