"""Issue #11.3: a database outage under a running API, and ``db --stop`` telling the truth.

A real embedded server of the test's own (its own data dir, so the shared one is never
stopped) is stopped and started again under a real uvicorn server. During the outage,
timeouts of the HTTP client guard the answer times (3 s; /health 2 s): a slower answer
fails the test.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn
from typer.testing import CliRunner

from application.adapters.database import resolve_database
from application.app import PolicyTrail
from application.settings import Settings, load_settings
from interfaces.api import create_api
from interfaces.api.read_models.hooks import ReadModelHooks
from interfaces.cli import cli
from tests import factories
from tests.api_support import auth, body, token

PROBLEM_JSON = "application/problem+json"


@pytest.fixture
def own_server() -> Iterator[Settings]:
    """Settings for an embedded server in a data dir of this test only."""
    root = Path(tempfile.mkdtemp(prefix="pt-outage-"))
    root.chmod(0o755)  # pgserver runs PostgreSQL as its own user when we are root
    settings = load_settings(database_url=None, data_dir=root, pool_size=4)
    try:
        yield settings
    finally:
        _stop_server(settings)
        shutil.rmtree(root, ignore_errors=True)


@dataclass
class Running:
    base: str
    admin: dict[str, str]
    cookies: dict[str, str]


@pytest.fixture
def running_api(own_server: Settings) -> Iterator[tuple[PolicyTrail, Running]]:
    app = PolicyTrail(settings=own_server, database=resolve_database(own_server))
    with ReadModelHooks(app, run_projections=True) as hooks:
        api = create_api(app, wait_for=hooks.wait_for, projection_status=hooks.projection_status)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        server = uvicorn.Server(uvicorn.Config(api, host="127.0.0.1", port=port, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, timeout=30) as c:
            r = c.get("/", params={"token": token(app, "manager")}, follow_redirects=False)
            assert r.status_code == 303, r.text
            running = Running(base, auth(token(app, "admin")), dict(r.cookies))
        try:
            yield app, running
        finally:
            server.should_exit = True
            thread.join(10)
    app.close()


def _requests(n: int) -> list[tuple[str, str, dict[str, object] | None]]:
    """One command, two reads (write side, read model), the dashboard, /health."""
    agent = body(factories.register_agent(f"Z{n:04d}", phone=f"139{n:08d}"))
    return [
        ("POST", "/agents", agent),
        ("GET", "/agents/A0001", None),
        ("GET", "/scorecards/agents", None),
        ("GET", "/", None),
        ("GET", "/health", None),
    ]


def _send(
    run: Running, method: str, path: str, json: dict[str, object] | None, *, guard: bool = False
) -> httpx.Response:
    # The guard: during the outage an answer slower than 3 s (/health: 2 s) raises
    # ReadTimeout. Otherwise only correctness is checked (a loaded CI machine is slow).
    timeout = (2.0 if path == "/health" else 3.0) if guard else 60.0
    with httpx.Client(base_url=run.base, timeout=timeout, cookies=run.cookies) as c:
        return c.request(method, path, json=json, headers=run.admin)


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_an_outage_answers_503_fast_and_the_api_recovers_without_a_restart(own_server, running_api):
    _app, run = running_api
    r = _send(run, "POST", "/agents?consistency=wait", body(factories.register_agent()))
    assert r.status_code == 200, r.text
    for method, path, payload in _requests(0):
        r = _send(run, method, path, payload)
        assert r.status_code == 200, (path, r.text)

    _stop_server(own_server)

    for round_ in range(3):
        for method, path, payload in _requests(100 + round_):
            r = _send(run, method, path, payload, guard=True)
            assert r.status_code == 503, (path, r.status_code, r.text)
            if path == "/health":
                assert r.json()["status"] == "unavailable"
            else:
                assert r.headers["content-type"].startswith(PROBLEM_JSON), (path, r.text)
                assert r.json()["type"].endswith("unavailable")

    _start_in_another_process(own_server)  # as the next `policytrail` command would; serve keeps running

    statuses: dict[str, list[int]] = {}
    for round_ in range(2 * own_server.pool_size + 2):  # more than the pool holds stale
        for method, path, payload in _requests(200 + round_):
            statuses.setdefault(path, []).append(_send(run, method, path, payload).status_code)
    assert all(code == 200 for codes in statuses.values() for code in codes), statuses
    agents = _send(run, "GET", "/agents/Z0209", None)
    assert agents.status_code == 200  # the commands after the outage were stored

    # A restart nobody noticed (no request in between): every pooled connection is stale,
    # the first use of each fails and is retried on a fresh one.
    _stop_server(own_server)
    _start_in_another_process(own_server)
    statuses = {}
    for round_ in range(2 * own_server.pool_size + 2):
        for method, path, payload in _requests(300 + round_):
            statuses.setdefault(path, []).append(_send(run, method, path, payload).status_code)
    assert all(code == 200 for codes in statuses.values() for code in codes), statuses


def _stop_server(settings: Settings) -> None:
    """pg_ctl stop -m fast, as an operator (or a crash) would end it."""
    from pgserver._commands import pg_ctl

    if _running(settings):
        user = "pgserver" if os.geteuid() == 0 else None
        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=settings.data_dir / "pgdata", user=user, timeout=60)


def _start_in_another_process(settings: Settings) -> None:
    code = (
        "from application.adapters.database import resolve_database\n"
        "from application.settings import load_settings\n"
        f"resolve_database(load_settings(database_url=None, data_dir={str(settings.data_dir)!r}))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "POLICYTRAIL_DATABASE_URL"}
    subprocess.run([sys.executable, "-c", code], check=True, env=env, timeout=120)


def _db_stop(settings: Settings, *args: str) -> tuple[int, str]:
    env = {"POLICYTRAIL_DATA_DIR": str(settings.data_dir), "POLICYTRAIL_DATABASE_URL": ""}
    result = CliRunner().invoke(cli, ["db", "--stop", *args], env=env)
    return result.exit_code, " ".join(result.output.split())


def _running(settings: Settings) -> bool:
    return (settings.data_dir / "pgdata" / "postmaster.pid").exists()


@pytest.mark.timeout(120)
def test_db_stop_says_who_still_uses_the_server_and_force_stops_it(own_server):
    resolve_database(own_server)
    holder_code = (
        "import sys, time\n"
        "from application.adapters.database import resolve_database\n"
        "from application.settings import load_settings\n"
        f"resolve_database(load_settings(database_url=None, data_dir={str(own_server.data_dir)!r}))\n"
        "print('ready', flush=True)\n"
        "sys.stdin.read()\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "POLICYTRAIL_DATABASE_URL"}
    holder = subprocess.Popen(
        [sys.executable, "-c", holder_code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        code, out = _db_stop(own_server)
        assert code == 1, out
        assert "NOT stopped" in out and f"1 other process (pid {holder.pid})" in out
        assert _running(own_server)

        code, out = _db_stop(own_server, "--force")
        assert code == 0 and "stopped" in out and str(holder.pid) in out, out
        assert not _running(own_server)

        code, out = _db_stop(own_server)
        assert code == 0 and "not running" in out, out
    finally:
        holder.kill()
        holder.wait()
