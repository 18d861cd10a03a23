"""Columns of the export files (字段): key, Chinese and English header, value type.

One definition per dataset serves the three formats: the header row of XLSX and CSV
is "中文 English", JSON Lines uses the key; the manifest lists every column.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    TEXT = "text"
    INT = "integer"
    RATE = "decimal"  # a KPI rate, 4 places (None: 0/0)
    DATE = "date"  # Asia/Shanghai calendar date
    DATETIME = "datetime"  # instant, written in Asia/Shanghai time
    BOOL = "boolean"
    LIST = "list"  # of text; CSV/XLSX join with ";"
    OBJECT = "object"  # JSON Lines only (events.jsonl)


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    en: str
    kind: Kind = Kind.TEXT

    @property
    def header(self) -> str:
        return f"{self.zh} {self.en}"

    def describe(self) -> dict[str, str]:
        return {"key": self.key, "zh": self.zh, "en": self.en, "type": self.kind.value}


def cols(*specs: tuple[str, str, str] | tuple[str, str, str, Kind]) -> tuple[Column, ...]:
    return tuple(Column(*spec) for spec in specs)
