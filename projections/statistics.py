"""Planner statistics of the read-model tables (表统计信息), kept fresh by the runtime.

Read models grow from nothing to millions of rows in one catch-up or rebuild. The
planner chooses its plans from statistics that only ANALYZE gathers, and autovacuum
may be off on the server, or not have come round yet: a page of the timeliness list
must not be planned as if its table were empty. So a rebuild analyses its tables
before they are swapped in, and a runner re-analyses a table that changed a lot.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from psycopg.sql import SQL, Identifier

#: re-analyse once this many rows changed, and at least this share of the table
MIN_CHANGES = 10_000
FRACTION = 0.2


def analyze(cur: Any, schema: str, tables: Sequence[str]) -> None:
    for table in tables:
        cur.execute(SQL("ANALYZE {}").format(Identifier(schema, table)))


def analyze_stale(cur: Any, schema: str, tables: Sequence[str]) -> list[str]:
    """ANALYZE the tables that changed a lot since their last analysis; returns them."""
    cur.execute(
        "SELECT relname, n_mod_since_analyze, n_live_tup FROM pg_stat_user_tables "
        "WHERE schemaname = %s AND relname = ANY(%s)",
        (schema, list(tables)),
    )
    stale = [row[0] for row in cur.fetchall() if row[1] > max(MIN_CHANGES, FRACTION * row[2])]
    analyze(cur, schema, stale)
    return stale
