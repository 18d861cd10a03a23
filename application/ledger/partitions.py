"""Leaf hashes of the event table, a position range at a time, on parallel connections.

The read path of ``ledger verify``. The event table is cut into ranges of about
``rows`` events (``bounds``); ``workers`` connections, each in the walk's exported
snapshot, read ranges side by side while this process hashes and folds the previous
ones. Each range comes back as a ``Batch``: its positions (8 bytes each, big-endian)
and its leaf hashes, in log order. Who hashes:

- this process (default, ``--client-hash``): PostgreSQL sends the stored columns in
  their binary forms (int8 and uuid are already the leaf's big-endian fields; no Python
  int or UUID is built per row), and each state and leaf is hashed here with OpenSSL,
  which uses the CPU's SHA instructions. On this 2-core machine: ~1.5 µs to receive
  an event, ~1.3 µs to hash it, ~0.4 µs to fold it into the tree, and ~1.9 µs in the
  backends (``ledger verify`` ~5.5 µs of CPU per event in all).
- PostgreSQL (``--server-hash``, ``LEAF_SQL``): only 40 bytes per event travel, but
  the embedded server (pgserver) is built without OpenSSL, so ``pg_catalog.sha256``
  is PostgreSQL's portable C SHA-256, ~5 ns a byte (states average ~870 bytes): ~5.9 µs
  of backend per event (~6.6 µs in all). A server built with OpenSSL hashes faster.

Why ``--server-hash`` is no weaker: the verifier takes the event bytes from this server
either way, so a server that lied could send forged bytes as easily as forged hashes;
what matters is that the hashing cannot be swapped by a less privileged user. Every
function is named with its schema (``pg_catalog``) and the connections run with
``search_path = pg_catalog`` so that operators such as ``||`` resolve there too (the
temporary schema is never searched for functions or operators).
"""

from __future__ import annotations

import contextlib
import hashlib
import queue
from collections import deque
from collections.abc import Callable, Generator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.sql import SQL, Composed, Literal
from psycopg.types.string import ByteaBinaryLoader

from application.ledger.heads import LEAF_VERSION

BIGINT_MIN = -(2**63)
HASH_SIZE = 32
_LEAF_START = b"\x00" + bytes([LEAF_VERSION])  # RFC 9162 leaf prefix, then the leaf version


#: RFC 9162 leaf hash of a stored event, as ``heads.leaf_bytes`` encodes it (the topic's
#: length as two big-endian bytes: the low half of its int4), computed by PostgreSQL
LEAF_SQL = (
    f"pg_catalog.sha256('\\x00{LEAF_VERSION:02x}'::bytea || pg_catalog.int8send(notification_id::bigint)"
    " || pg_catalog.uuid_send(originator_id) || pg_catalog.int8send(originator_version::bigint)"
    " || pg_catalog.substr(pg_catalog.int4send(pg_catalog.octet_length(topic_bytes)), 3, 2)"
    " || topic_bytes || pg_catalog.sha256(state))"
)
#: what a range's query returns: the stored columns in log order, or two aggregates
_CLIENT_COLUMNS = "notification_id::bigint, originator_id, originator_version::bigint, topic_bytes, state"
_SERVER_COLUMNS = (
    "pg_catalog.string_agg(pg_catalog.int8send(notification_id::bigint), ''::bytea ORDER BY notification_id),"
    f" pg_catalog.string_agg({LEAF_SQL}, ''::bytea ORDER BY notification_id)"
)


@dataclass(frozen=True)
class Batch:
    """A range's events in log order: positions (8 bytes each) and leaf hashes."""

    positions: bytes
    leaves: list[bytes]


def _client(rows: list[tuple[bytes, bytes, bytes, bytes, bytes]]) -> Batch:
    """Leaves of stored rows (position, originator, version, topic, state) hashed here:
    ``heads.leaf_bytes`` laid out inline (one join per row, no struct or int per row)."""
    sha, join, start = hashlib.sha256, b"".join, _LEAF_START
    leaves = [
        sha(join((start, p, o, v, len(t).to_bytes(2, "big"), t, sha(s).digest()))).digest()
        for p, o, v, t, s in rows
    ]
    return Batch(join([row[0] for row in rows]), leaves)


def _server(rows: list[tuple[bytes | None, bytes | None]]) -> Batch:
    positions, hashes = rows[0]
    if positions is None or hashes is None:
        return Batch(b"", [])
    return Batch(positions, [hashes[i : i + HASH_SIZE] for i in range(0, len(hashes), HASH_SIZE)])


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
    """``workers`` connections in one exported snapshot reading ranges' leaf hashes."""

    def __init__(
        self,
        url: str,
        password: str | None,
        snapshot: str,
        events: Composed,
        workers: int,
        *,
        server_hash: bool = False,
    ) -> None:
        self._connections: queue.SimpleQueue[psycopg.Connection[Any]] = queue.SimpleQueue()
        self._opened: list[psycopg.Connection[Any]] = []
        self._workers = workers
        self._hash: Callable[[Any], Batch] = _server if server_hash else _client
        columns = _SERVER_COLUMNS if server_hash else _CLIENT_COLUMNS
        select = (
            f"SELECT {columns} FROM (SELECT notification_id, originator_id, originator_version, state,"
            " pg_catalog.convert_to(topic, 'UTF8') AS topic_bytes FROM {}"
        )
        order = "" if server_hash else " ORDER BY notification_id"
        where = " WHERE notification_id >= %s AND notification_id < %s) r"
        self._middle = SQL(select + where + order).format(events)
        self._last = SQL(select + " WHERE notification_id >= %s) r" + order).format(events)
        try:
            for _ in range(workers):
                conn = psycopg.connect(url, password=password)
                self._opened.append(conn)
                # every column as the bytes the binary protocol sends (int8 and uuid are
                # the leaf's big-endian fields), no Python int or UUID per row
                for name in ("int8", "uuid"):
                    conn.adapters.register_loader(name, ByteaBinaryLoader)
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

    def _batch(self, start: int, end: int | None) -> Batch:
        conn = self._connections.get()
        try:
            with conn.cursor(binary=True) as cur:
                if end is None:
                    rows = cur.execute(self._last, (start,)).fetchall()
                else:
                    rows = cur.execute(self._middle, (start, end)).fetchall()
        finally:
            self._connections.put(conn)
        return self._hash(rows) if rows else Batch(b"", [])

    def batches(self, starts: list[int]) -> Generator[Batch, None, None]:
        """The batches of the ranges [BIGINT_MIN, starts[0]), [starts[0], starts[1]) …
        [starts[-1], ∞), in order; at most two ranges per worker are in flight."""
        edges: list[tuple[int, int | None]] = list(zip([BIGINT_MIN, *starts], [*starts, None], strict=True))
        with ThreadPoolExecutor(self._workers, thread_name_prefix="ledger-verify") as pool:
            pending: deque[Future[Batch]] = deque()
            try:
                for start, end in edges:
                    pending.append(pool.submit(self._batch, start, end))
                    if len(pending) >= 2 * self._workers:
                        yield pending.popleft().result()
                while pending:
                    yield pending.popleft().result()
            finally:
                for future in pending:
                    future.cancel()
