"""Leaf records computed by PostgreSQL, a position range at a time, on parallel connections.

The default read path of ``ledger verify`` (``--server-hash``). The event table is cut
into ranges of about ``rows`` events (``bounds``); each range's leaf records
``position (8) | leaf hash (32)``, in log order, come back as one ``bytea`` computed in
the server (``LEAF_SQL``, the bytes of ``heads.leaf_bytes``), so no per-row Python work
is left in this process but the tree. ``workers`` connections, each in the walk's
exported snapshot, compute ranges side by side: their backends use both CPUs while
this process compares and folds the previous ones.

Why this is no weaker than hashing here: the verifier already takes the event bytes
from this server, so a server that lied could send forged bytes as easily as forged
hashes; what matters is that the hashing cannot be swapped by a less privileged user.
Every function is named with its schema (``pg_catalog``) and the connections run with
``search_path = pg_catalog`` so that operators such as ``||`` resolve there too (the
temporary schema is never searched for functions or operators). ``--client-hash``
keeps the strict mode that takes the stored bytes and hashes them in this process.
"""

from __future__ import annotations

import contextlib
import queue
from collections import deque
from collections.abc import Generator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import psycopg
from psycopg.sql import SQL, Composed, Literal

from application.ledger.heads import LEAF_VERSION

BIGINT_MIN = -(2**63)

#: RFC 9162 leaf hash of a stored event, as ``heads.leaf_bytes`` encodes it (the topic's
#: length as two big-endian bytes: the low half of its int4), after its position
LEAF_SQL = (
    "pg_catalog.int8send(notification_id::bigint) || pg_catalog.sha256("
    f"'\\x00{LEAF_VERSION:02x}'::bytea || pg_catalog.int8send(notification_id::bigint)"
    " || pg_catalog.uuid_send(originator_id) || pg_catalog.int8send(originator_version::bigint)"
    " || pg_catalog.substr(pg_catalog.int4send(pg_catalog.octet_length(topic_bytes)), 3, 2)"
    " || topic_bytes || pg_catalog.sha256(state))"
)


def bounds(cur: Any, events: Composed, rows: int) -> tuple[int, list[int]]:
    """(events in the table, the start of every range after the first): ranges of ``rows``
    positions from the lowest, in the caller's snapshot. Positions are nearly dense (a gap
    is a rolled-back insert), so a range holds about ``rows`` events; cutting by value
    needs only the count and the ends, not a numbered pass over every row (which cost
    ~0.5 µs per event before the hashing could start)."""
    count, low, high = cur.execute(
        SQL("SELECT count(*), min(notification_id), max(notification_id) FROM {}").format(events)
    ).fetchone()
    if not count:
        return 0, []
    return count, list(range(low + rows, high + 1, rows))


class RangeReader:
    """``workers`` connections in one exported snapshot computing ranges' leaf records."""

    def __init__(self, url: str, password: str | None, snapshot: str, events: Composed, workers: int) -> None:
        self._connections: queue.SimpleQueue[psycopg.Connection[Any]] = queue.SimpleQueue()
        self._opened: list[psycopg.Connection[Any]] = []
        self._workers = workers
        self._middle = SQL(
            "SELECT pg_catalog.string_agg(" + LEAF_SQL + ", ''::bytea ORDER BY notification_id)"
            " FROM (SELECT notification_id, originator_id, originator_version, state,"
            " pg_catalog.convert_to(topic, 'UTF8') AS topic_bytes FROM {}"
            " WHERE notification_id >= %s AND notification_id < %s) r"
        ).format(events)
        self._last = SQL(
            "SELECT pg_catalog.string_agg(" + LEAF_SQL + ", ''::bytea ORDER BY notification_id)"
            " FROM (SELECT notification_id, originator_id, originator_version, state,"
            " pg_catalog.convert_to(topic, 'UTF8') AS topic_bytes FROM {}"
            " WHERE notification_id >= %s) r"
        ).format(events)
        try:
            for _ in range(workers):
                conn = psycopg.connect(url, password=password)
                self._opened.append(conn)
                conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                conn.execute(SQL("SET TRANSACTION SNAPSHOT {}").format(Literal(snapshot)))
                conn.execute("SET LOCAL search_path = pg_catalog")
                self._connections.put(conn)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        for conn in self._opened:
            with contextlib.suppress(psycopg.Error):
                conn.close()

    def __enter__(self) -> RangeReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _records(self, start: int, end: int | None) -> bytes:
        conn = self._connections.get()
        try:
            with conn.cursor(binary=True) as cur:
                if end is None:
                    row = cur.execute(self._last, (start,)).fetchone()
                else:
                    row = cur.execute(self._middle, (start, end)).fetchone()
            return b"" if row is None or row[0] is None else bytes(row[0])
        finally:
            self._connections.put(conn)

    def records(self, starts: list[int]) -> Generator[bytes, None, None]:
        """The leaf records of the ranges [BIGINT_MIN, starts[0]), [starts[0], starts[1]) …
        [starts[-1], ∞), in order; at most two ranges per worker are in flight."""
        edges: list[tuple[int, int | None]] = list(zip([BIGINT_MIN, *starts], [*starts, None], strict=True))
        with ThreadPoolExecutor(self._workers, thread_name_prefix="ledger-verify") as pool:
            pending: deque[Future[bytes]] = deque()
            try:
                for start, end in edges:
                    pending.append(pool.submit(self._records, start, end))
                    if len(pending) >= 2 * self._workers:
                        yield pending.popleft().result()
                while pending:
                    yield pending.popleft().result()
            finally:
                for future in pending:
                    future.cancel()
