"""File writers (文件写出): XLSX, CSV (UTF-8 with BOM), JSON Lines; streaming, byte-stable.

Rows arrive as tuples in column order and are written one by one (flat memory:
``xlsx_stream`` writes the sheet XML as rows come). Nothing in a data file depends
on the moment it is written: no timestamps; the XLSX document properties and ZIP
entries carry fixed dates, so the same rows give the same bytes. Each column's
conversion is chosen once per file, not per cell.
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

from domain.shared.time import SHANGHAI
from interfaces.exports.columns import Column, Kind
from interfaces.exports.xlsx_stream import XlsxStream

FORMATS = ("xlsx", "csv", "jsonl")


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
    return write_files([(path, fmt)], columns, rows, title)[0]


def write_files(
    targets: Sequence[tuple[Path, str]], columns: Sequence[Column], rows: Iterable[Sequence[Any]], title: str
) -> list[Written]:
    """Write the same ``rows`` to every (path, format) in one pass: the query behind
    ``rows`` runs once for all formats of a dataset, not once per format."""
    writers: list[RowWriter] = []
    try:
        for path, fmt in targets:
            writers.append({"xlsx": XlsxRows, "csv": CsvRows, "jsonl": JsonlRows}[fmt](path, columns, title))
        count = 0
        for row in rows:
            for writer in writers:
                writer.write(row)
            count += 1
    finally:
        for writer in writers:
            writer.close()
    return [Written(path.name, count, sha256_of(path), path.stat().st_size) for path, _ in targets]


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


def _converters(kinds: Sequence[Kind], convert: Any, native: frozenset[Kind]) -> list[tuple[int, Any]]:
    """(index, function) of the columns whose values need converting; the others are
    written as they come (None stays None)."""
    return [(i, lambda v, k=kind: convert(v, k)) for i, kind in enumerate(kinds) if kind not in native]


def _converted(row: Sequence[Any], width: int, converters: list[tuple[int, Any]]) -> list[Any]:
    if len(row) != width:
        raise ValueError(f"row has {len(row)} values for {width} columns")
    values = list(row)
    for i, convert in converters:
        if values[i] is not None:
            values[i] = convert(values[i])
    return values


#: kinds whose CSV text is Python's ``str`` (what ``csv`` writes): text, integers
_CSV_NATIVE = frozenset({Kind.TEXT, Kind.INT})
#: kinds orjson writes as ``json_of`` would: text, integers, booleans, objects
_JSON_NATIVE = frozenset({Kind.TEXT, Kind.INT, Kind.BOOL, Kind.OBJECT})


class CsvRows:
    """CSV in UTF-8 with a BOM (Excel opens Chinese text correctly), one header row."""

    def __init__(self, path: Path, columns: Sequence[Column], title: str) -> None:
        self._handle = path.open("w", encoding="utf-8-sig", newline="")
        self._csv = csv.writer(self._handle, lineterminator="\r\n")
        self._width = len(columns)
        self._converters = _converters([c.kind for c in columns], text_of, _CSV_NATIVE)
        self._csv.writerow([c.header for c in columns])

    def write(self, row: Sequence[Any]) -> None:
        self._csv.writerow(_converted(row, self._width, self._converters))  # None: an empty field

    def close(self) -> None:
        self._handle.close()


class JsonlRows:
    """JSON Lines: one object per row, keys in column order, UTF-8, ``\\n`` after each."""

    def __init__(self, path: Path, columns: Sequence[Column], title: str) -> None:
        self._handle = path.open("wb")
        self._keys = [c.key for c in columns]
        self._converters = _converters([c.kind for c in columns], json_of, _JSON_NATIVE)

    def write(self, row: Sequence[Any]) -> None:
        obj = dict(zip(self._keys, _converted(row, len(self._keys), self._converters), strict=True))
        self._handle.write(orjson.dumps(obj, default=_json_default, option=orjson.OPT_APPEND_NEWLINE))

    def close(self) -> None:
        self._handle.close()


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} to JSON")


class XlsxRows(XlsxStream):
    """XLSX streamed by ``xlsx_stream`` (numbers as numbers, dates as dates, instants in
    Shanghai time, a sheet per 1,048,575 rows), flat memory and byte-stable."""

    def __init__(self, path: Path, columns: Sequence[Column], title: str) -> None:
        super().__init__(path, columns, title, text_of)
