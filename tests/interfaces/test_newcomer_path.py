"""The newcomer's path after ``policytrail demo``: the printed next commands reach the
demo's data (``--demo``), an empty default store says where the data is, a bad cipher
key is one line, flags print as flags, ``projections rebuild all`` works."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from interfaces.cli import cli
from interfaces.demo_schemas import DEMO_EVENTS_SCHEMA, DEMO_READ_SCHEMA
from projections import registry
from tests.support import free_port


@pytest.fixture(scope="module")
def env(database: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A demo month stored once (40 policies) in the demo schemas of the test database."""
    env = {
        "POLICYTRAIL_DATABASE_URL": database.url,
        "POLICYTRAIL_DATA_DIR": str(tmp_path_factory.mktemp("newcomer")),
        # default schemas of their own: empty, like a newcomer's
        "POLICYTRAIL_EVENTS_SCHEMA": "newcomer_events",
        "POLICYTRAIL_READ_SCHEMA": "newcomer_read",
        "COLUMNS": "200",
    }
    demo = run(env, "demo", "--month", "2026-10", "--no-serve", "--policies", "40", "--seed", "5", "--fresh")
    assert demo.exit_code == 0, demo.output
    env["DEMO_OUTPUT"] = demo.output
    yield env
    with database.connect(autocommit=True) as conn:
        for schema in (DEMO_EVENTS_SCHEMA, DEMO_READ_SCHEMA, "newcomer_events", "newcomer_read"):
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def run(env: dict[str, str], *args: str) -> Any:
    clean = {k: v for k, v in env.items() if k != "DEMO_OUTPUT"}
    return CliRunner().invoke(cli, list(args), env=clean)


def test_the_demo_prints_the_exact_next_commands(env):
    out = env["DEMO_OUTPUT"]
    for command in (
        "policytrail token create --demo --role manager --staff BJ-MGR-01 --scope branch:北京分公司",
        "policytrail serve --demo",
        "policytrail projections status --demo",
    ):
        assert command in out, out[-1500:]


def test_projections_status_reaches_the_demo_data_and_an_empty_store_says_where_it_is(env):
    plain = run(env, "projections", "status")
    assert plain.exit_code == 0, plain.output
    assert "this store is empty" in plain.output and "add --demo" in plain.output
    demo = run(env, "projections", "status", "--demo")
    assert demo.exit_code == 0, demo.output
    assert "this store is empty" not in demo.output
    heads = [
        int(h.replace(",", ""))
        for h in re.findall(r"│\s+([\d,]+)\s+│\s+([\d,]+)\s+│", demo.output)
        for h in h
    ]
    assert heads and max(heads) > 1000, demo.output  # the month's events, caught up


@pytest.mark.timeout(180)
def test_a_token_created_with_demo_works_on_serve_demo_and_a_plain_one_does_not(env):
    demo_token = run(
        env,
        "token",
        "create",
        "--demo",
        "--role",
        "manager",
        "--staff",
        "BJ-MGR-01",
        "--scope",
        "branch:北京分公司",
    )
    assert demo_token.exit_code == 0, demo_token.output
    demo_secret = re.findall(r"pt_\S+", demo_token.stdout)[-1]
    plain_token = run(env, "token", "create", "--role", "manager", "--staff", "OPS-01", "--scope", "all")
    plain_secret = re.findall(r"pt_\S+", plain_token.stdout)[-1]

    port = free_port()
    clean = {k: v for k, v in env.items() if k != "DEMO_OUTPUT"}
    command = [sys.executable, "-c", "from interfaces.cli import main; main()"]
    command += ["serve", "--demo", "--port", str(port), "--log-level", "warning", "--no-projections"]
    server = subprocess.Popen(
        command, env={**os.environ, **clean}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(600):
            if server.poll() is not None:
                break
            try:
                httpx.get(f"{base}/health", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        headers = {"Authorization": f"Bearer {demo_secret}"}
        me = httpx.get(f"{base}/me", headers=headers, timeout=10)
        assert me.status_code == 200, me.text
        kpis = httpx.get(
            f"{base}/kpis", params={"by": "branch", "month_from": "2026-10"}, headers=headers, timeout=30
        )
        assert kpis.status_code == 200, kpis.text
        assert kpis.json()["items"], "the demo's month is visible"
        plain = httpx.get(f"{base}/me", headers={"Authorization": f"Bearer {plain_secret}"}, timeout=10)
        assert plain.status_code == 401  # a token of the (empty) default store is not the demo's
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_projections_rebuild_all(env):
    result = run(env, "projections", "rebuild", "all", "--demo")
    assert result.exit_code == 0, result.output
    for name in registry.names():
        assert f"{name}: rebuilt and swapped in" in result.output
    unknown = run(env, "projections", "rebuild", "no_such_model", "--demo")
    assert unknown.exit_code == 1 and "Traceback" not in unknown.output


def test_a_bad_cipher_key_is_one_line_naming_the_setting(env):
    bad = run({**env, "POLICYTRAIL_CIPHER_KEY": "not-a-key"}, "projections", "status")
    assert bad.exit_code == 2
    lines = [
        line
        for line in bad.output.splitlines()
        if line.strip() and not line.startswith(("database", "postgres"))
    ]
    assert "Traceback" not in bad.output
    errors = [line for line in lines if line.startswith("error:")]
    assert len(errors) == 1 and "POLICYTRAIL_CIPHER_KEY" in errors[0], bad.output


@pytest.mark.parametrize(
    "command",
    [["demo"], ["serve"], ["db"], ["token", "create"], ["token", "list"], ["projections", "run"], ["import"]],
)
def test_boolean_flags_print_as_flags_in_help(command):
    result = CliRunner().invoke(cli, [*command, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "<bool>" not in result.output
    assert re.search(r"--help\s{2,}Show this message", result.output), result.output
