"""Every aggregate readable on two time axes, with its history and its decisions.

``GET /{kind}/{key}``, ``…/history`` and ``…/decisions`` for callbacks, work orders,
service cases, planners and allocation rounds; ``…/decisions`` for policies and
agents (whose state and history routes live with their commands).
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Path

from application.bitemporal import TimeAxes
from domain.agent import Agent
from domain.allocation import AllocationRound
from domain.callback import Callback
from domain.planner import Planner
from domain.policy import Policy
from domain.service_case import ServiceCase
from domain.shared.values import agent_code
from domain.shared.values import policy_number as normal_policy_number
from domain.work_order import WorkOrder
from interfaces.api.auth import require
from interfaces.api.context import ApiContext, api_context
from interfaces.api.owners import agent_owner, policy_owner
from interfaces.api.pagination import Page, PageParams, page_params
from interfaces.api.permissions import Capability as C
from interfaces.api.permissions import Owner, Principal
from interfaces.api.personal_access import AccessReason
from interfaces.api.problems import problem_responses
from interfaces.api.records import RecordKind, decisions, history, record, time_axes
from interfaces.api.timed_views import AggregateRecord, Decision, TimedHistoryEntry

POLICY = RecordKind("policy", "保单", "policy", Policy, policy_owner)
AGENT = RecordKind("agent", "业务员", "agent", Agent, agent_owner)
CALLBACK = RecordKind(
    "callback", "回访", "callback", Callback, lambda cb: Owner(branch=cb.branch, agent_code=cb.agent_code)
)
WORK_ORDER = RecordKind(
    "work_order",
    "问题件",
    "work order",
    WorkOrder,
    lambda wo: Owner(branch=wo.branch, agent_code=wo.agent_code),
)
#: a servicer sees its own cases (the servicer is the case's "agent", as for its commands)
SERVICE_CASE = RecordKind(
    "service_case",
    "保单服务件",
    "service case",
    ServiceCase,
    lambda case: Owner(branch=case.branch, agent_code=case.servicer_code or None),
)
PLANNER = RecordKind(
    "planner", "规划师", "planner", Planner, lambda p: Owner(branch=p.branch, agent_code=p.agent_code)
)
#: a round is a branch's: agent-scoped tokens do not read other planners' allocations
ALLOCATION_ROUND = RecordKind(
    "allocation_round", "资源分配轮次", "allocation round", AllocationRound, lambda r: Owner(branch=r.branch)
)

router = APIRouter()

Ctx = Annotated[ApiContext, Depends(api_context)]
Reader = Annotated[Principal, Depends(require(C.READ))]
Axes = Annotated[TimeAxes, Depends(time_axes)]
Paging = Annotated[PageParams, Depends(page_params)]
ERRORS = problem_responses(400, 401, 403, 404, 503)

PolicyNumber = Annotated[str, Path(min_length=1, max_length=40, examples=["P2026000001"])]
AgentCode = Annotated[str, Path(min_length=1, max_length=20, examples=["A0001"])]
WorkOrderId = Annotated[UUID, Path(examples=["240c55dd-9fd8-579f-adb3-32fcc624521c"])]
CaseId = Annotated[UUID, Path(examples=["5b0e0f55-6c1f-5d3e-9a51-3f0f3c1d2e4a"])]
Branch = Annotated[str, Path(min_length=1, max_length=60, examples=["北京分公司"])]
Month = Annotated[str, Path(min_length=7, max_length=7, examples=["2026-03"])]

_STATE = (
    "now, at a business time (`as_of`), as recorded by a record time (`recorded_as_of`), or up to a `version`"
)
_DECISIONS = (
    "every decision (an event recording a rule's verdict) in order: the rules with their text "
    "(中文 / English), the inputs used, the outcome, both times and the actor"
)


# ----- policies and agents: decisions (their state and history routes are with their commands)
@router.get(
    "/policies/{policy_number}/decisions",
    response_model=Page[Decision],
    tags=["policies 保单"],
    summary="保单决定 The policy's decisions, explained",
    description=_DECISIONS,
    responses=ERRORS,
)
def get_policy_decisions(
    policy_number: PolicyNumber, ctx: Ctx, principal: Reader, axes: Axes, page: Paging, reason: AccessReason
) -> Page[Decision]:
    key = normal_policy_number(policy_number)
    return decisions(ctx.app, principal, POLICY, Policy.id_for(key), key, axes, page, reason)


@router.get(
    "/agents/{code}/decisions",
    response_model=Page[Decision],
    tags=["agents 业务员"],
    summary="业务员决定 The agent's decisions, explained",
    description=_DECISIONS,
    responses=ERRORS,
)
def get_agent_decisions(
    code: AgentCode, ctx: Ctx, principal: Reader, axes: Axes, page: Paging, reason: AccessReason
) -> Page[Decision]:
    key = agent_code(code)
    return decisions(ctx.app, principal, AGENT, Agent.id_for(key), key, axes, page, reason)


# ----- callbacks (key: the policy number) ----------------------------------------------------
_CB = "callbacks 回访"


def _callback(number: str) -> tuple[UUID, str]:
    key = normal_policy_number(number)
    return Callback.id_for(key), key


@router.get(
    "/callbacks/{policy_number}",
    response_model=AggregateRecord,
    tags=[_CB],
    summary="回访 A policy's callback: status, cycles, attempts, questionnaire, outcome",
    description=_STATE,
    responses=ERRORS,
)
def get_callback(
    policy_number: PolicyNumber, ctx: Ctx, principal: Reader, axes: Axes, reason: AccessReason
) -> AggregateRecord:
    return record(ctx.app, principal, CALLBACK, *_callback(policy_number), axes, reason)


@router.get(
    "/callbacks/{policy_number}/history",
    response_model=Page[TimedHistoryEntry],
    tags=[_CB],
    summary="回访事件 The callback's events with both times; late entries flagged",
    responses=ERRORS,
)
def get_callback_history(
    policy_number: PolicyNumber, ctx: Ctx, principal: Reader, axes: Axes, page: Paging
) -> Page[TimedHistoryEntry]:
    return history(ctx.app, principal, CALLBACK, *_callback(policy_number), axes, page)


@router.get(
    "/callbacks/{policy_number}/decisions",
    response_model=Page[Decision],
    tags=[_CB],
    summary="回访决定 The callback's decisions, explained",
    description=_DECISIONS,
    responses=ERRORS,
)
def get_callback_decisions(
    policy_number: PolicyNumber, ctx: Ctx, principal: Reader, axes: Axes, page: Paging, reason: AccessReason
) -> Page[Decision]:
    return decisions(ctx.app, principal, CALLBACK, *_callback(policy_number), axes, page, reason)


# ----- work orders (key: the generated id) ---------------------------------------------------
_WO = "work orders 问题件"


@router.get(
    "/work-orders/{work_order_id}",
    response_model=AggregateRecord,
    tags=[_WO],
    summary="问题件 A work order: type, deadline, status, handling",
    description=_STATE,
    responses=ERRORS,
)
def get_work_order(
    work_order_id: WorkOrderId, ctx: Ctx, principal: Reader, axes: Axes, reason: AccessReason
) -> AggregateRecord:
    return record(ctx.app, principal, WORK_ORDER, work_order_id, str(work_order_id), axes, reason)


@router.get(
    "/work-orders/{work_order_id}/history",
    response_model=Page[TimedHistoryEntry],
    tags=[_WO],
    summary="问题件事件 The work order's events with both times; late entries flagged",
    responses=ERRORS,
)
def get_work_order_history(
    work_order_id: WorkOrderId, ctx: Ctx, principal: Reader, axes: Axes, page: Paging
) -> Page[TimedHistoryEntry]:
    return history(ctx.app, principal, WORK_ORDER, work_order_id, str(work_order_id), axes, page)


@router.get(
    "/work-orders/{work_order_id}/decisions",
    response_model=Page[Decision],
    tags=[_WO],
    summary="问题件决定 The work order's decisions, explained",
    description=_DECISIONS,
    responses=ERRORS,
)
def get_work_order_decisions(
    work_order_id: WorkOrderId, ctx: Ctx, principal: Reader, axes: Axes, page: Paging, reason: AccessReason
) -> Page[Decision]:
    return decisions(ctx.app, principal, WORK_ORDER, work_order_id, str(work_order_id), axes, page, reason)


# ----- service cases (key: the generated id) -------------------------------------------------
_SC = "service cases 保单服务件"


@router.get(
    "/service-cases/{case_id}",
    response_model=AggregateRecord,
    tags=[_SC],
    summary="保单服务件 A service case: source, servicer, class, methods tried, items",
    description=_STATE,
    responses=ERRORS,
)
def get_service_case(
    case_id: CaseId, ctx: Ctx, principal: Reader, axes: Axes, reason: AccessReason
) -> AggregateRecord:
    return record(ctx.app, principal, SERVICE_CASE, case_id, str(case_id), axes, reason)


@router.get(
    "/service-cases/{case_id}/history",
    response_model=Page[TimedHistoryEntry],
    tags=[_SC],
    summary="保单服务件事件 The service case's events with both times; late entries flagged",
    responses=ERRORS,
)
def get_service_case_history(
    case_id: CaseId, ctx: Ctx, principal: Reader, axes: Axes, page: Paging
) -> Page[TimedHistoryEntry]:
    return history(ctx.app, principal, SERVICE_CASE, case_id, str(case_id), axes, page)


@router.get(
    "/service-cases/{case_id}/decisions",
    response_model=Page[Decision],
    tags=[_SC],
    summary="保单服务件决定 The service case's decisions, explained",
    description=_DECISIONS,
    responses=ERRORS,
)
def get_service_case_decisions(
    case_id: CaseId, ctx: Ctx, principal: Reader, axes: Axes, page: Paging, reason: AccessReason
) -> Page[Decision]:
    return decisions(ctx.app, principal, SERVICE_CASE, case_id, str(case_id), axes, page, reason)


# ----- planners (key: the agent code) --------------------------------------------------------
_PL = "planners 规划师"


def _planner(code: str) -> tuple[UUID, str]:
    key = agent_code(code)
    return Planner.id_for(key), key


@router.get(
    "/planners/{code}",
    response_model=AggregateRecord,
    tags=[_PL],
    summary="规划师 A planner: monthly inputs, work-log audits, bars (SC-01, SC-02)",
    description=_STATE,
    responses=ERRORS,
)
def get_planner(
    code: AgentCode, ctx: Ctx, principal: Reader, axes: Axes, reason: AccessReason
) -> AggregateRecord:
    return record(ctx.app, principal, PLANNER, *_planner(code), axes, reason)


@router.get(
    "/planners/{code}/history",
    response_model=Page[TimedHistoryEntry],
    tags=[_PL],
    summary="规划师事件 The planner's events with both times; late entries flagged",
    responses=ERRORS,
)
def get_planner_history(
    code: AgentCode, ctx: Ctx, principal: Reader, axes: Axes, page: Paging
) -> Page[TimedHistoryEntry]:
    return history(ctx.app, principal, PLANNER, *_planner(code), axes, page)


@router.get(
    "/planners/{code}/decisions",
    response_model=Page[Decision],
    tags=[_PL],
    summary="规划师决定 The planner's decisions, explained",
    description=_DECISIONS,
    responses=ERRORS,
)
def get_planner_decisions(
    code: AgentCode, ctx: Ctx, principal: Reader, axes: Axes, page: Paging, reason: AccessReason
) -> Page[Decision]:
    return decisions(ctx.app, principal, PLANNER, *_planner(code), axes, page, reason)


# ----- allocation rounds (key: branch + month) -----------------------------------------------
_AR = "allocation 资源分配"


def _round(branch: str, month: str) -> tuple[UUID, str]:
    key = AllocationRound.key(branch, month)  # an invalid month is 400
    return AllocationRound.id_for(key), key


@router.get(
    "/allocation-rounds/{branch}/{month}",
    response_model=AggregateRecord,
    tags=[_AR],
    summary="资源分配轮次 An allocation round: resources, assignments and the scores used (SC-03)",
    description=_STATE,
    responses=ERRORS,
)
def get_allocation_round(
    branch: Branch, month: Month, ctx: Ctx, principal: Reader, axes: Axes, reason: AccessReason
) -> AggregateRecord:
    return record(ctx.app, principal, ALLOCATION_ROUND, *_round(branch, month), axes, reason)


@router.get(
    "/allocation-rounds/{branch}/{month}/history",
    response_model=Page[TimedHistoryEntry],
    tags=[_AR],
    summary="资源分配事件 The round's events with both times; late entries flagged",
    responses=ERRORS,
)
def get_allocation_round_history(
    branch: Branch, month: Month, ctx: Ctx, principal: Reader, axes: Axes, page: Paging
) -> Page[TimedHistoryEntry]:
    return history(ctx.app, principal, ALLOCATION_ROUND, *_round(branch, month), axes, page)


@router.get(
    "/allocation-rounds/{branch}/{month}/decisions",
    response_model=Page[Decision],
    tags=[_AR],
    summary="资源分配决定 The round's decisions, explained",
    description=_DECISIONS,
    responses=ERRORS,
)
def get_allocation_round_decisions(
    branch: Branch, month: Month, ctx: Ctx, principal: Reader, axes: Axes, page: Paging, reason: AccessReason
) -> Page[Decision]:
    return decisions(ctx.app, principal, ALLOCATION_ROUND, *_round(branch, month), axes, page, reason)
