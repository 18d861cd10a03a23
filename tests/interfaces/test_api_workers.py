"""``policytrail serve --workers 2``: two server processes sharing only PostgreSQL (issue 17, point 4)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import psycopg
import pytest

from projections import registry
from tests import factories
from tests.api_support import auth, body, token
from tests.support import free_port


def _worker_pids(parent: int) -> set[int]:
    """The uvicorn workers: children of the supervisor started by multiprocessing's spawn."""
    pids = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmdline = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ")
        except (OSError, IndexError):
            continue
        if int(fields[1]) == parent and b"spawn_main" in cmdline:
            pids.add(int(stat.parent.name))
    return pids


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_serve_with_two_workers_answers_commands_and_reads_from_both(app, settings):
    secret = token(app, "admin")
    port = free_port()
    env = {
        **os.environ,
        "POLICYTRAIL_DATABASE_URL": settings.database_url,
        "POLICYTRAIL_EVENTS_SCHEMA": settings.events_schema,
        "POLICYTRAIL_READ_SCHEMA": settings.read_schema,
    }
    command = [
        sys.executable,
        "-c",
        "from interfaces.cli import main; main()",
        *("serve", "--port", str(port), "--workers", "2", "--log-level", "info", "--wait-timeout", "30"),
    ]
    server = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    output = ""
    try:
        deadline = time.monotonic() + 90
        workers: set[int] = set()
        while time.monotonic() < deadline and server.poll() is None:
            workers = _worker_pids(server.pid)
            try:
                if len(workers) == 2 and httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        assert len(workers) == 2, f"worker processes: {workers}"

        h = auth(secret)
        r = httpx.post(
            f"{base}/agents?consistency=wait", json=body(factories.register_agent()), headers=h, timeout=60
        )
        assert r.status_code == 200, r.text  # the projections (in the supervisor) caught up
        trail = httpx.get(f"{base}/agents/A0001/audit-trail", headers=h, timeout=30)
        assert trail.status_code == 200, trail.text
        assert r.json()["position"] in [e["position"] for e in trail.json()["items"]]

        # The projections run once per deployment: one runner per projection (a session and
        # a work connection each), in the supervisor; were the workers running them too,
        # there would be three times as many (standbys keep their connections).
        with psycopg.connect(settings.database_url, autocommit=True) as conn:
            runners = conn.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND application_name = 'policytrail-projections'"
            ).fetchone()[0]
        # one runner per projection and the ledger's sealer, each at most 2 sessions
        assert 0 < runners <= 2 * (len(registry.names()) + 1), runners

        # Concurrent requests on fresh connections: both workers accept and answer.
        def me(_: int) -> int:
            return httpx.get(f"{base}/me", headers=h, timeout=30).status_code

        with ThreadPoolExecutor(8) as pool:
            assert set(pool.map(me, range(40))) == {200}
        # A worker that dies is replaced by the supervisor; the API keeps answering.
        victim = min(workers)
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and (
            victim in _worker_pids(server.pid) or len(_worker_pids(server.pid)) < 2
        ):
            time.sleep(0.2)
        assert len(_worker_pids(server.pid) - {victim}) == 2
        assert httpx.get(f"{base}/me", headers=h, timeout=30).status_code == 200
    finally:
        server.terminate()
        try:
            output = server.communicate(timeout=60)[0].decode(errors="replace")
        except subprocess.TimeoutExpired:
            server.kill()
            output = server.communicate()[0].decode(errors="replace")
    started = set(re.findall(r"Started server process \[(\d+)\]", output))
    assert len(started) >= 3, output  # one line per worker process, and the replacement's
    # The projections run once, in the supervisor, not in each worker.
    assert "workers 进程: 2, projections 投影: this process" in " ".join(output.split()), output
