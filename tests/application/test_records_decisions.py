"""Decisions explain themselves (issue 15 point 2), and every aggregate kind is readable.

Expected values are worked out from RULES.md: CB-03 (cooling-off 10 natural days for
个险 from the day after signing), CA-02 (three failed attempts in a cycle → 核实件
联系不上), PC-01/PC-02 (a 核实件 work order, 7 natural days from creation).
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest

from application.agents import RecordAgentDeparture
from application.allocation import AllocateResources, RegisterCustomerResources, ResourceIn
from application.planners import RecordPlannerMonthlyInputs
from application.policies import ReassignAgent
from domain.rule_catalogue import CATALOGUE
from domain.service_case import ServiceCaseIndex
from tests import factories
from tests.api_support import BJ, auth, client, seed_two_branches, token
from tests.callback_steps import at, attempt, open_callback
from tests.support import ROOT

NUMBER = "P2026000009"


@pytest.fixture
def unreachable(app, actor):
    """A Beijing callback (receipt signed and registered 03-02) and three failed calls."""
    seed_two_branches(app)
    open_callback(app, actor, number=NUMBER)
    for day in (3, 4, 5):
        attempt(app, at(day, 10), number=NUMBER)
    return client(app), auth(token(app, "auditor"))


def _rules(decision) -> list[str]:
    return [r["rule_id"] for r in decision["rules"]]


def test_cb03_ca02_callback_decisions_say_which_rule_what_it_used_and_what_it_decided(unreachable):
    c, h = unreachable
    page = c.get(f"/callbacks/{NUMBER}/decisions", headers=h).json()
    decisions = page["items"]
    assert page["total"] == len(decisions) >= 3
    assert [d["version"] for d in decisions] == sorted(d["version"] for d in decisions)

    opened = decisions[0]
    assert "CB-03" in _rules(opened)
    cb03 = next(r for r in opened["rules"] if r["rule_id"] == "CB-03")
    assert "cooling-off" in cb03["text_en"] and "犹豫期" in cb03["text_zh"] and cb03["title_zh"]
    # signed 03-02, 个险: 10 natural days from 03-03 → the cooling-off ends 03-12
    assert opened["inputs"]["receipt_signed_on"] == "2026-03-02"
    assert opened["outcome"]["cooling_off_end"] == "2026-03-12"

    # the third failed attempt of the cycle decides a 核实件 / 联系不上 (CA-02, OC-04)
    last = decisions[-1]
    assert {"CA-02", "OC-04"} <= set(_rules(last))
    assert last["outcome"]["outcome_class"] == "核实件" and last["outcome"]["subtype"] == "联系不上"
    assert last["inputs"]["attempt_results"] == ["无人接听"] * 3
    assert last["occurred_at"] == "2026-03-05T10:00:00+08:00" and last["recorded_at"]
    assert (last["actor_id"], last["actor_role"]) == ("cc-001", "callcentre")
    attempts = [d for d in decisions if d["event"] == "Callback.AttemptRecorded"]
    assert [d["inputs"]["attempt_no"] for d in attempts] == [1, 2, 3]
    assert all("CA-01" in _rules(d) for d in attempts)  # every attempt was inside a call window

    # the aggregate's GET carries the same decisions (the latest ones)
    shown = c.get(f"/callbacks/{NUMBER}", headers=h).json()
    assert shown["decisions_total"] == page["total"]
    assert [d["version"] for d in shown["decisions"]] == [d["version"] for d in decisions]


def test_pc01_pc02_the_work_order_says_why_its_deadline_is_what_it_is(unreachable):
    c, h = unreachable
    state = c.get(f"/callbacks/{NUMBER}", headers=h).json()["state"]
    (wo_id,) = state["work_order_ids"]
    record = c.get(f"/work-orders/{wo_id}", headers=h).json()
    assert record["kind"] == "work_order" and record["state"]["work_order_type"] == "核实件"
    (created,) = c.get(f"/work-orders/{wo_id}/decisions", headers=h).json()["items"]
    assert set(_rules(created)) == {"PC-01", "PC-02"}
    pc02 = next(r for r in created["rules"] if r["rule_id"] == "PC-02")
    assert "7 natural days" in pc02["text_en"] and "自然日" in pc02["text_zh"]
    # created 03-05; 核实件: 7 natural days → deadline 03-12
    assert created["inputs"]["created_on"] == "2026-03-05" and created["inputs"]["deadline_days"] == 7
    assert created["outcome"]["deadline_on"] == "2026-03-12"
    assert created["outcome"]["work_order_type"] == "核实件"
    history = c.get(f"/work-orders/{wo_id}/history", headers=h).json()
    assert history["total"] == 1 and history["items"][0]["rule_ids"] == ["PC-01", "PC-02"]


def test_decisions_on_the_business_axis_leave_out_what_happened_later(unreachable):
    c, h = unreachable
    before_third = c.get(
        f"/callbacks/{NUMBER}/decisions", params={"as_of": "2026-03-04T12:00:00+08:00"}, headers=h
    ).json()
    events = [d["event"] for d in before_third["items"]]
    assert events.count("Callback.AttemptRecorded") == 2 and "Callback.OutcomeDecided" not in events


def test_cb03_policy_decisions_and_the_typed_policy_view(app):
    seed_two_branches(app)
    c, h = client(app), auth(token(app, "admin"))
    r = c.post("/policies/P2026000001/receipt-signature", json={"signed_on": "2026-03-01"}, headers=h)
    assert r.status_code == 200, r.text
    decisions = c.get("/policies/P2026000001/decisions", headers=h).json()["items"]
    signed = next(d for d in decisions if "CB-03" in _rules(d))
    assert signed["outcome"]["cooling_off_end"] == "2026-03-11"  # 03-02 .. 03-11
    view = c.get("/policies/P2026000001", headers=h).json()
    assert view["cooling_off_end"] == "2026-03-11" and view["decisions_total"] == len(decisions)
    assert view["late_entries"] == [] and view["axes"] == {
        "as_of": None,
        "recorded_as_of": None,
        "version": None,
    }


def test_every_rule_id_the_code_cites_is_in_the_shipped_catalogue():
    cited: set[str] = set()
    pattern = re.compile(r"\b(?:CB|CA|QN|OC|DP|PC|SP|KP|PS|CR|SC|SL|RC)-\d{2}[a-z]?\b")  # RC-01b too
    for package in ("domain", "application", "projections", "interfaces"):
        for path in (ROOT / package).rglob("*.py"):
            if path.name != "rule_catalogue.py":
                cited |= set(pattern.findall(path.read_text(encoding="utf-8")))
    assert len(cited) > 40
    assert cited - set(CATALOGUE) == set()
    for rule in CATALOGUE.values():
        assert rule.title_zh and rule.title_en and rule.text_zh and rule.text_en, rule.rule_id
        assert re.search(r"[\u4e00-\u9fff]", rule.text_zh), rule.rule_id


def test_every_aggregate_kind_reads_on_both_axes_with_history_and_decisions(app, actor):
    seed_two_branches(app)
    # planners with last month's inputs (SC-01) and an allocation round (CR-01, SC-03)
    app.execute(RecordAgentDeparture(code="B0001", departed_on=date(2026, 3, 1)), actor)
    app.execute(factories.register_agent("A0002", id_number="110101198601016666", phone="13900003333"), actor)
    for code in ("A0001", "A0002"):
        app.execute(
            RecordPlannerMonthlyInputs(
                agent_code=code,
                month="2026-02",
                premium_task_rate=Decimal("1"),
                attendance_rate=Decimal("1"),
                work_log_pass_rate=Decimal("1"),
                discretion_points=5,
            ),
            actor,
        )
    resources = [
        ResourceIn(
            resource_id=f"R{i}",
            resource_class="续期",
            policy_number=f"P2025{i:06d}",
            amount=Decimal(1000 + i),
        )
        for i in range(4)
    ]
    app.execute(RegisterCustomerResources(branch=BJ, month="2026-03", resources=resources), actor)
    app.execute(AllocateResources(branch=BJ, month="2026-03", planner_codes=["A0001", "A0002"]), actor)
    # a service case: the Shanghai policy's agent left, the policy goes to A0002 (PS-01)
    app.execute(ReassignAgent(policy_number="P2026000002", new_agent_code="A0002"), actor)
    case_id = app.get(ServiceCaseIndex, ServiceCaseIndex.id_for("P2026000002")).open_case_id

    c, h = client(app), auth(token(app, "auditor"))
    paths = {
        "policy": "/policies/P2026000001",
        "agent": "/agents/A0001",
        "planner": "/planners/A0001",
        "allocation_round": f"/allocation-rounds/{BJ}/2026-03",
        "service_case": f"/service-cases/{case_id}",
    }
    for kind, path in paths.items():
        for suffix in ("", "/history", "/decisions"):
            r = c.get(path + suffix, headers=h)
            assert r.status_code == 200, (kind, suffix, r.text)
            r = c.get(path + suffix, params={"as_of": "2026-03-02T10:00:00+08:00"}, headers=h)
            assert r.status_code == 200, (kind, suffix, r.text)
            r = c.get(path + suffix, params={"as_of": "2026-03-01T00:00:00+08:00"}, headers=h)
            assert r.status_code == 404 and "business time" in r.json()["detail"], (kind, suffix)
    round_decisions = c.get(paths["allocation_round"] + "/decisions", headers=h).json()["items"]
    assert any("SC-03" in _rules(d) for d in round_decisions)
    case_decisions = c.get(paths["service_case"] + "/decisions", headers=h).json()["items"]
    assert any("PS-01" in _rules(d) for d in case_decisions)
    planner = c.get(paths["planner"], headers=h).json()
    assert planner["kind"] == "planner" and "2026-02" in planner["state"]["inputs"]
    agent = c.get(paths["agent"], headers=h).json()
    assert agent["name"] == "李*" and agent["phone"]["number"] == "139****1111"  # masked (RC-03)

    # an agent token reads its own planner record, not the branch's allocation round
    own = auth(token(app, "agent", "agent:A0001"))
    assert c.get(paths["planner"], headers=own).status_code == 200
    assert c.get("/planners/A0002", headers=own).status_code == 403
    assert c.get(paths["allocation_round"], headers=own).status_code == 403
    assert c.get(f"/allocation-rounds/{BJ}/2026-13", headers=h).status_code == 400
    assert c.get(f"/allocation-rounds/{BJ}/2026-04", headers=h).status_code == 404
