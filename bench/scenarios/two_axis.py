"""Scenario 8: an aggregate of 1,000 events read at any business / record instant.

One policy of 1,000 events an hour apart in business time (lapse / reinstate), with
a contact change entered late (补录, 50 hours back) after every 100 events, snapshots
every 100 and every 25 events. Reads at random business instants, random record instants and both;
the raw baseline is the SELECT of the stored rows the read needs, in the same run.
The per-process marks (version, both times) are warmed by one read first: that
first read decodes every event once (its time is in the notes).

The policy is stored once, with snapshots every 100; for the second pass the snapshots
every 25 the store would have taken are added (the same rows a store taking them at
every 25th version holds), so the two passes read the same events. Quick runs measure
the target's configuration only (snapshots every 25), 100 reads per figure.
"""

from __future__ import annotations

import random
import time
from datetime import date, datetime, timedelta
from uuid import UUID

from fastapi.testclient import TestClient

from application.app import PolicyTrail
from application.bitemporal import EventMark, TimeAxes, TimedReader
from application.clock import FixedClock
from application.policies import ChangeContact, LapsePolicy, ReinstatePolicy
from bench import data
from bench.harness import BenchContext, Figure, Latencies
from domain.policy import Policy
from domain.shared.actor import Actor
from domain.shared.time import SHANGHAI
from interfaces.api import create_api
from interfaces.api.permissions import Scope
from interfaces.api.tokens import TokenStore

ACTOR = Actor("bench", "system")
START = datetime(2026, 3, 1, 9, 0, tzinfo=SHANGHAI)


def _build(ctx: BenchContext, events: int, interval: int) -> tuple:
    # "now" after the last event (an hour apart each): business times ahead of it are refused (RC-01a)
    app = ctx.fresh_app(clock=FixedClock(START + timedelta(hours=events + 24)), snapshot_interval=interval)
    issue = data.issue_policy(random.Random(ctx.seed), 1, prefix="T")
    commands = [issue.model_copy(update={"occurred_at": START})]
    number = issue.number
    n = 1
    hour = 0
    lapsed = False
    while n < events:
        hour += 1
        when = START + timedelta(hours=hour)
        if n % 100 == 99:  # a late entry: a contact change that happened 50 hours (events) ago,
            # never before the policy was issued (RC-01b)
            cmd = ChangeContact(
                policy_number=number, phone=f"1391111{n:04d}", occurred_at=when - timedelta(hours=50)
            )
        elif not lapsed:
            cmd = LapsePolicy(policy_number=number, lapsed_on=date(2026, 3, 2), occurred_at=when)
            lapsed = True
        else:
            cmd = ReinstatePolicy(policy_number=number, reinstated_on=date(2026, 3, 3), occurred_at=when)
            lapsed = False
        commands.append(cmd.model_copy(update={"command_id": f"two-axis-{n}"}))
        n += 1
    data.execute_all(app, commands, ACTOR)  # the batch path: same events and snapshots
    return app, number, Policy.id_for(number)


#: the issue's size, in quick mode too
EVENTS = 1_000


def _reads_per_kind(ctx: BenchContext) -> int:
    """Reads per figure (and as many raw SELECTs): quick keeps 100, enough for p50/p95;
    its p99 is the 99th of 100 — the full run's 2,000 judge the p99 target."""
    return 100 if ctx.quick else 2_000


def two_axis(ctx: BenchContext) -> list[Figure]:
    # quick: the target's configuration only (snapshots every 25); full: every 100 as well
    intervals = (25,) if ctx.quick else (100, 25)
    with ctx.setup(f"policy of {EVENTS:,} events"):
        app, number, pid = _build(ctx, EVENTS, intervals[0])
    figures: list[Figure] = []
    for i, interval in enumerate(intervals):
        if i:
            with ctx.setup(f"snapshots every {interval} added"):
                top = app.get(Policy, pid).version
                for version in range(interval, top + 1, interval):
                    if version % intervals[i - 1]:
                        app.take_snapshot(pid, version=version)
        reader = TimedReader(app)  # one per pass: a reader keeps the snapshots it has seen
        figures += _reads(ctx, app, reader, pid, interval)
    figures.append(_http(ctx, app, number, pid, _business_instants(reader.marks(pid), ctx)))
    return figures


def _reads(
    ctx: BenchContext, app: PolicyTrail, reader: TimedReader, pid: UUID, interval: int
) -> list[Figure]:
    reads = _reads_per_kind(ctx)
    cold_start = time.perf_counter()
    reader.read(Policy, pid, TimeAxes(), "policy")
    cold_ms = (time.perf_counter() - cold_start) * 1000
    marks = reader.marks(pid)
    first_b, last_b = marks[0].occurred_at, max(m.occurred_at for m in marks if m.occurred_at)
    first_r, last_r = marks[0].recorded_at, marks[-1].recorded_at
    late = sum(1 for m in marks if m.late_entry)
    rng = random.Random(ctx.seed)

    def business() -> datetime:
        return first_b + (last_b - first_b) * rng.random()

    def recorded() -> datetime:
        return first_r + (last_r - first_r) * rng.random()

    kinds = {
        "business time (as_of)": lambda: TimeAxes(as_of=business()),
        "record time (recorded_as_of)": lambda: TimeAxes(recorded_as_of=recorded()),
        "both axes": lambda: TimeAxes(as_of=business(), recorded_as_of=recorded()),
    }
    figures = []
    with ctx.connect() as conn:
        for label, make in kinds.items():
            axes_list = [make() for _ in range(reads)]
            lat, raw = Latencies(), Latencies()
            started = time.perf_counter()
            cuts = []
            for axes in axes_list:
                with lat.time():
                    read = reader.read(Policy, pid, axes, "policy")
                cuts.append(read.applied[-1])
            elapsed = time.perf_counter() - started
            raw_started = time.perf_counter()
            for cut in cuts:
                with raw.time():
                    conn.execute(
                        f"SELECT state FROM {app.events_table} WHERE originator_id = %s "
                        "AND originator_version <= %s ORDER BY originator_version",
                        (pid, cut),
                    ).fetchall()
            raw_elapsed = time.perf_counter() - raw_started
            figures.append(
                Figure(
                    "8 two-axis reads",
                    f"policy of {len(marks)} events, {late} late, snapshots every {interval}, {label}",
                    "reads/s",
                    reads / elapsed,
                    "SELECT the stored rows up to the shown version",
                    reads / raw_elapsed,
                    count=reads,
                    percentiles_ms=lat.percentiles_ms(),
                    baseline_percentiles_ms=raw.percentiles_ms(),
                    notes=(
                        f"{reads:,} reads; TimedReader.read: marks kept per process (warmed by one read, "
                        f"{cold_ms:.0f} ms cold), latest snapshot inside the chosen prefix, "
                        "then only the chosen events decoded and applied"
                    ),
                )
            )
    return figures


def _business_instants(marks: list[EventMark], ctx: BenchContext) -> list[str]:
    first, last = marks[0].occurred_at, max(m.occurred_at for m in marks if m.occurred_at)
    rng = random.Random(ctx.seed)
    return [(first + (last - first) * rng.random()).isoformat() for _ in range(_reads_per_kind(ctx))]


def _http(ctx: BenchContext, app: PolicyTrail, number: str, pid: UUID, instants: list[str]) -> Figure:
    """The whole GET (scope check on today's state, the read, 20 latest decisions, JSON)."""
    with ctx.setup("API app"):
        client = TestClient(create_api(app))
        secret = TokenStore.for_app(app).create("auditor", Scope.parse("all"), name="bench").secret
    headers = {"Authorization": f"Bearer {secret}"}
    reads = len(instants)
    lat = Latencies()
    client.get(f"/policies/{number}", headers=headers)
    started = time.perf_counter()
    for at in instants:
        with lat.time():
            r = client.get(f"/policies/{number}", params={"as_of": at}, headers=headers)
        assert r.status_code == 200, r.text
    elapsed = time.perf_counter() - started
    raw = Latencies()
    with ctx.connect() as conn:
        raw_started = time.perf_counter()
        for _ in instants:
            with raw.time():
                conn.execute(
                    f"SELECT state FROM {app.events_table} WHERE originator_id = %s "
                    "ORDER BY originator_version",
                    (pid,),
                ).fetchall()
        raw_elapsed = time.perf_counter() - raw_started
    return Figure(
        "8 two-axis reads",
        "GET /policies/{number}?as_of=… (in-process HTTP client)",
        "requests/s",
        reads / elapsed,
        "SELECT all the aggregate's stored rows",
        reads / raw_elapsed,
        count=reads,
        percentiles_ms=lat.percentiles_ms(),
        baseline_percentiles_ms=raw.percentiles_ms(),
        notes=(
            f"{reads:,} requests; includes the test client, auth, today's-owner scope load, "
            "20 latest decisions and JSON"
        ),
    )
