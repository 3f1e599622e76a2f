"""Catalogs complete in both languages, and the per-user language switch."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session, sessionmaker

from core.types import Role, Severity
from dashboard import i18n
from dashboard.alarms.service import FILTERS
from store.accounts import get_user
from tests.web.conftest import form_token

DASHBOARD = Path(i18n.__file__).parent
_LITERAL = re.compile(r"""\b_\(\s*(['"])(.+?)\1\s*[,)]""")
_READING = re.compile(r'"(reading\.[a-z_]+)"')


def test_catalogs_have_the_same_keys() -> None:
    zh, en = i18n.catalog("zh_CN"), i18n.catalog("en")
    assert set(zh) == set(en)
    assert all(zh.values()) and all(en.values())


def _used_ids() -> set[str]:
    used: set[str] = set()
    for path in [*DASHBOARD.rglob("*.html"), *DASHBOARD.rglob("*.py")]:
        text = path.read_text(encoding="utf-8")
        used |= {m.group(2) for m in _LITERAL.finditer(text)}
        used |= set(_READING.findall(text))
    return used


def test_every_message_used_exists_in_both_catalogs() -> None:
    used = _used_ids() | {f"alarms.filter.{f}" for f in FILTERS}
    used |= {
        f"error.{code}.{part}"
        for code in (400, 403, 404, 405, 413, 500)
        for part in ("title", "text")
    }
    used |= {f"severity.{int(s)}" for s in Severity}
    used |= {f"role.{r.value}" for r in Role}
    used |= {f"status.{s}" for s in ("firing", "acknowledged", "resolved")}
    used |= {f"state.{s}" for s in ("up", "down", "nodata", "stale", "disabled")}
    used |= {f"type.{t}" for t in ("ups", "switch", "sensor", "pdu", "server")}
    assert len(used) > 100
    for lang in i18n.LANGUAGES:
        missing = sorted(used - set(i18n.catalog(lang)))
        assert not missing, f"{lang}.json lacks {missing}"


@pytest.mark.parametrize(
    ("lang", "msgid", "text"),
    [
        ("zh_CN", "metric.ups_output_source", "输出来源"),
        ("en", "metric.ups_output_source", "Output source"),
        ("zh_CN", "severity.3", "严重"),
        ("zh_CN", "status.acknowledged", "已确认"),
        ("zh_CN", "role.duty", "值班员"),
        ("zh_CN", "enum.ups_output_source.battery", "电池"),
        ("en", "no.such.id", "no.such.id"),
        ("de", "nav.alarms", "Alarms"),
    ],
    ids=[
        "metric-zh",
        "metric-en",
        "severity",
        "status",
        "role",
        "enum",
        "unknown-id",
        "other-lang",
    ],
)
def test_translate(lang: str, msgid: str, text: str) -> None:
    assert i18n.translate(lang, msgid) == text


def test_language_switch_shows_english_and_is_kept_on_the_account(
    client: FlaskClient, logged_in: Callable[[Role], str], sessions: sessionmaker[Session]
) -> None:
    name = logged_in(Role.READONLY)
    assert "总览" in client.get("/").get_data(as_text=True)
    resp = client.post(
        "/language", data={"lang": "en", "next": "/", "csrf_token": form_token(client, "/")}
    )
    assert resp.status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert "Overview" in page
    assert "总览" not in page
    with sessions() as s:
        assert get_user(s, name).language == "en"  # type: ignore[union-attr]


def test_language_switch_works_before_login(client: FlaskClient) -> None:
    assert "用户名" in client.get("/login").get_data(as_text=True)
    client.post("/language", data={"lang": "en", "csrf_token": form_token(client)})
    assert "User name" in client.get("/login").get_data(as_text=True)


def test_every_profile_metric_has_a_label_in_both_languages() -> None:
    """A reading without a label shows its raw name to the person on duty: not allowed."""
    import json
    from pathlib import Path

    from collector.profiles import load_profiles

    names = {"device_up", "poll_duration_seconds", "host_cpu_percent", "host_memory_used_percent",
             "host_disk_used_percent", "host_load1", "host_uptime_seconds"}  # fmt: skip
    for profile in load_profiles().values():
        names |= set(profile.metric_names())
    folder = Path(__file__).resolve().parents[2] / "dashboard" / "translations"
    for lang in ("zh_CN", "en"):
        catalog = json.loads((folder / f"{lang}.json").read_text(encoding="utf-8"))
        missing = sorted(n for n in names if f"metric.{n}" not in catalog)
        assert not missing, f"{lang}: no label for {missing}"
