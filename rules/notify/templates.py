"""Subjects and bodies of notifications, in Chinese and English (pure)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from core.types import Severity


class Kind(enum.StrEnum):
    FIRE = "fire"
    SEVERITY = "severity"
    ESCALATION = "escalation"
    CLEAR = "clear"
    FLAPPING = "flapping"
    STORM = "storm"
    CHANNEL = "channel"  # a notification channel keeps failing
    GROUPED = "grouped"  # a fire folded into a storm message (recorded, not sent on its own)
    TEST = "test"  # sent by hand from the channels screen


SEVERITY_ZH = {Severity.INFO: "提示", Severity.WARNING: "警告", Severity.CRITICAL: "严重"}
SEVERITY_EN = {Severity.INFO: "Info", Severity.WARNING: "Warning", Severity.CRITICAL: "Critical"}

_HEAD_ZH = {
    Kind.FIRE: "告警",
    Kind.SEVERITY: "级别变化",
    Kind.ESCALATION: "告警升级",
    Kind.CLEAR: "已恢复",
    Kind.FLAPPING: "告警抖动",
    Kind.CHANNEL: "通知通道故障",
}
_HEAD_EN = {
    Kind.FIRE: "Alarm",
    Kind.SEVERITY: "Severity changed",
    Kind.ESCALATION: "Escalated",
    Kind.CLEAR: "Cleared",
    Kind.FLAPPING: "Flapping",
    Kind.CHANNEL: "Notification channel failing",
}


@dataclass(frozen=True, slots=True)
class AlarmFacts:
    """What a message says about one alarm."""

    alarm_id: int
    device: str
    summary_zh: str
    summary_en: str
    severity: Severity
    at: datetime
    previous_severity: Severity | None = None
    room: str = ""
    rack: str = ""
    position_u: int | None = None
    value: float | None = None
    level: int = 0  # escalation level
    url: str = ""
    # a state metric's value in words (电池 / Battery): shown instead of its code
    state_zh: str = ""
    state_en: str = ""
    # the rule's title: a recovery names what cleared, without the firing summary's advice
    title_zh: str = ""
    title_en: str = ""


def _where(f: AlarmFacts, lang: str) -> str:
    parts = [p for p in (f.room, f.rack) if p]
    if f.position_u is not None:
        parts.append(f"U{f.position_u}")
    return (" / " if lang == "en" else " ").join(parts)


def _stamp(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M:%S UTC")


def render(kind: Kind, f: AlarmFacts, lang: str) -> tuple[str, str]:
    """(subject, body) of one alarm's message in ``lang`` ("zh" or "en")."""
    zh = lang == "zh"
    sev = (SEVERITY_ZH if zh else SEVERITY_EN)[f.severity]
    head = (_HEAD_ZH if zh else _HEAD_EN)[kind]
    if kind is Kind.ESCALATION:
        head = f"告警升级（第 {f.level} 级）" if zh else f"Escalated (level {f.level})"
    summary = f.summary_zh if zh else f.summary_en
    summary = summary or f.summary_en or f.summary_zh
    title = (f.title_zh if zh else f.title_en) or f.title_en or f.title_zh
    if kind is Kind.CLEAR and title:  # "请立即检查市电" is no advice once mains is back
        summary = f"{f.device}：{title}" if zh else f"{f.device}: {title}"
    state = (f.state_zh if zh else f.state_en) or f.state_en or f.state_zh
    shown_value = kind is not Kind.CLEAR and f.value is not None
    subject = f"【{sev}】{head}：{summary}" if zh else f"[{sev}] {head}: {summary}"
    where = _where(f, lang)
    lines = [summary]
    if zh:
        lines.append(f"设备：{f.device}" + (f"（{where}）" if where else ""))
        if kind is Kind.SEVERITY and f.previous_severity is not None:
            lines.append(f"级别：{SEVERITY_ZH[f.previous_severity]} → {sev}")
        else:
            lines.append(f"级别：{sev}")
        if shown_value:
            lines.append(f"状态：{state}" if state else f"数值：{f.value:g}")
        lines.append(f"时间：{_stamp(f.at)}")
        if kind is Kind.ESCALATION:
            lines.append("该告警在规定时间内未被确认，请尽快处理。")
        if kind is Kind.FLAPPING:
            lines.append("该告警频繁变化，抖动期间不再逐次通知。")
        lines.append(f"告警编号：#{f.alarm_id}")
    else:
        lines.append(f"Device: {f.device}" + (f" ({where})" if where else ""))
        if kind is Kind.SEVERITY and f.previous_severity is not None:
            lines.append(f"Severity: {SEVERITY_EN[f.previous_severity]} → {sev}")
        else:
            lines.append(f"Severity: {sev}")
        if shown_value:
            lines.append(f"State: {state}" if state else f"Value: {f.value:g}")
        lines.append(f"Time: {_stamp(f.at)}")
        if kind is Kind.ESCALATION:
            lines.append("This alarm was not acknowledged in time; please act on it.")
        if kind is Kind.FLAPPING:
            lines.append("This alarm keeps changing; it is not notified again while it flaps.")
        lines.append(f"Alarm #{f.alarm_id}")
    if f.url:
        lines.append(f.url)
    return subject, "\n".join(lines)


def render_storm(facts: list[AlarmFacts], at: datetime, lang: str) -> tuple[str, str]:
    """One grouped message for many new alarms (worst first)."""
    zh = lang == "zh"
    worst = max((f.severity for f in facts), default=Severity.WARNING)
    sev = (SEVERITY_ZH if zh else SEVERITY_EN)[worst]
    n = len(facts)
    subject = f"【{sev}】告警风暴：{n} 条新告警" if zh else f"[{sev}] Alarm storm: {n} new alarms"
    ordered = sorted(facts, key=lambda f: (-int(f.severity), f.alarm_id))
    lines = [subject, _stamp(at)]
    for f in ordered[:20]:
        s = (SEVERITY_ZH if zh else SEVERITY_EN)[f.severity]
        summary = (f.summary_zh if zh else f.summary_en) or f.summary_en or f.summary_zh
        lines.append(f"#{f.alarm_id} [{s}] {f.device}: {summary}")
    if n > 20:
        lines.append(f"……另有 {n - 20} 条" if zh else f"... and {n - 20} more")
    return subject, "\n".join(lines)


def pick(lang: str, zh: str, en: str) -> str:
    """A channel's text: zh, en, or both (Chinese first)."""
    if lang == "en":
        return en
    if lang == "both":
        return f"{zh}\n\n{en}"
    return zh
