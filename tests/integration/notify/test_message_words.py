"""What an on-battery alarm and its recovery say: a state in words, never its code, and a
recovery that does not repeat the firing advice (issue 12, point 14)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from rules.service import RuleRunner
from store.models import Notification
from tests.integration.rules.conftest import Factory, feed, tick


def _messages(factory: Factory) -> dict[str, tuple[str, str, str, str]]:
    with factory() as s:
        return {
            n.kind: (n.subject_zh, n.body_zh, n.subject_en, n.body_en)
            for n in s.scalars(select(Notification).order_by(Notification.id))
        }


def test_on_battery_says_the_state_and_the_recovery_gives_no_advice(
    room_db: Factory, make_runner: Callable[..., RuleRunner]
) -> None:
    runner = make_runner()
    feed(room_db, 0, ups_output_source=5)  # UPS-MIB 5: battery
    tick(room_db, runner, 0)
    feed(room_db, 30, ups_output_source=3)  # 3: normal (mains)
    tick(room_db, runner, 30)
    got = _messages(room_db)
    assert set(got) == {"fire", "clear"}
    _, fire_zh, _, fire_en = got["fire"]
    assert "状态：电池" in fire_zh and "数值" not in fire_zh
    assert "State: Battery" in fire_en and "Value: 5" not in fire_en
    subject_zh, clear_zh, subject_en, clear_en = got["clear"]
    assert subject_zh == "【严重】已恢复：ups1：UPS 电池供电（市电中断）"
    assert subject_en == "[Critical] Cleared: ups1: UPS on battery (mains lost)"
    assert "请立即检查市电" not in subject_zh + clear_zh
    assert "check mains power" not in subject_en + clear_en
    assert "数值" not in clear_zh and "Value" not in clear_en


def test_apc_on_battery_reads_its_own_value_map(
    room_db: Factory, make_runner: Callable[..., RuleRunner]
) -> None:
    runner = make_runner()
    feed(room_db, 0, apc_ups_output_status=3)  # PowerNet 3: onBattery (UPS-MIB 3 is normal)
    tick(room_db, runner, 0)
    _, body_zh, _, body_en = _messages(room_db)["fire"]
    assert "状态：电池" in body_zh and "State: Battery" in body_en
