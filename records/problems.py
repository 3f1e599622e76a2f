"""A problem that verification found, in words in both languages (never a code)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    en: str
    zh: str

    def text(self, lang: str) -> str:
        return self.zh if lang.startswith("zh") else self.en
