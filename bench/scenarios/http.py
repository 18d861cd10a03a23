"""Scenario 7: HTTP reads with 16 concurrent clients.

Data, all through the application's own write path and projections:
the demo generator's month (``application/demo``: callbacks with outcomes, work
orders, service cases), then a bulk import of 1,000,000 more policies in full mode
(400 in quick), each issued and its receipt registered, which opens its callback.
The read models follow live in a second process while the import runs, and the
measurement starts once they have caught up.

Each client GETs, round robin, the agent-scorecard page of the bulk month, a
timeliness page and one policy's audit trail, through uvicorn on 127.0.0.1.
Baseline: the same rows fetched with plain SQL over 16 connections (no HTTP, no
JSON, no scope checks, no query-time status computation).
"""

from __future__ import annotations

import multiprocessing
import socket
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime
from multiprocessing.synchronize import Event
from pathlib import Path

import httpx
import uvicorn

from application.app import PolicyTrail
from application.clock import FixedClock
from application.database import Database, resolve_database
from application.demo.generator import build_month
from application.demo.plan import DemoConfig
from application.demo.runner import run_plan
from application.settings import Settings, load_settings
from bench import data
from bench.harness import (
    BenchContext,
    Figure,
    Latencies,
    environment,
    summary_table,
    update_results_md,
    write_results,
)
from domain.shared.actor import Actor
from domain.shared.time import SHANGHAI
from interfaces.api.app import create_api
from interfaces.api.permissions import Scope
from interfaces.api.tokens import TokenStore
from interfaces.importer import ImportSummary, import_file
from projections.live import ProjectionService
from projections.source import ReadSide
from projections.status import status as projection_status

CLIENTS = 16
#: a request slower than this counts as timed out (reported, not a crash)
REQUEST_TIMEOUT_S = 60.0
DEMO_MONTH = "2026-10"
#: the month of the bulk policies' receipts (bench/data.py), where the volume is
BULK_MONTH = "2026-03"
#: the bench's "now" while it builds and reads its data: after both months
AFTER_THE_DATA = datetime(2026, 11, 2, 9, 0, tzinfo=SHANGHAI)
BULK_AGENTS = 60
#: processes importing the bulk policies side by side (disjoint policies and phones)
IMPORTERS = 2


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _concurrently(work, per_client: int) -> tuple[float, Latencies]:  # type: ignore[no-untyped-def]
    lat, lock = Latencies(), threading.Lock()
    barrier = threading.Barrier(CLIENTS + 1)

    def client(k: int) -> None:
        mine = Latencies()
        with work() as do:
            barrier.wait()
            for j in range(per_client):
                with mine.time():
                    do(k * per_client + j)
        with lock:
            lat.merge(mine)

    threads = [threading.Thread(target=client, args=(k,)) for k in range(CLIENTS)]
    for t in threads:
        t.start()
    barrier.wait()
    start = time.perf_counter()
    for t in threads:
        t.join()
    return time.perf_counter() - start, lat


def _import_part(settings: Settings, database: Database, path: Path) -> ImportSummary:
    """In a worker process: import one part of the bulk policies."""
    app = PolicyTrail(settings=settings, database=database)
    try:
        return import_file(app, path, actor=Actor.system("bench-importer"))
    finally:
        app.close()


def _follow(settings: Settings, database: Database, stop: Event) -> None:
    """In a second process: keep every read model live until told to stop."""
    app = PolicyTrail(settings=settings, database=database)
    service = ProjectionService.from_app(app).start()
    try:
        while service.alive and not stop.wait(0.5):
            pass
        errors = service.errors()
        if errors:
            raise errors[0]
    finally:
        service.stop()
        app.close()


def _build(ctx: BenchContext, app: PolicyTrail, demo_policies: int, bulk_policies: int) -> tuple[int, str]:
    """The data set, read models caught up: (last position of the demo month, timings)."""
    t0 = time.perf_counter()
    run_plan(
        app,
        build_month(
            DemoConfig(seed=ctx.seed, policies=demo_policies, month=DEMO_MONTH),
            app.settings.rules,
            app.calendar,
        ),
    )
    t_demo = time.perf_counter() - t0
    demo_end = app.max_position()
    spawn = multiprocessing.get_context("spawn")
    stop = spawn.Event()
    follower = spawn.Process(target=_follow, args=(app.settings, app.database, stop), daemon=True)
    follower.start()
    try:
        t0 = time.perf_counter()
        with tempfile.TemporaryDirectory() as tmp:
            agents = Path(tmp) / "agents.jsonl"
            data.write_import_file(agents, 0, ctx.seed, agents=BULK_AGENTS)
            summaries = [import_file(app, agents, actor=Actor.system("bench-importer"))]
            # Policies in disjoint parts (numbers, phones), imported side by side; quick
            # mode imports in this process (starting processes would cost more than it saves).
            importers = 1 if ctx.quick else IMPORTERS
            share = -(-bulk_policies // importers)
            parts = []
            for k in range(importers):
                part = Path(tmp) / f"policies-{k}.jsonl"
                count = max(0, min(share, bulk_policies - k * share))
                data.write_import_file(part, count, ctx.seed, prefix="H", start=k * share)
                parts.append(part)
            if importers == 1:
                summaries.append(import_file(app, parts[0], actor=Actor.system("bench-importer")))
            else:
                with ProcessPoolExecutor(importers, mp_context=spawn) as pool:
                    summaries += pool.map(
                        _import_part, [app.settings] * importers, [app.database] * importers, parts
                    )
        rejected = [r for s in summaries for r in s.first_rejections]
        if rejected:
            raise RuntimeError(f"bench data: lines rejected, e.g. {rejected[:2]}")
        applied = sum(s.applied for s in summaries)
        t_import = time.perf_counter() - t0
        side = ReadSide.from_app(app)
        while True:
            states = projection_status(side)
            if all(st.position == st.head for st in states):
                break
            if not follower.is_alive():
                raise RuntimeError(f"read models stopped following (exit {follower.exitcode}): {states}")
            time.sleep(1.0)
        t_caught_up = time.perf_counter() - t0
    finally:
        stop.set()
        follower.join(timeout=60)
    return demo_end, (
        f"data: demo month {t_demo:,.0f} s; import of {applied:,} lines by {importers} process(es) "
        f"{t_import:,.0f} s, "
        f"read models caught up after {t_caught_up:,.0f} s; {app.max_position():,} events"
    )


def http_reads(ctx: BenchContext) -> list[Figure]:
    demo_policies = 200 if ctx.quick else 3_000
    bulk_policies = 400 if ctx.quick else 1_000_000
    # the clock stands after the demo month: its commands carry business times up to its end,
    # and a business time ahead of the clock is refused (RC-01a)
    app = ctx.fresh_app(clock=FixedClock(AFTER_THE_DATA), pool_size=CLIENTS)
    demo_end, built = _build(ctx, app, demo_policies, bulk_policies)
    return measure(ctx, app, demo_policies + bulk_policies, demo_end, built)


def measure(ctx: BenchContext, app: PolicyTrail, policies: int, demo_end: int, built: str) -> list[Figure]:
    """16 clients over HTTP, then the same rows by SQL, on data already built."""
    per_client = 15 if ctx.quick else 60
    schema = app.settings.read_schema
    with ctx.connect() as conn:
        # the policy with the longest history among the demo month's (the bulk ones are alike)
        number = conn.execute(
            f'SELECT policy_numbers[1] FROM "{schema}".audit_trail WHERE cardinality(policy_numbers) > 0 '
            "AND position <= %s GROUP BY 1 ORDER BY count(*) DESC LIMIT 1",
            (demo_end,),
        ).fetchone()[0]
    token = TokenStore.for_app(app).create("admin", Scope.parse("all"), name="bench").secret
    paths = [
        f"/scorecards/agents?month={BULK_MONTH}&limit=50",
        "/timeliness?limit=50",
        f"/policies/{number}/audit-trail",
    ]
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_api(app), host="127.0.0.1", port=port, log_level="warning", access_log=False)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    failures: list[str] = []
    timed_out: dict[str, int] = {}
    by_path = {path: Latencies() for path in paths}
    lock = threading.Lock()

    class HttpClient:
        def __enter__(self):  # type: ignore[no-untyped-def]
            self.c = httpx.Client(
                base_url=f"http://127.0.0.1:{port}",
                headers={"Authorization": f"Bearer {token}"},
                timeout=REQUEST_TIMEOUT_S,
            )

            def do(i: int) -> None:
                path = paths[i % len(paths)]
                started = time.perf_counter()
                try:
                    r = self.c.get(path)
                except httpx.TimeoutException:  # too slow is a result, not a crash
                    with lock:
                        timed_out[path] = timed_out.get(path, 0) + 1
                    return
                with lock:
                    by_path[path].record_seconds(time.perf_counter() - started)
                if r.status_code != 200:
                    failures.append(f"{path}: {r.status_code} {r.text[:300]}")

            return do

        def __exit__(self, *exc: object) -> None:
            self.c.close()

    try:
        elapsed, _ = _concurrently(HttpClient, per_client)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    if failures:
        raise RuntimeError(f"HTTP bench got errors: {failures[:3]}")
    answered = sum(latencies.count for latencies in by_path.values())
    per_path = "; ".join(
        f"{path.split('?')[0]} p50/p99 {pct.get('p50', '—')}/{pct.get('p99', '—')} ms"
        + (f", {timed_out[path]} timed out (>{REQUEST_TIMEOUT_S:g} s)" if path in timed_out else "")
        for path, pct in ((path, by_path[path].percentiles_ms()) for path in paths)
    )

    sql = [
        (
            f'SELECT * FROM "{schema}".scorecard_callbacks WHERE month = %s ORDER BY agent_code, callback_id '
            "LIMIT 50",
            (BULK_MONTH,),
        ),
        (f'SELECT * FROM "{schema}".timeliness ORDER BY due_at, obligation_id LIMIT 50', ()),
        (
            f'SELECT * FROM "{schema}".audit_trail WHERE policy_numbers @> ARRAY[%s] ORDER BY position',
            (number,),
        ),
    ]

    class SqlClient:
        def __enter__(self):  # type: ignore[no-untyped-def]
            self.conn = ctx.connect(autocommit=True)

            def do(i: int) -> None:
                query, params = sql[i % len(sql)]
                self.conn.execute(query, params).fetchall()

            return do

        def __exit__(self, *exc: object) -> None:
            self.conn.close()

    raw_elapsed, raw_lat = _concurrently(SqlClient, per_client)
    total = CLIENTS * per_client
    answered_lat = Latencies()
    for latencies in by_path.values():
        answered_lat.merge(latencies)
    return [
        Figure(
            "7 HTTP",
            f"16 clients GET scorecards / timeliness / audit trail ({policies:,} policies)",
            "requests/s",
            answered / elapsed,
            "same rows by SQL, 16 connections",
            total / raw_elapsed,
            count=answered,
            percentiles_ms=answered_lat.percentiles_ms(),
            baseline_percentiles_ms=raw_lat.percentiles_ms(),
            notes=(
                f"{answered:,} of {total:,} requests answered in {elapsed:,.0f} s ({per_path}); "
                f"uvicorn, one worker process, in the benchmark's process; {built}"
            ),
        )
    ]


def remeasure(database_name: str, events_schema: str, read_schema: str, policies: int, built: str) -> None:
    """Measure again on a database an earlier full run built and kept (its data took
    most of an hour to build); results are written like any run's."""
    settings = load_settings()
    server = resolve_database(settings)
    database = server.with_dbname(database_name)
    ctx = BenchContext(
        settings=settings.model_copy(update={"database_url": database.url}), database=database, quick=False
    )
    started = time.perf_counter()
    env = environment(database)
    app = PolicyTrail(
        settings=ctx.settings.model_copy(
            update={"events_schema": events_schema, "read_schema": read_schema, "pool_size": CLIENTS}
        ),
        database=database,
    )
    try:
        with ctx.connect() as conn:  # the end of the demo month: the last event before the bulk agents
            demo_end = conn.execute(
                f'SELECT min(first_position) - 1 FROM "{events_schema}".policytrail_commands '
                "WHERE command_id LIKE 'import:%%'"
            ).fetchone()[0]
        figures = measure(ctx, app, policies, demo_end, built)
    finally:
        app.close()
    env |= {"mode": "full", "duration_s": round(time.perf_counter() - started, 1), "seed": ctx.seed}
    print(summary_table(env, figures))
    print(write_results(env, figures))
    update_results_md(env, figures)
