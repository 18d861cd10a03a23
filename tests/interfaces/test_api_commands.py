"""Command endpoints: every policy/agent command over HTTP, idempotency, actor, errors."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from application.agents import RegisterAgent
from application.errors import CommandIdReused, ConcurrencyConflict
from application.policies import IssuePolicy
from domain.shared.errors import AlreadyExists, DomainError, InvalidInput, NotFound, RuleViolation
from interfaces.api import create_api
from interfaces.api.commands import example_for
from interfaces.api.routes import COMMAND_TABLES, agents, policies
from tests import factories
from tests.api_support import auth, body, client, token

PROBLEM = "application/problem+json"
ROUTES = [route for _, table in COMMAND_TABLES for route in table]


def problem_type(response) -> str:
    assert response.headers["content-type"] == PROBLEM, response.text
    return response.json()["type"].rsplit(":", 1)[1]


@pytest.fixture
def admin(app) -> tuple[TestClient, dict[str, str]]:
    return client(app), auth(token(app, "admin", name="ops-001"))


#: commands with a route of their own (not a CommandRoute) or issued by the API itself
NOT_COMMAND_ROUTES = {
    "EraseSubject",  # POST /subjects/{subject}/erasure: destroys keys after the event
    "RecordPersonalDataRead",  # recorded by every unmasked read (RC-03)
    "RecordUnmaskedExport",  # POST /exports records the access (RC-03)
}


def test_every_registered_command_has_exactly_one_route(app):
    routed = [route.command for route in ROUTES]
    handled = [c.__name__ for c in app.registry.handlers if c.__name__ not in NOT_COMMAND_ROUTES]
    assert sorted(c.__name__ for c in routed) == sorted(handled)
    assert len({route.path for route in ROUTES}) == len(ROUTES)


def test_issue_policy_answers_its_positions_and_records_the_tokens_actor(app, admin):
    c, headers = admin
    r = c.post("/policies", json=body(factories.issue_policy()), headers=headers)
    assert r.status_code == 200, r.text
    answer = r.json()
    assert answer["command_type"] == "IssuePolicy"
    assert answer["position"] == answer["positions"][-1] == app.max_position()
    assert answer["result"]["policy_number"] == "P2026000001"
    assert answer["duplicate"] is False
    history = c.get("/policies/P2026000001/history", headers=headers).json()["items"]
    assert {(e["actor_id"], e["actor_role"]) for e in history} == {("ops-001", "admin")}
    assert history[0]["command_id"] == answer["command_id"]


@pytest.mark.parametrize("field", ["actor", "command_id"])
def test_the_body_can_set_neither_actor_nor_command_id(app, admin, field):
    c, headers = admin
    data = {**body(factories.register_agent()), field: "someone-else"}
    r = c.post("/agents", json=data, headers=headers)
    assert r.status_code == 400 and problem_type(r) == "invalid-input"
    assert app.max_position() == 0


def test_a_retried_post_with_the_same_idempotency_key_returns_the_first_answer(app, admin):
    c, headers = admin
    keyed = {**headers, "Idempotency-Key": "pas-20260302-0001"}
    first = c.post("/agents", json=body(factories.register_agent()), headers=keyed)
    stored = app.max_position()
    again = c.post("/agents", json=body(factories.register_agent()), headers=keyed)
    assert first.status_code == again.status_code == 200
    assert again.json() == {**first.json(), "duplicate": True}
    assert first.json()["command_id"] == "pas-20260302-0001"
    assert app.max_position() == stored


def test_an_idempotency_key_reused_for_another_command_is_a_409(app, admin):
    c, headers = admin
    keyed = {**headers, "Idempotency-Key": "k-1"}
    assert c.post("/agents", json=body(factories.register_agent()), headers=keyed).status_code == 200
    r = c.post("/policies", json=body(factories.issue_policy()), headers=keyed)
    assert r.status_code == 409 and problem_type(r) == "command-id-reused"


def test_every_policy_and_agent_command_runs_over_http(app, admin):
    c, h = admin
    steps = [
        ("/branches", {"name": "北京分公司"}),  # from now on every branch named must be known
        ("/agents", body(factories.register_agent("A0001"))),
        ("/agents", body(factories.register_agent("A0002", phone="13900002222"))),
        ("/policies", body(factories.issue_policy("P2026000001"))),
        ("/policies", body(factories.issue_policy("P2026000002"))),
        ("/policies/P2026000001/receipt-signature", {"signed_on": "2026-03-01"}),
        ("/policies/P2026000001/receipt-registration", {"registered_on": "2026-03-02"}),
        ("/policies/P2026000001/contact-changes", {"phone": "13911112222"}),
        ("/policies/P2026000001/cooling-off-cancellation", {"cancelled_on": "2026-03-02"}),
        ("/policies/P2026000002/lapse", {"lapsed_on": "2026-03-02"}),
        ("/policies/P2026000002/reinstatement", {"reinstated_on": "2026-03-02"}),
        (
            "/agents/A0001/rank-changes",
            {"rank_series": "销售", "rank_level": "高级", "effective_on": "2026-03-01"},
        ),
        ("/agents/A0001/phone-changes", {"phone": "13900003333"}),
        ("/agents/A0001/departure", {"departed_on": "2026-03-01", "reason": "个人原因"}),
        # PS-01: an orphan transfer needs the previous agent to have left
        ("/policies/P2026000001/agent-reassignments", {"new_agent_code": "A0002"}),
    ]
    used = set()
    for path, data in steps:
        r = c.post(path, json=data, headers=h)
        assert r.status_code == 200, (path, r.text)
        assert r.json()["positions"], path
        used.add(r.json()["command_type"])
    assert used == {route.command.command_type for route in policies.COMMANDS + agents.COMMANDS}
    policy = c.get("/policies/P2026000001", params={"access_reason": "test"}, headers=h).json()
    assert (policy["status"], policy["agent_code"]) == ("犹豫期撤单", "A0002")
    assert policy["policyholder"]["phone"]["number"] == "13911112222"


def test_business_time_comes_from_the_body_when_given(app, admin):
    c, h = admin
    data = {**body(factories.register_agent()), "occurred_at": "2026-02-27T09:30:00+08:00"}
    assert c.post("/agents", json=data, headers=h).status_code == 200
    event = c.get("/agents/A0001/history", headers=h).json()["items"][0]
    assert event["occurred_at"].startswith("2026-02-27T09:30:00")


# ----- error classes ---------------------------------------------------------------------
@pytest.fixture
def issued(app, admin):
    c, h = admin
    assert c.post("/policies", json=body(factories.issue_policy()), headers=h).status_code == 200
    return c, h


@pytest.mark.parametrize(
    ("path", "data", "status", "kind"),
    [
        ("/policies/P2026000001/receipt-signature", {"signed_on": "yesterday"}, 400, "invalid-input"),
        ("/policies/P2026000001/receipt-signature", {}, 400, "invalid-input"),
        ("/policies/P2026000001/receipt-signature", [1, 2], 400, "invalid-input"),
        ("/policies/P2026000001/receipt-signature", {"signed_on": "1066-10-14"}, 400, "invalid-input"),
        ("/policies/P2026000001/contact-changes", {"phone": "12345"}, 400, "invalid-input"),
        ("/policies/P2026000001/contact-changes", {"phone": "1391111\u00002222"}, 400, "invalid-input"),
        ("/policies/%3F%3F/receipt-signature", {"signed_on": "2026-03-01"}, 400, "invalid-input"),
        ("/policies/P2099999999/receipt-signature", {"signed_on": "2026-03-01"}, 404, "not-found"),
        ("/agents/Z9999/departure", {"departed_on": "2026-03-01"}, 404, "not-found"),
        (
            "/policies/P2026000001/receipt-registration",
            {"registered_on": "2026-03-02"},
            422,
            "rule-violation",
        ),
    ],
)
def test_bad_input_is_a_4xx_problem(app, issued, path, data, status, kind):
    c, h = issued
    before = app.max_position()
    r = c.post(path, json=data, headers=h)
    assert r.status_code == status, r.text
    assert problem_type(r) == kind
    problem = r.json()
    assert problem["status"] == status and problem["title_zh"] and problem["title_en"]
    assert problem["detail"] and problem["instance"] == path
    assert app.max_position() == before


def test_a_rule_refusal_names_the_rule(issued):
    c, h = issued
    r = c.post("/policies/P2026000001/receipt-registration", json={"registered_on": "2026-03-02"}, headers=h)
    assert r.json()["rule"] == "CB-03"
    assert "回执尚未签收" in r.json()["detail_zh"]


def test_an_existing_business_key_is_a_409(issued):
    c, h = issued
    r = c.post("/policies", json=body(factories.issue_policy()), headers=h)
    assert r.status_code == 409 and problem_type(r) == "already-exists"


def test_malformed_json_is_a_400(issued):
    c, h = issued
    r = c.post(
        "/policies/P2026000001/receipt-signature",
        content=b'{"signed_on": ',
        headers={**h, "Content-Type": "application/json"},
    )
    assert r.status_code == 400 and problem_type(r) == "invalid-input"
    assert r.json()["errors"]


def test_authentication_and_unknown_routes_are_problems(app, issued):
    c, _ = issued
    missing = c.post("/policies/P2026000001/lapse", json={"lapsed_on": "2026-03-02"})
    wrong = c.post("/policies/P2026000001/lapse", json={}, headers=auth("pt_not-a-token"))
    assert missing.status_code == wrong.status_code == 401
    assert problem_type(missing) == problem_type(wrong) == "unauthenticated"
    assert missing.headers["www-authenticate"].startswith("Bearer")
    assert problem_type(c.get("/nowhere")) == "not-found"
    r = c.delete("/policies", headers=auth(token(app, "admin")))
    assert r.status_code == 405 and problem_type(r) == "method-not-allowed"


@pytest.mark.parametrize(
    ("error", "status", "kind"),
    [
        (RuleViolation("CB-05", "late", "迟"), 422, "rule-violation"),
        (NotFound("gone", "无"), 404, "not-found"),
        (AlreadyExists("taken", "已有"), 409, "already-exists"),
        (ConcurrencyConflict("busy", "忙"), 409, "conflict"),
        (CommandIdReused("reused", "重复"), 409, "command-id-reused"),
        (InvalidInput("bad", "坏"), 400, "invalid-input"),
        (DomainError("odd", "怪"), 400, "invalid-input"),
    ],
)
def test_each_error_class_maps_to_its_problem(app, error, status, kind):
    api = create_api(app)

    def fail() -> None:
        raise error

    api.add_api_route("/test-error", fail)
    r = TestClient(api).get("/test-error")
    assert r.status_code == status and problem_type(r) == kind
    assert r.json()["detail_zh"] == error.message_zh
    assert r.json().get("rule") == getattr(error, "rule_id", None)


# ----- read-your-writes hook ---------------------------------------------------------------
@pytest.mark.parametrize(("reached", "status"), [(True, 200), (False, 202)])
def test_consistency_wait_answers_after_the_read_models_or_202(app, reached, status):
    waited: list[tuple[int, float]] = []

    def wait_for(position: int, timeout: float) -> bool:
        waited.append((position, timeout))
        return reached

    c = client(app, wait_for=wait_for, wait_timeout=2.5)
    h = auth(token(app, "admin"))
    r = c.post("/agents?consistency=wait", json=body(factories.register_agent()), headers=h)
    assert r.status_code == status
    assert waited == [(r.json()["position"], 2.5)]
    r = c.post("/policies", json=body(factories.issue_policy()), headers={**h, "X-Consistency": "wait"})
    assert r.status_code == status and len(waited) == 2
    c.post("/agents/A0001/phone-changes", json={"phone": "13900002222"}, headers=h)
    assert len(waited) == 2  # no wait unless asked


# ----- OpenAPI ------------------------------------------------------------------------------
#: a valid value for each path parameter of the route tables
PATH_VALUES = {
    "policy_number": "P2026000001",
    "code": "A0001",
    "agent_code": "A0001",
    "owner_code": "A0001",
    "work_order_id": "7d9f0c1e-8a42-4d55-9a0e-3f6b1c2d4e5f",
    "case_id": "7d9f0c1e-8a42-4d55-9a0e-3f6b1c2d4e5f",
    "branch": "北京分公司",
    "month": "2026-03",
    "complaint_no": "TS2026030001",
    "claim_no": "CL2026030001",
    "expiry_on": "2026-06-30",
}


def test_openapi_documents_every_command_with_a_valid_example_and_its_problems(app):
    spec = client(app).get("/openapi.json").json()
    for route in ROUTES:
        op = spec["paths"][route.path]["post"]
        content = op.get("requestBody", {}).get("content", {}).get("application/json")
        example = content["examples"]["example"]["value"] if content else {}
        filled = {f: PATH_VALUES[f] for f in route.path_fields} | {f: "token" for f in route.from_token}
        route.command.model_validate({**example, **filled})
        assert {"400", "401", "403", "404", "409", "422"} <= set(op["responses"]), route.path
        assert "application/problem+json" in op["responses"]["422"]["content"]
    assert "Problem" in spec["components"]["schemas"]
    assert client(app).get("/docs").status_code == 200


def test_examples_are_built_from_the_model_when_a_route_gives_none():
    route = next(r for r in ROUTES if r.command is IssuePolicy)
    generated = example_for(type(route)(route.path, IssuePolicy, route.needs, route.owner))
    assert generated["number"] == "P2026000001" and "insured" in generated
    agent_route = next(r for r in ROUTES if r.command is RegisterAgent)
    assert set(
        example_for(type(agent_route)(agent_route.path, RegisterAgent, agent_route.needs, agent_route.owner))
    ) >= {
        "code",
        "branch",
        "joined_on",
    }


# ----- fields that name the actor come from the token --------------------------------------
def test_the_caller_of_a_call_attempt_is_the_token_never_the_body(app, admin):
    from domain.callback import Callback

    c, h = admin
    assert c.post("/policies", json=body(factories.issue_policy()), headers=h).status_code == 200
    r = c.post(
        "/policies/P2026000001/receipt-registration",
        json={"registered_on": "2026-03-02", "signed_on": "2026-03-01"},
        headers=h,
    )
    assert r.status_code == 200, r.text  # the callback is due now
    agent = auth(token(app, "callcentre", name="CC-1001"))
    attempt = {"result": "无人接听", "recording_ref": "REC-0001"}
    spoofed = c.post("/callbacks/P2026000001/attempts", json={**attempt, "caller": "X"}, headers=agent)
    assert spoofed.status_code == 400
    assert c.post("/callbacks/P2026000001/attempts", json=attempt, headers=agent).status_code == 200
    last = list(app.events.get(Callback.id_for("P2026000001")))[-1]
    assert (last.caller_id, last.actor.id, last.actor.role) == ("CC-1001", "CC-1001", "callcentre")
