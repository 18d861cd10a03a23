"""保单 Policies: the command route table and the write-side reads."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path

from application.bitemporal import TimeAxes, with_version
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
from domain.shared.masking import ERASED
from domain.shared.values import policy_number
from interfaces.api.as_of import AsOfVersion
from interfaces.api.auth import require
from interfaces.api.commands import CommandRoute
from interfaces.api.context import ApiContext, api_context
from interfaces.api.owners import from_body, of_policy
from interfaces.api.pagination import Page, PageParams, page_params
from interfaces.api.permissions import Capability as C
from interfaces.api.permissions import Principal
from interfaces.api.personal_access import ReasonHeader, ReasonQuery, unmasked
from interfaces.api.problems import problem_responses
from interfaces.api.records import history, latest_decisions, load_now, time_axes, timed_read
from interfaces.api.routes.records import POLICY
from interfaces.api.timed_views import TimedHistoryEntry, TimedPolicyView, timed_fields
from interfaces.api.views import PolicyView

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
    key = policy_number(number)  # 400 when malformed
    policy: Policy = load_now(ctx.app, principal, POLICY, Policy.id_for(key), key)
    return policy


@router.get(
    "/policies/{policy_number}",
    response_model=TimedPolicyView,
    summary="保单 A policy, now or on the business / record time axes, or at a version",
    description=(
        "`as_of` is **business time** (the events that happened by then, as known now; late "
        "entries included retroactively), `recorded_as_of` is **record time** (the events stored "
        "by then), `version` cuts at a version; any combination. 404 says which axis it did not "
        "exist on. `as_of_version` is the older name of `version`."
    ),
    responses=problem_responses(400, 401, 403, 404, 503),
)
def get_policy(
    policy_number: PolicyNumber,
    ctx: Annotated[ApiContext, Depends(api_context)],
    principal: Annotated[Principal, Depends(require(C.READ))],
    axes: Annotated[TimeAxes, Depends(time_axes)],
    as_of_version: AsOfVersion = None,
    access_reason_header: ReasonHeader = None,
    access_reason: ReasonQuery = None,
) -> TimedPolicyView:
    policy = _load(ctx, principal, policy_number)  # scope is judged on today's owner
    read = timed_read(ctx.app, POLICY, policy.id, policy.number, with_version(axes, as_of_version))
    facts = read.aggregate.facts
    people = [p for p in (facts.policyholder, facts.insured) if p is not None]
    masked = not unmasked(
        ctx,
        principal,
        access_reason_header,
        access_reason,
        f"GET /policies/{policy.number}",
        sorted({str(ctx.app.personal.ids.person(p.id_number)) for p in people if p.id_number != ERASED}),
        policy_number=policy.number,
    )
    view = PolicyView.of(read.aggregate, read.latest_version, masked=masked)
    decisions = latest_decisions(ctx.app, read, masked)
    return TimedPolicyView(**dict(view), **timed_fields(read, decisions))


@router.get(
    "/policies/{policy_number}/history",
    response_model=Page[TimedHistoryEntry],
    summary="保单事件 The policy's events in order, with both times, the actor and late entries flagged",
    responses=problem_responses(400, 401, 403, 404, 503),
)
def get_policy_history(
    policy_number: PolicyNumber,
    ctx: Annotated[ApiContext, Depends(api_context)],
    principal: Annotated[Principal, Depends(require(C.READ))],
    page: Annotated[PageParams, Depends(page_params)],
    axes: Annotated[TimeAxes, Depends(time_axes)],
) -> Page[TimedHistoryEntry]:
    policy = _load(ctx, principal, policy_number)
    return history(ctx.app, principal, POLICY, policy.id, policy.number, axes, page)
