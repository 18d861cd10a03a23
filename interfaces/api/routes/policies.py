"""保单 Policies: the command route table and the write-side reads."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path

from application.policies import (
    CancelInCoolingOff,
    ChangeContact,
    IssuePolicy,
    LapsePolicy,
    ReassignAgent,
    RegisterReceipt,
    ReinstatePolicy,
    SignReceipt,
)
from domain.policy import Policy
from domain.shared.errors import NotFound
from domain.shared.masking import ERASED
from interfaces.api.auth import require, require_scope
from interfaces.api.commands import CommandRoute
from interfaces.api.context import ApiContext, api_context
from interfaces.api.owners import find_policy, from_body, of_policy, policy_owner
from interfaces.api.pagination import Page, PageParams, page_params
from interfaces.api.permissions import Capability as C
from interfaces.api.permissions import Principal
from interfaces.api.personal_access import ReasonHeader, ReasonQuery, unmasked
from interfaces.api.problems import problem_responses
from interfaces.api.routes.reads import AsOf, AsOfVersion, history_page, shown_version
from interfaces.api.views import HistoryEntry, PolicyView

TAG = "policies 保单"

_HOLDER = {
    "name": "王芳",
    "id_number": "110101198805123026",
    "birthday": "1988-05-12",
    "phone": "13812346138",
    "address": "北京市朝阳区建国路88号",
}

COMMANDS: list[CommandRoute] = [
    CommandRoute(
        "/policies",
        IssuePolicy,
        C.POLICY_FACTS,
        from_body(branch="branch", agent="agent_code"),
        example={
            "number": "P2026000001",
            "channel": "个险",
            "product_type": "分红",
            "product_name": "鑫享人生两全保险（分红型）",
            "term_value": 20,
            "term_unit": "年",
            "payment_mode": "期缴",
            "payment_period_years": 10,
            "payment_frequency": "年交",
            "premium": "12000.00",
            "holder_type": "个人",
            "policyholder": _HOLDER,
            "insured": _HOLDER,
            "agent_code": "A0001",
            "branch": "北京分公司",
            "underwritten_on": "2026-03-01",
            "occurred_at": "2026-03-01T16:20:00+08:00",
        },
    ),
    CommandRoute(
        "/policies/{policy_number}/receipt-signature",
        SignReceipt,
        C.RECEIPTS,
        of_policy(),
        example={"signed_on": "2026-03-02"},
    ),
    CommandRoute(
        "/policies/{policy_number}/receipt-registration",
        RegisterReceipt,
        C.RECEIPTS,
        of_policy(),
        example={"registered_on": "2026-03-02", "signed_on": "2026-03-02"},
    ),
    CommandRoute(
        "/policies/{policy_number}/contact-changes",
        ChangeContact,
        C.CHANGE_CONTACT,
        of_policy(),
        example={"phone": "13911112222", "reason": "客户更换手机号 customer changed number"},
    ),
    CommandRoute(
        "/policies/{policy_number}/agent-reassignments",
        ReassignAgent,
        C.REASSIGN_POLICY,
        of_policy(),
        example={"new_agent_code": "A0002", "source": "离司人员转移"},
    ),
    CommandRoute(
        "/policies/{policy_number}/cooling-off-cancellation",
        CancelInCoolingOff,
        C.CANCEL_IN_COOLING_OFF,
        of_policy(),
        example={"cancelled_on": "2026-03-05"},
    ),
    CommandRoute(
        "/policies/{policy_number}/lapse",
        LapsePolicy,
        C.POLICY_FACTS,
        of_policy(),
        example={"lapsed_on": "2026-03-02", "reason": "未按时交费"},
    ),
    CommandRoute(
        "/policies/{policy_number}/reinstatement",
        ReinstatePolicy,
        C.POLICY_FACTS,
        of_policy(),
        example={"reinstated_on": "2026-03-02"},
    ),
]

router = APIRouter(tags=[TAG])

PolicyNumber = Annotated[str, Path(min_length=1, max_length=40, examples=["P2026000001"])]


def _load(ctx: ApiContext, principal: Principal, number: str) -> Policy:
    policy = find_policy(ctx.app, number)
    if policy is None:
        raise NotFound(f"policy {number} not found", f"未找到保单 {number}", policy_number=number)
    require_scope(principal, policy_owner(policy))
    return policy


@router.get(
    "/policies/{policy_number}",
    response_model=PolicyView,
    summary="保单 A policy, now or as of a version / instant",
    responses=problem_responses(400, 401, 403, 404, 503),
)
def get_policy(
    policy_number: PolicyNumber,
    ctx: Annotated[ApiContext, Depends(api_context)],
    principal: Annotated[Principal, Depends(require(C.READ))],
    as_of_version: AsOfVersion = None,
    as_of: AsOf = None,
    access_reason_header: ReasonHeader = None,
    access_reason: ReasonQuery = None,
) -> PolicyView:
    policy = _load(ctx, principal, policy_number)  # scope is judged on today's owner
    latest = policy.version
    version = shown_version(ctx.app, policy.id, latest, as_of_version, as_of)
    if version is not None:
        policy = ctx.app.get(Policy, policy.id, version=version)
    people = [p for p in (policy.facts.policyholder, policy.facts.insured) if p is not None]
    show = unmasked(
        ctx,
        principal,
        access_reason_header,
        access_reason,
        f"GET /policies/{policy.number}",
        sorted({str(ctx.app.personal.ids.person(p.id_number)) for p in people if p.id_number != ERASED}),
        policy_number=policy.number,
    )
    return PolicyView.of(policy, latest, masked=not show)


@router.get(
    "/policies/{policy_number}/history",
    response_model=Page[HistoryEntry],
    summary="保单事件 The policy's events in order, with both times and the actor",
    responses=problem_responses(400, 401, 403, 404, 503),
)
def get_policy_history(
    policy_number: PolicyNumber,
    ctx: Annotated[ApiContext, Depends(api_context)],
    principal: Annotated[Principal, Depends(require(C.READ))],
    page: Annotated[PageParams, Depends(page_params)],
) -> Page[HistoryEntry]:
    policy = _load(ctx, principal, policy_number)
    return history_page(ctx.app, policy.id, policy.version, page)
