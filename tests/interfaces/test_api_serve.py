"""The API with the real read side: read-your-writes, /health lag, and ``policytrail serve``."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx
import pytest

from interfaces.api.read_models.hooks import ReadModelHooks
from tests import factories
from tests.api_support import auth, body, client, token
from tests.support import free_port


def test_consistency_wait_returns_after_the_read_models_have_the_command(app):
    with ReadModelHooks(app, run_projections=True) as hooks:
        # A generous timeout: the wait ends when the projections commit, not when it runs out.
        c = client(app, wait_for=hooks.wait_for, projection_status=hooks.projection_status, wait_timeout=60)
        h = auth(token(app, "admin"))
        r = c.post("/agents?consistency=wait", json=body(factories.register_agent()), headers=h)
        assert r.status_code == 200, r.text
        position = r.json()["position"]
        with app.database.connect() as conn:
            found = conn.execute(
                f'SELECT count(*) FROM "{app.settings.read_schema}".audit_trail WHERE position = %s',
                (position,),
            ).fetchone()[0]
        assert found == 1  # readable the moment the answer arrives
        health = c.get("/health").json()
        assert health["status"] == "ok"
        assert health["projections"] and all(p["lag"] == 0 for p in health["projections"])


@pytest.mark.slow
def test_serve_answers_over_real_http(app, settings):
    secret = token(app, "auditor")
    port = free_port()
    env = {
        **os.environ,
        "POLICYTRAIL_DATABASE_URL": settings.database_url,
        "POLICYTRAIL_EVENTS_SCHEMA": settings.events_schema,
        "POLICYTRAIL_READ_SCHEMA": settings.read_schema,
    }
    # The console script's entry point (``python -m interfaces.cli`` would import cli twice).
    command = [
        sys.executable,
        "-c",
        "from interfaces.cli import main; main()",
        *("serve", "--port", str(port), "--log-level", "warning"),
    ]
    server = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        health = None
        for _ in range(300):  # up to ~30 s for the process to start listening
            if server.poll() is not None:
                break
            try:
                health = httpx.get(f"{base}/health", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        if health is None or health.status_code != 200:
            server.terminate()
            output = server.communicate(timeout=10)[0].decode(errors="replace")
            raise AssertionError(f"/health answered {health and health.status_code}; server said:\n{output}")
        me = httpx.get(f"{base}/me", headers=auth(secret), timeout=5).json()
        assert (me["role"], me["scope"]) == ("auditor", "all")
        assert httpx.get(f"{base}/me", timeout=5).status_code == 401
    finally:
        server.terminate()
        server.wait(timeout=30)
