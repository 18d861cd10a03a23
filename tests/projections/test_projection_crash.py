"""Crash safety: a projection process SIGKILLed at seeded random points of its catch-up
(``POLICYTRAIL_TEST_SEED`` replays a run), several times, ends with tables identical to a clean rebuild."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import psycopg

from projections import registry
from projections.rebuild import prepare, rebuild
from tests.projection_scenarios import (
    audit_positions,
    issue_many,
    log_positions,
    policy_history,
    read_side,
    table_checksum,
)
from tests.support import ROOT, kill_at_seeded_points, replay_seed

KILLS = 4


def runner_process(app: Any) -> subprocess.Popen[bytes]:
    """``python -m projections`` on the test's schemas, one event per transaction pair."""
    env = {
        **os.environ,
        "POLICYTRAIL_DATABASE_URL": app.database.url,
        "POLICYTRAIL_DATA_DIR": str(app.settings.data_dir),
        "POLICYTRAIL_EVENTS_SCHEMA": app.settings.events_schema,
        "POLICYTRAIL_READ_SCHEMA": app.settings.read_schema,
        "POLICYTRAIL_PROJECTION_BATCH_SIZE": "2",
    }
    command = [sys.executable, "-m", "projections", "--catch-up-only", "audit_trail"]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def committed_position(conn: psycopg.Connection[Any], schema: str) -> int:
    row = conn.execute(
        f'SELECT position FROM "{schema}".projection_positions WHERE name = %s', ("audit_trail",)
    ).fetchone()
    return row[0] if row else 0


def test_sigkill_during_catch_up_loses_nothing_and_applies_nothing_twice(app, actor):
    policy_history(app, actor)
    issue_many(app, actor, 40)
    head = app.max_position()
    seed = replay_seed(20260302)
    # Kill points spread over the log, each at a random instant of the batch cycle.
    schema = app.settings.read_schema
    with psycopg.connect(app.database.url, autocommit=True) as conn:
        prepare(read_side(app), registry.get("audit_trail"), conn)  # tables at position 0
        killed_at = kill_at_seeded_points(
            lambda: runner_process(app),
            lambda: committed_position(conn, schema),
            head,
            KILLS,
            seed,
            timeout=60,
        )
    assert any(0 < p < head for p in killed_at), (killed_at, head, seed)
    # A last, uninterrupted run finishes the catch-up.
    final = runner_process(app)
    assert final.wait(timeout=120) == 0, final.stderr.read().decode()  # type: ignore[union-attr]
    final.stderr.close()  # type: ignore[union-attr]
    assert audit_positions(app) == log_positions(app), f"seed {seed}, kills at {killed_at}"
    after_crashes = table_checksum(app)
    rebuild(read_side(app), registry.get("audit_trail"))
    assert table_checksum(app) == after_crashes, f"seed {seed}, kills at {killed_at}"
