"""Scenarios 4 and 5: projection rebuild speed and read-your-writes latency.

4. Rebuild events/s of each projection (blue-green, swap included) and of all of
   them one after the other, over the same log, next to a raw sequential read of
   that log (the runtime's binary reader: no decryption, no decoding); and of all of
   them together in one pass over the log (``projections.together``) and in two
   processes (``projections.parallel``).
5. Read-your-writes: from a command's commit (``execute`` returned) until
   ``ProjectionService.wait_for`` sees the projection at its position, with the
   projections running live in the same process; baseline: INSERT + COMMIT +
   NOTIFY on one connection until a LISTENing connection receives it.
"""

from __future__ import annotations

import itertools
import random
import select
import time

import psycopg
from psycopg.sql import SQL, Identifier

from bench import bench_projections as bp
from bench import data
from bench.harness import BenchContext, Figure, Latencies
from bench.raw import create_raw_table
from domain.shared.actor import Actor
from projections import registry
from projections.live import ProjectionService
from projections.parallel import groups_for, rebuild_in_processes
from projections.rebuild import rebuild
from projections.source import ReadSide
from projections.together import Together

ACTOR = Actor("bench", "system")


#: what a profile of each rebuild shows (``python -m bench.rebuild_cpu``: this process's and the
#: PostgreSQL backends' CPU per event; cProfile of both threads; quick data, 19,233 events,
#: 2026-12-05, load average ~8, back to back with 669cbb6). The figures' notes carry them.
PROFILES = {
    "timeliness": "CPU/event 38-45 -> 32-35 us here + ~8 us PostgreSQL; decoding its 46 % of the log ~9 us "
    "(seal MAC, orjson, transcodings), handlers + row cache ~12, upserts ~6; next: handlers on "
    "the stored JSON instead of domain events, decode in worker processes",
    "scorecards": "CPU/event 15-17 -> 12-14 us + ~5 us PostgreSQL; decoding dominates (shared with "
    "the others in one pass)",
    "worklists": "CPU/event 16-21 -> 13-18 us + ~5 us PostgreSQL; decoding dominates",
    "audit_trail": "CPU/event 98-109 -> 71-90 us + 30-51 us PostgreSQL (COPY of 18 columns, jsonb, two "
    "generated columns, unique index: ~33 us/row by INSERT … SELECT alone); opening personal fields "
    "~20 us (seal check, AES-GCM per field), describing + masking ~11, row + COPY ~8. Two CPUs "
    "cannot give 30k/s while PostgreSQL alone spends ~33 us per row; next: prepare in worker "
    "processes (prepare is pure by contract) on a machine with more cores, a lighter row",
}
TOGETHER_PROFILE = (
    "CPU/event 169-178 -> 107-132 us + 47-66 us PostgreSQL: the sum of its parts (decoding is shared; "
    "the parts' own work is not), which is why 'together' was never faster than the slowest part "
    "alone: rates add harmonically (1/(1/4.9k+1/13.2k+1/24.5k+1/34.9k) = 2.9k/s). Before: the "
    "cyclic GC rescanned each 20,000-event batch's young objects, 45-70 us/event of it"
)


def rebuild_speed(ctx: BenchContext) -> list[Figure]:
    target = 10_000 if ctx.quick else 1_000_000
    # quick: few seeded commands (each new data subject costs two committed round trips
    # on the write path), the rest copied in bulk (``bp.multiply``)
    seed_commands = 300 if ctx.quick else 4_000
    app = ctx.fresh_app()
    bp.seed(app, seed_commands)
    bp.multiply(app, target)
    total = app.max_position()
    side = ReadSide.from_app(app)
    raw_rate = bp.raw_read(app, side.batch_size, "binary")
    # RC-03 field sealing: decoding without personal data touches no key; with it, every
    # personal field is decrypted (the audit trail's path).
    figures = [
        Figure(
            "4 rebuild",
            f"read + decode, personal fields {label}, {total:,} events",
            "events/s",
            bp.raw_read(app, side.batch_size, how),
            "sequential read of the log",
            raw_rate,
            count=total,
            notes=note,
        )
        for how, label, note in (
            ("decode", "withheld", "what timeliness, scorecards and worklists decode: no data key used"),
            ("decode-personal", "decrypted", "every personal field decrypted under its subject's key"),
        )
    ]

    def rate(name: str, seconds: float, notes: str = "") -> Figure:
        return Figure(
            "4 rebuild",
            name,
            "events/s",
            total / seconds,
            "sequential read of the log",
            raw_rate,
            count=total,
            notes=notes,
        )

    all_elapsed = 0.0
    for name in registry.names():
        t0 = time.perf_counter()
        rebuild(side, registry.get(name))
        elapsed = time.perf_counter() - t0
        all_elapsed += elapsed
        figures.append(rate(f"{name} over {total:,} events", elapsed, PROFILES.get(name, "")))
    every = len(registry.names())
    t0 = time.perf_counter()
    rebuild(side, Together(registry.resolve(None)))
    figures.append(
        rate(
            f"all {every} projections together, one pass",
            time.perf_counter() - t0,
            "one read and decode of the log feeds every projection (projections.together); "
            + TOGETHER_PROFILE,
        )
    )
    if not ctx.quick:  # over 20,000 events the processes' start-up (~3 s) is most of it
        groups = groups_for(registry.names(), 2)
        t0 = time.perf_counter()
        rebuild_in_processes(app.settings, app.database.url, groups)
        split = " | ".join("+".join(g) for g in groups)
        figures.append(
            rate(
                f"all {every} projections together, {len(groups)} processes",
                time.perf_counter() - t0,
                f"projections.parallel: {split}, each group one pass (spawned processes, start-up included)",
            )
        )
    figures.append(
        rate(
            f"all {every} projections, one after another",
            all_elapsed,
            "events/s over the whole log; each projection decodes only the topics it handles",
        )
    )
    return figures


def _raw_notify_latency(ctx: BenchContext, samples: int) -> Latencies:
    table = create_raw_table(ctx, "bench_rtt")
    lat = Latencies()
    with ctx.connect(autocommit=True) as listener, ctx.connect(autocommit=True) as writer:
        listener.execute("LISTEN bench_rtt")
        for _ in range(samples):
            writer.execute(
                f"INSERT INTO {table} (originator_id, originator_version, topic, state) "
                "VALUES (gen_random_uuid(), 1, 'raw', '\\x00')"
            )
            writer.execute("NOTIFY bench_rtt")
            committed = time.perf_counter()
            got = False
            while not got:
                select.select([listener.fileno()], [], [], 5)
                got = any(True for _ in listener.notifies(timeout=0, stop_after=1))
            lat.record_seconds(time.perf_counter() - committed)
    with ctx.connect(autocommit=True) as conn:
        conn.execute('DROP SCHEMA IF EXISTS "bench_rtt" CASCADE')
    return lat


def wake_runners(side: ReadSide) -> None:
    """NOTIFY the live runners of ``side``: one told to stop looks at its flag between
    NOTIFYs (or every 0.5 s), so a NOTIFY after the flag ends it at once."""
    with psycopg.connect(side.url, autocommit=True) as conn:
        conn.execute(SQL("NOTIFY {}").format(Identifier(side.source.channel)))


def _stop(service: ProjectionService, side: ReadSide) -> None:
    service.stop_event.set()
    wake_runners(side)
    service.stop()


def read_your_writes(ctx: BenchContext) -> list[Figure]:
    samples = 60 if ctx.quick else 1_000  # quick: enough for the p50 the target is about
    app = ctx.fresh_app()
    with ctx.setup("seed"):
        bp.seed(app, 60)
    side = ReadSide.from_app(app)
    rng, counter = random.Random(ctx.seed), itertools.count()
    figures = []
    raw = _raw_notify_latency(ctx, 100 if ctx.quick else samples)  # cheap: more samples than ours
    for names in (["audit_trail"], ["timeliness"], registry.names()):
        lat = Latencies()
        service = ProjectionService(side, list(names))
        with ctx.setup("projections started and caught up"):
            service.start()
            for name in names:
                assert service.wait_for(name, app.max_position(), 600)
        try:
            for _ in range(samples):
                # a new policy each time: a fresh aggregate, as most commands touch
                result = app.execute(data.issue_policy(rng, next(counter), prefix="R"), ACTOR)
                committed = time.perf_counter()
                assert result.position is not None
                for name in names:
                    if not service.wait_for(name, result.position, 5):
                        raise RuntimeError(f"{name} did not reach {result.position} within 5 s")
                lat.record_seconds(time.perf_counter() - committed)
        finally:
            with ctx.setup("projections stopped"):
                _stop(service, side)
        label = names[0] if len(names) == 1 else f"all {len(names)} projections"
        pct, raw_pct = lat.percentiles_ms(), raw.percentiles_ms()
        figures.append(
            Figure(
                "5 read-your-writes",
                f"commit → visible in {label}",
                "ms p50",
                pct["p50"],
                "COMMIT → NOTIFY received",
                raw_pct["p50"],
                higher_is_better=False,
                count=samples,
                percentiles_ms=pct,
                baseline_percentiles_ms=raw_pct,
                notes=f"{samples:,} commands (a new policy each), {raw.count:,} raw round trips",
            )
        )
    return figures
