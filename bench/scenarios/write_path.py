"""Scenarios 1 and 2: commands/s through the application vs raw INSERT + COMMIT."""

from __future__ import annotations

import random
import threading
import time
from datetime import date

from application.errors import ConcurrencyConflict
from application.policies import ChangeContact
from bench import data, raw
from bench.harness import BenchContext, Figure, Latencies
from domain.shared.actor import Actor

ACTOR = Actor("bench", "system")


def single_writer(ctx: BenchContext) -> list[Figure]:
    """1. One writer: issue a policy and register its receipt, one command after another."""
    n = 100 if ctx.quick else 3_000
    app = ctx.fresh_app()
    rng = random.Random(ctx.seed)
    lat = Latencies()
    start = time.perf_counter()
    for i in range(n):
        with lat.time():
            app.execute(data.issue_policy(rng, i), ACTOR)
        with lat.time():
            app.execute(data.register_receipt(i), ACTOR)
    elapsed = time.perf_counter() - start
    commands = 2 * n
    events = app.max_position()
    payload = raw.average_state_size(ctx, app.events_table)

    table = raw.create_raw_table(ctx, app.settings.events_schema)
    raw_lat = Latencies()
    raw_elapsed = raw.insert_commit_loop(ctx, table, commands, payload, raw_lat)
    return [
        Figure(
            "1 single writer",
            "issue + register receipt",
            "commands/s",
            commands / elapsed,
            "single-row INSERT+COMMIT",
            commands / raw_elapsed,
            count=commands,
            percentiles_ms=lat.percentiles_ms(),
            baseline_percentiles_ms=raw_lat.percentiles_ms(),
            notes=(
                f"{commands:,} commands; {events / commands:.1f} events per command, "
                f"{payload} B average encrypted event"
            ),
        )
    ]


def concurrent_writers(ctx: BenchContext) -> list[Figure]:
    """2. 16 writers on distinct aggregates, then on one hot aggregate."""
    writers = 16
    per_writer = 8 if ctx.quick else 200
    app = ctx.fresh_app(pool_size=writers)
    lat = Latencies()
    lock = threading.Lock()
    barrier = threading.Barrier(writers + 1)

    def distinct(w: int) -> None:
        rng = random.Random(ctx.seed + w)
        mine = Latencies()
        barrier.wait()
        for j in range(per_writer):
            with mine.time():
                app.execute(data.issue_policy(rng, w * 100_000 + j, prefix="C"), ACTOR)
        with lock:
            lat.merge(mine)

    threads = [threading.Thread(target=distinct, args=(w,)) for w in range(writers)]
    for t in threads:
        t.start()
    barrier.wait()
    start = time.perf_counter()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    commands = writers * per_writer
    payload = raw.average_state_size(ctx, app.events_table)
    table = raw.create_raw_table(ctx, app.settings.events_schema)
    raw_elapsed, raw_lat = raw.concurrent_insert_commit(ctx, table, writers, per_writer, payload)
    figures = [
        Figure(
            "2 16 writers",
            "distinct aggregates",
            "commands/s",
            commands / elapsed,
            "16 connections INSERT+COMMIT",
            commands / raw_elapsed,
            count=commands,
            percentiles_ms=lat.percentiles_ms(),
            baseline_percentiles_ms=raw_lat.percentiles_ms(),
            notes=(
                f"{writers} writers × {per_writer} commands; each writes 3 events under the library's "
                "table lock (commit order = log order)"
            ),
        )
    ]

    # One hot aggregate: every writer changes the same policy's contact details.
    hot_per_writer = 3 if ctx.quick else 40
    app.execute(data.issue_policy(random.Random(ctx.seed), 999_999, prefix="H"), ACTOR)
    hot_lat = Latencies()
    refused = 0
    before = dict(app.stats)
    barrier2 = threading.Barrier(writers + 1)

    def hot(w: int) -> None:
        nonlocal refused
        mine = Latencies()
        barrier2.wait()
        for j in range(hot_per_writer):
            cmd = ChangeContact(policy_number="H000999999", phone=f"138{w:02d}{j:06d}", occurred_at=None)
            t0 = time.perf_counter()
            try:
                app.execute(cmd, ACTOR)
            except ConcurrencyConflict:
                with lock:
                    refused += 1
            mine.record_seconds(time.perf_counter() - t0)
        with lock:
            hot_lat.merge(mine)

    threads = [threading.Thread(target=hot, args=(w,)) for w in range(writers)]
    for t in threads:
        t.start()
    barrier2.wait()
    start = time.perf_counter()
    for t in threads:
        t.join()
    hot_elapsed = time.perf_counter() - start
    hot_commands = writers * hot_per_writer
    retries = app.stats["conflict_retries"] - before["conflict_retries"]
    figures.append(
        Figure(
            "2 16 writers",
            "one hot aggregate",
            "commands/s",
            hot_commands / hot_elapsed,
            "16 connections INSERT+COMMIT",
            commands / raw_elapsed,
            count=hot_commands,
            percentiles_ms=hot_lat.percentiles_ms(),
            baseline_percentiles_ms=raw_lat.percentiles_ms(),
            notes=(
                f"{retries} lost races retried for {hot_commands} commands "
                f"({retries / hot_commands:.1f} per command), {refused} refused after "
                f"{app.settings.command_retries} retries"
            ),
        )
    )
    _ = date  # keep import for readers of the data module
    return figures
