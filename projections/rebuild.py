"""Preparing and rebuilding a projection's tables (建表与零停机重建).

``prepare`` creates the live tables and tracking row on first use.

``rebuild`` is blue-green: the projection is built afresh from position 0 into its
own schema (``<read>__<name>``) while the live tables keep serving. Readers' indexes
are created in bulk once the build has caught up. Then, in one transaction, the
live tracking row is locked (live writers wait), the build takes the last events,
the old tables are dropped and the new ones moved into the read schema with
``ALTER TABLE … SET SCHEMA`` (their indexes move with them), and the live
position is set to the build's. Readers see either the old model or the new one,
never a half-built one; a live runner elsewhere notices the moved position (its
compare-and-set fails) and continues from there on the new tables.

``rebuild(side, Together(parts))`` builds several projections in one pass over the
log (one read and decode) and swaps them all in one transaction.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from psycopg import Connection
from psycopg.sql import SQL, Identifier

from application.adapters.statistics import analyze
from projections.base import Projection
from projections.errors import ProjectionError
from projections.runtime import BatchRunner, ProgressCallback, Target, bulk_gc, connect
from projections.source import ReadSide
from projections.together import Together
from projections.tracking import PositionRow, Positions, build_key, build_schema, lock_ids

log = logging.getLogger(__name__)


def prepare(side: ReadSide, projection: Projection, conn: Connection[Any]) -> PositionRow:
    """The live tracking row, creating the projection's tables at position 0 if new."""
    positions = Positions(side.schema)
    positions.ensure(conn)
    with conn.transaction(), conn.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(%s, %s)", lock_ids(side.schema, "#ddl"))
        row = positions.get(cur, projection.name, for_update=True)
        if row is None:
            # No tracking row: any tables by these names are not known to be consistent.
            _drop_tables(cur, side.schema, projection)
            for statement in projection.statements(side.schema, deferred=None):
                cur.execute(statement)
            positions.insert(cur, projection.name, 0, projection.version)
            row = positions.get(cur, projection.name)
    assert row is not None
    return row


def rebuild(
    side: ReadSide,
    projection: Projection,
    *,
    on_progress: ProgressCallback | None = None,
    stop: threading.Event | None = None,
) -> int | None:
    """Build ``projection`` afresh and swap it in; returns the live position after the
    swap, or None when stopped before (the unfinished build is removed).

    ``projection`` may be ``Together(parts)``: one pass over the log builds every part,
    each swapped in under its own name. Batches are ``side.rebuild_batch_size`` long."""
    with bulk_gc():
        return _rebuild(side, projection, on_progress, stop)


def _rebuild(
    side: ReadSide,
    projection: Projection,
    on_progress: ProgressCallback | None,
    stop: threading.Event | None,
) -> int | None:
    stop = stop or threading.Event()
    side = side.for_rebuild()
    positions = Positions(side.schema)
    key, schema = build_key(projection.name), build_schema(side.schema, projection.name)
    with connect(side.url) as conn:
        positions.ensure(conn)
        _lock_builds(conn, side.schema, projection)
        swapped = False
        try:
            _start_build(conn, positions, projection, schema, key)
            runner = BatchRunner(
                side, Target(projection, schema, key), conn, on_progress=on_progress, stop=stop
            )
            started = time.perf_counter()
            runner.catch_up()
            if stop.is_set():
                return None
            caught_up = time.perf_counter()
            with conn.transaction(), conn.cursor() as cur:
                for statement in projection.statements(schema, deferred=True):
                    cur.execute(statement)
            indexed = time.perf_counter()
            runner.catch_up()
            analyze(conn, schema, projection.tables)  # fresh statistics before the first query
            position = _swap(conn, positions, projection, side.schema, runner)
            swapped = True
            log.info(
                "%s rebuilt: catch-up %.1f s, readers' indexes %.1f s, analyze and swap %.1f s",
                projection.name,
                caught_up - started,
                indexed - caught_up,
                time.perf_counter() - indexed,
            )
            return position
        finally:
            if not swapped and not conn.broken:
                _abandon(conn, positions, schema, key)
            if not conn.broken:
                for ids in _build_locks(side.schema, projection):
                    conn.execute("SELECT pg_advisory_unlock(%s, %s)", ids)


def _parts(projection: Projection) -> tuple[Projection, ...]:
    return projection.parts if isinstance(projection, Together) else (projection,)


def _build_locks(schema: str, projection: Projection) -> list[tuple[int, int]]:
    """One advisory lock per projection built (a part of ``Together`` too), in name order."""
    names = sorted({projection.name, *(p.name for p in _parts(projection))})
    return [lock_ids(schema, build_key(name)) for name in names]


def _lock_builds(conn: Connection[Any], schema: str, projection: Projection) -> None:
    taken: list[tuple[int, int]] = []
    for ids in _build_locks(schema, projection):
        locked = conn.execute("SELECT pg_try_advisory_lock(%s, %s)", ids).fetchone()
        if not (locked and locked[0]):
            for held in taken:
                conn.execute("SELECT pg_advisory_unlock(%s, %s)", held)
            raise ProjectionError(f"a rebuild of {projection.name} is already running 该投影正在重建")
        taken.append(ids)


def _start_build(
    conn: Connection[Any], positions: Positions, projection: Projection, schema: str, key: str
) -> None:
    with conn.transaction(), conn.cursor() as cur:
        cur.execute(SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(Identifier(schema)))
        cur.execute(SQL("CREATE SCHEMA {}").format(Identifier(schema)))
        for statement in projection.statements(schema, deferred=False):
            cur.execute(statement)
        positions.insert(cur, key, 0, projection.version)


def _swap(
    conn: Connection[Any],
    positions: Positions,
    projection: Projection,
    live_schema: str,
    runner: BatchRunner,
) -> int:
    build = runner.target
    parts = sorted(_parts(projection), key=lambda p: p.name)  # row locks in one order
    with conn.transaction(), conn.cursor() as cur:
        live = [positions.get(cur, part.name, for_update=True) for part in parts]
        # Live writers now wait on the row locks; take the last events (savepoints).
        runner.catch_up()
        ahead = max((row.position for row in live if row is not None), default=0)
        if runner.position < ahead:
            raise ProjectionError(  # cannot happen: the build has read up to the head
                f"rebuild of {projection.name} is behind the live tables ({runner.position} < {ahead})"
            )
        for part in parts:
            _drop_tables(cur, live_schema, part)
            for table in part.tables:
                cur.execute(
                    SQL("ALTER TABLE {}.{} SET SCHEMA {}").format(
                        Identifier(build.schema), Identifier(table), Identifier(live_schema)
                    )
                )
            positions.insert(cur, part.name, runner.position, part.version, runner.rate)
            positions.notify(cur, part.name, runner.position)
        positions.delete(cur, build.key)
    conn.execute(SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(Identifier(build.schema)))
    log.info("%s rebuilt and swapped in at position %d", projection.name, runner.position)
    return runner.position


def _abandon(conn: Connection[Any], positions: Positions, schema: str, key: str) -> None:
    """Remove an unfinished build (the live tables were never touched)."""
    try:
        with conn.transaction(), conn.cursor() as cur:
            cur.execute(SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(Identifier(schema)))
            positions.delete(cur, key)
    except Exception:  # best effort: the next rebuild starts by dropping it anyway
        log.exception("could not remove the unfinished build %s", schema)


def _drop_tables(cur: Any, schema: str, projection: Projection) -> None:
    # No CASCADE: a view someone built on a read table must not vanish silently.
    for table in projection.tables:
        cur.execute(SQL("DROP TABLE IF EXISTS {}.{}").format(Identifier(schema), Identifier(table)))
