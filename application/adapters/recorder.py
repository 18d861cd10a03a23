"""The application recorder: eventsourcing's PostgreSQL recorder plus a command log.

Every accepted command writes one row in ``<events schema>.policytrail_commands``
in the *same transaction* as its events: (principal, command id) is the primary key
(``application/idempotency.py``), so the same command applied twice (even
concurrently) stores its events once, and a repeat returns the first answer; the
SHA-256 of its canonical body tells a repeat from another command under the same
key. The events table is locked in EXCLUSIVE mode by the library while inserting, so
one transaction's notification ids are consecutive: first and last position
describe them all.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from eventsourcing.persistence import ProgrammingError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from psycopg import Connection, Cursor
from psycopg.generators import send
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

from application.adapters.availability import DatabaseGate
from application.adapters.statistics import analyze_stale


@dataclass(frozen=True)
class CommandRecord:
    command_id: str
    command_type: str
    result: dict[str, Any]
    principal: str
    body_sha256: str


@dataclass(frozen=True)
class StoredCommand:
    command_id: str
    command_type: str
    result: dict[str, Any]
    first_position: int
    last_position: int
    #: None for rows stored before bodies were recorded (only the type can be compared)
    body_sha256: str | None = None


class PolicyTrailRecorder(PostgresApplicationRecorder):
    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events"):
        # Connection settings first: the library opens the pool while initialising.
        # Server-side prepared statements and pipeline mode do not mix well: when a
        # pipelined insert fails (a lost concurrency race), psycopg can believe a
        # statement is prepared that the server discarded, and the next use of that
        # pooled connection fails with 'prepared statement "_pg3_N" does not exist'.
        # Commands are short; we trade the small gain of preparing for correctness.
        datastore.pool.kwargs["prepare_threshold"] = None
        # The write side runs point lookups and small inserts. Without fresh planner
        # statistics (autovacuum off, or always cancelled by the writers' table lock) the
        # lookup of an aggregate's events was planned as a parallel bitmap scan with JIT:
        # 180 ms instead of 0.1 ms. Neither helps a point query, so neither is allowed.
        datastore.pool.kwargs["options"] = "-c jit=off -c max_parallel_workers_per_gather=0"
        super().__init__(datastore, events_table_name=events_table_name)
        self.commands_table_name = events_table_name.replace("_events", "") + "_commands"
        schema = Identifier(self.datastore.schema)
        table = Identifier(self.commands_table_name)
        self.sql_create_statements.append(
            SQL(
                "CREATE TABLE IF NOT EXISTS {schema}.{table} ("
                "principal text NOT NULL, "
                "command_id text NOT NULL, "
                "command_type text NOT NULL, "
                "body_sha256 text, "
                "result jsonb NOT NULL, "
                "first_position bigint NOT NULL, "
                "last_position bigint NOT NULL, "
                "recorded_at timestamptz NOT NULL DEFAULT now(), "
                "PRIMARY KEY (principal, command_id))"
            ).format(schema=schema, table=table)
        )
        self._insert_command_sql = SQL(
            "INSERT INTO {schema}.{table} "
            "(principal, command_id, command_type, body_sha256, result, first_position, last_position) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s)"
        ).format(schema=schema, table=table)
        columns = SQL("command_id, command_type, body_sha256, result, first_position, last_position")
        self._select_command_sql = SQL(
            "SELECT {columns} FROM {schema}.{table} WHERE principal = %s AND command_id = %s"
        ).format(columns=columns, schema=schema, table=table)
        self._select_commands_sql = SQL(
            "SELECT {columns} FROM {schema}.{table} WHERE principal = %s AND command_id = ANY(%s)"
        ).format(columns=columns, schema=schema, table=table)

    def use_gate(self, gate: DatabaseGate) -> None:
        """Every use of the pool goes through the gate (``application/adapters/availability.py``):
        during an outage it fails at once instead of after the pool's timeout times the
        library's ten retries, and a failure that means "server gone" closes the gate, so
        the library's retry of a read or an insert waits for a probe, not a stale connection."""
        gate.add_pool(self.datastore.pool)
        checkout = self.datastore.get_connection

        @contextmanager
        def gated() -> Iterator[Connection[DictRow]]:
            gate.check()
            try:
                with checkout() as conn:
                    yield conn
            except Exception as exc:
                gate.note(exc)
                raise

        self.datastore.get_connection = gated  # type: ignore[method-assign]
        self._gate = gate

    def _lock_table(self, curs: Cursor[DictRow]) -> None:
        # As the library does, but without server-side preparation (see __init__).
        for lock_statement in self.lock_table_statements:
            curs.execute(lock_statement, prepare=False)

    def _insert_stored_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> None:
        super()._insert_stored_events(curs, stored_events, **kwargs)
        # The library calls ``pipeline.sync()`` next. psycopg's sync flushes the socket
        # once per queued command and then only waits to *read*; a statement bigger than
        # the socket's send buffer (a batch of events: megabytes; a Unix socket takes
        # ~200 kB at a time, TCP's auto-tuned buffer takes far more) is left half-sent, the
        # server waits for its rest (ClientRead) and both wait forever. Finish writing
        # it first, reading whatever arrives meanwhile, as psycopg does on pipeline exit.
        conn = curs.connection
        if conn.pgconn.flush():
            conn.wait(send(conn.pgconn))

    def _fetch_ids_after_insert_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        # Runs after the pipeline synced the event insert successfully, so a failing
        # command-log insert (same command id) is the only error left in the pipeline
        # and surfaces as a clean IntegrityError at commit.
        ids = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        if not ids:
            return ids
        rows: list[tuple[CommandRecord, int, int]] = []
        command: CommandRecord | None = kwargs.get("command")
        if command is not None:
            rows.append((command, min(ids), max(ids)))
        batch: Sequence[tuple[CommandRecord, int]] | None = kwargs.get("commands")
        if batch:
            rows.extend(_positions_of_batch(batch, ids))
        if rows:
            with curs.connection.cursor() as c2:
                c2.executemany(
                    self._insert_command_sql,
                    [
                        (
                            record.principal,
                            record.command_id,
                            record.command_type,
                            record.body_sha256,
                            json.dumps(record.result, ensure_ascii=False),
                            first,
                            last,
                        )
                        for record, first, last in rows
                    ],
                )
        return ids

    def keep_statistics_fresh(
        self, min_changes: int | None = None, fraction: float | None = None
    ) -> list[str]:
        """ANALYZE the event and command tables when they changed a lot since last time
        (``application/adapters/statistics.py``); bulk paths call this between batches."""
        tables = [self.events_table_name, self.commands_table_name]
        with self.datastore.get_connection() as conn:
            return analyze_stale(conn, self.datastore.schema, tables, min_changes, fraction)

    def _read(self, call: Any) -> Any:
        """A read of our own tables, retried once after an outage (as the library's are)."""
        gate: DatabaseGate | None = getattr(self, "_gate", None)
        return call() if gate is None else gate.retry_once(call)

    def get_command(self, principal: str, command_id: str) -> StoredCommand | None:
        """The command this principal stored under this id (never another principal's)."""

        def read() -> StoredCommand | None:
            with self.datastore.get_connection() as conn, conn.cursor() as curs:
                curs.execute(self._select_command_sql, (principal, command_id))
                row = curs.fetchone()
            return None if row is None else _stored_command(row)

        return self._read(read)  # type: ignore[no-any-return]

    def get_commands(self, principal: str, command_ids: Sequence[str]) -> dict[str, StoredCommand]:
        """The stored ones among many command ids of one principal, in one round trip."""
        if not command_ids:
            return {}

        def read() -> dict[str, StoredCommand]:
            with self.datastore.get_connection() as conn, conn.cursor() as curs:
                curs.execute(self._select_commands_sql, (principal, list(command_ids)))
                return {row["command_id"]: _stored_command(row) for row in curs.fetchall()}

        return self._read(read)  # type: ignore[no-any-return]


def _stored_command(row: DictRow) -> StoredCommand:
    return StoredCommand(
        command_id=row["command_id"],
        command_type=row["command_type"],
        result=row["result"],
        first_position=row["first_position"],
        last_position=row["last_position"],
        body_sha256=row["body_sha256"],
    )


def _positions_of_batch(
    batch: Sequence[tuple[CommandRecord, int]], ids: Sequence[int]
) -> list[tuple[CommandRecord, int, int]]:
    """First and last position of each command of a batch, from the ids of its events.

    The events were inserted in command order under the table lock, so their ids are
    consecutive and in that order; anything else would mislabel positions, so refuse it.
    """
    if list(ids) != list(range(ids[0], ids[0] + len(ids))):
        raise ProgrammingError(f"batch notification ids are not consecutive: {ids[0]}..{ids[-1]}")
    if sum(n for _, n in batch) != len(ids):
        raise ProgrammingError(f"batch of {len(ids)} events does not match its commands")
    rows, first = [], ids[0]
    for record, n in batch:
        rows.append((record, first, first + n - 1))
        first += n
    return rows
