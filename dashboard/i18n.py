"""Translations without compiled catalogs: one JSON file per language, keyed by message id.

The catalogues themselves are read by :mod:`core.messages` (the command line and the
notifications use them too): zh_CN is the default, en the fallback. Templates call
``_('nav.alarms')``; Python code calls :func:`gettext`.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, g, has_request_context, session

# re-exported: the screens and tests read the catalogues through this module
from core.messages import CATALOG_DIR as CATALOG_DIR
from core.messages import FALLBACK, LANGUAGES
from core.messages import catalog as catalog
from core.messages import translate as translate
from inventory.ledger_import import value_words

_ALIASES = {"zh": "zh_CN", "zh_cn": "zh_CN", "zh-cn": "zh_CN", "en_us": "en", "en-us": "en"}


def normalize(lang: str | None, default: str = LANGUAGES[0]) -> str:
    """Map 'zh', 'en_US'... onto a supported language; anything else gives ``default``."""
    if not lang:
        return default
    if lang in LANGUAGES:
        return lang
    return _ALIASES.get(lang.lower(), default)


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


def ledger_value(column: str, value: object) -> str:
    """A ledger column's value as this user reads it: a status, face, kind or type in words."""
    return value_words(current_language(), column, "" if value is None else str(value))


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(
        _=gettext, gettext=gettext, label=label, localized=localized, LANGUAGES=LANGUAGES,
        ledger_value=ledger_value,
    )  # fmt: skip
    app.jinja_env.globals["current_language"] = current_language
