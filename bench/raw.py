"""Raw PostgreSQL baselines: the same work with nothing but psycopg and SQL."""

from __future__ import annotations

import os
import threading
import time
import uuid

from bench.harness import BenchContext, Latencies

RAW_TABLE = "bench_raw_events"


def create_raw_table(ctx: BenchContext, schema: str) -> str:
    """An equivalent of the events table: same columns, keys and index."""
    table = f'"{schema}".{RAW_TABLE}'
    with ctx.connect(autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
        conn.execute(f"DROP TABLE IF EXISTS {table}")
        conn.execute(
            f"CREATE TABLE {table} (originator_id uuid NOT NULL, originator_version bigint NOT NULL, "
            "topic text, state bytea, notification_id bigserial, "
            "PRIMARY KEY (originator_id, originator_version))"
        )
        conn.execute(f"CREATE UNIQUE INDEX ON {table} (notification_id)")
    return table


def insert_commit_loop(
    ctx: BenchContext, table: str, n: int, payload: int, lat: Latencies | None = None
) -> float:
    """n single-row INSERT + COMMIT; returns seconds."""
    state = os.urandom(payload)
    with ctx.connect(autocommit=True) as conn:
        start = time.perf_counter()
        for _ in range(n):
            t0 = time.perf_counter()
            conn.execute(
                f"INSERT INTO {table} (originator_id, originator_version, topic, state) "
                "VALUES (%s, 1, 'raw', %s)",
                (uuid.uuid4(), state),
            )
            if lat is not None:
                lat.record_seconds(time.perf_counter() - t0)
        return time.perf_counter() - start


def concurrent_insert_commit(
    ctx: BenchContext, table: str, writers: int, per_writer: int, payload: int
) -> tuple[float, Latencies]:
    lat = Latencies()
    lock = threading.Lock()
    barrier = threading.Barrier(writers + 1)

    def work() -> None:
        mine = Latencies()
        barrier.wait()
        insert_commit_loop(ctx, table, per_writer, payload, mine)
        with lock:
            lat.merge(mine)

    threads = [threading.Thread(target=work) for _ in range(writers)]
    for t in threads:
        t.start()
    barrier.wait()
    start = time.perf_counter()
    for t in threads:
        t.join()
    return time.perf_counter() - start, lat


def average_state_size(ctx: BenchContext, events_table: str) -> int:
    with ctx.connect() as conn:
        avg = conn.execute(f"SELECT avg(octet_length(state)) FROM {events_table}").fetchone()[0]
    return int(avg or 500)
