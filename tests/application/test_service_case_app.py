"""Policy-service cases through the application on PostgreSQL (PS-01..06, reactions)."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import UUID

import pytest

from application.agents import RecordAgentDeparture
from application.policies import LapsePolicy, ReassignAgent, ReinstatePolicy
from application.service_cases import (
    AssignServiceCase,
    ClassifyDifficultCase,
    CloseServiceCase,
    CreateServiceCard,
    FileDifficultCaseReport,
    OpenServiceCase,
    RecordContactAttempt,
    RecordPremiumDueDate,
    RecordReinstatementVisit,
    RecordServiceItem,
    RefuseServiceCase,
    ReviewReinstatementResult,
    SignServiceList,
)
from domain.planner import Planner
from domain.service_case import CaseStatus, ServiceCase, ServiceCaseIndex, ServiceClass
from domain.shared.errors import AlreadyExists, NotFound, RuleViolation
from tests import factories


def open_case_id(app, number: str = "P2026000001"):
    return app.get(ServiceCaseIndex, ServiceCaseIndex.id_for(number)).open_case_id


def events_of(app, aggregate_id) -> list:
    return list(app.repository.event_store.get(aggregate_id))


@pytest.fixture
def orphan(app, actor):
    """A policy of agent A0001, who left; servicer S0001 is active."""
    app.execute(factories.register_agent("A0001"), actor)
    app.execute(
        factories.register_agent("S0001", name="王五", id_number="110101198801019999", phone="13900002222"),
        actor,
    )
    app.execute(factories.issue_policy(), actor)
    app.execute(RecordAgentDeparture(code="A0001", departed_on=date(2026, 3, 1)), actor)
    return app


def test_ps01_reassignment_of_an_orphan_opens_an_assigned_case_with_the_previous_agent(orphan, actor):
    app = orphan
    app.execute(ReassignAgent(policy_number="P2026000001", new_agent_code="S0001"), actor)
    case = app.get(ServiceCase, open_case_id(app))
    assert (case.source, case.previous_agent_code, case.servicer_code) == ("离司人员转移", "A0001", "S0001")
    assert case.status == CaseStatus.ASSIGNED
    opened, assigned = events_of(app, case.id)[:2]
    assert opened.trigger == "保单业务员变更" and opened.previous_agent_departed is True
    assert assigned.card_due_on == date(2026, 3, 5) and assigned.rule_id == "PS-03"


def test_ps01_a_second_transfer_supersedes_the_open_case(orphan, actor):
    app = orphan
    app.execute(
        factories.register_agent("S0002", name="赵六", id_number="110101199101017777", phone="13900003333"),
        actor,
    )
    app.execute(ReassignAgent(policy_number="P2026000001", new_agent_code="S0001"), actor)
    first = open_case_id(app)
    app.execute(ReassignAgent(policy_number="P2026000001", new_agent_code="S0002", source="收展剥离"), actor)
    second = open_case_id(app)
    assert second != first
    old = app.get(ServiceCase, first)
    assert old.status == CaseStatus.CLOSED
    superseded = events_of(app, first)[-1]
    assert superseded.new_case_id == second and superseded.rule_id == "PS-01"
    new = app.get(ServiceCase, second)
    assert (new.source, new.previous_agent_code) == ("收展剥离", "S0001")


def test_ps01_reassignment_with_an_unknown_source_is_refused(orphan, actor):
    with pytest.raises(RuleViolation) as refused:
        orphan.execute(
            ReassignAgent(policy_number="P2026000001", new_agent_code="S0001", source="随便"), actor
        )
    assert refused.value.rule_id == "PS-01"


def test_ps01_explicit_open_for_other_sources_one_open_case_per_policy(app, actor):
    app.execute(factories.issue_policy(), actor)
    result = app.execute(OpenServiceCase(policy_number="P2026000001", source="外地转入"), actor).result
    case = app.get(ServiceCase, UUID(result["case_id"]))
    assert case.status == CaseStatus.UNASSIGNED and case.previous_agent_code == ""
    with pytest.raises(AlreadyExists):
        app.execute(OpenServiceCase(policy_number="P2026000001", source="公司会办"), actor)
    app.execute(CloseServiceCase(case_id=case.id, reason="转回原机构"), actor)
    app.execute(OpenServiceCase(policy_number="P2026000001", source="公司会办"), actor)


def test_ps01_explicit_agent_left_needs_the_departure_on_record(app, actor):
    app.execute(factories.issue_policy(), actor)
    with pytest.raises(NotFound):  # agent A0001 never registered
        app.execute(OpenServiceCase(policy_number="P2026000001", source="离司人员转移"), actor)
    app.execute(factories.register_agent("A0001"), actor)
    with pytest.raises(RuleViolation) as refused:  # registered and still active
        app.execute(OpenServiceCase(policy_number="P2026000001", source="离司人员转移"), actor)
    assert refused.value.rule_id == "PS-01"


def test_ps03_a_departed_agent_cannot_be_the_servicer(orphan, actor):
    app = orphan
    case_id = app.execute(OpenServiceCase(policy_number="P2026000001", source="公司会办"), actor).result[
        "case_id"
    ]
    with pytest.raises(RuleViolation, match="PS-03"):
        app.execute(AssignServiceCase(case_id=case_id, servicer_code="A0001"), actor)


def test_ps03_refusal_without_cause_bars_the_planner_from_allocation(orphan, actor):
    app = orphan
    app.execute(ReassignAgent(policy_number="P2026000001", new_agent_code="S0001"), actor)
    app.execute(RefuseServiceCase(case_id=open_case_id(app), servicer_code="S0001"), actor)
    planner = app.get(Planner, Planner.id_for("S0001"))
    (bar,) = planner.bars
    assert bar.rule_id == "PS-03" and planner.bars_for("2026-04")
    assert app.get(ServiceCase, open_case_id(app)).status == CaseStatus.UNASSIGNED


def test_ps06_lapse_opens_a_lapsed_case_and_reinstatement_makes_it_normal(app, actor):
    app.execute(factories.issue_policy(), actor)
    app.execute(LapsePolicy(policy_number="P2026000001", lapsed_on=date(2026, 3, 1)), actor)
    case = app.get(ServiceCase, open_case_id(app))
    assert (case.source, case.service_class, case.status) == (
        "失效转移",
        ServiceClass.LAPSED,
        CaseStatus.UNASSIGNED,
    )
    assert case.previous_agent_code == "A0001"
    app.execute(ReinstatePolicy(policy_number="P2026000001", reinstated_on=date(2026, 3, 2)), actor)
    assert app.get(ServiceCase, case.id).service_class == ServiceClass.NORMAL


def test_ps06_lapse_of_a_policy_in_service_reclassifies_its_open_case(orphan, actor):
    app = orphan
    app.execute(ReassignAgent(policy_number="P2026000001", new_agent_code="S0001"), actor)
    case_id = open_case_id(app)
    app.execute(LapsePolicy(policy_number="P2026000001", lapsed_on=date(2026, 3, 2)), actor)
    assert open_case_id(app) == case_id
    case = app.get(ServiceCase, case_id)
    assert case.service_class == ServiceClass.LAPSED
    assert events_of(app, case_id)[-1].rule_id == "PS-06"


def test_ps_scenario_from_orphan_transfer_to_service_items(orphan, actor, clock):
    """PS-01..06 end to end through the application, idempotent by command id."""
    app = orphan
    app.execute(ReassignAgent(policy_number="P2026000001", new_agent_code="S0001"), actor)
    case_id = open_case_id(app)
    app.execute(RecordPremiumDueDate(case_id=case_id, premium_due_on=date(2026, 3, 20)), actor)
    sign = SignServiceList(case_id=case_id, servicer_code="S0001", command_id="sign-1")
    app.execute(sign, actor)
    assert app.execute(sign, actor).duplicate  # same command id: one effect

    clock.advance(timedelta(days=4))  # the card comes a day late (3 days allowed)
    app.execute(CreateServiceCard(case_id=case_id, card_number="K-0001"), actor)
    card = events_of(app, case_id)[-1]
    assert card.late and card.days_taken == 4 and card.allowance_forfeited

    for method in ["1", "2", "3", "4", "5", "6"]:
        app.execute(RecordContactAttempt(case_id=case_id, method=method, reached=False), actor)
    with pytest.raises(RuleViolation) as refused:
        app.execute(ClassifyDifficultCase(case_id=case_id), actor)
    assert refused.value.rule_id == "PS-02"
    assert refused.value.details["missing_method_numbers"] == [7]
    result = app.execute(RecordContactAttempt(case_id=case_id, method="7", reached=False), actor).result
    assert result["missing_methods"] == []
    result = app.execute(ClassifyDifficultCase(case_id=case_id), actor).result
    assert result["service_class"] == "困难件" and result["report_due_on"] == "2026-03-19"
    app.execute(FileDifficultCaseReport(case_id=case_id), actor)
    filed = events_of(app, case_id)[-1]
    assert filed.rule_id == "PS-04" and not filed.late

    # the insured is the policyholder here (an adult): reaching them makes the case normal
    app.execute(RecordContactAttempt(case_id=case_id, method="2", party="被保险人", reached=True), actor)
    assert app.get(ServiceCase, case_id).service_class == ServiceClass.NORMAL
    app.execute(
        RecordServiceItem(
            case_id=case_id,
            item="收费方式确认",
            content="确认银行转账交费",
            customer_attitude="满意",
            result="已办理转账授权",
        ),
        actor,
    )
    item = events_of(app, case_id)[-1]
    assert item.rule_id == "PS-05" and item.card_number == "K-0001"

    app.execute(LapsePolicy(policy_number="P2026000001", lapsed_on=date(2026, 3, 6)), actor)
    app.execute(RecordReinstatementVisit(case_id=case_id, outcome="同意复效待办理"), actor)
    with pytest.raises(RuleViolation, match="PS-06"):
        app.execute(ReviewReinstatementResult(case_id=case_id, reviewer="S0001"), actor)
    app.execute(ReviewReinstatementResult(case_id=case_id, reviewer="QC-01"), actor)
    reviewed = events_of(app, case_id)[-1]
    assert reviewed.confirmed and reviewed.rule_id == "PS-06"


def test_ps01_agent_left_source_for_an_active_agent_is_refused_other_sources_pass(app, actor):
    app.execute(factories.register_agent("A0001"), actor)
    app.execute(
        factories.register_agent("S0001", name="王五", id_number="110101198801019999", phone="13900002222"),
        actor,
    )
    app.execute(factories.issue_policy(), actor)
    with pytest.raises(RuleViolation) as refused:  # default source 离司人员转移, but A0001 is active
        app.execute(ReassignAgent(policy_number="P2026000001", new_agent_code="S0001"), actor)
    assert refused.value.rule_id == "PS-01"
    app.execute(ReassignAgent(policy_number="P2026000001", new_agent_code="S0001", source="部门合并"), actor)
    case = app.get(ServiceCase, open_case_id(app))
    assert (case.source, case.previous_agent_code) == ("部门合并", "A0001")
