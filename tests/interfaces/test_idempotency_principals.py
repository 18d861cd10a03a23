"""Idempotency keys: one namespace per principal, compared by canonical body (issue #11 point 2).

Seen as an attacker would: a key that another principal used must neither collide
with nor reveal anything of their command; a key reused with another body is refused
without naming the first command's type or result.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from application.agents import RegisterAgent
from application.app import PolicyTrail
from application.errors import CommandIdReused
from application.idempotency import import_principal, principal_key
from domain.agent import Agent
from domain.shared.actor import Actor
from interfaces.importer import import_lines
from tests import factories
from tests.api_support import BJ, SH, auth, body, client, token

PROBLEM = "application/problem+json"


def _agent(code: str, branch: str, phone: str, id_number: str) -> dict:
    return body(factories.register_agent(code, branch=branch, phone=phone, id_number=id_number))


BJ_AGENT = _agent("A0001", BJ, "13900001111", "110101198501015678")
SH_AGENT = _agent("B0001", SH, "13700001111", "310101198001011111")


def test_another_principals_identical_key_neither_collides_nor_reveals_over_http(app):
    c = client(app)
    beijing = auth(token(app, "branch", f"branch:{BJ}", name="BJ-007"), **{"Idempotency-Key": "k-1"})
    shanghai = auth(token(app, "branch", f"branch:{SH}", name="SH-001"), **{"Idempotency-Key": "k-1"})
    first = c.post("/agents", json=BJ_AGENT, headers=beijing)
    second = c.post("/agents", json=SH_AGENT, headers=shanghai)
    assert first.status_code == second.status_code == 200, second.text
    assert second.json()["duplicate"] is False
    assert "A0001" not in second.text and BJ not in second.text
    assert second.json()["result"]["agent_code"] == "B0001"
    # Shanghai's write was stored, not silently lost.
    assert app.get(Agent, Agent.id_for("B0001")).branch == SH
    # Each repeat answers its own principal's first answer.
    again = c.post("/agents", json=SH_AGENT, headers=shanghai)
    assert again.json() == {**second.json(), "duplicate": True}
    assert c.post("/agents", json=BJ_AGENT, headers=beijing).json() == {**first.json(), "duplicate": True}


def test_the_same_key_with_another_body_is_a_409_that_reveals_nothing_of_the_first(app):
    c = client(app)
    h = auth(token(app, "admin", name="ops-001"), **{"Idempotency-Key": "pas-0001"})
    first = c.post("/agents", json=BJ_AGENT, headers=h)
    assert first.status_code == 200
    stored = app.max_position()
    for other in (
        {**BJ_AGENT, "phone": "13900009999"},  # same type, one field differs
        body(factories.issue_policy()),  # another command altogether
    ):
        path = "/agents" if "code" in other else "/policies"
        r = c.post(path, json=other, headers=h)
        assert r.status_code == 409, r.text
        assert r.headers["content-type"] == PROBLEM
        assert r.json()["type"].endswith(":command-id-reused")
        for secret in ("RegisterAgent", "A0001", "13900001111", str(first.json()["position"])):
            assert secret not in r.text
    assert app.max_position() == stored


def test_the_canonical_body_ignores_spelling_that_does_not_change_the_command(app):
    c = client(app)
    h = auth(token(app, "admin", name="ops-001"), **{"Idempotency-Key": "same-instant"})
    at = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    first = c.post("/agents", json={**BJ_AGENT, "occurred_at": at.isoformat()}, headers=h)
    respelled = {**BJ_AGENT, "name": f"  {BJ_AGENT['name']} ", "occurred_at": "2026-03-02T18:00:00+08:00"}
    again = c.post("/agents", json=respelled, headers=h)
    assert first.status_code == again.status_code == 200, again.text
    assert again.json() == {**first.json(), "duplicate": True}


def test_import_sources_have_their_own_line_id_namespaces(app):
    def line(code: str, branch: str, phone: str, id_number: str) -> bytes:
        data = factories.register_agent(code, branch=branch, phone=phone, id_number=id_number)
        return json.dumps(
            {
                "line_id": "L-1",
                "type": "RegisterAgent",
                "occurred_at": "2026-03-01T09:00:00+08:00",
                "data": data.model_dump(mode="json", exclude={"command_id", "occurred_at"}),
            },
            ensure_ascii=False,
        ).encode()

    def run(source: str, file: str, *lines: bytes):
        return import_lines(app, list(lines), Actor.system(f"importer:{file}"), source=source)

    a = run("PAS", "a.jsonl", line("A0001", BJ, "13900001111", "110101198501015678"))
    b = run("HR", "a.jsonl", line("B0001", SH, "13700001111", "310101198001011111"))
    assert (a.applied, b.applied, b.duplicate) == (1, 1, 0), b.first_rejections
    assert app.get(Agent, Agent.id_for("B0001")).branch == SH
    # The same source again, in another file: a repeat; another body under its line id: refused.
    again = run("PAS", "resent.jsonl", line("A0001", BJ, "13900001111", "110101198501015678"))
    changed = run("PAS", "a.jsonl", line("A0001", BJ, "13900002222", "110101198501015678"))
    assert (again.duplicate, changed.rejected) == (1, 1)
    assert "RegisterAgent" not in changed.first_rejections[0].reason


def test_execute_many_compares_bodies_within_the_actors_namespace(app):
    alice, bob = Actor("S-alice", "admin"), Actor("S-bob", "admin")
    commands = [
        factories.register_agent(f"A{i:04d}", phone=f"139{i:08d}", command_id=f"k{i}") for i in range(300)
    ]
    for start in range(0, len(commands), 60):  # small batches: issue #11 point 1 (embedded pipeline)
        assert all(
            not isinstance(r, Exception) for r in app.execute_many(commands[start : start + 60], alice)
        )
    changed = [c.model_copy(update={"name": "王五"}) for c in commands[:50]]
    assert all(isinstance(r, CommandIdReused) for r in app.execute_many(changed, alice))
    repeated = app.execute_many(commands, alice)  # nothing to store: one read of the log
    assert all(r.duplicate for r in repeated)
    # Bob's identical keys are his own: his commands run (and are refused by the domain
    # for agents that exist, never answered with Alice's results).
    bobs = app.execute_many([factories.register_agent("C0001", phone="13600000001", command_id="k0")], bob)
    assert not isinstance(bobs[0], Exception) and bobs[0].duplicate is False


# ----- migration of a command log made before principals -------------------------------------
def _downgrade_to_todays_schema(app: PolicyTrail) -> None:
    """The command log exactly as the code before principals created it."""
    table = f'"{app.settings.events_schema}"."{app.trail_recorder.commands_table_name}"'
    with app.database.connect(autocommit=True) as conn:
        pkey = conn.execute(
            "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'p'", (table,)
        ).fetchone()[0]
        conn.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{pkey}"')
        conn.execute(f"ALTER TABLE {table} DROP COLUMN principal, DROP COLUMN body_sha256")
        conn.execute(f"ALTER TABLE {table} ADD PRIMARY KEY (command_id)")


@pytest.mark.timeout(240)
def test_a_command_log_from_before_principals_is_migrated_and_keeps_working(settings, database, clock):
    importer, staff = Actor.system("importer:upstream.jsonl"), Actor("S-001", "admin")
    imports = import_principal()  # before namespaces, every import shared one
    old = PolicyTrail(settings=settings, database=database, clock=clock)
    try:
        agents = [
            factories.register_agent(f"A{i:04d}", phone=f"139{i:08d}", command_id=f"import:L{i}")
            for i in range(2_000)
        ]
        for start in range(0, len(agents), 100):  # small batches: see issue #11 point 1 (embedded)
            assert not any(
                isinstance(r, Exception)
                for r in old.execute_many(agents[start : start + 100], importer, principal=imports)
            )
        first = old.execute(factories.issue_policy(command_id="pas-1", agent_code="A0001"), staff)
        _downgrade_to_todays_schema(old)
    finally:
        old.close()
    app = PolicyTrail(settings=settings, database=database, clock=clock)
    try:
        with app.database.connect() as conn:
            principals = dict(
                conn.execute(
                    f'SELECT principal, count(*) FROM "{settings.events_schema}".'
                    f'"{app.trail_recorder.commands_table_name}" GROUP BY 1'
                ).fetchall()
            )
        assert principals == {imports: 2_000, principal_key(staff): 1}
        # A repeat by the sender answers the first result; another type under the key is refused.
        again = app.execute(factories.issue_policy(command_id="pas-1", agent_code="A0001"), staff)
        assert again.duplicate and again.positions == first.positions and again.result == first.result
        with pytest.raises(CommandIdReused):
            app.execute(factories.register_agent("Z0001", phone="13600000009", command_id="pas-1"), staff)
        # Someone else's identical key is theirs: executed, not answered with the first result.
        other = app.execute(
            factories.issue_policy("P2026000009", command_id="pas-1", agent_code="A0002"),
            Actor("S-002", "admin"),
        )
        assert not other.duplicate and other.result != first.result
        resent = app.execute_many(agents[:100], Actor.system("importer:resent.jsonl"), principal=imports)
        assert all(r.duplicate for r in resent)
        new_cmd = RegisterAgent.model_validate(
            {**agents[0].model_dump(), "code": "A9999", "command_id": "n1"}
        )
        assert not app.execute(new_cmd.model_copy(update={"phone": "13800009999"}), staff).duplicate
    finally:
        app.close()
