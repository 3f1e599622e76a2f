"""Validating what an admin enters for a notification channel or route, and masking
secrets for display and the audit journal (pure: no database, no Flask).

Errors are message codes per field (``{"target": "url"}``); the dashboard words them in
the user's language. A secret field submitted empty keeps the stored value.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass

from rules.notify import hours
from rules.notify.smtp import addresses

KINDS = ("smtp", "webhook", "wecom", "dingtalk", "feishu")
URL_KINDS = frozenset(KINDS[1:])
SIGNED_KINDS = frozenset({"dingtalk", "feishu"})  # an optional signing secret
LANGUAGES = ("zh", "en", "both")
SEVERITIES = (1, 2, 3)
MAX_LEVEL = 5
_EMAIL = re.compile(r"^[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)*$")
_NAME = re.compile(r"^[\w.\- ]{1,100}$")
MASK = "••••"


@dataclass(frozen=True, slots=True)
class ChannelValues:
    name: str
    kind: str
    target: str
    secret: str
    language: str
    enabled: bool


@dataclass(frozen=True, slots=True)
class RouteValues:
    channel_id: int
    min_severity: int
    rooms: tuple[str, ...]
    hours: str
    level: int


def mask(secret: str) -> str:
    """Only the last 4 characters of a secret (nothing of a short one)."""
    if not secret:
        return ""
    return MASK + secret[-4:] if len(secret) >= 8 else MASK


def mask_url(url: str) -> str:
    """A robot URL with its tokens (query values, a long last path segment) masked."""
    parts = urllib.parse.urlsplit(url)
    query = "&".join(
        f"{k}={mask(v)}" for k, v in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    )
    head, _, last = parts.path.rpartition("/")
    path = f"{head}/{mask(last)}" if len(last) >= 16 else parts.path
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, query, ""))


def shown_target(kind: str, target: str) -> str:
    return mask_url(target) if kind in URL_KINDS else target


def is_url(text: str) -> bool:
    if len(text) > 2000 or any(c.isspace() for c in text):
        return False
    try:
        parts = urllib.parse.urlsplit(text)
        return parts.scheme in ("http", "https") and bool(parts.hostname) and parts.port != 0
    except ValueError:  # a bad port or bracket
        return False


def check_channel(
    form: Mapping[str, str], current: ChannelValues | None
) -> tuple[ChannelValues | None, dict[str, str]]:
    """Values to store, or error codes by field. ``current``: the channel being edited."""
    errors: dict[str, str] = {}
    name = form.get("name", "").strip()
    kind = form.get("kind", "").strip()
    language = form.get("language", "zh").strip()
    if not _NAME.match(name):
        errors["name"] = "name"
    if kind not in KINDS:
        errors["kind"] = "kind"
    if language not in LANGUAGES:
        errors["language"] = "language"
    target = form.get("target", "").strip()
    secret = form.get("secret", "").strip()
    if current is not None:
        if not target and kind in URL_KINDS and current.kind in URL_KINDS:
            target = current.target  # a URL carries the robot's token: kept unless retyped
        if not secret and form.get("clear_secret") != "on":
            secret = current.secret
    if kind == "smtp":
        found = addresses(target)
        bad = [a for a in found if not _EMAIL.match(a)]
        if not found:
            errors["target"] = "emails_required"
        elif bad:
            errors["target"] = "email"
        target = ", ".join(found)
    elif kind in URL_KINDS:
        if not target:
            errors["target"] = "url_required"
        elif not is_url(target):
            errors["target"] = "url"
    if kind not in SIGNED_KINDS:
        secret = ""
    elif len(secret) > 200:
        errors["secret"] = "secret"
    if errors:
        return None, errors
    return ChannelValues(
        name, kind, target, secret, language, form.get("enabled", "on") == "on"
    ), {}


def check_route(
    form: Mapping[str, str], channel_ids: set[int]
) -> tuple[RouteValues | None, dict[str, str]]:
    errors: dict[str, str] = {}
    ints: dict[str, int] = {}
    for field, allowed in (
        ("channel_id", channel_ids),
        ("min_severity", set(SEVERITIES)),
        ("level", set(range(MAX_LEVEL + 1))),
    ):
        try:
            ints[field] = int(form.get(field, "").strip())
        except ValueError:
            ints[field] = -1
        if ints[field] not in allowed:
            errors[field] = field
    rooms = tuple(r for r in (p.strip() for p in form.get("rooms", "").split(",")) if r)
    if any(len(r) > 100 for r in rooms):
        errors["rooms"] = "rooms"
    try:
        spec = hours.normalize(form.get("hours", ""))
    except ValueError:
        errors["hours"] = "hours"
        spec = ""
    if errors:
        return None, errors
    return RouteValues(ints["channel_id"], ints["min_severity"], rooms, spec, ints["level"]), {}
