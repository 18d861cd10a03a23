"""Enums whose value is the Chinese business term and which know their English label.

The value (the Chinese term) is what events store, so the stored meaning never
depends on Python names; ``.en`` gives the English label for UIs and exports.
Each member declares both, side by side::

    class CallbackStatus(LabelledEnum):
        NOT_REQUIRED = "无需回访", "not required"
"""

from __future__ import annotations

from enum import StrEnum


class LabelledEnum(StrEnum):
    """A StrEnum whose members carry an English label next to their Chinese value."""

    _en: str | None

    def __new__(cls, value: str, english: str | None = None) -> LabelledEnum:
        member = str.__new__(cls, value)
        member._value_ = value
        member._en = english
        return member

    @property
    def zh(self) -> str:
        return str(self.value)

    @property
    def en(self) -> str:
        return self._en or self.name.replace("_", " ").lower()

    @property
    def bilingual(self) -> str:
        return f"{self.zh} {self.en}"
