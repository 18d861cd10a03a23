"""Leaf hashes of the event table, a position range at a time, on parallel connections.

The read path of ``ledger verify``. The event table is cut into ranges of about
``rows`` events (``bounds``); one thread per connection, each connection in the walk's
exported snapshot, takes the next range as soon as it is free, while this process
folds the previous ones into the tree. Each range comes back as a ``Batch``: its
positions (8 bytes each, big-endian) and its leaf hashes, in log order. Who hashes is
chosen per connection:

- this process (``_client``): PostgreSQL sends the stored columns in their binary forms
  (int8 and uuid are already the leaf's big-endian fields; no Python int or UUID is
  built per row), and each state and leaf is hashed here with OpenSSL, which uses the
  CPU's SHA instructions: ~1.5 µs to receive an event and ~1.3 µs to hash it, under
  this process's GIL, plus ~2 µs in the backend;
- PostgreSQL (``LEAF_SQL``): only 40 bytes per event travel, but the embedded server
  (pgserver) is built without OpenSSL, so ``pg_catalog.sha256`` is PostgreSQL's
  portable C SHA-256, ~5 ns a byte (states average ~870 bytes): ~5.9 µs of backend
  per event, ~0.1 µs here.

Neither alone uses both CPUs well (hashing here is bound to one by the GIL; hashing in
the server costs more CPU in all). ``ledger verify`` reads on three connections where
PostgreSQL hashes and one where this process does, each taking the next range when
free, so both CPUs work: the cheaper path here takes ranges as fast as the GIL allows,
and on a busy machine each backend — its own session, so its own CPU share under the
kernel's autogroup scheduling — keeps hashing.

Why hashing in the server is no weaker: the verifier takes the event bytes from this
server either way, so a server that lied could send forged bytes as easily as forged
hashes; what matters is that the hashing cannot be swapped by a less privileged user.
Every function is named with its schema (``pg_catalog``) and the connections run with
``search_path = pg_catalog`` so that operators such as ``||`` resolve there too (the
temporary schema is never searched for functions or operators).
"""

from __future__ import annotations

import contextlib
import hashlib
import queue
import threading
from collections.abc import Generator, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.sql import SQL, Composed, Literal
from psycopg.types.string import ByteaBinaryLoader

from application.ledger.heads import LEAF_VERSION

BIGINT_MIN = -(2**63)
AHEAD = 8  # ranges read ahead of the caller at most (their hashes wait in memory, ~0.8 MB each)
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
    """A range's events in log order: positions (8 bytes each) and leaf hashes (32 each)."""

    positions: bytes
    hashes: bytes


def _client(rows: list[tuple[bytes, bytes, bytes, bytes, bytes]]) -> Batch:
    """Leaves of stored rows (position, originator, version, topic, state) hashed here:
    ``heads.leaf_bytes`` laid out inline (one join per row, no struct or int per row)."""
    sha, join, start = hashlib.sha256, b"".join, _LEAF_START
    leaves = [
        sha(join((start, p, o, v, len(t).to_bytes(2, "big"), t, sha(s).digest()))).digest()
        for p, o, v, t, s in rows
    ]
    return Batch(join([row[0] for row in rows]), join(leaves))


def _server(rows: list[tuple[bytes | None, bytes | None]]) -> Batch:
    positions, hashes = rows[0]
    return Batch(positions or b"", hashes or b"")


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


class _Connection:
    """A reading connection in the walk's snapshot, and who hashes the ranges it reads."""

    def __init__(self, url: str, password: str | None, snapshot: str, events: Composed, server_hash: bool):
        columns = _SERVER_COLUMNS if server_hash else _CLIENT_COLUMNS
        select = (
            f"SELECT {columns} FROM (SELECT notification_id, originator_id, originator_version, state,"
            " pg_catalog.convert_to(topic, 'UTF8') AS topic_bytes FROM {}"
        )
        order = "" if server_hash else " ORDER BY notification_id"
        where = " WHERE notification_id >= %s AND notification_id < %s) r"
        self._middle = SQL(select + where + order).format(events)
        self._last = SQL(select + " WHERE notification_id >= %s) r" + order).format(events)
        self._hash = _server if server_hash else _client
        self.conn = psycopg.connect(url, password=password)
        # every column as the bytes the binary protocol sends (int8 and uuid are the leaf's
        # big-endian fields): no Python int or UUID per row
        for name in ("int8", "uuid"):
            self.conn.adapters.register_loader(name, ByteaBinaryLoader)
        self.conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        self.conn.execute(SQL("SET TRANSACTION SNAPSHOT {}").format(Literal(snapshot)))
        self.conn.execute("SET LOCAL search_path = pg_catalog")

    def read(self, start: int, end: int | None) -> Batch:
        with self.conn.cursor(binary=True) as cur:
            if end is None:
                rows = cur.execute(self._last, (start,)).fetchall()
            else:
                rows = cur.execute(self._middle, (start, end)).fetchall()
        return self._hash(rows) if rows else Batch(b"", b"")


class RangeReader:
    """One thread per connection, all in one exported snapshot; each takes the next range
    as soon as it is free, and hashes it here or has PostgreSQL hash it (``hashers``: per
    connection, True for PostgreSQL). Mixing both keeps both CPUs busy: hashing here holds
    this process's GIL (~3.7 µs an event with receiving), hashing in PostgreSQL costs the
    server ~5.9 µs an event, and whichever side has CPU to spare takes more ranges — also
    on a shared machine, where the server's processes and this one get separate shares."""

    def __init__(
        self, url: str, password: str | None, snapshot: str, events: Composed, hashers: Sequence[bool]
    ) -> None:
        self._connections: list[_Connection] = []
        try:
            for server_hash in hashers:
                self._connections.append(_Connection(url, password, snapshot, events, server_hash))
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        for c in self._connections:
            with contextlib.suppress(psycopg.Error):
                c.conn.close()

    def __enter__(self) -> RangeReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def batches(self, starts: list[int]) -> Generator[Batch, None, None]:
        """The batches of the ranges [BIGINT_MIN, starts[0]), [starts[0], starts[1]) …
        [starts[-1], ∞), in order; no range is started more than ``AHEAD`` ranges after
        the one the caller waits for."""
        tasks: queue.SimpleQueue[tuple[int, int, int | None]] = queue.SimpleQueue()
        for index, (start, end) in enumerate(zip([BIGINT_MIN, *starts], [*starts, None], strict=True)):
            tasks.put((index, start, end))
        done: dict[int, Batch | BaseException] = {}
        ready = threading.Condition()
        wanted = 0  # the range the caller waits for
        stop = False

        def work(connection: _Connection) -> None:
            while True:
                with ready:
                    if stop:
                        return
                    try:
                        index, start, end = tasks.get_nowait()
                    except queue.Empty:
                        return
                    ready.wait_for(lambda: stop or index < wanted + AHEAD)  # noqa: B023 - waited for here
                    if stop:
                        return
                try:
                    result: Batch | BaseException = connection.read(start, end)
                except BaseException as exc:  # handed to the caller, in order
                    result = exc
                with ready:
                    done[index] = result
                    ready.notify_all()

        threads = [
            threading.Thread(target=work, args=(c,), name="ledger-verify", daemon=True)
            for c in self._connections
        ]
        for thread in threads:
            thread.start()
        try:
            for index in range(len(starts) + 1):
                with ready:
                    ready.wait_for(lambda: index in done)  # noqa: B023 - waited for here
                    item = done.pop(index)
                    wanted = index + 1
                    ready.notify_all()
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            with ready:
                stop = True
                ready.notify_all()
            for thread in threads:
                thread.join()
