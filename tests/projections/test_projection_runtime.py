"""The projection runtime: batches, exactly-once tracking, live following, read-your-writes,
blue-green rebuild, poison events, status, concurrent writers."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

import psycopg
import pytest
from eventsourcing.persistence import StoredEvent
from psycopg import Cursor

from application.policies import LapsePolicy
from projections import registry
from projections.audit_trail.projection import AuditTrail
from projections.base import Envelope, Projection
from projections.errors import ProjectionFailed
from projections.live import LiveRunner
from projections.rebuild import prepare, rebuild
from projections.runtime import BatchRunner, Progress, Target, connect
from projections.status import status
from projections.tracking import Positions
from projections.waiting import PositionWatcher, wait_for
from tests.projection_scenarios import (
    audit_positions,
    issue_many,
    live_service,
    log_positions,
    policy_history,
    read_side,
    run_threads,
    table_checksum,
)
from tests.support import STATISTICS_SECONDS, wait_until

WAIT = 30.0  # generous: a timeout here means a lost event, not a slow machine


def audit() -> Projection:
    return registry.get("audit_trail")


def test_catch_up_in_batches_applies_each_event_once(app, actor):
    policy_history(app, actor)
    side = read_side(app, batch_size=5)
    batches: list[Progress] = []
    runner = LiveRunner(side, audit(), on_progress=batches.append)
    runner.run(catch_up_only=True)
    assert audit_positions(app) == log_positions(app)
    assert len(batches) >= len(log_positions(app)) / 5
    assert all(0 < b.events <= 5 for b in batches)
    assert batches[-1].position == app.max_position()
    # Again: nothing left to apply, nothing applied twice.
    again: list[Progress] = []
    LiveRunner(side, audit(), on_progress=again.append).run(catch_up_only=True)
    assert again == []
    assert audit_positions(app) == log_positions(app)


def test_live_runner_follows_new_events_and_readers_can_wait_for_them(app, actor):
    side = read_side(app)
    with live_service(side) as service, PositionWatcher(side.url, side.schema) as watcher:
        for i in range(5):
            result = app.execute(issue_many_command(i), actor)
            assert service.wait_for("audit_trail", result.position, WAIT)
            # Read-your-writes: visible as soon as the wait returns.
            assert result.positions[-1] in audit_positions(app)
        assert watcher.wait_for(["audit_trail"], app.max_position(), WAIT)
        assert not watcher.wait_for("audit_trail", app.max_position() + 1, 0.2)
    assert wait_for(side.url, side.schema, "audit_trail", app.max_position(), WAIT)
    assert audit_positions(app) == log_positions(app)


def issue_many_command(i: int) -> Any:
    from tests import factories

    holder = factories.person(id_number=f"W10101199001{i:06d}", phone=f"135{i:08d}")
    return factories.issue_policy(f"W{i:09d}", policyholder=holder)


def test_rebuild_equals_live(app, actor):
    side = read_side(app, batch_size=7)
    with live_service(side) as service:
        policy_history(app, actor)
        assert service.wait_for("audit_trail", app.max_position(), WAIT)
    live = table_checksum(app)
    position = rebuild(side, audit())
    assert position == app.max_position()
    assert table_checksum(app) == live
    assert audit_positions(app) == log_positions(app)


def test_rebuild_serves_the_old_tables_until_an_atomic_swap(app, actor):
    """Readers see the old model during the build, then the complete new one; a live
    runner elsewhere carries on on the new tables."""
    policy_history(app, actor)
    side = read_side(app, batch_size=3)
    LiveRunner(side, audit()).run(catch_up_only=True)
    before = table_checksum(app)
    seen: list[str] = []

    def during(p: Progress) -> None:
        seen.append(table_checksum(app))  # what a reader sees at this moment
        if len(seen) == 2:  # an event arriving mid-build is taken by the build too
            app.execute(LapsePolicy(policy_number="P2026000001", lapsed_on=date(2026, 3, 3)), actor)

    with live_service(side) as service:
        rebuild(side, audit(), on_progress=during)
        assert len(seen) > 3 and set(seen[:2]) == {before}
        issue_many(app, actor, 2)  # after the swap: the live runner writes the new tables
        assert service.wait_for("audit_trail", app.max_position(), WAIT)
    assert audit_positions(app) == log_positions(app)
    rebuild(side, audit())
    assert audit_positions(app) == log_positions(app)


def test_a_new_projection_version_is_rebuilt_blue_green(app, actor):
    policy_history(app, actor)
    side = read_side(app)
    LiveRunner(side, audit()).run(catch_up_only=True)
    v1 = table_checksum(app)

    class AuditTrailV2(AuditTrail):
        version = 2

    states: list[str] = []
    LiveRunner(side, AuditTrailV2(), on_state=lambda _, s: states.append(s)).run(catch_up_only=True)
    assert any(s.startswith("rebuilding") for s in states)
    with connect(side.url) as conn, conn.cursor() as cur:
        row = Positions(side.schema).get(cur, "audit_trail")
    assert row is not None and row.version == 2 and row.position == app.max_position()
    assert table_checksum(app) == v1  # same handler, so the same rows


def test_two_writers_of_one_projection_never_apply_an_event_twice(app, actor):
    policy_history(app, actor)
    side = read_side(app, batch_size=4)
    with connect(side.url) as c1, connect(side.url) as c2:
        prepare(side, audit(), c1)
        target = Target(audit(), side.schema, "audit_trail")
        first, second = BatchRunner(side, target, c1), BatchRunner(side, target, c2)
        first.catch_up()  # the second one still believes the position is 0
        issue_many(app, actor, 1)
        second.catch_up()  # its compare-and-set fails, it reloads and goes on
        assert second.position == app.max_position()
    assert audit_positions(app) == log_positions(app)


def test_an_event_that_cannot_be_decoded_stops_the_projection_where_it_is(app, actor):
    policy_history(app, actor)
    before = app.max_position()
    poison = StoredEvent(uuid.uuid4(), 1, "domain.retired:Vanished.Created", b"{}")
    app.recorder.insert_events([poison])
    issue_many(app, actor, 1)  # events after the poison wait behind it
    side = read_side(app, batch_size=1000)
    for _ in range(2):  # a restart meets the same event again: nothing is skipped
        with pytest.raises(ProjectionFailed) as failed:
            LiveRunner(side, audit()).run(catch_up_only=True)
        assert failed.value.position == before + 1
        assert failed.value.topic == "domain.retired:Vanished.Created"
        message = str(failed.value)
        assert "audit_trail" in message and str(before + 1) in message and "Vanished" in message
        assert audit_positions(app) == log_positions(app)[:before]
    (row,) = status(side, ["audit_trail"])
    assert row.state.startswith("failed") and row.position == before
    assert row.error is not None and "domain.retired:Vanished.Created" in row.error


class Fussy(Projection):
    """A projection that cannot handle lapses: its handler raises on them."""

    name = "fussy"
    title = "test"
    tables = ("fussy",)
    ddl = ("CREATE TABLE {schema}.fussy (position bigint PRIMARY KEY, topic text NOT NULL)",)

    def apply(self, cur: Cursor[Any], schema: str, batch: Sequence[Envelope]) -> None:
        for envelope in batch:
            if envelope.topic.endswith("Policy.Lapsed"):
                raise ValueError("lapses are not supported")
        cur.executemany(
            f'INSERT INTO "{schema}".fussy VALUES (%s, %s)', [(e.position, e.topic) for e in batch]
        )


def test_a_handler_failure_commits_the_events_before_the_culprit_and_names_it(app, actor):
    policy_history(app, actor)  # a Policy.Lapsed lies in the middle of it
    side = read_side(app, batch_size=1000)
    with connect(side.url) as conn:
        prepare(side, Fussy(), conn)
        runner = BatchRunner(side, Target(Fussy(), side.schema, "fussy"), conn)
        with pytest.raises(ProjectionFailed) as failed:
            runner.catch_up()
        culprit = failed.value.position
        assert failed.value.topic.endswith("Policy.Lapsed")
        assert "fussy" in str(failed.value) and "lapses are not supported" in str(failed.value)
        applied = [r[0] for r in conn.execute(f'SELECT position FROM "{side.schema}".fussy')]
        assert sorted(applied) == [p for p in log_positions(app) if p < culprit]
        assert runner.load_position() == culprit - 1


def test_status_shows_position_lag_rate_and_state(app, actor):
    side = read_side(app)
    (row,) = status(side, ["audit_trail"])
    assert row.position is None and row.state.startswith("not started")
    policy_history(app, actor)
    LiveRunner(side, audit()).run(catch_up_only=True)
    (row,) = status(side, ["audit_trail"])
    assert row.lag == 0 and row.caught_up and row.state.startswith("caught up")
    assert row.rate is not None and row.rate > 0 and not row.running
    issue_many(app, actor, 1)
    (row,) = status(side, ["audit_trail"])
    assert row.lag is not None and row.lag > 0 and row.state.startswith("stopped")
    with live_service(side) as service:
        assert service.wait_for("audit_trail", app.max_position(), WAIT)
        (row,) = status(side, ["audit_trail"])
        assert row.running and row.state.startswith("live")


def test_sixteen_concurrent_writers_every_event_lands_exactly_once(app, actor):
    side = read_side(app, batch_size=50)
    written: list[list[int]] = [[] for _ in range(16)]
    with live_service(side) as service:
        run_threads(
            16, lambda t: written[t].extend(issue_many(app, actor, 4, prefix=f"T{t:02d}", offset=t * 100))
        )
        assert service.wait_for("audit_trail", app.max_position(), WAIT)
    landed = audit_positions(app)
    assert landed == log_positions(app)
    assert len(landed) == len(set(landed))
    assert set().union(*map(set, written)) <= set(landed)
    with psycopg.connect(app.database.url) as conn:
        per_policy = conn.execute(
            f'SELECT count(*) FROM "{app.settings.read_schema}".audit_trail '
            "WHERE aggregate_type = 'Policy' AND event_type = 'Issued'"
        ).fetchone()
    assert per_policy is not None and per_policy[0] == 64


def last_analyzed(app: Any, table: str) -> Any:
    with psycopg.connect(app.database.url) as conn:
        row = conn.execute(
            "SELECT last_analyze FROM pg_stat_user_tables WHERE schemaname = %s AND relname = %s",
            (app.settings.read_schema, table),
        ).fetchone()
    return row[0] if row else None


def test_a_rebuild_swaps_in_tables_with_fresh_planner_statistics(app, actor):
    policy_history(app, actor)
    rebuild(read_side(app), audit())
    assert all(last_analyzed(app, table) is not None for table in audit().tables)


def test_a_runner_reanalyses_tables_that_changed_a_lot(app, actor, monkeypatch):
    """Autovacuum may be off: the runtime itself keeps the planner's statistics fresh."""
    monkeypatch.setattr("projections.runtime.STATISTICS_CHECK_SECONDS", 0.0)
    monkeypatch.setattr("application.adapters.statistics.MIN_CHANGES", 1)
    side = read_side(app, batch_size=3)
    rounds = itertools.count()

    def more_events_projected_and_analysed() -> bool:
        round_ = next(rounds)
        issue_many(app, actor, 2, prefix=f"S{round_:02d}", offset=100 * round_)
        LiveRunner(side, audit()).run(catch_up_only=True)
        return last_analyzed(app, "audit_trail") is not None

    # the server publishes row counts within about a second
    wait_until(more_events_projected_and_analysed, timeout=STATISTICS_SECONDS)
    assert last_analyzed(app, "audit_trail") is not None


def test_bulk_gc_relaxes_the_collector_while_any_rebuild_runs_and_restores_it():
    import gc

    from projections.runtime import BULK_GC_THRESHOLDS, bulk_gc

    before = gc.get_threshold()
    with bulk_gc():
        with bulk_gc():  # a second rebuild of the process (another thread)
            assert gc.get_threshold()[0] == max(BULK_GC_THRESHOLDS[0], before[0])
        assert gc.get_threshold()[0] == max(BULK_GC_THRESHOLDS[0], before[0])  # one still runs
    assert gc.get_threshold() == before
