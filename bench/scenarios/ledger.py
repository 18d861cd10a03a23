"""Scenarios 8–10: the tamper-evident ledger (issue 13).

8.  ``ledger verify`` events/s over the log (quick 20,000 / full 1,000,000 events),
    next to a raw sequential read of the event table + SHA-256 of every state in the
    same process; the sealer's own catch-up rate over the same log is reported too.
9.  Seal lag: commit → leaf committed in the tree, with the sealer live and 16
    concurrent writers; baseline: INSERT + COMMIT + NOTIFY → LISTEN received.
10. Proof latency on a large tree (quick 50,000 / full 10,000,000 leaves, written
    directly into the ledger tables): the tree part of an inclusion proof (head +
    nodes; the event row itself is one primary-key read whatever the size) and a
    consistency proof between random heads; baseline: one primary-key SELECT.
"""

from __future__ import annotations

import hashlib
import os
import random
import threading
import time
import uuid

import psycopg
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Composed, Identifier

from application.app import PolicyTrail
from application.ledger import merkle
from application.ledger.keys import resolve_signing_key
from application.ledger.service import Ledger, events_table
from application.ledger.store import LedgerStore, sign_head
from application.ledger.verify import CHUNK, verify_ledger
from bench import bench_projections as bp
from bench import data
from bench.harness import BenchContext, Figure, Latencies
from bench.scenarios.read_side import _raw_notify_latency, wake_runners
from domain.shared.actor import Actor
from projections.ledger import LedgerSealer, catch_up
from projections.runtime import connect
from projections.source import ReadSide
from projections.waiting import PositionWatcher

ACTOR = Actor("bench", "system")
RAW = "binary COPY in log order + SHA-256 of each state, 1 process"


def _raw_read_and_hash(ctx: BenchContext, table: Composed) -> float:
    """The floor under verify, with its read path: one process, a binary COPY of the table
    in log order, and the SHA-256 of every state sliced from the row message (no leaf,
    no tree, no comparison, no read-ahead thread)."""
    started, n = time.perf_counter(), 0
    sha = hashlib.sha256
    with ctx.connect() as conn, conn.cursor() as cur:
        query = SQL(
            "COPY (SELECT notification_id, state FROM {} ORDER BY notification_id) TO STDOUT (FORMAT binary)"
        )
        with cur.copy(query.format(table)) as copy:
            for message in copy:
                if n == 0:
                    message = message[19:]  # the file header rides on the first row
                if len(message) > 2:  # not the trailer
                    sha(message[18:]).digest()  # int16 | int32 8 | int8 id | int32 n | state
                    n += 1
    return n / (time.perf_counter() - started)


def _multiply_as_stored(app: PolicyTrail, target: int) -> None:
    """Copy the seeded rows in SQL, as stored, under fresh aggregate ids until the log holds
    about ``target``: the ledger hashes the stored bytes and never opens them, so the
    copies need not be sealed again for their rows (``bench_projections.multiply`` does
    that, at ~15k events/min on a loaded machine: over an hour for a million). One
    statement, copy after copy in log order."""
    table, seeded = app.events_table, app.max_position()
    copies = max(target // max(seeded, 1) - 1, 0)
    with psycopg.connect(app.database.url, autocommit=True) as conn:
        conn.execute(
            f"INSERT INTO {table} (originator_id, originator_version, topic, state)"
            " SELECT copy.id, e.originator_version, e.topic, e.state FROM"
            f" (SELECT * FROM {table} WHERE notification_id <= %s) e JOIN"
            " (SELECT g, o, gen_random_uuid() AS id FROM generate_series(1, %s) AS g CROSS JOIN"
            f" (SELECT DISTINCT originator_id AS o FROM {table} WHERE notification_id <= %s) d) copy"
            " ON copy.o = e.originator_id"
            " ORDER BY copy.g, e.notification_id",
            (seeded, copies, seeded),
        )
        conn.execute(f"VACUUM ANALYZE {table}")


def _settle(url: str, store: LedgerStore) -> None:
    """Vacuum the tree the sealer has just written: otherwise autovacuum does it (and the
    first reads set the rows' hint bits) while verify runs, ~1M rows per table competing
    for the same 2 CPUs — a database whose sealer has run for a while has no such debt."""
    with psycopg.connect(url, autocommit=True) as conn:
        for table in (store.leaves, store.nodes, store.heads):
            conn.execute(SQL("VACUUM (ANALYZE) {}").format(table))


def verify_rate(ctx: BenchContext) -> list[Figure]:
    target = 20_000 if ctx.quick else 1_000_000
    app = ctx.fresh_app()
    # quick: a smaller seed (the same mix of events) copied more often; only the copies' count differs
    with ctx.setup(f"log of {target:,} events"):
        bp.seed(app, 60 if ctx.quick else 4_000)
        _multiply_as_stored(app, target)
    total = app.max_position()
    side = ReadSide.from_app(app)
    t0 = time.perf_counter()
    catch_up(side, side.ledger)
    seal_elapsed = time.perf_counter() - t0
    Ledger.from_app(app).seal()
    _settle(app.database.url, LedgerStore(side.schema))
    key = resolve_signing_key(app.settings).public_key
    raw = _raw_read_and_hash(ctx, events_table(app))
    keys = {key.key_id: key}
    runs = []
    for mode, client_hash in (("", None), (" --client-hash", True), (" --server-hash", False)):
        load = "/".join(f"{x:.2f}" for x in os.getloadavg())
        cpu = time.process_time()
        report = verify_ledger(
            app.database.url, LedgerStore(side.schema), events_table(app), keys, client_hash=client_hash
        )
        cpu = time.process_time() - cpu
        assert report.ok and report.events == total, report.findings
        runs.append((mode, report, cpu, load))
    how = {
        "": "3 connections have PostgreSQL hash their ranges (pg_catalog.sha256), a 4th's stored columns"
        " are hashed here, each takes the next range when free",
        " --client-hash": "strict: every state and leaf hashed here (2 connections)",
        " --server-hash": "PostgreSQL hashes every range (pg_catalog.sha256, 2 connections)",
    }
    return [
        *(
            Figure(
                "8 ledger verify",
                f"ledger verify{mode} over {total:,} events",
                "events/s",
                report.rate,
                RAW,
                raw,
                count=total,
                notes=f"{report.heads} signed heads checked; {how[mode]}; ranges of {CHUNK:,} events,"
                f" tree and comparison here: {1e6 * cpu / total:.2f} µs CPU per event in this process;"
                f" ledger tables vacuumed after sealing; target ≥ 200,000/s; load average before: {load}",
            )
            for mode, report, cpu, load in runs
        ),
        Figure(
            "8 ledger verify",
            f"sealer catch-up over {total:,} events",
            "events/s",
            total / seal_elapsed,
            RAW,
            raw,
            count=total,
            notes="leaves + interior nodes COPYed, heads every 10,000",
        ),
    ]


def seal_lag(ctx: BenchContext) -> list[Figure]:
    writers, per_writer = 16, 8 if ctx.quick else 150
    app = ctx.fresh_app(pool_size=writers)
    with ctx.setup("seed"):
        bp.seed(app, 60)
    side = ReadSide.from_app(app)
    raw = _raw_notify_latency(ctx, 100 if ctx.quick else 1_000)
    sealer = LedgerSealer(side, side.ledger)
    thread = sealer.run_in_thread()
    watcher = PositionWatcher(side.url, side.schema)
    lat, lock = Latencies(), threading.Lock()
    try:
        assert sealer.caught_up.wait(600)

        def write(w: int) -> None:
            rng, mine = random.Random(ctx.seed + w), Latencies()
            for j in range(per_writer):
                result = app.execute(data.issue_policy(rng, w * 100_000 + j, prefix="L"), ACTOR)
                committed = time.perf_counter()
                assert result.position is not None
                if not watcher.wait_for(["ledger"], result.position, 10):
                    raise RuntimeError(f"position {result.position} not sealed within 10 s")
                mine.record_seconds(time.perf_counter() - committed)
            with lock:
                lat.merge(mine)

        threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sealer.stop.set()
        wake_runners(side)
        thread.join()
        watcher.close()
    pct, raw_pct = lat.percentiles_ms(), raw.percentiles_ms()
    return [
        Figure(
            "9 ledger seal lag",
            f"seal lag, commit → in the tree, {writers} writers",
            "ms p99",
            pct["p99"],
            "COMMIT → NOTIFY received",
            raw_pct["p99"],
            higher_is_better=False,
            count=lat.count,
            percentiles_ms=pct,
            baseline_percentiles_ms=raw_pct,
            notes=f"{writers} writers × {per_writer} commands; target p99 ≤ 1,000 ms",
        )
    ]


def _synthetic_tree(ctx: BenchContext, schema: str, size: int, heads: int) -> list[int]:
    """``size`` leaves and their nodes COPYed into fresh ledger tables; heads at ``heads`` sizes."""
    key = resolve_signing_key(ctx.settings)
    store = LedgerStore(schema)
    frontier = merkle.Frontier()
    sizes = sorted({size * (i + 1) // heads for i in range(heads)})
    zero = uuid.UUID(int=0)
    with ctx.connect(autocommit=True) as conn:
        conn.execute(SQL("CREATE SCHEMA IF NOT EXISTS {}").format(Identifier(schema)))
        for statement in store.statements():
            conn.execute(statement)
        conn.execute(SQL("ALTER TABLE {} SET UNLOGGED").format(store.leaves))
        conn.execute(SQL("ALTER TABLE {} SET UNLOGGED").format(store.nodes))
        chunk = 200_000
        with conn.cursor(row_factory=tuple_row) as cur:
            for start in range(0, size, chunk):
                leaves, nodes = [], []
                for i in range(start, min(start + chunk, size)):
                    h = merkle.leaf_hash(i.to_bytes(8, "big"))
                    leaves.append((i, i + 1, zero, 1, h))
                    nodes.extend(frontier.append(h))
                    if frontier.size in sizes:
                        sth = sign_head(key, frontier.size, frontier.root(), 0)
                        store.insert_head(cur, sth, "every", key)
                with conn.transaction():
                    store.append(cur, leaves, nodes)
        conn.execute(SQL("ANALYZE {}").format(store.leaves))
        conn.execute(SQL("ANALYZE {}").format(store.nodes))
    return sizes


def proof_latency(ctx: BenchContext) -> list[Figure]:
    size = 50_000 if ctx.quick else 10_000_000
    samples = 500 if ctx.quick else 2_000
    schema = f"bledger_{uuid.uuid4().hex[:8]}"
    try:
        with ctx.setup(f"{size:,}-leaf tree"):
            sizes = _synthetic_tree(ctx, schema, size, 20)
        store, rng = LedgerStore(schema), random.Random(ctx.seed)
        inclusion, consistency, raw = Latencies(), Latencies(), Latencies()
        with connect(ctx.database.url) as conn, conn.cursor(row_factory=tuple_row) as cur:
            for _ in range(samples):
                tree_size = rng.choice(sizes)
                position = rng.randrange(1, tree_size + 1)
                with inclusion.time():
                    sth = store.head(cur, tree_size)
                    leaf = store.leaf_at(cur, position)
                    assert sth is not None and leaf is not None
                    path = store.proof(cur, merkle.inclusion_ranges(leaf[0], tree_size))
                assert merkle.verify_inclusion(leaf[0], tree_size, leaf[3], path, sth.root_hash)
                first, second = sorted(rng.sample(sizes, 2))
                with consistency.time():
                    a, b = store.head(cur, first), store.head(cur, second)
                    proof = store.proof(cur, merkle.consistency_ranges(first, second))
                assert a and b and merkle.verify_consistency(first, second, a.root_hash, b.root_hash, proof)
                with raw.time():
                    cur.execute(
                        SQL("SELECT hash FROM {} WHERE leaf_index = %s").format(store.leaves), (position - 1,)
                    ).fetchone()
    finally:
        with ctx.connect(autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    raw_pct = raw.percentiles_ms()
    figures = []
    for name, lat in (("inclusion", inclusion), ("consistency", consistency)):
        pct = lat.percentiles_ms()
        figures.append(
            Figure(
                "10 ledger proofs",
                f"{name} proof, {size:,}-leaf tree",
                "ms p99",
                pct["p99"],
                "one primary-key SELECT",
                raw_pct["p99"],
                higher_is_better=False,
                count=lat.count,
                percentiles_ms=pct,
                baseline_percentiles_ms=raw_pct,
                notes="target p99 ≤ 50 ms; nodes by index, no scan of the log",
            )
        )
    return figures
