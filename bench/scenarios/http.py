"""Scenario 7: HTTP reads with 16 concurrent clients.

Data: the demo generator's month (``application/demo``) through the application's
commands, read models caught up. Each client GETs, round robin, an agent-scorecard
page, a timeliness page and one policy's audit trail, through uvicorn on
127.0.0.1. Baseline: the same rows fetched with plain SQL over 16 connections
(no HTTP, no JSON, no scope checks, no query-time status computation).
"""

from __future__ import annotations

import socket
import threading
import time

import httpx
import uvicorn

from application.demo.generator import build_month
from application.demo.plan import DemoConfig
from application.demo.runner import run_plan
from bench.harness import BenchContext, Figure, Latencies
from interfaces.api.app import create_api
from interfaces.api.permissions import Scope
from interfaces.api.tokens import TokenStore
from projections import registry
from projections.rebuild import rebuild
from projections.source import ReadSide

CLIENTS = 16
MONTH = "2026-10"


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


def http_reads(ctx: BenchContext) -> list[Figure]:
    policies = 200 if ctx.quick else 3_000
    per_client = 15 if ctx.quick else 150
    app = ctx.fresh_app(pool_size=CLIENTS)
    run_plan(
        app,
        build_month(
            DemoConfig(seed=ctx.seed, policies=policies, month=MONTH), app.settings.rules, app.calendar
        ),
    )
    side = ReadSide.from_app(app)
    for name in registry.names():
        rebuild(side, registry.get(name))
    schema = app.settings.read_schema
    with ctx.connect() as conn:
        number = conn.execute(
            f'SELECT policy_numbers[1] FROM "{schema}".audit_trail WHERE cardinality(policy_numbers) > 0 '
            "GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
        ).fetchone()[0]
    token = TokenStore.for_app(app).create("admin", Scope.parse("all"), name="bench").secret
    paths = [
        f"/scorecards/agents?month={MONTH}&limit=50",
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

    class HttpClient:
        def __enter__(self):  # type: ignore[no-untyped-def]
            self.c = httpx.Client(
                base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {token}"}, timeout=30
            )

            def do(i: int) -> None:
                r = self.c.get(paths[i % len(paths)])
                if r.status_code != 200:
                    failures.append(f"{paths[i % len(paths)]}: {r.status_code} {r.text[:300]}")

            return do

        def __exit__(self, *exc: object) -> None:
            self.c.close()

    try:
        elapsed, lat = _concurrently(HttpClient, per_client)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    if failures:
        raise RuntimeError(f"HTTP bench got errors: {failures[:3]}")

    sql = [
        (
            f'SELECT * FROM "{schema}".scorecard_callbacks WHERE month = %s ORDER BY agent_code, callback_id '
            "LIMIT 50",
            (MONTH,),
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
    return [
        Figure(
            "7 HTTP",
            f"16 clients GET scorecards / timeliness / audit trail ({policies:,} policies)",
            "requests/s",
            total / elapsed,
            "same rows by SQL, 16 connections",
            total / raw_elapsed,
            count=total,
            percentiles_ms=lat.percentiles_ms(),
            baseline_percentiles_ms=raw_lat.percentiles_ms(),
            notes="uvicorn, one worker process, in the benchmark's process",
        )
    ]
