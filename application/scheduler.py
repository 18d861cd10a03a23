"""The in-process scheduler (定时调度): the time-driven commands every N seconds, one leader.

``serve`` and ``projections run`` each start a ``TickScheduler``; all of them try the
same PostgreSQL advisory lock (per event-store schema), and only the process holding
it runs the tick, so two servers never double-run it (the commands are idempotent
anyway, see ``application.tick``). The lock is a session lock on the scheduler's own
connection: when the leader stops or its connection dies, the server releases it and
another scheduler takes over at its next attempt.

Every tick the leader records when it ran and what it did in ``scheduler_ticks`` (in
the events schema), so ``/health`` of any process shows the last tick and its lag,
whoever led. A tick's "now" is the application's clock (a fixed clock in tests).
"""

from __future__ import annotations

import logging
import threading
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg.sql import SQL, Identifier

from application.adapters.database import Database, DatabaseUnavailable
from application.clock import Clock
from application.tick import TickAction

log = logging.getLogger(__name__)

TABLE = "scheduler_ticks"
TICK_NAME = "tick"
#: seconds to wait before reconnecting after the database went away
RECONNECT_SECONDS = 2.0

Tick = Callable[[datetime], Sequence[TickAction]]


def leader_lock_ids(events_schema: str) -> tuple[int, int]:
    """Advisory-lock id pair of the scheduler of one event store (int4, int4)."""
    return zlib.crc32(events_schema.encode()) & 0x7FFFFFFF, zlib.crc32(b"#scheduler") & 0x7FFFFFFF


@dataclass(frozen=True)
class LastTick:
    """The last tick any leader ran (``at``: the business "now" it used)."""

    at: datetime
    finished_at: datetime  # server time when it was recorded
    leader: str
    closed: int  # expired call cycles this tick closed (CA-02)
    errors: int
    error: str | None


def _table(schema: str) -> Any:
    return SQL("{}.{}").format(Identifier(schema), Identifier(TABLE))


def ensure_table(conn: psycopg.Connection[Any], schema: str) -> None:
    """Create the table once; concurrent schedulers serialise on a transaction lock
    (two ``CREATE TABLE IF NOT EXISTS`` at once can otherwise collide)."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s, %s)", leader_lock_ids(schema + "#ddl"))
        conn.execute(
            SQL(
                "CREATE TABLE IF NOT EXISTS {} (name text PRIMARY KEY, at timestamptz NOT NULL,"
                " finished_at timestamptz NOT NULL DEFAULT now(), leader text NOT NULL,"
                " closed integer NOT NULL, errors integer NOT NULL, error text)"
            ).format(_table(schema))
        )


def last_tick(database: Database, schema: str) -> LastTick | None:
    """The last recorded tick of this event store (None: no scheduler ever ran)."""
    with database.connect() as conn:
        exists = conn.execute("SELECT to_regclass(%s)", (f'"{schema}"."{TABLE}"',)).fetchone()
        if not exists or exists[0] is None:
            return None
        row = conn.execute(
            SQL("SELECT at, finished_at, leader, closed, errors, error FROM {} WHERE name = %s").format(
                _table(schema)
            ),
            (TICK_NAME,),
        ).fetchone()
    return LastTick(*row) if row else None


class TickScheduler:
    """Runs ``tick(clock.now())`` every ``interval`` seconds while it leads."""

    def __init__(
        self,
        database: Database,
        events_schema: str,
        clock: Clock,
        tick: Tick,
        *,
        interval: float,
        identity: str = "scheduler",
    ) -> None:
        if interval <= 0:
            raise ValueError("interval must be positive")
        self.database = database
        self.schema = events_schema
        self.clock = clock
        self.tick = tick
        self.interval = interval
        self.identity = identity
        self.stop_event = threading.Event()
        self.leading = threading.Event()
        self.ticks = 0  # ticks this scheduler ran (while leader)
        self.last_error: str | None = None
        self._thread: threading.Thread | None = None

    @property
    def is_leader(self) -> bool:
        return self.leading.is_set()

    def start(self) -> TickScheduler:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name=f"{self.identity}-tick", daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float | None = 30.0) -> None:
        self.stop_event.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def __enter__(self) -> TickScheduler:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ----- the loop -----------------------------------------------------------------------
    def _run(self) -> None:
        while not self.stop_event.is_set():
            try:
                with self.database.connect(autocommit=True) as session:
                    ensure_table(session, self.schema)
                    self._lead(session)
            except (psycopg.Error, DatabaseUnavailable) as exc:
                # the lock went with the connection: try again after a pause, never die
                self.leading.clear()
                self.last_error = f"database: {exc}"
                log.warning("scheduler %s lost its database session: %s", self.identity, exc)
                self.stop_event.wait(RECONNECT_SECONDS)
        self.leading.clear()

    def _lead(self, session: psycopg.Connection[Any]) -> None:
        while not self.stop_event.is_set():
            if not self.is_leader:
                got = session.execute("SELECT pg_try_advisory_lock(%s, %s)", leader_lock_ids(self.schema))
                row = got.fetchone()
                if row and row[0]:
                    self.leading.set()
                    log.info("scheduler %s leads", self.identity)
            if self.is_leader:
                self._tick_once(session)
            self.stop_event.wait(self.interval)
        if self.is_leader:
            session.execute("SELECT pg_advisory_unlock(%s, %s)", leader_lock_ids(self.schema))
            self.leading.clear()

    def _tick_once(self, session: psycopg.Connection[Any]) -> None:
        at = self.clock.now()
        error: str | None = None
        actions: Sequence[TickAction] = ()
        try:
            actions = self.tick(at)
        except (psycopg.OperationalError, psycopg.InterfaceError, DatabaseUnavailable):
            raise
        except Exception as exc:  # a failed tick is recorded and retried next time, never fatal
            error = f"{type(exc).__name__}: {exc}"
            log.exception("scheduler tick at %s failed", at.isoformat())
        self.ticks += 1
        self.last_error = error
        closed = sum(a.closed and not a.repeated for a in actions)
        errors = sum(a.error is not None for a in actions) + (error is not None)
        session.execute(
            SQL(
                "INSERT INTO {} (name, at, finished_at, leader, closed, errors, error)"
                " VALUES (%s, %s, now(), %s, %s, %s, %s) ON CONFLICT (name) DO UPDATE SET"
                " at = excluded.at, finished_at = excluded.finished_at, leader = excluded.leader,"
                " closed = excluded.closed, errors = excluded.errors, error = excluded.error"
            ).format(_table(self.schema)),
            (TICK_NAME, at, self.identity, closed, errors, error),
        )
