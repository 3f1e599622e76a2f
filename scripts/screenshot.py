"""Take the README's screenshot: a demo room with the UPS on battery, seen in headless Chromium.

Usage: python scripts/screenshot.py docs/img/overview.png [more pages as PATH=URLPATH ...]
"""

from __future__ import annotations

import os
import secrets
import sys
import tempfile
from pathlib import Path

from sqlalchemy import select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.config import load_settings  # noqa: E402
from demo.check import wait_for  # noqa: E402
from demo.room import Demo  # noqa: E402
from store.db import session_factory  # noqa: E402
from store.models import Alarm  # noqa: E402
from tests.e2e.browser import chromium_page  # noqa: E402


def main(out: str, *extra: str) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        password = secrets.token_urlsafe(12)
        os.environ["ROOMWATCH_ADMIN_PASSWORD"] = password
        settings = load_settings(env={})
        settings.database_url = f"sqlite:///{tmp}/shot.db"
        settings.agent.spool_dir = f"{tmp}/spool"
        settings.agent.trap_port = 0
        settings.server.rule_tick_seconds = 1.0
        room = Demo(settings, web_port=0, metrics_port=0, scenario=False)
        room.start()
        try:
            room.sim.set_ups_on_battery(True)
            factory = session_factory(room.engine)

            def alarm_open() -> bool:
                with factory() as s:
                    return s.scalar(select(Alarm).where(Alarm.rule == "ups_on_battery")) is not None

            wait_for("the UPS-on-battery alarm", alarm_open, 90)
            wait_for("every device polled", lambda: len(room.polled_devices()) >= 5, 60)
            with chromium_page() as page:
                page.goto(f"{room.web.url}/login")
                page.fill("input[name=username]", "admin")
                page.fill("input[name=password]", password)
                page.click("button[type=submit]")
                page.wait_for_url(f"{room.web.url}/")
                page.screenshot(path=out, full_page=True)
                print(f"wrote {out}")
                for item in extra:
                    path, _, url = item.partition("=")
                    page.goto(f"{room.web.url}{url}")
                    page.screenshot(path=path, full_page=True)
                    print(f"wrote {path}")
        finally:
            room.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
