"""Planner statistics (表统计信息) of tables that grow fast, refreshed without autovacuum.

A table that grows from nothing to millions of rows in one bulk load or catch-up
keeps the planner's idea of it from its last ANALYZE. Autovacuum may be off on the
server, and its ANALYZE gives way to the event store writers' EXCLUSIVE table lock,
so bulk paths (import batches, projection runners) call ``analyze_stale`` themselves.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from psycopg.rows import tuple_row
from psycopg.sql import SQL, Identifier

#: re-analyse once this many rows changed, and at least this share of the table
MIN_CHANGES = 10_000
FRACTION = 0.2


def analyze(conn: Any, schema: str, tables: Sequence[str]) -> None:
    with conn.cursor() as cur:
        for table in tables:
            cur.execute(SQL("ANALYZE {}").format(Identifier(schema, table)))


def analyze_stale(
    conn: Any,
    schema: str,
    tables: Sequence[str],
    min_changes: int | None = None,
    fraction: float | None = None,
) -> list[str]:
    """ANALYZE the tables that changed a lot since their last analysis; returns them."""
    least = MIN_CHANGES if min_changes is None else min_changes
    share = FRACTION if fraction is None else fraction
    with conn.cursor(row_factory=tuple_row) as cur:
        cur.execute(
            "SELECT relname, n_mod_since_analyze, n_live_tup FROM pg_stat_user_tables "
            "WHERE schemaname = %s AND relname = ANY(%s)",
            (schema, list(tables)),
        )
        stale = [name for name, changed, live in cur.fetchall() if changed > max(least, share * live)]
    analyze(conn, schema, stale)
    return stale
