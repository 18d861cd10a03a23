"""The sealer inside the projections service: follows new events, signs every N and after T."""

from __future__ import annotations

import time

import pytest

from projections.live import ProjectionService
from tests import ledger_support as L
from tests.projection_scenarios import issue_many, policy_history


@pytest.mark.timeout(120)
def test_sealer_runs_with_the_read_side_and_signs_on_size_and_on_time(settings, database, clock, actor):
    app = L.ledger_app(settings.model_copy(update={"ledger_seal_seconds": 1.0}), database, clock, every=25)
    service = ProjectionService.from_app(app)
    assert any(r.projection.name == "ledger" for r in service.runners)
    try:
        service.start()
        policy_history(app, actor)
        issue_many(app, actor, 20)
        head = app.max_position()
        while (latest := L.ledger(app).latest_head() if _started(app) else None) is None or (
            latest.tree_size < head
        ):
            assert service.alive and not service.errors(), service.errors()
            time.sleep(0.1)
        sizes = [h.tree_size for h in reversed(L.ledger(app).heads(1000))]
        assert sizes[:-1] == list(range(25, head, 25)) and sizes[-1] == head, sizes  # N, then T
        reasons = L.sql(app, f"SELECT reason FROM {L.heads_table(app)} ORDER BY tree_size")
        assert [r[0] for r in reasons] == ["every"] * (len(sizes) - 1) + [
            "interval" if head % 25 else "every"
        ]
        assert L.verify(app).ok
    finally:
        service.stop()
        app.close()


def test_named_projections_run_without_the_sealer(app):
    assert all(
        r.projection.name != "ledger" for r in ProjectionService.from_app(app, ["audit_trail"]).runners
    )


def _started(app) -> bool:
    return bool(L.sql(app, "SELECT to_regclass(%s)", f'"{app.settings.read_schema}".ledger_heads')[0][0])
