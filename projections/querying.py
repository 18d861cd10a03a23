"""Shared pieces of the read-model queries: labels, paging, result pages, cursors, counts.

Big lists page by key (keyset): ``next_cursor`` names the last row's sort key, and the
next request continues after it with a range condition an index serves. Offsets are
kept for compatibility but only up to ``MAX_KEYSET_OFFSET`` on those lists (an offset
makes the database walk and discard every skipped row).
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import json
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar

from psycopg import IsolationLevel
from psycopg.pq import TransactionStatus
from psycopg.sql import SQL, Identifier
from pydantic import BaseModel, ConfigDict

from domain.callback import DoubtSubtype, ExplanationSubtype, ProxySubtype, VerificationSubtype
from domain.shared.errors import InvalidInput
from domain.shared.labels import LabelledEnum
from domain.shared.time import require_aware
from projections.tracking import TABLE

T = TypeVar("T")
P = ParamSpec("P")

#: rows per page at most (the HTTP API has the same cap)
MAX_LIMIT = 500
DEFAULT_LIMIT = 50


class Row(BaseModel):
    model_config = ConfigDict(frozen=True)


class Label(Row):
    """An enum value: the stored Chinese term and its English label."""

    zh: str
    en: str

    @classmethod
    def of(cls, enum_cls: type[LabelledEnum], value: str) -> Label:
        return _label(cls, enum_cls, value)

    @classmethod
    def maybe(cls, enum_cls: type[LabelledEnum], value: str | None) -> Label | None:
        return cls.of(enum_cls, value) if value else None


@lru_cache(maxsize=4096)
def _label(cls: type[Label], enum_cls: type[LabelledEnum], value: str) -> Label:
    """One shared, frozen instance per value: pages label every row, and the values are few."""
    try:
        member = enum_cls(value)
    except ValueError:  # a value this code does not know (newer data): shown as is
        return cls(zh=value, en=value)
    return cls(zh=member.zh, en=member.en)


class ResultPage(Row, Generic[T]):
    """One page of rows in a stable order; ``total`` counts all pages."""

    items: list[T]
    total: int
    limit: int
    offset: int
    next_offset: int | None
    #: opaque: pass as ``cursor`` for the next page (same filters); None on the last
    next_cursor: str | None = None

    @classmethod
    def of(
        cls,
        items: list[T],
        total: int,
        limit: int,
        offset: int,
        next_cursor: str | None = None,
        *,
        by_cursor: bool = False,
    ) -> ResultPage[T]:
        """``by_cursor``: this page continued a cursor; the rows before it are not counted
        in ``offset``, so there is no next offset, only the next cursor."""
        more = offset + len(items) < total or (by_cursor and next_cursor is not None)
        return cls(
            items=items,
            total=total,
            limit=limit,
            offset=offset,
            next_offset=offset + len(items) if more and items and not by_cursor else None,
            next_cursor=next_cursor if more and items else None,
        )


def paging(limit: int, offset: int) -> tuple[int, int]:
    """(limit, offset) with the limit capped at ``MAX_LIMIT``."""
    if limit < 1 or offset < 0:
        raise InvalidInput("limit must be >= 1 and offset >= 0", "每页行数须不小于 1，偏移量须不小于 0")
    return min(limit, MAX_LIMIT), offset


def aware(now: datetime, what: str = "now") -> datetime:
    return require_aware(now, what)


def subtype_label(value: str) -> Label | None:
    """The label of an outcome subtype (OC-02..04), whichever vocabulary it is from."""
    if not value:
        return None
    for enum_cls in (VerificationSubtype, DoubtSubtype, ExplanationSubtype, ProxySubtype):
        if value in enum_cls._value2member_map_:
            return Label.of(enum_cls, value)
    return Label(zh=value, en=value)


# ----- keyset cursors ----------------------------------------------------------------------
#: the largest offset a keyset-paged list accepts (beyond it: follow ``next_cursor``)
MAX_KEYSET_OFFSET = 10_000
_CURSOR_VERSION = 1


def keyset_paging(limit: int, offset: int, cursor: str | None) -> tuple[int, int]:
    """(limit, offset) of a keyset-paged list: a small offset or a cursor, not both."""
    limit, offset = paging(limit, offset)
    if cursor is not None and offset:
        raise InvalidInput("give either cursor or offset, not both", "游标与偏移量不能同时使用")
    if offset > MAX_KEYSET_OFFSET:
        raise InvalidInput(
            f"offset above {MAX_KEYSET_OFFSET}: follow next_cursor instead",
            f"偏移量不得超过 {MAX_KEYSET_OFFSET}，请使用 next_cursor 翻页",
        )
    return limit, offset


def query_fingerprint(name: str, *parts: Any) -> str:
    """What a cursor is bound to: the list and every filter, the caller's scope included
    (the filters are narrowed to the scope before they get here)."""
    return hashlib.sha256(repr((name, *parts)).encode()).hexdigest()[:24]


def encode_cursor(fingerprint: str, key: Sequence[Any]) -> str:
    """An opaque cursor: the last row's sort key and the query it belongs to."""
    values = [v.isoformat() if isinstance(v, date | datetime) else v for v in key]
    raw = json.dumps([_CURSOR_VERSION, fingerprint, values], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, fingerprint: str, types: Sequence[type]) -> tuple[Any, ...]:
    """The sort key in ``cursor``, checked: the same query (same filters, same scope) and
    values of the expected types. Anything else is a 400 (a cursor moves within the
    caller's own filtered rows only: the filters are applied again, never taken from it)."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        version, bound, values = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, TypeError, UnicodeError, binascii.Error):
        raise _bad_cursor("malformed") from None
    if version != _CURSOR_VERSION or not isinstance(values, list) or len(values) != len(types):
        raise _bad_cursor("malformed")
    if bound != fingerprint:
        raise _bad_cursor("made for another query (filters or scope differ)")
    return tuple(_typed(v, t) for v, t in zip(values, types, strict=True))


def _typed(value: Any, kind: type) -> Any:
    if value is None:
        return None
    if kind is datetime and isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise _bad_cursor("malformed") from None
        if parsed.tzinfo is None:
            raise _bad_cursor("malformed")
        return parsed
    if kind is date and isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise _bad_cursor("malformed") from None
    if kind in (str, int) and type(value) is kind:
        return value
    raise _bad_cursor("malformed")


def _bad_cursor(why: str) -> InvalidInput:
    return InvalidInput(f"invalid cursor: {why}", "分页游标无效")


# ----- cached totals -----------------------------------------------------------------------
#: a total at least this large may be served up to ``COUNT_TTL_S`` old while the read
#: model moves on; smaller ones are exact (recounted whenever the read model advanced)
LARGE_TOTAL = 10_000
COUNT_TTL_S = 5.0
_counts: dict[tuple[Any, ...], tuple[float, int, int]] = {}  # key → (counted at, position, total)
_counts_lock = threading.Lock()


def cached_count(key: tuple[Any, ...], position: int, count: Callable[[], int]) -> int:
    """``count()`` for one list and filter, reused while the read model has not moved
    (its tracking ``position``) or, for a large total, for a few seconds."""
    now = time.monotonic()
    with _counts_lock:
        found = _counts.get(key)
    if found is not None:
        at, pos, total = found
        if pos == position or (total >= LARGE_TOTAL and now - at < COUNT_TTL_S):
            return total
    total = count()
    with _counts_lock:
        if len(_counts) > 10_000:
            _counts.clear()
        _counts[key] = (now, position, total)
    return total


#: a page built from counters (scorecards, KPIs) is reused while its read model has not moved
#: and the request's "now" is at most this much later than the one it was built at (overdue
#: counts depend on now): exact in the data, at most a second old in the clock
PAGE_NOW_TOLERANCE = timedelta(seconds=1)
_built_pages: dict[tuple[Any, ...], tuple[int, datetime, Any]] = {}  # key → (position, now, page)


def cached_page(key: tuple[Any, ...], position: int, now: datetime, build: Callable[[], T]) -> T:
    """``build()`` for one query, reused as ``PAGE_NOW_TOLERANCE`` says. ``key`` must hold every
    argument of the query, the caller's scope-narrowed filters included: a page is never served
    to a query it was not built for. Pages are frozen models, safe to share between requests."""
    with _counts_lock:
        found = _built_pages.get(key)
    if found is not None:
        at_position, built_at, page = found
        if at_position == position and timedelta(0) <= now - built_at <= PAGE_NOW_TOLERANCE:
            return page  # type: ignore[no-any-return]
    page = build()
    with _counts_lock:
        if len(_built_pages) > 2_000:
            _built_pages.clear()
        _built_pages[key] = (position, now, page)
    return page


@contextmanager
def snapshot(conn: Any) -> Iterator[None]:
    """One snapshot for a page's statements (rows, read-model position, count), so that
    the total always belongs to the rows even while the projection commits. On an
    autocommit connection outside a transaction: a REPEATABLE READ transaction; else the
    caller's own transaction."""
    if not conn.autocommit or conn.info.transaction_status != TransactionStatus.IDLE:
        yield
        return
    before = conn.isolation_level
    conn.isolation_level = IsolationLevel.REPEATABLE_READ
    try:
        # pipeline mode: the BEGIN travels with the first statement, not in a round trip of its own
        with conn.pipeline(), conn.transaction():
            yield
    finally:
        conn.isolation_level = before


def in_snapshot(query: Callable[Concatenate[Any, P], T]) -> Callable[Concatenate[Any, P], T]:
    """A page query whose statements (rows, read-model position, count) run in one
    snapshot (``snapshot`` of its first argument, the connection)."""

    @functools.wraps(query)
    def run(conn: Any, *args: P.args, **kwargs: P.kwargs) -> T:
        with snapshot(conn):
            return query(conn, *args, **kwargs)

    return run


def read_position(conn: Any, schema: str, projection: str) -> int:
    """How far the read model ``projection`` has applied the log (its tracking row)."""
    return position_after(conn, schema, projection)()


def position_after(conn: Any, schema: str, projection: str) -> Callable[[], int]:
    """``read_position`` sent now, read when called: inside a ``snapshot`` (pipeline mode) it
    travels with the page's query sent before it, in one round trip."""
    cur = conn.execute(
        SQL("SELECT position FROM {}.{} WHERE name = %s").format(Identifier(schema), Identifier(TABLE)),
        (projection,),
    )

    def position() -> int:
        row = cur.fetchone()
        return int(row[0]) if row else -1

    return position
