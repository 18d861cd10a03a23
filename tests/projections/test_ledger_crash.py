"""The sealer SIGKILLed at seeded random points: after restarts, the same tree and heads as a
clean run (exactly once: no leaf lost or appended twice, no head missing or signed twice)."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import psycopg

from projections.ledger import prepare_ledger
from tests import ledger_support as L
from tests.projection_scenarios import issue_many, policy_history
from tests.support import ROOT, kill_at_seeded_points, replay_seed

KILLS = 5
EVERY = 20


def sealer(app: Any) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "POLICYTRAIL_DATABASE_URL": app.database.url,
        "POLICYTRAIL_DATA_DIR": str(app.settings.data_dir),
        "POLICYTRAIL_EVENTS_SCHEMA": app.settings.events_schema,
        "POLICYTRAIL_READ_SCHEMA": app.settings.read_schema,
        "POLICYTRAIL_LEDGER_KEY": app.settings.ledger_key.get_secret_value(),
        "POLICYTRAIL_LEDGER_SEAL_EVERY": str(EVERY),
        "POLICYTRAIL_PROJECTION_BATCH_SIZE": "3",  # many small transactions to land in
    }
    command = [sys.executable, "-m", "interfaces.cli", "ledger", "run", "--catch-up-only"]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def committed(conn: psycopg.Connection[Any], schema: str) -> int:
    row = conn.execute(
        f'SELECT position FROM "{schema}".projection_positions WHERE name = %s', ("ledger",)
    ).fetchone()
    return row[0] if row else 0


def tree(app: Any) -> dict[str, list[Any]]:
    schema = app.settings.read_schema
    q = {
        "heads": f'SELECT tree_size, root_hash FROM "{schema}".ledger_heads ORDER BY 1',
        "leaves": f'SELECT leaf_index, position, hash FROM "{schema}".ledger_leaves ORDER BY 1',
        "nodes": f'SELECT level, node_index, hash FROM "{schema}".ledger_nodes ORDER BY 1, 2',
    }
    return {name: L.sql(app, query) for name, query in q.items()}


def test_sigkill_of_the_sealer_gives_the_same_tree_and_heads_as_a_clean_run(settings, database, clock, actor):
    app = L.ledger_app(settings, database, clock, every=EVERY)
    clean = L.ledger_app(
        settings.model_copy(update={"read_schema": settings.read_schema + "_clean"}),
        database,
        clock,
        every=EVERY,
    )
    try:
        policy_history(app, actor)
        issue_many(app, actor, 60)
        head = app.max_position()
        seed = replay_seed(20260303)
        schema = app.settings.read_schema
        with psycopg.connect(app.database.url, autocommit=True) as conn:
            prepare_ledger(L.side(app), conn)  # tables and tracking row at position 0
            killed_at = kill_at_seeded_points(
                lambda: sealer(app), lambda: committed(conn, schema), head, KILLS, seed, timeout=90
            )
        assert any(0 < p < head for p in killed_at), (killed_at, head, seed)
        final = sealer(app)
        assert final.wait(timeout=120) == 0, final.stderr.read().decode()  # type: ignore[union-attr]
        final.stderr.close()  # type: ignore[union-attr]

        L.append(clean)  # one clean run, in-process, over the same events
        got, want = tree(app), tree(clean)
        assert len(want["leaves"]) == head and len(want["heads"]) == head // EVERY
        assert got == want, f"seed {seed}, killed at {killed_at}"
        report = L.verify(app)
        assert report.ok and report.heads == head // EVERY, report.findings
    finally:
        with psycopg.connect(database.url, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{clean.settings.read_schema}" CASCADE')
        clean.close()
        app.close()
