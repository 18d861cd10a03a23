"""Reads from a real hot standby (POLICYTRAIL_READ_DATABASE_URL, issue 17 point 5).

The test builds its own primary (an embedded pgserver in a temporary folder) and a streaming
standby of it (``pg_basebackup -R`` with the binaries the pgserver wheel ships, on
another port), so it runs the same in both CI modes and never touches a shared server.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from application.adapters.database import Database
from application.adapters.replica import replica_for
from application.app import PolicyTrail
from application.settings import Settings, SettingsError, load_settings
from interfaces.api.read_models.hooks import ReadModelHooks
from tests import factories
from tests.api_support import auth, body, client, token
from tests.replica_support import Replication, build_replication
from tests.support import free_port


@pytest.fixture
def replication() -> Iterator[Replication]:
    # Not under tmp_path: as root the servers run as the unprivileged pgserver user, which
    # must traverse the folder's parents, and every pytest session (other engineers', CI's)
    # resets /tmp/pytest-of-root to 0700. A folder of our own in the temp dir, removed after.
    folder = Path(tempfile.mkdtemp(prefix="pt-replica-"))
    folder.chmod(0o755)
    try:
        pair = build_replication(folder, free_port())
        try:
            yield pair
        finally:
            pair.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _replayed_rows(url: str, position: int) -> int:
    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute(
            "SELECT count(*) FROM read.audit_trail WHERE position = %s", (position,)
        ).fetchone()[0]


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_reads_follow_a_real_standby_and_survive_its_restart(replication, tmp_path, clock):
    primary, standby = replication.primary_url, replication.standby.url
    settings = Settings(database_url=primary, read_database_url=standby, data_dir=tmp_path / "data")
    app = PolicyTrail(settings=settings, database=Database(url=primary, embedded=False), clock=clock)
    hooks = ReadModelHooks(app, run_projections=True)
    try:
        api = client(app, wait_for=hooks.wait_for, projection_status=hooks.projection_status, wait_timeout=30)
        impatient = client(
            app, wait_for=hooks.wait_for, projection_status=hooks.projection_status, wait_timeout=1
        )
        secret = token(app, "admin")
        h = auth(secret)
        assert api.post("/login", data={"token": secret}, follow_redirects=False).status_code == 303

        # 1. command → visible on the replica the moment consistency=wait answers
        r = api.post("/agents?consistency=wait", json=body(factories.register_agent("A0001")), headers=h)
        assert r.status_code == 200, r.text
        position = r.json()["position"]
        assert _replayed_rows(standby, position) == 1
        trail = api.get("/agents/A0001/audit-trail", headers=h)
        assert trail.status_code == 200, trail.text
        assert position in [e["position"] for e in trail.json()["items"]]
        assert api.get("/").status_code == 200  # the dashboard (cookie from /login)
        health = api.get("/health").json()
        assert health["status"] == "ok", health
        assert health["replica"]["reachable"] is True and health["replica"]["lag_bytes"] >= 0

        # 1b. the wait target is flushed at once (projections commit asynchronously; a standby
        # only receives flushed WAL, else it would wait for the WAL writer)
        with psycopg.connect(primary, autocommit=True) as conn:
            conn.execute("SET synchronous_commit = off")
            conn.execute("CREATE TABLE public.unflushed (x int)")
            conn.execute("INSERT INTO public.unflushed VALUES (1)")
            target = replica_for(app).primary_insert_lsn()
            flushed = conn.execute("SELECT pg_current_wal_flush_lsn() >= %s::pg_lsn", (target,)).fetchone()[0]
        assert flushed

        # 2. replay paused: the wait is for the replica, not only the projections → 202
        with psycopg.connect(standby, autocommit=True) as conn:
            conn.execute("SELECT pg_wal_replay_pause()")
            try:
                r = impatient.post(
                    "/agents?consistency=wait", json=body(factories.register_agent("A0002")), headers=h
                )
                assert r.status_code == 202, r.text
                assert _replayed_rows(primary, r.json()["position"]) == 1  # the primary has it
                assert _replayed_rows(standby, r.json()["position"]) == 0  # the replica not yet
                assert api.get("/health").json()["replica"]["lag_bytes"] > 0
            finally:
                conn.execute("SELECT pg_wal_replay_resume()")

        # 3. replica stopped → reads answer 503 within 3 s; commands still work
        replication.standby.stop()
        for path in ("/agents/A0001/audit-trail", "/timeliness", "/scorecards/agents", "/"):
            started = time.monotonic()
            down = api.get(path, headers=h)
            elapsed = time.monotonic() - started
            assert down.status_code == 503, (path, down.text)
            assert down.headers["content-type"].startswith("application/problem+json")
            assert "postgres" not in down.text and "pt-replica" not in down.text  # reveals nothing
            assert elapsed < 3, (path, elapsed)
        r = api.post("/agents", json=body(factories.register_agent("A0003")), headers=h)
        assert r.status_code == 200, r.text
        health = api.get("/health")
        assert health.status_code == 200 and health.json()["status"] == "degraded"
        assert health.json()["replica"]["reachable"] is False
        assert (
            impatient.post(
                "/agents?consistency=wait", json=body(factories.register_agent("A0004")), headers=h
            ).status_code
            == 202
        )

        # 4. replica back → reads recover without a new API or application
        replication.standby.start()
        deadline = time.monotonic() + 30
        back = api.get("/agents/A0003/audit-trail", headers=h)
        while back.status_code != 200 and time.monotonic() < deadline:
            time.sleep(0.2)
            back = api.get("/agents/A0003/audit-trail", headers=h)
        assert back.status_code == 200, back.text
        r = api.post("/agents?consistency=wait", json=body(factories.register_agent("A0005")), headers=h)
        assert r.status_code == 200, r.text
        assert _replayed_rows(standby, r.json()["position"]) == 1
        assert api.get("/health").json()["replica"]["reachable"] is True
    finally:
        hooks.close()
        app.close()


def test_a_bad_read_database_url_is_refused_naming_the_setting(monkeypatch):
    monkeypatch.setenv("POLICYTRAIL_READ_DATABASE_URL", "mysql://reader@db/x")
    with pytest.raises(SettingsError, match="POLICYTRAIL_READ_DATABASE_URL"):
        load_settings()


def test_without_a_replica_reads_use_the_primary_and_health_says_so(app):
    assert app.settings.read_database_url is None
    health = client(app).get("/health").json()
    assert health["replica"] is None


def test_a_read_url_that_is_not_a_standby_counts_as_caught_up(settings, database, clock):
    """E.g. a reader endpoint pointing at the primary itself, or a promoted standby."""
    same = settings.model_copy(update={"read_database_url": database.url})
    app = PolicyTrail(settings=same, database=database, clock=clock)
    hooks = ReadModelHooks(app, run_projections=True)
    try:
        api = client(app, wait_for=hooks.wait_for, projection_status=hooks.projection_status, wait_timeout=30)
        h = auth(token(app, "admin"))
        r = api.post("/agents?consistency=wait", json=body(factories.register_agent()), headers=h)
        assert r.status_code == 200, r.text
        assert api.get("/agents/A0001/audit-trail", headers=h).json()["total"] >= 1
        replica = api.get("/health").json()["replica"]
        assert replica == {"reachable": True, "lag_bytes": 0, "replay_delay_seconds": 0.0, "error": None}
    finally:
        hooks.close()
        app.close()
