"""Tracking positions (消费位置): one row per projection, committed with its tables.

Same semantics as eventsourcing's ``PostgresTrackingRecorder`` (one row per
consumer, written in the transaction that applies the events), with one
difference: the position moves by compare-and-set (``WHERE position = expected``)
as the *first* statement of a batch. The row lock it takes serialises anyone
else writing the same projection, and a position moved by someone else (a
rebuild swap, a second runner) makes the batch roll back instead of applying
events twice.

After each committed batch the runtime NOTIFYs ``<read schema>_progress`` with
``"<key> <position>"`` (sent at commit), which is what ``waiting`` listens to.
"""

from __future__ import annotations

import hashlib
import zlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg import Connection, Cursor
from psycopg.rows import TupleRow
from psycopg.sql import SQL, Identifier

from projections.errors import PositionMoved

TABLE = "projection_positions"
MAX_IDENTIFIER = 63


@dataclass(frozen=True)
class PositionRow:
    key: str
    position: int
    version: int
    rate: float | None
    error: str | None
    error_position: int | None
    updated_at: datetime


def progress_channel(schema: str) -> str:
    return f"{schema}_progress"


def build_key(name: str) -> str:
    """Tracking key of a projection being rebuilt into fresh tables."""
    return f"{name}#rebuild"


def build_schema(schema: str, name: str) -> str:
    """Schema the fresh tables of a rebuild are built in, swapped in when caught up."""
    candidate = f"{schema}__{name}"
    if len(candidate) <= MAX_IDENTIFIER:
        return candidate
    digest = hashlib.sha1(candidate.encode()).hexdigest()[:8]
    return f"{candidate[: MAX_IDENTIFIER - 9]}_{digest}"


def lock_ids(schema: str, key: str) -> tuple[int, int]:
    """Advisory-lock id pair (two non-negative int4) of a tracking key in a schema."""
    return zlib.crc32(schema.encode()) & 0x7FFFFFFF, zlib.crc32(key.encode()) & 0x7FFFFFFF


class Positions:
    """The positions table of one read schema."""

    def __init__(self, schema: str) -> None:
        self.schema = schema
        self.table = SQL("{}.{}").format(Identifier(schema), Identifier(TABLE))
        self.channel = progress_channel(schema)

    def ensure(self, conn: Connection[Any]) -> None:
        """Create the read schema and the positions table (idempotent, race-free)."""
        with conn.transaction(), conn.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s, %s)", lock_ids(self.schema, "#ddl"))
            cur.execute(SQL("CREATE SCHEMA IF NOT EXISTS {}").format(Identifier(self.schema)))
            cur.execute(
                SQL(
                    "CREATE TABLE IF NOT EXISTS {} ("
                    " name text PRIMARY KEY,"
                    " position bigint NOT NULL,"
                    " version integer NOT NULL,"
                    " rate double precision,"
                    " error text,"
                    " error_position bigint,"
                    " updated_at timestamptz NOT NULL DEFAULT now())"
                ).format(self.table)
            )

    def get(self, cur: Cursor[Any], key: str, *, for_update: bool = False) -> PositionRow | None:
        query = SQL(
            "SELECT name, position, version, rate, error, error_position, updated_at FROM {} WHERE name = %s"
        ).format(self.table)
        if for_update:
            query += SQL(" FOR UPDATE")
        row = cur.execute(query, (key,)).fetchone()
        return _row(row) if row else None

    def all(self, cur: Cursor[Any]) -> dict[str, PositionRow]:
        rows = cur.execute(
            SQL("SELECT name, position, version, rate, error, error_position, updated_at FROM {}").format(
                self.table
            )
        ).fetchall()
        return {r[0]: _row(r) for r in rows}

    def insert(
        self, cur: Cursor[Any], key: str, position: int, version: int, rate: float | None = None
    ) -> None:
        """Create or reset a tracking row."""
        cur.execute(
            SQL(
                "INSERT INTO {} (name, position, version, rate) VALUES (%s, %s, %s, %s) "
                "ON CONFLICT (name) DO UPDATE SET position = EXCLUDED.position, "
                "version = EXCLUDED.version, rate = EXCLUDED.rate, error = NULL, "
                "error_position = NULL, updated_at = now()"
            ).format(self.table),
            (key, position, version, rate),
        )

    def advance(self, cur: Cursor[Any], key: str, expected: int, position: int, rate: float | None) -> None:
        """Compare-and-set; raises PositionMoved when the row is not at ``expected``."""
        cur.execute(
            SQL(
                "UPDATE {} SET position = %s, rate = coalesce(%s, rate), error = NULL, "
                "error_position = NULL, updated_at = now() WHERE name = %s AND position = %s"
            ).format(self.table),
            (position, rate, key, expected),
            prepare=True,
        )
        if cur.rowcount != 1:
            raise PositionMoved(f"{key}: position is no longer {expected}")

    def record_error(self, cur: Cursor[Any], key: str, position: int, message: str) -> None:
        cur.execute(
            SQL("UPDATE {} SET error = %s, error_position = %s, updated_at = now() WHERE name = %s").format(
                self.table
            ),
            (message, position, key),
        )

    def delete(self, cur: Cursor[Any], key: str) -> None:
        cur.execute(SQL("DELETE FROM {} WHERE name = %s").format(self.table), (key,))

    def notify(self, cur: Cursor[Any], key: str, position: int) -> None:
        """Tell waiters (sent when the surrounding transaction commits)."""
        cur.execute("SELECT pg_notify(%s, %s)", (self.channel, f"{key} {position}"), prepare=True)

    def holders(self, cur: Cursor[Any], keys: list[str]) -> set[str]:
        """Which of ``keys`` have their advisory lock held (a runner/rebuild is at work)."""
        ids = {lock_ids(self.schema, k): k for k in keys}
        rows = cur.execute(
            "SELECT classid::bigint, objid::bigint FROM pg_locks "
            "WHERE locktype = 'advisory' AND objsubid = 2 AND granted "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        ).fetchall()
        return {ids[(c, o)] for c, o in rows if (c, o) in ids}


def _row(r: TupleRow) -> PositionRow:
    return PositionRow(
        key=r[0],
        position=r[1],
        version=r[2],
        rate=r[3],
        error=r[4],
        error_position=r[5],
        updated_at=r[6],
    )
