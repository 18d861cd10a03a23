"""Tokens: only a hash is stored, revocation, the ``policytrail token`` commands."""

from __future__ import annotations

import hashlib
import time
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from typer.testing import CliRunner

from domain.shared.actor import Actor
from interfaces.api.permissions import Scope
from interfaces.api.tokens import TokenStore
from interfaces.cli import cli
from tests import factories
from tests.api_support import auth, client


def test_only_a_hash_of_the_secret_is_stored(app):
    issued = TokenStore.for_app(app).create("branch", Scope.parse("branch:北京分公司"), name="BJ-007")
    with psycopg.connect(app.database.url) as conn:
        rows = conn.execute(f'SELECT * FROM "{app.settings.events_schema}".api_tokens').fetchall()
    assert len(rows) == 1
    assert issued.secret not in repr(rows)
    assert hashlib.sha256(issued.secret.encode()).hexdigest() in repr(rows)
    assert issued.record.name == "BJ-007" and str(issued.record.scope) == "branch:北京分公司"


def test_a_revoked_token_stops_working(app):
    store = TokenStore.for_app(app)
    issued = store.create("auditor", Scope.parse("all"), name="S-0001")
    c = client(app, tokens=store)
    assert c.get("/me", headers=auth(issued.secret)).status_code == 200
    assert store.revoke(issued.record.token_id)
    assert not store.revoke(issued.record.token_id)
    assert c.get("/me", headers=auth(issued.secret)).status_code == 401
    assert store.authenticate(issued.secret) is None


def _revoke_out_of_band(app, token_id: str) -> None:
    """As another process would (a second worker, the CLI): straight in the table."""
    with psycopg.connect(app.database.url, autocommit=True) as conn:
        conn.execute(
            f'UPDATE "{app.settings.events_schema}".api_tokens SET revoked_at = now() WHERE token_id = %s',
            (token_id,),
        )


def test_a_cached_token_revoked_in_this_process_stops_working_at_once_in_every_store(app):
    serving, revoking = TokenStore.for_app(app), TokenStore.for_app(app)
    issued = serving.create("auditor", Scope.parse("all"), name="S-0001")
    c = client(app, tokens=serving)
    assert c.get("/me", headers=auth(issued.secret)).status_code == 200  # now cached
    assert revoking.revoke(issued.record.token_id)
    assert c.get("/me", headers=auth(issued.secret)).status_code == 401


def test_a_token_revoked_elsewhere_stops_working_within_the_cache_bound(app):
    store = TokenStore.for_app(app, cache_seconds=0.5)
    issued = store.create("auditor", Scope.parse("all"), name="S-0001")
    c = client(app, tokens=store)
    assert c.get("/me", headers=auth(issued.secret)).status_code == 200
    _revoke_out_of_band(app, issued.record.token_id)
    time.sleep(0.6)  # past the stated bound
    assert c.get("/me", headers=auth(issued.secret)).status_code == 401
    assert store.authenticate(issued.secret) is None


def test_the_cache_never_outlives_the_tokens_expiry_and_never_mixes_principals(app):
    store = TokenStore.for_app(app, cache_seconds=3600)
    auditor = store.create("auditor", Scope.parse("all"), name="S-0001", expires_in=timedelta(seconds=1))
    branch = store.create("branch", Scope.parse("branch:北京分公司"), name="BJ-007")
    for _ in range(2):  # the second time from the cache
        a, b = store.authenticate(auditor.secret), store.authenticate(branch.secret)
        assert a is not None and a.token_id == auditor.record.token_id and a.role == "auditor"
        assert b is not None and b.token_id == branch.record.token_id and str(b.scope) == "branch:北京分公司"
    assert store.authenticate(auditor.secret + "x") is None  # near misses are no hits
    assert auditor.record.expires_at is not None
    time.sleep(max(0.0, (auditor.record.expires_at - datetime.now(UTC)).total_seconds()) + 0.05)
    # the expiry is checked on every hit, however long the cache would keep the token
    assert store.authenticate(auditor.secret) is None
    assert store.authenticate(branch.secret) is not None


def test_token_create_list_and_revoke_on_the_command_line(app, env):
    app.execute(factories.register_agent("A0001"), Actor("S-0001", "admin"))
    runner = CliRunner()
    created = runner.invoke(cli, ["token", "create", "--role", "agent", "--scope", "agent:A0001"], env=env)
    assert created.exit_code == 0, created.output
    secret = created.stdout.strip().splitlines()[-1]
    assert secret.startswith("pt_")
    record = TokenStore.for_app(app).authenticate(secret)
    assert record is not None and record.role == "agent" and record.name == "A0001"

    listed = runner.invoke(cli, ["token", "list"], env=env)
    assert record.token_id in listed.stdout and secret not in listed.stdout

    assert runner.invoke(cli, ["token", "revoke", record.token_id], env=env).exit_code == 0
    assert record.token_id not in runner.invoke(cli, ["token", "list"], env=env).stdout
    assert record.token_id in runner.invoke(cli, ["token", "list", "--all"], env=env).stdout
    again = runner.invoke(cli, ["token", "revoke", record.token_id], env=env)
    assert again.exit_code == 1 and "no active token" in again.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "agent", "--scope", "all"], "needs a scope of kind agent"),
        (["--role", "king", "--scope", "all"], "unknown role"),
        (["--role", "branch", "--scope", "region:north"], "invalid scope"),
    ],
)
def test_token_create_refuses_bad_roles_and_scopes_in_one_line(env, args, message):
    result = CliRunner().invoke(cli, ["token", "create", *args], env=env)
    assert result.exit_code == 1
    assert message in result.stderr and "Traceback" not in result.output
