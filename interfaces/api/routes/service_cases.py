"""保单服务件 Service cases: the command route table (key: the case id)."""

from __future__ import annotations

from application.service_cases import (
    AssignServiceCase,
    ClassifyDifficultCase,
    CloseServiceCase,
    CreateServiceCard,
    DeliverSurvivalBenefitNotice,
    FileDifficultCaseReport,
    OpenServiceCase,
    RecordContactAttempt,
    RecordPremiumDueDate,
    RecordReinstatementVisit,
    RecordServiceItem,
    RefuseServiceCase,
    ReviewReinstatementResult,
    ScheduleSurvivalBenefitNotice,
    SignServiceList,
)
from domain.service_case import ServiceCase
from interfaces.api.commands import CommandRoute
from interfaces.api.owners import of_aggregate, of_policy
from interfaces.api.permissions import Capability as C
from interfaces.api.permissions import Owner, Principal

TAG = "service cases 保单服务件"


def _owner(case: ServiceCase) -> Owner:
    """The branch, and the servicer as the case's "agent": a servicer sees its own cases."""
    return Owner(branch=case.branch, agent_code=case.servicer_code or None)


def reviewer_id(principal: Principal) -> str:
    return principal.name


_CASE = of_aggregate(ServiceCase, "case_id", _owner)
_P = "/service-cases/{case_id}"

COMMANDS: list[CommandRoute] = [
    CommandRoute(
        "/policies/{policy_number}/service-cases",
        OpenServiceCase,
        C.MANAGE_SERVICE_CASES,
        of_policy(),
        example={"source": "外地转入", "servicer_code": "A0002", "premium_due_on": "2026-04-15"},
    ),
    CommandRoute(
        f"{_P}/assignment",
        AssignServiceCase,
        C.MANAGE_SERVICE_CASES,
        _CASE,
        example={"servicer_code": "A0002"},
    ),
    CommandRoute(
        f"{_P}/list-signature",
        SignServiceList,
        C.HANDLE_SERVICE_CASES,
        _CASE,
        example={"servicer_code": "A0002", "list_complete": True},
    ),
    CommandRoute(
        f"{_P}/refusal",
        RefuseServiceCase,
        C.HANDLE_SERVICE_CASES,
        _CASE,
        example={"servicer_code": "A0002", "reason": "客户在外地，无法服务", "justified": True},
    ),
    CommandRoute(
        f"{_P}/service-card",
        CreateServiceCard,
        C.HANDLE_SERVICE_CASES,
        _CASE,
        example={"card_number": "KF-BJ-2026-00123", "created_on": "2026-03-03"},
    ),
    CommandRoute(
        f"{_P}/contact-attempts",
        RecordContactAttempt,
        C.HANDLE_SERVICE_CASES,
        _CASE,
        example={"method": "1", "party": "投保人", "reached": False, "attempted_on": "2026-03-03"},
    ),
    CommandRoute(
        f"{_P}/difficult-classification", ClassifyDifficultCase, C.HANDLE_SERVICE_CASES, _CASE, example={}
    ),
    CommandRoute(
        f"{_P}/premium-due-date",
        RecordPremiumDueDate,
        C.HANDLE_SERVICE_CASES,
        _CASE,
        example={"premium_due_on": "2026-04-15"},
    ),
    CommandRoute(
        f"{_P}/difficult-case-report",
        FileDifficultCaseReport,
        C.HANDLE_SERVICE_CASES,
        _CASE,
        example={"filed_on": "2026-04-01"},
    ),
    CommandRoute(
        f"{_P}/survival-benefit-notices",
        ScheduleSurvivalBenefitNotice,
        C.HANDLE_SERVICE_CASES,
        _CASE,
        example={"anniversary_on": "2026-06-01"},
    ),
    CommandRoute(
        f"{_P}/survival-benefit-notice-deliveries",
        DeliverSurvivalBenefitNotice,
        C.HANDLE_SERVICE_CASES,
        _CASE,
        example={"anniversary_on": "2026-06-01", "delivered_on": "2026-05-20"},
    ),
    CommandRoute(
        f"{_P}/service-items",
        RecordServiceItem,
        C.HANDLE_SERVICE_CASES,
        _CASE,
        example={
            "item": "续期交费提醒",
            "served_on": "2026-03-10",
            "content": "电话提醒4月15日续期交费",
            "customer_attitude": "配合",
            "result": "客户确认按时交费",
        },
    ),
    CommandRoute(
        f"{_P}/reinstatement-visits",
        RecordReinstatementVisit,
        C.HANDLE_SERVICE_CASES,
        _CASE,
        example={"outcome": "同意复效待办理", "visited_on": "2026-03-12"},
    ),
    CommandRoute(
        f"{_P}/reinstatement-review",
        ReviewReinstatementResult,
        C.REVIEW_SERVICE_RESULTS,
        _CASE,
        example={"confirmed": True, "note": "回访核实无误"},
        from_token={"reviewer": reviewer_id},
    ),
    CommandRoute(
        f"{_P}/closure", CloseServiceCase, C.MANAGE_SERVICE_CASES, _CASE, example={"reason": "服务完成"}
    ),
]
