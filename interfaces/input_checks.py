"""Edge checks on values before they become commands (输入检查).

JSON can carry text PostgreSQL cannot store (NUL, lone surrogates) and dates so far
out that date arithmetic overflows. Both are bad input: they are refused here with
a clear 400 / rejected line instead of failing deep inside the store.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from domain.shared.errors import InvalidInput

EARLIEST_YEAR = 1900
LATEST_YEAR = 2199


def check_storable(value: Any, where: str = "") -> None:
    """Raise InvalidInput naming the field when a value cannot be stored faithfully."""
    if isinstance(value, str):
        if "\x00" in value:
            raise InvalidInput(f"{where or 'text'} contains a NUL character", f"{where} 含有空字符")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise InvalidInput(
                f"{where or 'text'} is not valid Unicode text", f"{where} 不是有效的 Unicode 文本"
            ) from None
    elif isinstance(value, date):  # datetime is a date too
        year = value.year
        if not EARLIEST_YEAR <= year <= LATEST_YEAR:
            kind = "time" if isinstance(value, datetime) else "date"
            raise InvalidInput(
                f"{where or kind} {value.isoformat()} lies outside {EARLIEST_YEAR}-{LATEST_YEAR}",
                f"{where} {value.isoformat()} 超出 {EARLIEST_YEAR}-{LATEST_YEAR} 年的范围",
            )
    elif isinstance(value, Mapping):
        for key, item in value.items():
            check_storable(key, where)
            check_storable(item, f"{where}.{key}" if where else str(key))
    elif isinstance(value, list | tuple | set | frozenset):
        for i, item in enumerate(value):
            check_storable(item, f"{where}[{i}]")
