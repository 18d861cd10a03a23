"""Scenario 3: bulk import through ``policytrail import`` vs raw COPY of the same rows.

A JSON Lines file of upstream facts (policy issued, receipt registered) is
generated with a fixed seed and imported with the importer the CLI uses (one
command per line, idempotent by line id), as shipped — a batch of lines per
transaction — and with one transaction per line, to show what batching buys. The
baseline COPYs as many rows of the same average stored size into an equivalent table.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from bench import data
from bench.harness import BenchContext, Figure
from bench.raw import average_state_size, create_raw_table
from domain.shared.actor import Actor
from interfaces.importer import DEFAULT_BATCH_SIZE, import_file


def _import(ctx: BenchContext, lines: int, batch_size: int) -> tuple[int, float, float, int]:
    """Import a generated file into a fresh store: (events, seconds, MB, lines applied)."""
    app = ctx.fresh_app()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "import.jsonl"
        with ctx.setup("import file written"):
            data.write_import_file(path, lines // 2, ctx.seed)
        size_mb = path.stat().st_size / 1e6
        t0 = time.perf_counter()
        summary = import_file(app, path, actor=Actor.system("bench-importer"), batch_size=batch_size)
        elapsed = time.perf_counter() - t0
    if summary.rejected:
        raise RuntimeError(f"bench import rejected {summary.rejected} lines: {summary.first_rejections[:3]}")
    return app.max_position(), elapsed, size_mb, summary.applied


def _copy_rate(ctx: BenchContext, events: int) -> float:
    """Raw baseline: COPY as many rows of the same average stored size."""
    app = ctx._apps[-1]
    payload = average_state_size(ctx, app.events_table)
    table = create_raw_table(ctx, app.settings.events_schema)
    state = os.urandom(payload)
    with ctx.connect(autocommit=True) as conn:
        t0 = time.perf_counter()
        with conn.cursor().copy(
            f"COPY {table} (originator_id, originator_version, topic, state) FROM STDIN"
        ) as copy:
            for _ in range(events):
                copy.write_row((os.urandom(16).hex(), 1, "raw", state))
        return events / (time.perf_counter() - t0)


def bulk_import(ctx: BenchContext) -> list[Figure]:
    figures = []
    # the import as shipped (DEFAULT_BATCH_SIZE lines per transaction), then one per line
    for batch_size, lines in (
        (DEFAULT_BATCH_SIZE, 400 if ctx.quick else 1_000_000),  # quick: one transaction
        (1, 60 if ctx.quick else 20_000),
    ):
        events, elapsed, size_mb, applied = _import(ctx, lines, batch_size)
        raw = _copy_rate(ctx, events)
        per_tx = f"{batch_size} lines per transaction" if batch_size > 1 else "one transaction per line"
        figures.append(
            Figure(
                "3 bulk import",
                f"{lines:,} lines ({size_mb:.1f} MB) via policytrail import, {per_tx}",
                "events/s",
                events / elapsed,
                "COPY of as many rows",
                raw,
                count=events,
                notes=(
                    f"{applied:,} lines applied in {elapsed:,.0f} s ({applied / elapsed:,.0f} lines/s), "
                    f"{events / lines:.1f} events per line; idempotent by line id, a refused line "
                    "never takes another with it"
                ),
            )
        )
    return figures
