"""File writers (文件写出): XLSX, CSV (UTF-8 with BOM), JSON Lines; streaming, byte-stable.

Rows arrive as tuples in column order and are written one by one (flat memory:
XlsxWriter's ``constant_memory`` mode flushes each row). Nothing in a data file
depends on the moment it is written: no timestamps; the XLSX document properties
carry a fixed date, so the same rows give the same bytes.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

import orjson
import xlsxwriter

from domain.shared.time import SHANGHAI
from interfaces.exports.columns import Column, Kind

FORMATS = ("xlsx", "csv", "jsonl")
#: XLSX document properties' date: fixed, so that a re-export is byte-identical
FIXED_XLSX_DATE = datetime(2000, 1, 1)
_EXCEL_EPOCH = date(1899, 12, 30).toordinal()  # serial 1 = 1900-01-01 (dates after 1900-02-28)
_SHEET_ROWS = 1_048_576  # Excel's limit, header included


@dataclass(frozen=True)
class Written:
    name: str
    rows: int
    sha256: str
    size: int


class RowWriter(Protocol):
    def write(self, row: Sequence[Any]) -> None: ...
    def close(self) -> None: ...


def write_file(
    path: Path, fmt: str, columns: Sequence[Column], rows: Iterable[Sequence[Any]], title: str
) -> Written:
    """Write ``rows`` to ``path`` in ``fmt``; the file's row count and SHA-256."""
    writer: RowWriter = {"xlsx": XlsxRows, "csv": CsvRows, "jsonl": JsonlRows}[fmt](path, columns, title)
    count = 0
    try:
        for row in rows:
            writer.write(row)
            count += 1
    finally:
        writer.close()
    return Written(path.name, count, sha256_of(path), path.stat().st_size)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def shanghai(moment: datetime) -> datetime:
    return moment.astimezone(SHANGHAI)


def text_of(value: Any, kind: Kind) -> str:
    """A value as CSV text: ISO dates, Shanghai instants with offset, exact decimals."""
    if value is None:
        return ""
    if kind == Kind.DATETIME:
        return shanghai(value).isoformat()
    if kind == Kind.DATE:
        return value.isoformat()
    if kind == Kind.BOOL:
        return "true" if value else "false"
    if kind == Kind.LIST:
        return ";".join(str(v) for v in value)
    if kind == Kind.RATE:
        return f"{value:.4f}"
    return str(value)


def json_of(value: Any, kind: Kind) -> Any:
    if value is None:
        return None
    if kind == Kind.DATETIME:
        return shanghai(value).isoformat()
    if kind == Kind.DATE:
        return value.isoformat()
    if kind == Kind.RATE:
        return float(value)  # 4 places: the shortest float repr is the decimal itself
    if kind == Kind.LIST:
        return list(value)
    return value


def _excel_serial(moment: datetime) -> float:
    """An instant as Excel's serial day number in Shanghai wall-clock time."""
    local = shanghai(moment)
    seconds = local.hour * 3600 + local.minute * 60 + local.second + local.microsecond / 1e6
    return local.toordinal() - _EXCEL_EPOCH + seconds / 86400


class CsvRows:
    """CSV in UTF-8 with a BOM (Excel opens Chinese text correctly), one header row."""

    def __init__(self, path: Path, columns: Sequence[Column], title: str) -> None:
        self._handle = path.open("w", encoding="utf-8-sig", newline="")
        self._csv = csv.writer(self._handle, lineterminator="\r\n")
        self._kinds = [c.kind for c in columns]
        self._csv.writerow([c.header for c in columns])

    def write(self, row: Sequence[Any]) -> None:
        self._csv.writerow([text_of(v, k) for v, k in zip(row, self._kinds, strict=True)])

    def close(self) -> None:
        self._handle.close()


class JsonlRows:
    """JSON Lines: one object per row, keys in column order, UTF-8, ``\\n`` after each."""

    def __init__(self, path: Path, columns: Sequence[Column], title: str) -> None:
        self._handle = path.open("wb")
        self._keys = [c.key for c in columns]
        self._kinds = [c.kind for c in columns]

    def write(self, row: Sequence[Any]) -> None:
        obj = {k: json_of(v, kind) for k, v, kind in zip(self._keys, row, self._kinds, strict=True)}
        self._handle.write(orjson.dumps(obj, default=_json_default) + b"\n")

    def close(self) -> None:
        self._handle.close()


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} to JSON")


class XlsxRows:
    """XLSX in XlsxWriter's constant-memory mode: numbers as numbers, dates as dates
    (Excel date cells with a format), instants in Shanghai time; a sheet per
    1,048,575 rows when a file outgrows one."""

    def __init__(self, path: Path, columns: Sequence[Column], title: str) -> None:
        self._book = xlsxwriter.Workbook(
            str(path), {"constant_memory": True, "strings_to_numbers": False, "strings_to_urls": False}
        )
        self._book.set_properties({"title": title, "author": "PolicyTrail", "created": FIXED_XLSX_DATE})
        self._columns = list(columns)
        self._kinds = [c.kind for c in columns]
        self._header_format = self._book.add_format({"bold": True})
        self._formats = {
            Kind.DATE: self._book.add_format({"num_format": "yyyy-mm-dd"}),
            Kind.DATETIME: self._book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"}),
            Kind.RATE: self._book.add_format({"num_format": "0.0000"}),
        }
        self._sheets = 0
        self._new_sheet()

    def _new_sheet(self) -> None:
        self._sheets += 1
        self._sheet = self._book.add_worksheet("data" if self._sheets == 1 else f"data{self._sheets}")
        for i, column in enumerate(self._columns):
            self._sheet.write_string(0, i, column.header, self._header_format)
            self._sheet.set_column(i, i, max(12, min(40, len(column.header) + 2)))
        self._row = 1

    def write(self, row: Sequence[Any]) -> None:
        if self._row >= _SHEET_ROWS:
            self._new_sheet()
        sheet, r, formats = self._sheet, self._row, self._formats
        for i, (value, kind) in enumerate(zip(row, self._kinds, strict=True)):
            if value is None:
                continue
            if kind is Kind.TEXT:
                sheet.write_string(r, i, value if type(value) is str else str(value))
            elif kind is Kind.INT:
                sheet.write_number(r, i, value)
            elif kind is Kind.RATE:
                sheet.write_number(r, i, float(value), formats[kind])
            elif kind is Kind.DATE:  # a date cell is a serial day number with a date format
                sheet.write_number(r, i, value.toordinal() - _EXCEL_EPOCH, formats[kind])
            elif kind is Kind.DATETIME:
                sheet.write_number(r, i, _excel_serial(value), formats[kind])
            elif kind is Kind.BOOL:
                sheet.write_boolean(r, i, bool(value))
            else:
                sheet.write_string(r, i, text_of(value, kind))
        self._row += 1

    def close(self) -> None:
        self._book.close()
