"""Translations without compiled catalogs: one JSON file per language, keyed by message id.

Chinese (zh_CN) is the default, English (en) the second language and the fallback for a
message missing from a catalog; a message missing everywhere shows its id (a test keeps
the catalogs complete). Templates call ``_('nav.alarms')``; Python code calls :func:`gettext`.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from flask import Flask, g, has_request_context, session

CATALOG_DIR = Path(__file__).parent / "translations"
LANGUAGES: tuple[str, ...] = ("zh_CN", "en")
FALLBACK = "en"
_ALIASES = {"zh": "zh_CN", "zh_cn": "zh_CN", "zh-cn": "zh_CN", "en_us": "en", "en-us": "en"}


@cache
def catalog(lang: str) -> dict[str, str]:
    """The messages of one language, read once: ``<lang>.json`` and one ``<area>.<lang>.json``
    per duty area (inspection, roster, ledger...); an id defined twice is an error."""
    merged: dict[str, str] = {}
    for path in [CATALOG_DIR / f"{lang}.json", *sorted(CATALOG_DIR.glob(f"*.{lang}.json"))]:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError(f"{path}: expected an object of message id -> text")
        twice = sorted(set(data) & set(merged))
        if twice:
            raise ValueError(f"{path}: message ids already defined elsewhere: {twice[:5]}")
        merged.update({str(k): str(v) for k, v in data.items()})
    return merged


def normalize(lang: str | None, default: str = LANGUAGES[0]) -> str:
    """Map 'zh', 'en_US'... onto a supported language; anything else gives ``default``."""
    if not lang:
        return default
    if lang in LANGUAGES:
        return lang
    return _ALIASES.get(lang.lower(), default)


def translate(lang: str, msgid: str, **params: Any) -> str:
    """The text of ``msgid`` in ``lang`` (English, then the id itself, as fallbacks)."""
    text = catalog(lang).get(msgid) if lang in LANGUAGES else None
    if text is None:
        text = catalog(FALLBACK).get(msgid, msgid)
    return text % params if params else text


def has(msgid: str) -> bool:
    return msgid in catalog(FALLBACK)


def current_language() -> str:
    """The language of this request, chosen by :func:`select_language` (default outside one)."""
    if has_request_context():
        lang = g.get("lang")
        if lang:
            return str(lang)
    return LANGUAGES[0]


def select_language(user_language: str | None, default: str) -> str:
    """The user's stored choice, else this browser session's, else the server default."""
    return normalize(user_language or session.get("lang"), normalize(default))


def gettext(msgid: str, **params: Any) -> str:
    return translate(current_language(), msgid, **params)


_ = gettext


def label(prefix: str, key: object) -> str:
    """A label from a family (``metric``, ``type``, ``severity``...); unknown keys show as is."""
    msgid = f"{prefix}.{key}"
    return gettext(msgid) if has(msgid) else str(key)


def localized(zh: str | None, en: str | None, fallback: str = "") -> str:
    """Pick a stored text pair (title_zh/title_en, summary_zh/summary_en) for this user."""
    first, second = (en, zh) if current_language() == "en" else (zh, en)
    return first or second or fallback


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(
        _=gettext, gettext=gettext, label=label, localized=localized, LANGUAGES=LANGUAGES
    )
    app.jinja_env.globals["current_language"] = current_language
