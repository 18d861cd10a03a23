"""Is the database there? (数据库可用性) Fail fast while it is not, heal the pools after.

Without this, a request during an outage waited for the connection pool's timeout
(and the library's retries) before its 503, and after the server came back each
stale pooled connection failed its first request. The gate is told of every failure
that means "the server is gone" (connection refused or closed, pool timeout, admin
shutdown), not of errors of one statement (a lock timeout, a constraint). While it is
down, every use of the database first probes the server with one fresh connection
(a short connect timeout, at most one probe at a time and one per ``probe_interval``):
if the probe fails the caller gets ``DatabaseUnavailable`` at once; when it succeeds,
every registered pool drops its broken idle connections before work resumes.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

import psycopg
from eventsourcing.persistence import InterfaceError, OperationalError
from psycopg_pool import ConnectionPool, PoolTimeout

from application.adapters.database import DatabaseUnavailable

log = logging.getLogger(__name__)

T = TypeVar("T")

#: exceptions that may mean the server is unreachable (``is_outage`` decides)
STORE_ERRORS: tuple[type[Exception], ...] = (
    DatabaseUnavailable,
    OperationalError,
    InterfaceError,
    psycopg.OperationalError,
    psycopg.InterfaceError,
)

#: server-side errors that mean the session is gone (SQLSTATE class 57P: operator intervention)
_SESSION_GONE = (psycopg.errors.AdminShutdown, psycopg.errors.CrashShutdown, psycopg.errors.CannotConnectNow)


def is_outage(exc: BaseException) -> bool:
    """Whether ``exc`` (or what it wraps) says the server cannot be reached, as opposed
    to one statement failing (a lock timeout is an OperationalError with a SQLSTATE)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, (DatabaseUnavailable, PoolTimeout, *_SESSION_GONE)):
            return True
        if isinstance(current, psycopg.OperationalError | psycopg.InterfaceError):
            # client-side failures (refused, closed, lost) carry no SQLSTATE
            return current.sqlstate is None
        current = current.__cause__ or current.__context__
    return False


class DatabaseGate:
    """One per application: knows whether the server was last seen down."""

    def __init__(self, url: str, *, probe_timeout: float = 1.0, probe_interval: float = 0.5) -> None:
        self._url = url
        self._probe_timeout = probe_timeout
        self._probe_interval = probe_interval
        self._pools: list[ConnectionPool[Any]] = []
        self._down = False
        self._last_probe = 0.0
        self._probe_lock = threading.Lock()

    @property
    def down(self) -> bool:
        return self._down

    def add_pool(self, pool: ConnectionPool[Any]) -> None:
        """A pool to heal when the server is back (and to make give up reconnecting
        soon, so that a pool never waits minutes in back-off after a long outage)."""
        pool.reconnect_timeout = min(pool.reconnect_timeout, 2 * self._probe_timeout + 1)
        self._pools.append(pool)

    def note(self, exc: BaseException) -> None:
        """Record a failure; only an outage closes the gate."""
        if is_outage(exc) and not self._down:
            log.warning("database unreachable: %s", exc)
            self._down = True

    def check(self) -> None:
        """Return at once while the server is up; while it is down, raise
        ``DatabaseUnavailable`` unless a probe (at most one at a time) finds it back."""
        if not self._down:
            return
        if time.monotonic() - self._last_probe < self._probe_interval:
            raise DatabaseUnavailable("the database is unreachable")
        if not self._probe_lock.acquire(blocking=False):
            raise DatabaseUnavailable("the database is unreachable")
        try:
            if not self._down:
                return
            self._last_probe = time.monotonic()
            try:
                with psycopg.connect(self._url, connect_timeout=max(1, round(self._probe_timeout))):
                    pass
            except psycopg.Error as exc:
                raise DatabaseUnavailable(f"the database is unreachable: {_first_line(exc)}") from None
            for pool in self._pools:
                if not pool.closed:
                    pool.check()  # drops the connections the outage broke, refills
            self._down = False
            log.warning("database reachable again")
        finally:
            self._probe_lock.release()

    def retry_once(self, call: Callable[[], T]) -> T:
        """Run ``call``; when it failed because the server went away, once more after the
        gate's check (a stale pooled connection; the server may already be back). Only
        for calls that are safe to repeat (reads; commands are idempotent by id)."""
        self.check()
        try:
            return call()
        except STORE_ERRORS as exc:
            if not is_outage(exc):
                raise
            self.note(exc)
        self.check()
        return call()


def retry_after_outage(call: Callable[[], T]) -> T:
    """``call`` once more when it failed because the server went away; for reads through
    a gated pool (the second try waits for the gate's probe, not for a stale connection)."""
    try:
        return call()
    except STORE_ERRORS as exc:
        if not is_outage(exc):
            raise
    return call()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
