"""One pass over the log rebuilds several projections (``projections.together``):
the same tables as the live runs, every part swapped in under its own name."""

from __future__ import annotations

import psycopg
import pytest

from projections import registry
from projections.errors import ProjectionError, ProjectionFailed
from projections.parallel import groups_for, rebuild_in_processes
from projections.rebuild import prepare, rebuild
from projections.runtime import BatchRunner, Target, connect
from projections.together import Together
from projections.tracking import Positions, build_schema, lock_ids
from tests.projection_scenarios import (
    audit_positions,
    log_positions,
    policy_history,
    read_side,
    table_checksum,
)
from tests.projections.test_projection_runtime import Fussy
from tests.projections.test_read_timeliness import history
from tests.read_model_steps import catch_up


def _non_empty_tables(app, names: list[str]) -> dict[str, int]:
    counts = {}
    with psycopg.connect(app.database.url) as conn:
        for name in names:
            counts[name] = sum(
                conn.execute(f'SELECT count(*) FROM "{app.settings.read_schema}"."{t}"').fetchone()[0]
                for t in registry.get(name).tables
            )
    return counts


def test_one_pass_rebuild_of_every_projection_equals_their_live_runs(app, actor):
    history(app, actor)
    names = registry.names()
    catch_up(app, *names, batch_size=3)  # live: handlers cross batch boundaries
    assert all(_non_empty_tables(app, names).values()), _non_empty_tables(app, names)
    live = {n: table_checksum(app, registry.get(n)) for n in names}
    progress = []
    side = read_side(app, batch_size=5)
    position = rebuild(side, Together(registry.resolve(None)), on_progress=progress.append)
    assert position == app.max_position()
    assert len(progress) > 3  # several batches: a part's rows cross batch boundaries
    assert {n: table_checksum(app, registry.get(n)) for n in names} == live
    with connect(side.url) as conn, conn.cursor() as cur:
        rows = Positions(side.schema).all(cur)
        leftover = cur.execute(
            "SELECT count(*) FROM pg_namespace WHERE nspname = %s",
            (build_schema(side.schema, "+".join(names)),),
        ).fetchone()
    assert {n: (rows[n].position, rows[n].version) for n in names} == {
        n: (position, registry.get(n).version) for n in names
    }
    assert not [k for k in rows if k.endswith("#rebuild")] and leftover == (0,)
    # The live runners carry on from the swapped position.
    catch_up(app, *names)
    assert {n: table_checksum(app, registry.get(n)) for n in names} == live


def test_a_part_being_rebuilt_alone_refuses_the_one_pass_rebuild(app, actor):
    history(app, actor)
    side = read_side(app)
    with connect(side.url) as holder:
        holder.execute("SELECT pg_advisory_lock(%s, %s)", lock_ids(side.schema, "timeliness#rebuild"))
        with pytest.raises(ProjectionError, match="already running"):
            rebuild(side, Together(registry.resolve(None)))
    # The locks it took before the refusal were given back: it runs now.
    assert rebuild(side, Together(registry.resolve(["audit_trail", "timeliness"]))) == app.max_position()


def test_a_failing_part_stops_the_pass_after_the_events_before_the_culprit(app, actor):
    """A batch that fails is replayed event by event: every part applies the events
    before the culprit (each with its own prepared values), then the pass stops on it."""
    policy_history(app, actor)  # a Policy.Lapsed lies in the middle of it
    side = read_side(app, batch_size=1000)
    together = Together([registry.get("audit_trail"), Fussy()])
    with connect(side.url) as conn:
        prepare(side, together, conn)
        runner = BatchRunner(side, Target(together, side.schema, together.name), conn)
        with pytest.raises(ProjectionFailed) as failed:
            runner.catch_up()
        culprit = failed.value.position
        assert failed.value.topic.endswith("Policy.Lapsed")
        before = [p for p in log_positions(app) if p < culprit]
        fussy = [r[0] for r in conn.execute(f'SELECT position FROM "{side.schema}".fussy ORDER BY 1')]
        assert fussy == before
        assert runner.load_position() == culprit - 1
    assert audit_positions(app) == before


def test_groups_in_processes_equal_the_live_runs(app, actor):
    """``rebuild_in_processes``: the audit trail in one process, the three others in
    another (spawned, opening the application from the same settings)."""
    history(app, actor)
    names = registry.names()
    catch_up(app, *names, batch_size=3)
    live = {n: table_checksum(app, registry.get(n)) for n in names}
    groups = groups_for(names, 2)
    assert groups == [["audit_trail"], ["timeliness", "scorecards", "worklists"]]
    positions = rebuild_in_processes(app.settings, app.database.url, groups)
    assert positions == [app.max_position()] * 2
    assert {n: table_checksum(app, registry.get(n)) for n in names} == live


def test_groups_for_fewer_processes_merge_groups():
    assert groups_for(["timeliness", "audit_trail"], 1) == [["timeliness", "audit_trail"]]
    assert groups_for(["audit_trail", "timeliness", "scorecards"], 2) == [
        ["audit_trail"],
        ["timeliness", "scorecards"],
    ]
    assert len(groups_for(registry.names(), 2)) == 2


def test_one_pass_rebuild_computes_due_times_with_the_configured_rules(app, actor):
    """Timeliness stores effective due times derived from the rule parameters: inside a
    one-pass rebuild it must be configured with the read side's rules like a rebuild of
    its own (else it would store the defaults' due times and the service would find
    them stale)."""
    from domain.parameters import RuleParameters
    from projections.timeliness.projection import DueParameters, stored_parameters

    defaults = RuleParameters()
    changed = defaults.model_copy(
        update={
            "callback": defaults.callback.model_copy(update={"receipt_registration_lag_days": 9}),
            "work_order": defaults.work_order.model_copy(update={"warning_lead_days": 5}),
        }
    )
    history(app, actor)
    side = read_side(app, batch_size=5, rules=changed)
    rebuild(side, registry.get("timeliness"))
    alone = table_checksum(app, registry.get("timeliness"))
    rebuild(side, Together(registry.resolve(["timeliness", "scorecards"])))
    with psycopg.connect(app.database.url) as conn:
        assert stored_parameters(conn, app.settings.read_schema) == DueParameters.of(changed)
    assert table_checksum(app, registry.get("timeliness")) == alone
