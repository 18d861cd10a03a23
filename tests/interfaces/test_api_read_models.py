"""GETs on the read models: every endpoint, every role against another's scope, paging caps,
bad filters as 400 problem+json, a read model not built yet as 503 (on a demo month)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from interfaces.api import create_api
from tests.api_support import auth, token
from tests.read_api_support import BJ, MONTH, PREVIOUS, SH, demo_world

BJ_AGENT, SH_AGENT = "BJ0002", "SH0007"  # both have callbacks and policies in the month
BJ_POLICY, SH_POLICY = "PBJ261000009", "PSH260900008"

#: every list endpoint of the read models, with what makes it non-empty on the demo
LISTS = [
    "/audit-trail",
    f"/policies/{BJ_POLICY}/audit-trail",
    f"/agents/{BJ_AGENT}/audit-trail",
    "/timeliness",
    f"/scorecards/agents?month={MONTH}",
    f"/scorecards/branches?month={MONTH}",
    f"/kpis?by=branch&month_from={PREVIOUS}&month_to={MONTH}",
    "/worklists/calls",
    f"/worklists/work-orders?branch={BJ}",
    "/worklists/service-cases",
]


@pytest.fixture(scope="module")
def world(database) -> Iterator[tuple[Any, TestClient]]:
    with demo_world(database) as app:
        yield app, TestClient(create_api(app))


def kind(r: Any) -> str:
    assert r.headers["content-type"] == "application/problem+json", r.text
    return r.json()["type"].rsplit(":", 1)[1]


@pytest.fixture(scope="module")
def admin(world) -> dict[str, str]:
    return auth(token(world[0], "admin"))


@pytest.mark.parametrize("path", LISTS)
def test_every_list_answers_a_stable_non_empty_page(world, admin, path):
    _, c = world
    r = c.get(path, headers=admin)
    assert r.status_code == 200, r.text
    page = r.json()
    assert page["items"], path
    assert page["total"] >= len(page["items"]) and page["limit"] == 50 and page["offset"] == 0
    # paging: two pages of 3 are the first 6 rows of one page, nothing skipped or repeated
    sep = "&" if "?" in path else "?"
    first = c.get(f"{path}{sep}limit=3", headers=admin).json()
    second = c.get(f"{path}{sep}limit=3&offset=3", headers=admin).json()
    whole = c.get(f"{path}{sep}limit=6", headers=admin).json()
    assert first["items"] + second["items"] == whole["items"]
    assert first["next_offset"] == (3 if page["total"] > 3 else None)


def test_timeliness_summary_counts_add_up_and_match_the_list(world, admin):
    _, c = world
    summary = c.get("/timeliness/summary?group_by=branch", headers=admin).json()
    assert {g["key"] for g in summary["groups"]} == {BJ, SH, "广东分公司"}
    total = summary["total"]
    assert total["total"] == sum(g["total"] for g in summary["groups"])
    for g in summary["groups"]:
        statuses = ("normal", "warning", "overdue", "closed_on_time", "closed_late")
        assert sum(g[s] for s in statuses) + g["no_due"] == g["total"]
        assert g["overdue_rate"]["numerator"] == g["overdue"] + g["closed_late"]
    overdue = c.get("/timeliness?status=overdue&limit=1", headers=admin).json()
    assert overdue["total"] == total["overdue"] > 0
    at_risk = c.get("/timeliness?status=warning&status=overdue&kind=work_order", headers=admin).json()
    assert at_risk["items"] and all(i["status"]["en"] in {"warning", "overdue"} for i in at_risk["items"])
    assert all(i["kind"]["en"] == "work order handled by its deadline" for i in at_risk["items"])


def test_kpis_by_every_dimension_and_month_range(world, admin):
    _, c = world
    for by in ("branch", "channel", "product_type", "agent_code"):
        r = c.get(f"/kpis?by={by}&month_from={PREVIOUS}&month_to={MONTH}&limit=500", headers=admin)
        assert r.status_code == 200, r.text
        cards = r.json()["items"]
        assert {card["month"] for card in cards} <= {PREVIOUS, MONTH} and cards
        assert all(card["dimension"] == by for card in cards)
    branches = c.get(f"/kpis?by=branch&month_from={MONTH}", headers=admin).json()["items"]
    channels = c.get(f"/kpis?by=channel&month_from={MONTH}", headers=admin).json()["items"]
    due = sum(card["callbacks"]["due"] for card in branches)
    assert due == sum(card["callbacks"]["due"] for card in channels) > 0


# ----- scopes -------------------------------------------------------------------------------
#: (role, scope) → kind of scope: all / branch (Beijing) / agent (BJ0002)
CALLERS = [
    ("callcentre", "all", "all"),
    ("branch", f"branch:{BJ}", "branch"),
    ("agent", f"agent:{BJ_AGENT}", "agent"),
    ("servicer", f"agent:{BJ_AGENT}", "agent"),
    ("servicer", f"branch:{BJ}", "branch"),
    ("servicer", "all", "all"),
    ("manager", f"branch:{BJ}", "branch"),
    ("manager", "all", "all"),
    ("auditor", "all", "all"),
    ("regulator", "all", "all"),
    ("admin", "all", "all"),
]

#: asking for the other branch's / agent's data
OTHERS = [
    f"/audit-trail?branch={SH}",
    f"/audit-trail?agent_code={SH_AGENT}",
    f"/audit-trail?policy_number={SH_POLICY}",
    f"/policies/{SH_POLICY}/audit-trail",
    f"/agents/{SH_AGENT}/audit-trail",
    f"/timeliness?branch={SH}",
    f"/timeliness?agent_code={SH_AGENT}",
    f"/timeliness/summary?branch={SH}",
    f"/scorecards/agents?month={MONTH}&agent_code={SH_AGENT}",
    f"/scorecards/agents?month={MONTH}&branch={SH}",
    f"/scorecards/branches?month={MONTH}&branch={SH}",
    f"/kpis?month_from={MONTH}&branch={SH}",
    f"/kpis?month_from={MONTH}&agent_code={SH_AGENT}",
    f"/worklists/calls?branch={SH}",
    f"/worklists/work-orders?branch={SH}",
    f"/worklists/service-cases?branch={SH}",
]
#: another agent inside the same branch: only an agent token is refused
SAME_BRANCH_OTHER_AGENT = ["/timeliness?agent_code=BJ0001", f"/kpis?month_from={MONTH}&agent_code=BJ0001"]
#: a branch's or everyone's reads, refused to agent tokens whatever they ask
BRANCH_LEVEL = [f"/scorecards/branches?month={MONTH}", f"/worklists/work-orders?branch={BJ}"]


@pytest.mark.parametrize(("role", "scope", "reach"), CALLERS)
def test_every_role_against_another_scope(world, role, scope, reach):
    app, c = world
    h = auth(token(app, role, scope))
    for path in OTHERS:
        r = c.get(path, headers=h)
        if reach == "all":
            assert r.status_code == 200, (path, r.text)
        else:
            assert (r.status_code, kind(r)) == (403, "out-of-scope"), (path, r.text)
    for path in SAME_BRANCH_OTHER_AGENT:
        r = c.get(path, headers=h)
        expected = (403, "out-of-scope") if reach == "agent" else (200, None)
        assert (r.status_code, kind(r) if r.status_code >= 400 else None) == expected, path
    for path in BRANCH_LEVEL:
        r = c.get(path, headers=h)
        expected = (403, "out-of-scope") if reach == "agent" else (200, None)
        assert (r.status_code, kind(r) if r.status_code >= 400 else None) == expected, path


@pytest.mark.parametrize(("role", "scope", "reach"), CALLERS)
def test_unfiltered_reads_show_only_the_scope(world, role, scope, reach):
    app, c = world
    h = auth(token(app, role, scope))
    timeliness = c.get("/timeliness?limit=500", headers=h).json()["items"]
    audit = c.get("/audit-trail?limit=500", headers=h).json()
    kpis = c.get(f"/kpis?by=branch&month_from={MONTH}", headers=h).json()["items"]
    agents = c.get(f"/scorecards/agents?month={MONTH}&limit=500", headers=h).json()["items"]
    assert timeliness and audit["items"] and kpis and agents
    if reach == "all":
        assert {i["branch"] for i in timeliness} >= {BJ, SH}
        assert {k["key"] for k in kpis} >= {BJ, SH}
    elif reach == "branch":
        assert {i["branch"] for i in timeliness} == {BJ}
        assert {k["key"] for k in kpis} == {BJ}
        assert all(k.startswith("BJ") for a in audit["items"] for k in a["agent_codes"])
    else:
        assert {i["agent_code"] for i in timeliness} == {BJ_AGENT}
        assert [a["key"] for a in agents] == [BJ_AGENT]
        assert all(BJ_AGENT in a["agent_codes"] for a in audit["items"])
    # the policy's own trail: own branch's policy readable by everyone here
    assert c.get(f"/policies/{BJ_POLICY}/audit-trail", headers=h).status_code == 200


# ----- errors ---------------------------------------------------------------------------------
BAD = [
    "/kpis?month_from=2026-13",
    f"/kpis?month_from={MONTH}&month_to={PREVIOUS}",
    "/kpis?by=planet",
    "/scorecards/agents?month=202610",
    "/timeliness?status=late-ish",
    "/timeliness?kind=lunch",
    "/timeliness?rule=pc-2",
    "/timeliness?due_from=2026-10-31&due_to=2026-10-01",
    "/timeliness?due_from=0001-01-01",
    "/timeliness?branch=%00",
    "/timeliness/summary?group_by=colour",
    "/timeliness?agent_code=%E6%88%91",
    "/audit-trail?occurred_from=2026-10-01T00:00:00",
    "/audit-trail?occurred_from=2026-10-02T00:00:00%2B08:00&occurred_to=2026-10-01T00:00:00%2B08:00",
    "/audit-trail?aggregate_id=not-a-uuid",
    "/audit-trail?policy_number=x",
    "/worklists/work-orders",
    "/worklists/calls?limit=0",
    "/worklists/calls?limit=501",
    "/worklists/calls?offset=-1",
    "/agents/%20/audit-trail",
]


@pytest.mark.parametrize("path", BAD)
def test_bad_input_is_400_problem_json(world, admin, path):
    r = world[1].get(path, headers=admin)
    assert (r.status_code, kind(r)) == (400, "invalid-input"), r.text


def test_the_limit_cap_is_accepted_and_unknown_keys_are_404(world, admin):
    _, c = world
    assert c.get("/audit-trail?limit=500", headers=admin).json()["limit"] == 500
    for path in ("/policies/PXX000000001/audit-trail", "/agents/ZZ9999/audit-trail"):
        r = c.get(path, headers=admin)
        assert (r.status_code, kind(r)) == (404, "not-found"), path


@pytest.mark.parametrize("path", ["/timeliness", "/kpis", "/audit-trail", "/worklists/calls"])
def test_without_a_token_401(world, path):
    r = world[1].get(path)
    assert (r.status_code, kind(r)) == (401, "unauthenticated")


def test_read_models_not_built_yet_are_503_not_500(app):
    c = TestClient(create_api(app))
    h = auth(token(app, "admin"))
    for path in ("/timeliness", "/audit-trail", f"/kpis?month_from={MONTH}", "/worklists/calls"):
        r = c.get(path, headers=h)
        assert (r.status_code, kind(r)) == (503, "unavailable"), path


def test_openapi_documents_examples_for_every_read(world):
    spec = world[1].get("/openapi.json").json()
    for path in (
        "/audit-trail",
        "/policies/{policy_number}/audit-trail",
        "/agents/{code}/audit-trail",
        "/timeliness",
        "/timeliness/summary",
        "/scorecards/agents",
        "/scorecards/branches",
        "/kpis",
        "/worklists/calls",
        "/worklists/work-orders",
        "/worklists/service-cases",
    ):
        ok = spec["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
        assert ok.get("example"), path
    assert "/" not in spec["paths"] and "/login" not in spec["paths"]


def test_a_policys_trail_is_the_same_page_for_every_scope_and_unknown_policies_stay_404(world, admin):
    # all-scope tokens skip loading the policy when its page has rows; scoped ones load it
    app, c = world
    branch = auth(token(app, "branch", f"branch:{BJ}"))
    path = f"/policies/{BJ_POLICY}/audit-trail?limit=5"
    assert c.get(path, headers=admin).json() == c.get(path, headers=branch).json()
    assert c.get(f"/policies/{SH_POLICY}/audit-trail", headers=branch).status_code == 403
    for query in ("", "?cursor=not-a-cursor", "?rule=CB-03"):
        r = c.get(f"/policies/PZZ000000001/audit-trail{query}", headers=admin)
        assert r.status_code == 404 and kind(r) == "not-found", (query, r.text)
