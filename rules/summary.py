"""Alarm summaries: a rule's ``summary_zh`` / ``summary_en`` templates, checked and rendered."""

from __future__ import annotations

import string
from dataclasses import dataclass

PLACEHOLDERS = ("device", "device_title", "instance", "value", "unit", "threshold")


@dataclass(frozen=True, slots=True)
class Number:
    """A value for templates: ``{value}`` prints 85 or 85.5; ``{value:.1f}`` works as usual."""

    value: float | None

    def __format__(self, spec: str) -> str:
        if self.value is None:
            return "—"
        if spec:
            return format(self.value, spec)
        if float(self.value).is_integer():
            return str(int(self.value))
        return f"{self.value:.2f}".rstrip("0")

    def __str__(self) -> str:
        return format(self, "")


def check_template(template: str) -> None:
    """Raise ValueError (``problem — fix``) when a template would not render."""
    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(template) if f is not None]
    except ValueError as exc:
        raise ValueError(f"{exc} — write {{{{ and }}}} for literal braces") from None
    for field in fields:
        if field not in PLACEHOLDERS:
            known = ", ".join(f"{{{p}}}" for p in PLACEHOLDERS)
            raise ValueError(f"unknown placeholder {{{field}}} — use {known}")
    try:
        render(template, "d", "d", "", 1.0, "", 1.0)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"template does not render ({exc}) — check the format specs") from None


def render(
    template: str,
    device: str,
    device_title: str,
    instance: str,
    value: float | None,
    unit: str,
    threshold: float | None,
) -> str:
    return template.format(
        device=device,
        device_title=device_title or device,
        instance=instance,
        value=Number(value),
        unit=unit,
        threshold=Number(threshold),
    )


def default_summary(
    title: str, device: str, device_title: str, instance: str, value: float | None, unit: str
) -> str:
    """The summary of a rule without a template: device, instance, title and value."""
    where = device_title or device
    if instance:
        where = f"{where} [{instance}]"
    return f"{where}: {title} ({Number(value)}{unit})"
