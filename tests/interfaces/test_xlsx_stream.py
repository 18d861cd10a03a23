"""The streaming XLSX writer (interfaces/exports/xlsx_stream.py), read back with openpyxl:
typed cells, escaping, sheet split, fixed dates, flat memory. The writer does no I/O
but its own file, so these tests need no database; the exports' database tests
(tests/interfaces/test_exports.py) read whole export folders back the same way."""

from __future__ import annotations

import tracemalloc
import zipfile
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from interfaces.exports import xlsx_stream
from interfaces.exports.columns import Kind, cols
from interfaces.exports.writers import write_file

COLUMNS = cols(
    ("name", "名称", "Name"),
    ("count", "件数", "Count", Kind.INT),
    ("rate", "比率", "Rate", Kind.RATE),
    ("due_on", "截止日", "Due on", Kind.DATE),
    ("closed_at", "完成时间", "Closed at", Kind.DATETIME),
    ("ok", "成功", "Succeeded", Kind.BOOL),
    ("rules", "规则", "Rule ids", Kind.LIST),
)


def _rows(n: int) -> list[tuple]:
    return [
        (f"P{i:010d}", i, Decimal("0.7273"), date(2026, 3, 1) + timedelta(days=i % 28),
         datetime(2026, 3, 5, 2, 0, tzinfo=UTC) + timedelta(minutes=i), i % 2 == 0, ["CB-03", "OC-06"])
        for i in range(n)
    ]  # fmt: skip


def test_cells_keep_their_types_and_headers_are_bilingual(tmp_path: Path):
    path = tmp_path / "t.xlsx"
    rows = [
        *_rows(2),
        (" a<b> & c ", None, None, None, None, None, []),  # missing values: empty cells
        ("bell\x07 and _x0041_ literal", 0, Decimal("1"), date(1900, 3, 1), None, False, ["X"]),
    ]
    written = write_file(path, "xlsx", COLUMNS, rows, "测试 test")
    assert written.rows == 4
    book = openpyxl.load_workbook(path)
    sheet = book.active
    assert sheet.title == "data" and book.properties.title == "测试 test"
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == ("名称 Name", "件数 Count", "比率 Rate", "截止日 Due on", "完成时间 Closed at",
                         "成功 Succeeded", "规则 Rule ids")  # fmt: skip
    assert sheet["A1"].font.b
    first = values[1]
    assert first == ("P0000000000", 0, 0.7273, datetime(2026, 3, 1), datetime(2026, 3, 5, 10, 0), True,
                     "CB-03;OC-06")  # fmt: skip  # 02:00 UTC is 10:00 in Shanghai
    assert type(first[1]) is int and type(first[5]) is bool
    assert sheet["D2"].is_date and sheet["D2"].number_format == "yyyy-mm-dd"
    assert sheet["E2"].is_date and sheet["E2"].number_format == "yyyy-mm-dd hh:mm:ss"
    assert sheet["C2"].number_format == "0.0000"
    assert values[2][4] == datetime(2026, 3, 5, 10, 1)
    assert values[3] == (" a<b> & c ", None, None, None, None, None, "")  # spaces kept; None: no cell
    # XML cannot hold U+0007: stored in Excel's escape, as is a literal "_x0041_" (Excel shows both
    # as written; openpyxl returns the stored form)
    assert values[4][0] == "bell_x0007_ and _x005F_x0041_ literal"
    assert values[4][3] == datetime(1900, 3, 1)
    # the streaming reader sees the same, padded to the declared dimension
    fast = list(openpyxl.load_workbook(path, read_only=True).active.iter_rows(values_only=True))
    assert fast == values


def test_a_file_longer_than_a_sheet_continues_on_the_next(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(xlsx_stream, "SHEET_ROWS", 5)  # header + 4 rows a sheet
    path = tmp_path / "t.xlsx"
    write_file(path, "xlsx", COLUMNS, _rows(10), "t")
    book = openpyxl.load_workbook(path, read_only=True)
    assert book.sheetnames == ["data", "data2", "data3"]
    sheets = [list(book[name].iter_rows(values_only=True)) for name in book.sheetnames]
    assert [len(s) for s in sheets] == [5, 5, 3]
    assert all(s[0][0] == "名称 Name" for s in sheets)
    assert [r[1] for s in sheets for r in s[1:]] == list(range(10))


def test_nothing_in_the_file_depends_on_when_it_was_written(tmp_path: Path):
    path = tmp_path / "t.xlsx"
    write_file(path, "xlsx", COLUMNS, _rows(3), "t")
    with zipfile.ZipFile(path) as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        core = archive.read("docProps/core.xml").decode()
    assert core.count("2000-01-01T00:00:00Z") == 2  # created and modified: fixed
    again = tmp_path / "again.xlsx"
    write_file(again, "xlsx", COLUMNS, _rows(3), "t")
    assert again.read_bytes() == path.read_bytes()


@pytest.mark.timeout(120)
def test_memory_stays_flat_while_many_rows_stream(tmp_path: Path):
    """50,000 rows (350,000 cells): Python's allocations stay at a few MB, the rows
    are not held (the whole sheet XML is ~15 MB) and all come back."""
    n = 50_000
    rows = ((f"P{i:010d}", i, None, date(2026, 3, 1), None, True, ["CB-03"]) for i in range(n))
    path = tmp_path / "big.xlsx"
    tracemalloc.start()
    try:
        written = write_file(path, "xlsx", COLUMNS, rows, "big")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert written.rows == n
    assert peak < 8 * 2**20, f"peak {peak / 2**20:.1f} MB"
    sheet = openpyxl.load_workbook(path, read_only=True).active
    last = None
    count = 0
    for count, last in enumerate(sheet.iter_rows(min_row=2, values_only=True), start=1):  # noqa: B007
        pass
    assert count == n and last is not None and last[:2] == (f"P{n - 1:010d}", n - 1)


def test_column_letters():
    assert [xlsx_stream.column_letter(i) for i in (0, 25, 26, 51, 52, 701, 702)] == [
        "A", "Z", "AA", "AZ", "BA", "ZZ", "AAA",
    ]  # fmt: skip
