"""Quick mode's HTTP scenarios share one data set: the seeded volume leaves it as it was."""

from __future__ import annotations

import psycopg
import pytest

from bench import harness
from bench.harness import BenchContext, run
from bench.scenarios.http import seeded_volume
from projections import registry
from projections.rebuild import rebuild
from tests.projection_scenarios import policy_history, read_side, table_checksum

SEEDED_MODELS = ("timeliness", "worklists", "scorecards")


@pytest.fixture(autouse=True)
def results_elsewhere(tmp_path, monkeypatch):
    monkeypatch.setattr(harness, "RESULTS_DIR", tmp_path)


def _rows(app, table: str) -> int:
    with psycopg.connect(app.database.url) as conn:
        return conn.execute(f'SELECT count(*) FROM "{app.settings.read_schema}".{table}').fetchone()[0]


def test_the_seeded_volume_is_taken_out_again_table_by_table(actor):
    seen: dict[str, object] = {}

    def scenario(ctx: BenchContext) -> list:
        app = ctx.fresh_app()
        policy_history(app, actor, policies=3)
        for name in SEEDED_MODELS:
            rebuild(read_side(app), registry.get(name))
        before = {n: table_checksum(app, registry.get(n)) for n in SEEDED_MODELS}
        rows_before = _rows(app, "timeliness")
        with seeded_volume(ctx, app.settings.read_schema, 500):
            seen["during"] = _rows(app, "timeliness") - rows_before
            seen["counters during"] = table_checksum(app, registry.get("scorecards")) != before["scorecards"]
        seen["after"] = {n: table_checksum(app, registry.get(n)) for n in SEEDED_MODELS} == before
        return []

    run({"seeded": scenario}, ["seeded"], quick=True, progress=print)

    assert seen["during"] == 500  # one CB-03 obligation per seeded policy
    assert seen["counters during"]
    assert seen["after"] is True
