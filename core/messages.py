"""The message catalogues without Flask: one JSON file per language (and per duty area),
keyed by message id, read by the dashboard, the command line and the notifications alike.

Chinese (zh_CN) is the default, English (en) the second language and the fallback for a
message missing from a catalogue; a message missing everywhere shows its id (a test keeps
the catalogues complete). A parameter that holds a code of a known family (``role``) is
shown by its label in the message's language, never as the code.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

CATALOG_DIR = Path(__file__).resolve().parents[1] / "dashboard" / "translations"
LANGUAGES: tuple[str, ...] = ("zh_CN", "en")
FALLBACK = "en"
# parameter name -> label family: ``role="readonly"`` is shown as 只读 / Read-only
PARAM_FAMILIES = {"role": "role"}


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


def _text(lang: str, msgid: str) -> str | None:
    text = catalog(lang).get(msgid) if lang in LANGUAGES else None
    return text if text is not None else catalog(FALLBACK).get(msgid)


def label(lang: str, family: str, key: object) -> str:
    """A label of a family (``role``, ``ledger.status``...); an unknown key shows as is."""
    text = _text(lang, f"{family}.{key}")
    return str(key) if text is None else text


def translate(lang: str, msgid: str, **params: Any) -> str:
    """The text of ``msgid`` in ``lang`` (English, then the id itself, as fallbacks)."""
    text = _text(lang, msgid)
    if text is None:
        text = msgid
    if not params:
        return text
    shown = {
        k: label(lang, PARAM_FAMILIES[k], v) if k in PARAM_FAMILIES and isinstance(v, str) else v
        for k, v in params.items()
    }
    return text % shown


def both(msgid: str, **params: Any) -> str:
    """``中文 / English`` for a place with no language of its own (the command line)."""
    zh, en = translate("zh_CN", msgid, **params), translate("en", msgid, **params)
    return zh if zh == en else f"{zh} / {en}"
