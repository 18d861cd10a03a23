"""The read replica (只读副本): a PostgreSQL hot standby named by ``POLICYTRAIL_READ_DATABASE_URL``.

Commands and projections write to the primary; the standby replays the primary's
WAL, so the read models appear there a moment later. Read-your-writes over a
replica: once the projections have committed a command's position on the primary,
the primary's WAL *insert* position is taken — it lies at or beyond the end of the
projection's commit record (that commit happened before its NOTIFY reached us, and
the insert position never goes back), hence also beyond the command's own commit —
and the reader waits until ``pg_last_wal_replay_lsn()`` on the standby reaches it.
The command's own commit LSN would not be enough: the read-model rows are written
by a later transaction.

A replica that is down must not hold a request: connecting and waiting for a pooled
connection are bounded (``CONNECT_SECONDS``, ``ACQUIRE_SECONDS``), every pooled
connection is checked before use, and a failed reconnection gives up quickly
(``RECONNECT_SECONDS``) so the next request tries afresh — reads recover as soon as
the standby is back, without restarting the server.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import Connection
from psycopg_pool import ConnectionPool, PoolTimeout

from application.adapters.database import Database, DatabaseUnavailable

#: seconds to open a connection to the standby
CONNECT_SECONDS = 2
#: seconds a request waits for a pooled standby connection before answering 503
ACQUIRE_SECONDS = 2.0
#: seconds the pool keeps retrying a lost standby in the background before giving up
#: (the next request then starts a fresh attempt at once)
RECONNECT_SECONDS = 3.0
#: seconds between two looks at the standby's replay position while waiting
POLL_SECONDS = 0.01


_INSERT_LSN_FLUSHED = """
SELECT pg_current_wal_insert_lsn()::text,
       CASE WHEN pg_current_wal_flush_lsn() < pg_current_wal_insert_lsn()
            THEN pg_logical_emit_message(true, 'policytrail.flush', '') END
"""


class ReplicaUnavailable(DatabaseUnavailable):
    """The read replica cannot be reached (reads answer 503; commands are unaffected)."""


@dataclass(frozen=True)
class ReplicaLag:
    """How far the standby is behind the primary (for ``/health``)."""

    reachable: bool
    in_recovery: bool | None = None
    lag_bytes: int | None = None
    replay_delay_seconds: float | None = None
    error: str | None = None


class ReadReplica:
    """Pooled read-only connections to the standby, and its replay position."""

    def __init__(self, primary: Database, replica_url: str, *, max_size: int = 8) -> None:
        self.primary = primary
        self.replica = Database(url=replica_url, embedded=False)
        self.pool = ConnectionPool(
            replica_url,
            min_size=1,
            max_size=max_size,
            kwargs={
                "autocommit": True,
                "connect_timeout": CONNECT_SECONDS,
                "options": "-c default_transaction_read_only=on",
            },
            timeout=ACQUIRE_SECONDS,
            reconnect_timeout=RECONNECT_SECONDS,
            check=ConnectionPool.check_connection,  # a standby that restarted leaves dead connections
            name="policytrail-replica-reads",
            open=False,
        )
        self.pool.open(wait=False)  # serve starts even when the standby is down
        # The primary's WAL position, on a small pool of its own (no event-store connection used).
        self.primary_pool = ConnectionPool(
            primary.url,
            min_size=1,
            max_size=2,
            kwargs={
                "autocommit": True,
                "connect_timeout": CONNECT_SECONDS,
                "options": "-c synchronous_commit=on",  # see primary_insert_lsn
            },
            timeout=ACQUIRE_SECONDS,
            check=ConnectionPool.check_connection,
            name="policytrail-primary-lsn",
            open=False,
        )
        self.primary_pool.open(wait=False)
        self._flush_allowed = True

    @contextmanager
    def connection(self, timeout: float = ACQUIRE_SECONDS) -> Iterator[Connection[Any]]:
        """A read-only standby connection; any failure to reach it is ``ReplicaUnavailable``."""
        try:
            with self.pool.connection(timeout=max(timeout, 0.05)) as conn:
                yield conn
        except (PoolTimeout, psycopg.OperationalError) as exc:
            # OperationalError also covers a connection lost mid-query and queries the
            # standby cancelled because of a recovery conflict.
            raise ReplicaUnavailable(f"read replica {self.replica.display_url} unavailable") from exc

    def primary_insert_lsn(self) -> str:
        """The primary's current WAL insert position (an upper bound of every commit so far),
        flushed to disk — hence streamed to the standby — before this returns.

        The projections commit with ``synchronous_commit = off``: their commit records sit
        in the WAL buffers until the WAL writer flushes them (``wal_writer_delay``, 200 ms
        by default), and a standby only receives flushed WAL. When the flush position is
        behind, the statement also writes an empty transactional logical message (prefix
        ``policytrail.flush``), so that its own synchronous commit flushes the WAL up to and
        beyond the returned position: one flush (~1 ms) instead of a wait for the WAL
        writer. Where that function is not allowed, the wait is the WAL writer's.
        """
        with self.primary_pool.connection(timeout=ACQUIRE_SECONDS) as conn:
            if self._flush_allowed:
                try:
                    row = conn.execute(_INSERT_LSN_FLUSHED).fetchone()
                    assert row is not None
                    return str(row[0])
                except psycopg.errors.InsufficientPrivilege:
                    self._flush_allowed = False
            row = conn.execute("SELECT pg_current_wal_insert_lsn()::text").fetchone()
        assert row is not None
        return str(row[0])

    def replayed(self, lsn: str, timeout: float = ACQUIRE_SECONDS) -> bool:
        """Whether the standby has replayed the WAL up to ``lsn`` (a server that is not in
        recovery is the primary itself, or a promoted standby: everything is there)."""
        with self.connection(timeout) as conn:
            row = conn.execute(
                "SELECT NOT pg_is_in_recovery() OR coalesce(pg_last_wal_replay_lsn() >= %s::pg_lsn, false)",
                (lsn,),
            ).fetchone()
        return bool(row and row[0])

    def wait_caught_up(self, timeout: float) -> bool:
        """Block until the standby has replayed everything the primary had committed when
        called (False after ``timeout``, or when the primary cannot say where it is)."""
        try:
            lsn = self.primary_insert_lsn()
        except (PoolTimeout, psycopg.Error):
            return False
        return self.wait_replayed(lsn, timeout)

    def wait_replayed(self, lsn: str, timeout: float) -> bool:
        """Block until the standby replayed ``lsn``; False after ``timeout`` seconds or while it is down."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                if self.replayed(lsn, min(ACQUIRE_SECONDS, deadline - time.monotonic())):
                    return True
            except ReplicaUnavailable:
                pass  # the standby may come back before the deadline
            if time.monotonic() >= deadline:
                return False
            time.sleep(POLL_SECONDS)

    def lag(self) -> ReplicaLag:
        """Bytes of WAL the standby has yet to replay, and the age of its last replayed commit
        while it is replaying (0 when it has replayed everything it received)."""
        try:
            primary_lsn = self.primary_insert_lsn()
        except (PoolTimeout, psycopg.Error) as exc:
            return ReplicaLag(reachable=False, error=f"primary: {type(exc).__name__}")
        try:
            with self.connection() as conn:
                row = conn.execute(
                    """
                    SELECT pg_is_in_recovery(),
                           pg_wal_lsn_diff(%s::pg_lsn, pg_last_wal_replay_lsn())::bigint,
                           CASE WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn()
                                THEN 0
                                ELSE extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp())
                           END::float8
                    """,
                    (primary_lsn,),
                ).fetchone()
        except ReplicaUnavailable as exc:
            return ReplicaLag(reachable=False, error=type(exc.__cause__ or exc).__name__)
        assert row is not None
        in_recovery, lag_bytes, delay = row
        if not in_recovery:  # not a standby: nothing to replay
            return ReplicaLag(reachable=True, in_recovery=False, lag_bytes=0, replay_delay_seconds=0.0)
        return ReplicaLag(
            reachable=True,
            in_recovery=True,
            lag_bytes=max(int(lag_bytes), 0) if lag_bytes is not None else None,
            replay_delay_seconds=float(delay) if delay is not None else None,
        )

    def close(self) -> None:
        self.pool.close()
        self.primary_pool.close()


_replicas: weakref.WeakKeyDictionary[Any, ReadReplica] = weakref.WeakKeyDictionary()
_replicas_lock = threading.Lock()


def replica_for(app: Any) -> ReadReplica | None:
    """The application's read replica (one pool per application), or None when reads go to the primary."""
    url = app.settings.read_database_url
    if not url:
        return None
    with _replicas_lock:
        replica = _replicas.get(app)
        if replica is None:
            replica = ReadReplica(app.database, url, max_size=app.settings.pool_size)
            _replicas[app] = replica
            weakref.finalize(app, replica.close)  # no connection outlives its application
        return replica
