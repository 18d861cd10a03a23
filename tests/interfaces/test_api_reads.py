"""Write-side reads: policy/agent state now and as-of, event history pages, health, me."""

from __future__ import annotations

from datetime import datetime, timedelta

import psycopg
import pytest

from interfaces.api.pagination import MAX_LIMIT
from tests import factories
from tests.api_support import auth, client, seed_two_branches, token


@pytest.fixture
def admin(app):
    seed_two_branches(app)
    # X-Access-Reason: admin reads unmasked only with a stated reason (RC-03)
    c, h = client(app), auth(token(app, "admin"), **{"X-Access-Reason": "api-test"})
    for day, phone in (("2026-03-01", None), (None, "13911112222"), (None, "13911113333")):
        if day:
            r = c.post("/policies/P2026000001/receipt-signature", json={"signed_on": day}, headers=h)
        else:
            r = c.post("/policies/P2026000001/contact-changes", json={"phone": phone}, headers=h)
        assert r.status_code == 200, r.text
    return c, h


def test_a_policy_now_and_as_of_an_earlier_version(admin):
    c, h = admin
    now = c.get("/policies/P2026000001", headers=h).json()
    assert (now["version"], now["latest_version"]) == (4, 4)
    assert now["policyholder"]["phone"]["number"] == "13911113333"
    assert now["insured"]["phone"]["number"] == "13911113333"  # the holder insured themself
    assert now["cooling_off_end"] == "2026-03-11"
    first = c.get("/policies/P2026000001?as_of_version=1", headers=h).json()
    assert (first["version"], first["latest_version"]) == (1, 4)
    assert first["policyholder"]["phone"]["number"] == "13812346138"
    assert first["receipt_signed_on"] is None


def test_a_policy_as_recorded_at_an_instant(admin):
    c, h = admin
    history = c.get("/policies/P2026000001/history", headers=h).json()["items"]
    at = history[1]["recorded_at"]  # the receipt signature
    shown = c.get("/policies/P2026000001", params={"recorded_as_of": at}, headers=h).json()
    assert shown["version"] == 2 and shown["receipt_signed_on"] == "2026-03-01"
    r = c.get("/policies/P2026000001", params={"recorded_as_of": "2020-01-01T00:00:00+08:00"}, headers=h)
    assert r.status_code == 404 and "record time" in r.json()["detail"]


@pytest.mark.parametrize(
    "query",
    [
        "as_of_version=0",
        "as_of_version=99",
        "as_of_version=x",
        "as_of=yesterday",
        "as_of=2026-03-01T10:00:00",
        "as_of_version=1&version=2",
        "version=0",
        "recorded_as_of=2026-03-01T10:00:00",
        "as_of=2020-01-01T00:00:00%2B08:00",
    ],
)
def test_bad_as_of_queries_are_4xx(admin, query):
    c, h = admin
    r = c.get(f"/policies/P2026000001?{query}", headers=h)
    assert r.status_code in (400, 404), r.text
    assert r.headers["content-type"] == "application/problem+json"


def test_history_pages_in_version_order_with_both_times(admin):
    c, h = admin
    pages, offset = [], 0
    while offset is not None:
        page = c.get(f"/policies/P2026000001/history?limit=3&offset={offset}", headers=h).json()
        assert page["total"] == 4 and page["limit"] == 3
        pages.append(page)
        offset = page["next_offset"]
    versions = [e["version"] for p in pages for e in p["items"]]
    assert versions == [1, 2, 3, 4] and len(pages) == 2
    first = pages[0]["items"][0]
    assert first["event"] == "Policy.Issued" and first["title"].startswith("保单承保")
    assert first["occurred_at"] and first["recorded_at"] and first["command_id"]
    assert pages[0]["items"][1]["rule_id"] == "CB-03"


@pytest.mark.parametrize("query", [f"limit={MAX_LIMIT + 1}", "limit=0", "offset=-1"])
def test_paging_is_capped(admin, query):
    c, h = admin
    assert c.get(f"/policies/P2026000001/history?{query}", headers=h).status_code == 400


def test_an_agent_and_its_history(admin):
    c, h = admin
    agent = c.get("/agents/a0001", headers=h).json()  # codes are normalised
    assert (agent["code"], agent["branch"], agent["status"]) == ("A0001", "北京分公司", "在职")
    assert agent["phone"]["number"] == "13900001111"
    assert c.get("/agents/A0001/history", headers=h).json()["items"][0]["event"] == "Agent.Registered"
    assert c.get("/agents/Z0404", headers=h).status_code == 404


def test_unknown_policies_are_404_and_malformed_numbers_400(admin):
    c, h = admin
    assert c.get("/policies/P2099999999", headers=h).status_code == 404
    assert c.get("/policies/P2099999999/history", headers=h).status_code == 404
    assert c.get("/policies/%E4%BF%9D%E5%8D%95", headers=h).status_code == 400


def test_health_needs_no_token_and_reports_the_log_position(app):
    r = client(app).get("/health")
    assert r.status_code == 200
    assert r.json()["database"]["reachable"] and r.json()["last_position"] == app.max_position()
    assert r.json()["projections"] is None


def test_health_reports_projection_lag_when_a_runtime_is_attached(app):
    def status():
        return [{"name": "audit_trail", "position": 0, "lag": 2}]

    seed_two_branches(app)
    r = client(app, projection_status=status).get("/health")
    assert r.json()["status"] == "degraded"
    [shown] = r.json()["projections"]
    assert (shown["name"], shown["position"], shown["lag"]) == ("audit_trail", 0, 2)


def test_health_is_unavailable_not_an_error_when_the_read_side_cannot_connect(app):
    def status():
        raise psycopg.OperationalError("FATAL: sorry, too many clients already")

    r = client(app, projection_status=status).get("/health")
    assert r.status_code == 503
    assert r.json()["status"] == "unavailable"
    database = r.json()["database"]
    assert (database["reachable"], database["error"]) == (False, "OperationalError")


def test_me_tells_the_caller_its_role_scope_and_actor(app, actor):
    app.execute(factories.register_agent("A0001"), actor)  # an agent token names a registered agent
    r = client(app).get("/me", headers=auth(token(app, "agent", "agent:a0001")))
    me = r.json()
    assert (me["role"], me["scope"], me["actor_id"]) == ("agent", "agent:A0001", "A0001")
    assert me["sees_personal_data"] is False and "read" in me["capabilities"]


def test_history_times_show_late_entries(app):
    seed_two_branches(app)
    c, h = client(app), auth(token(app, "auditor"))
    app.clock.advance(timedelta(days=4))  # registered four days ago; changed three days ago
    late = app.clock.now() - timedelta(days=3)
    admin = auth(token(app, "admin"))
    c.post(
        "/agents/A0001/phone-changes",
        json={"phone": "13900009999", "occurred_at": late.isoformat()},
        headers=admin,
    )
    entry = c.get("/agents/A0001/history", headers=h).json()["items"][-1]
    occurred, recorded = (datetime.fromisoformat(entry[k]) for k in ("occurred_at", "recorded_at"))
    assert occurred == late and recorded > occurred  # an auditor sees a late entry as such
