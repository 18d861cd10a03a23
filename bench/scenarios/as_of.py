"""Scenario 6: the state of an aggregate with many events at an earlier version."""

from __future__ import annotations

import random
import time
from datetime import date

from application.policies import LapsePolicy, ReinstatePolicy
from bench import data
from bench.harness import BenchContext, Figure, Latencies
from domain.policy import Policy
from domain.shared.actor import Actor

ACTOR = Actor("bench", "system")


def _long_policy(ctx: BenchContext, events: int, **overrides) -> tuple:
    app = ctx.fresh_app(**overrides)
    commands: list = [data.issue_policy(random.Random(ctx.seed), 1, prefix="S")]
    for i in range(events // 2):
        commands += [
            LapsePolicy(policy_number="S000000001", lapsed_on=date(2026, 3, 2), command_id=f"lapse-{i}"),
            ReinstatePolicy(
                policy_number="S000000001", reinstated_on=date(2026, 3, 3), command_id=f"reinstate-{i}"
            ),
        ]
    data.execute_all(app, commands, ACTOR)  # the batch path: same events, snapshots included
    return app, Policy.id_for("S000000001")


def as_of(ctx: BenchContext) -> list[Figure]:
    events = 200 if ctx.quick else 1_000
    reads = 100 if ctx.quick else 1_000
    rng = random.Random(ctx.seed)
    figures = []
    for label, overrides in (("snapshots off", {}), ("snapshots on (every 100)", {"snapshot_interval": 100})):
        with ctx.setup(f"policy of {events:,} events"):
            app, pid = _long_policy(ctx, events, **overrides)
        top = app.get(Policy, pid).version
        versions = [rng.randrange(1, top + 1) for _ in range(reads)]
        lat = Latencies()
        start = time.perf_counter()
        for v in versions:
            with lat.time():
                app.get(Policy, pid, version=v)
        elapsed = time.perf_counter() - start

        raw_lat = Latencies()
        raw_start = time.perf_counter()
        with ctx.connect() as conn:
            for v in versions:
                with raw_lat.time():
                    conn.execute(
                        f"SELECT state FROM {app.events_table} WHERE originator_id = %s "
                        "AND originator_version <= %s ORDER BY originator_version",
                        (pid, v),
                    ).fetchall()
        raw_elapsed = time.perf_counter() - raw_start
        figures.append(
            Figure(
                "6 as-of",
                f"aggregate with {top} events, {label}",
                "reads/s",
                reads / elapsed,
                "SELECT the rows up to that version",
                reads / raw_elapsed,
                count=reads,
                percentiles_ms=lat.percentiles_ms(),
                baseline_percentiles_ms=raw_lat.percentiles_ms(),
                notes=(
                    f"{reads:,} reads; ours decrypts, decodes and replays the events "
                    "(or a snapshot and the rest)"
                ),
            )
        )
    return figures
