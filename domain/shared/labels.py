"""Enums whose value is the Chinese business term and which know their English label.

The value (the Chinese term) is what events store, so the stored meaning never
depends on Python names; ``.en`` gives the English label for UIs and exports.
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar


class LabelledEnum(StrEnum):
    """A StrEnum whose members map to an English label via ``_english``."""

    _english: ClassVar[dict[str, str]]

    @property
    def zh(self) -> str:
        return str(self.value)

    @property
    def en(self) -> str:
        return type(self)._english.get(self.value, self.name.replace("_", " ").lower())

    @property
    def bilingual(self) -> str:
        return f"{self.zh} {self.en}"
