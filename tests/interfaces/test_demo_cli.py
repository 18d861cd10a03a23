"""``policytrail demo --no-serve`` end to end (typer's CliRunner), in the demo's own schemas."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from typer.testing import CliRunner

from interfaces.api.permissions import Scope
from interfaces.api.tokens import TokenStore
from interfaces.cli import cli
from interfaces.cli_demo import DEMO_EVENTS_SCHEMA, DEMO_READ_SCHEMA, create_admin_token


@pytest.fixture
def env(database: Any, settings: Any) -> Iterator[dict[str, str]]:
    yield {
        "POLICYTRAIL_DATABASE_URL": database.url,
        "POLICYTRAIL_DATA_DIR": str(settings.data_dir),
        "COLUMNS": "200",
    }
    with database.connect(autocommit=True) as conn:
        for schema in (DEMO_EVENTS_SCHEMA, DEMO_READ_SCHEMA):
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def demo(env: dict[str, str], *args: str) -> Any:
    return CliRunner().invoke(cli, ["demo", "--month", "2026-10", "--no-serve", *args], env=env)


def test_demo_generates_summarises_and_reuses(env):
    first = demo(env, "--policies", "40", "--seed", "3", "--fresh")
    assert first.exit_code == 0, first.output
    out = first.output
    assert "stored" in out and "commands" in out
    assert re.search(r"合计\s+total", out) and "成功率" in out and "小计" in out  # the KPI table
    assert "admin token" in out and "pt_" in out and "http://127.0.0.1:8000/" in out

    again = demo(env, "--policies", "40", "--seed", "3")
    assert again.exit_code == 0, again.output
    assert "reusing the demo month" in again.output and re.search(r"合计\s+total", again.output)

    other = demo(env, "--policies", "41", "--seed", "3")
    assert other.exit_code == 1
    assert "another demo (demo/3/2026-10/40)" in other.output and "--fresh" in other.output


def test_demo_refuses_bad_options_in_one_line(env):
    result = demo(env, "--policies", "10")
    assert result.exit_code != 0
    result = CliRunner().invoke(cli, ["demo", "--month", "2026/10", "--no-serve"], env=env)
    assert result.exit_code == 1
    assert "YYYY-MM" in result.output and "Traceback" not in result.output


def test_each_demo_run_revokes_the_previous_demo_token(app):
    store = TokenStore.for_app(app)
    other = store.create("auditor", Scope.parse("all"), name="someone-else")
    first = create_admin_token(app)
    second = create_admin_token(app)
    assert store.authenticate(first) is None
    assert store.authenticate(second) is not None
    assert store.authenticate(other.secret) is not None  # other tokens are left alone
    active_demo = [t for t in store.list() if t.active and t.created_by == "demo"]
    assert len(active_demo) == 1
