"""``policytrail projections run|rebuild|status`` end to end (typer's CliRunner)."""

from __future__ import annotations

import uuid
from typing import Any

from eventsourcing.persistence import StoredEvent
from typer.testing import CliRunner

from interfaces.cli import cli
from tests.projection_scenarios import audit_positions, issue_many, log_positions, policy_history


def invoke(app: Any, *args: str) -> Any:
    env = {
        "POLICYTRAIL_DATABASE_URL": app.database.url,
        "POLICYTRAIL_DATA_DIR": str(app.settings.data_dir),
        "POLICYTRAIL_EVENTS_SCHEMA": app.settings.events_schema,
        "POLICYTRAIL_READ_SCHEMA": app.settings.read_schema,
        "COLUMNS": "160",
    }
    return CliRunner().invoke(cli, ["projections", *args], env=env)


def test_rebuild_run_and_status(app, actor):
    policy_history(app, actor)
    result = invoke(app, "status")
    assert result.exit_code == 0, result.output
    assert "not started" in result.output
    result = invoke(app, "rebuild", "audit_trail")
    assert result.exit_code == 0, result.output
    assert f"rebuilt and swapped in at position {app.max_position():,}" in result.output
    assert audit_positions(app) == log_positions(app)
    issue_many(app, actor, 2)
    result = invoke(app, "run", "--catch-up-only", "audit_trail")
    assert result.exit_code == 0, result.output
    assert audit_positions(app) == log_positions(app)
    result = invoke(app, "status")
    assert result.exit_code == 0, result.output
    assert "audit_trail" in result.output and "caught up" in result.output


def test_errors_are_one_readable_line(app, actor):
    result = invoke(app, "rebuild", "no_such_projection")
    assert result.exit_code == 1
    assert "unknown projection 'no_such_projection'" in result.output
    policy_history(app, actor)
    app.recorder.insert_events([StoredEvent(uuid.uuid4(), 1, "domain.gone:Thing.Created", b"{}")])
    result = invoke(app, "run", "--catch-up-only")
    assert result.exit_code == 1
    assert f"stopped at event {app.max_position()} (domain.gone:Thing.Created)" in result.output
    result = invoke(app, "status")
    assert "failed" in result.output and "domain.gone:Thing.Created" in result.output


def test_rebuild_all_in_two_processes(app, actor):
    policy_history(app, actor)
    result = invoke(app, "rebuild", "all", "--processes", "2")
    assert result.exit_code == 0, result.output
    assert "rebuilding in 2 processes: audit_trail | timeliness+scorecards+worklists" in result.output
    for name in ("audit_trail", "timeliness", "scorecards", "worklists"):
        assert f"{name}: rebuilt and swapped in at position {app.max_position():,}" in result.output
    assert audit_positions(app) == log_positions(app)
