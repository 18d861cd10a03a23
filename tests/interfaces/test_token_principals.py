"""Tokens that expire and name a real principal; dashboard sessions (issue #11 point 4)."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import psycopg
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from domain.callback import QuestionItem as Q
from domain.shared.actor import Actor
from domain.shared.errors import InvalidInput
from domain.work_order import WorkOrder
from interfaces.api import create_api
from interfaces.api.permissions import Scope
from interfaces.api.tokens import TokenStore
from interfaces.cli import cli
from interfaces.web.pages import COOKIE
from tests import factories
from tests.api_support import BJ, auth
from tests.callback_steps import at, problem_case

ADMIN = Actor("S-0001", "admin")


def _token_row(app, token_id: str) -> dict:
    with psycopg.connect(app.database.url, row_factory=psycopg.rows.dict_row) as conn:
        return conn.execute(
            f'SELECT * FROM "{app.settings.events_schema}".api_tokens WHERE token_id = %s', (token_id,)
        ).fetchone()


# ----- a token names a principal that exists ---------------------------------------------------
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "agent", "--agent", "Z9999"], "no registered agent Z9999"),
        (["--role", "branch", "--branch", "火星分公司"], "no branch '火星分公司' is known"),
        (["--role", "manager"], "give a staff id"),
        (["--role", "branch", "--staff", "A0001", "--scope", f"branch:{BJ}"], "is a registered agent"),
        (["--role", "agent", "--agent", "A0001", "--scope", "agent:A0002"], "may not hold a token for agent"),
        (["--role", "manager", "--agent", "A0001"], "names a principal of kind staff"),
        (["--role", "manager", "--staff", "S-1", "--expires-in", "never"], "only a system token"),
        (["--role", "manager", "--staff", "S-1", "--expires-in", "5y"], "invalid --expires-in"),
        (["--role", "admin", "--system", "cron"], "names a principal of kind staff"),
    ],
)
def test_token_create_refuses_a_principal_that_does_not_exist_or_fit(app, env, args, message):
    app.execute(factories.register_agent("A0001"), ADMIN)
    app.execute(factories.register_agent("A0002", phone="13900002222", id_number="110101198601015671"), ADMIN)
    result = CliRunner().invoke(cli, ["token", "create", *args], env=env)
    assert result.exit_code == 1, result.output
    assert message in result.stderr and "Traceback" not in result.output
    assert TokenStore.for_app(app).list() == []


def test_token_create_names_agents_branches_staff_and_systems(app, env):
    app.execute(factories.register_agent("A0001"), ADMIN)
    runner = CliRunner()
    store = TokenStore.for_app(app)

    def create(*args: str):
        result = runner.invoke(cli, ["token", "create", *args], env=env)
        assert result.exit_code == 0, result.output
        record = store.authenticate(result.stdout.strip().splitlines()[-1])
        assert record is not None
        return record, _token_row(app, record.token_id)

    agent, row = create("--role", "agent", "--agent", "a0001")
    assert (agent.principal_ref, agent.name, str(agent.scope)) == ("agent:A0001", "A0001", "agent:A0001")
    assert row["expires_at"] - row["created_at"] == timedelta(days=90)
    branch, _ = create("--role", "branch", "--branch", BJ)
    assert (branch.principal_ref, str(branch.scope)) == (f"branch:{BJ}", f"branch:{BJ}")
    agent_at_branch, _ = create("--role", "branch", "--agent", "A0001")
    assert (agent_at_branch.name, str(agent_at_branch.scope)) == ("A0001", f"branch:{BJ}")
    staff, row = create("--role", "manager", "--staff", "BJ-MGR-01", "--expires-in", "12h")
    assert staff.principal_ref == "staff:BJ-MGR-01"
    assert row["expires_at"] - row["created_at"] == timedelta(hours=12)
    system, row = create("--role", "system", "--system", "scheduler", "--expires-in", "never")
    assert (system.principal_ref, row["expires_at"]) == ("system:scheduler", None)
    listed = runner.invoke(cli, ["token", "list"], env={**env, "COLUMNS": "250"}).stdout
    assert "system:scheduler" in listed and "never" in listed


def test_the_system_role_may_only_run_the_schedule(app):
    issued = TokenStore.for_app(app).create("system", Scope.parse("all"), name="scheduler", expires_in=None)
    c = TestClient(create_api(app))
    assert c.get("/me", headers=auth(issued.secret)).json()["capabilities"] == ["schedule:run"]
    r = c.post("/agents", json={}, headers=auth(issued.secret))
    assert r.status_code == 403


# ----- expiry ----------------------------------------------------------------------------------
def test_an_expired_token_is_refused_with_401(app):
    # expired out of band (by SQL): without the authentication cache, at once
    store = TokenStore.for_app(app, cache_seconds=0)
    issued = store.create("auditor", Scope.parse("all"), name="S-AUD-1", expires_in=timedelta(minutes=5))
    c = TestClient(create_api(app, tokens=store))
    assert c.get("/me", headers=auth(issued.secret)).status_code == 200
    _expire(app, issued.record.token_id)
    r = c.get("/me", headers=auth(issued.secret))
    assert r.status_code == 401 and r.headers["content-type"] == "application/problem+json"
    assert "expired" in r.json()["detail"]


def _expire(app, token_id: str) -> None:
    with psycopg.connect(app.database.url, autocommit=True) as conn:
        conn.execute(
            f'UPDATE "{app.settings.events_schema}".api_tokens '
            "SET expires_at = now() - interval '1 second' WHERE token_id = %s",
            (token_id,),
        )


# ----- dashboard sessions ----------------------------------------------------------------------
def _sign_in(app, store: TokenStore, secret: str) -> tuple[TestClient, str]:
    c = TestClient(create_api(app, tokens=store))
    r = c.post("/login", data={"token": secret}, follow_redirects=False)
    assert r.status_code == 303, r.text
    assert secret not in r.headers["set-cookie"]
    return c, c.cookies[COOKIE]


def test_the_dashboard_cookie_is_a_session_id_that_logout_revokes(app):
    store = TokenStore.for_app(app)
    secret = store.create("auditor", Scope.parse("all"), name="S-AUD-1").secret
    c, session_id = _sign_in(app, store, secret)
    assert session_id != secret and not session_id.startswith("pt_")
    with psycopg.connect(app.database.url) as conn:
        stored = repr(conn.execute(f'SELECT * FROM "{app.settings.events_schema}".web_sessions').fetchall())
    assert session_id not in stored and hashlib.sha256(session_id.encode()).hexdigest() in stored
    signed_in = c.get("/")  # the dashboard (503 here: no read models built), not the login form
    assert signed_in.status_code != 401 and 'name="token"' not in signed_in.text
    assert c.get("/logout", follow_redirects=False).status_code == 303
    # The cookie replayed after logout (e.g. copied from the browser) opens nothing.
    replay = TestClient(create_api(app, tokens=store), cookies={COOKIE: session_id})
    r = replay.get("/")
    assert r.status_code == 401 and 'name="token"' in r.text
    # The token itself still works: logout ended the session, not the token.
    assert store.authenticate(secret) is not None


def test_a_session_ends_with_its_token(app):
    store = TokenStore.for_app(app)
    first = store.create("auditor", Scope.parse("all"), name="S-AUD-1")
    second = store.create("auditor", Scope.parse("all"), name="S-AUD-2")
    c1, _ = _sign_in(app, store, first.secret)
    c2, _ = _sign_in(app, store, second.secret)
    store.revoke(first.record.token_id)
    _expire(app, second.record.token_id)
    assert c1.get("/").status_code == 401 and c2.get("/").status_code == 401


def test_tokens_made_before_principals_are_migrated_and_expire(app):
    """A token table as the code before this change made it, with three tokens."""
    table = f'"{app.settings.events_schema}".api_tokens'
    with psycopg.connect(app.database.url, autocommit=True) as conn:
        conn.execute(
            f"CREATE TABLE {table} (token_id text PRIMARY KEY, secret_sha256 text NOT NULL UNIQUE, "
            "role text NOT NULL, scope text NOT NULL, name text NOT NULL, "
            "created_at timestamptz NOT NULL DEFAULT now(), created_by text NOT NULL, revoked_at timestamptz)"
        )
        for token_id, role, scope, name, age in [
            ("tk_agent", "agent", "agent:A0001", "Zhang San", "1 day"),
            ("tk_staff", "manager", "all", "mgr-001", "1 day"),
            ("tk_old", "auditor", "all", "auditor-tk_old", "91 days"),
        ]:
            conn.execute(
                f"INSERT INTO {table} VALUES (%s, %s, %s, %s, %s, now() - %s::interval, 'cli', NULL)",
                (token_id, hashlib.sha256(f"pt_{token_id}".encode()).hexdigest(), role, scope, name, age),
            )
    store = TokenStore.for_app(app)
    agent, staff = store.authenticate("pt_tk_agent"), store.authenticate("pt_tk_staff")
    assert (agent.principal_ref, agent.principal().actor) == ("agent:A0001", Actor("A0001", "agent"))
    assert (staff.principal_ref, staff.name) == ("staff:mgr-001", "mgr-001")
    assert store.authenticate("pt_tk_old") is None  # 90 days after it was made


# ----- PC-06 compares principals ---------------------------------------------------------------
def test_pc06_the_selling_agent_cannot_resolve_whatever_token_it_holds(app):
    app.execute(factories.register_agent("A0001", branch=BJ), ADMIN)
    wo = problem_case(
        app, ADMIN, **{Q.RETURNS_UNCERTAIN: {"response": "否", "misleading": "夸大保险产品收益"}}
    )["销售误导件"]
    store = TokenStore.for_app(app)
    c = TestClient(create_api(app, tokens=store))
    staff = auth(store.create("branch", Scope.parse(f"branch:{BJ}"), name="BJ-QC-007").secret)
    r = c.post(
        f"/work-orders/{wo.id}/assignment",
        json={"handler_id": "BJ-QC-007", "occurred_at": at(3, 9).isoformat()},
        headers=staff,
    )
    assert r.status_code == 200, r.text
    # The selling agent at a branch desk holds a token naming the agent, never a free label.
    with pytest.raises(InvalidInput, match="registered agent"):
        store.create("branch", Scope.parse(f"branch:{BJ}"), name="A0001")
    from application.principals import PrincipalRef

    selling = auth(
        store.create(
            "branch", Scope.parse(f"branch:{BJ}"), principal=PrincipalRef.parse("agent:A0001")
        ).secret
    )
    resolution = {
        "evidence_ref": "SIGNED-MIS-1",
        "signed_by_customer": True,
        "occurred_at": at(6, 10).isoformat(),
    }
    r = c.post(f"/work-orders/{wo.id}/resolution", json=resolution, headers=selling)
    assert r.status_code == 422 and r.json()["rule"] == "PC-06", r.text
    r = c.post(f"/work-orders/{wo.id}/resolution", json=resolution, headers=staff)
    assert r.status_code == 200, r.text
    resolved = list(app.repository.event_store.get(wo.id))[-1]
    assert isinstance(resolved, WorkOrder.Resolved) and resolved.actor == Actor("BJ-QC-007", "branch")
