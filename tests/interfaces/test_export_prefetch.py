"""Read-ahead of export queries (interfaces/exports/prefetch.py) on a real PostgreSQL:
rows in order across batches, the cursor closed when the reader stops early, and a
query error raised to the consumer."""

from __future__ import annotations

import psycopg
import pytest
from psycopg.sql import SQL

from interfaces.exports import prefetch

SERIES = SQL("SELECT i, 'row ' || i FROM generate_series(1, %(n)s) AS i ORDER BY i")


@pytest.mark.timeout(60)
def test_all_rows_in_order_across_batches(database):
    with psycopg.connect(database.url) as conn:
        rows = list(prefetch.stream(conn, "t_all", SERIES, {"n": 25_000}, batch=1_000))
    assert rows == [(i, f"row {i}") for i in range(1, 25_001)]


@pytest.mark.timeout(60)
def test_stopping_early_closes_the_cursor_and_frees_the_connection(database):
    with psycopg.connect(database.url) as conn:
        taken = []
        for row in prefetch.stream(conn, "t_early", SERIES, {"n": 100_000}, batch=500):
            taken.append(row)
            if len(taken) == 1_200:
                break
        cursors = conn.execute("SELECT count(*) FROM pg_cursors WHERE name = 't_early'").fetchone()
        assert cursors == (0,)  # the reader thread closed its cursor; the connection is usable
    assert taken[-1] == (1_200, "row 1200")


@pytest.mark.timeout(60)
def test_a_query_error_reaches_the_consumer(database):
    broken = SQL("SELECT 1 / (i - 3) FROM generate_series(1, %(n)s) AS i")
    with psycopg.connect(database.url) as conn, pytest.raises(psycopg.errors.DivisionByZero):
        list(prefetch.stream(conn, "t_error", broken, {"n": 10}, batch=2))
