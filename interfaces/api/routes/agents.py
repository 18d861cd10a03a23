"""业务员 Agents: the command route table and the write-side reads."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path

from application.agents import ChangeAgentPhone, ChangeAgentRank, RecordAgentDeparture, RegisterAgent
from application.bitemporal import TimeAxes, with_version
from application.branches import RegisterBranch
from domain.agent import Agent
from domain.shared.masking import ERASED
from domain.shared.values import agent_code
from interfaces.api.as_of import AsOfVersion
from interfaces.api.auth import require
from interfaces.api.commands import CommandRoute
from interfaces.api.context import ApiContext, api_context
from interfaces.api.owners import from_body, of_agent
from interfaces.api.pagination import Page, PageParams, page_params
from interfaces.api.permissions import Capability as C
from interfaces.api.permissions import Principal
from interfaces.api.personal_access import ReasonHeader, ReasonQuery, unmasked
from interfaces.api.problems import problem_responses
from interfaces.api.records import history, latest_decisions, load_now, time_axes, timed_read
from interfaces.api.routes.records import AGENT
from interfaces.api.timed_views import TimedAgentView, TimedHistoryEntry, timed_fields
from interfaces.api.views import AgentView

TAG = "agents 业务员"

COMMANDS: list[CommandRoute] = [
    # 分支机构登记: branches are registered facts (HR's, like agents); see domain/branch.py
    CommandRoute(
        "/branches", RegisterBranch, C.MANAGE_AGENTS, from_body(branch="name"), example={"name": "北京分公司"}
    ),
    CommandRoute(
        "/agents",
        RegisterAgent,
        C.MANAGE_AGENTS,
        from_body(branch="branch", agent="code"),
        example={
            "code": "A0001",
            "name": "李明",
            "id_number": "110101198501015678",
            "rank_series": "销售",
            "rank_level": "中级",
            "branch": "北京分公司",
            "phone": "13900001111",
            "joined_on": "2020-01-06",
        },
    ),
    CommandRoute(
        "/agents/{code}/rank-changes",
        ChangeAgentRank,
        C.MANAGE_AGENTS,
        of_agent(),
        example={"rank_series": "销售", "rank_level": "高级", "effective_on": "2026-03-01"},
    ),
    CommandRoute(
        "/agents/{code}/phone-changes",
        ChangeAgentPhone,
        C.MANAGE_AGENTS,
        of_agent(),
        example={"phone": "13900002222"},
    ),
    CommandRoute(
        "/agents/{code}/departure",
        RecordAgentDeparture,
        C.MANAGE_AGENTS,
        of_agent(),
        example={"departed_on": "2026-02-28", "reason": "个人原因离司"},
    ),
]

router = APIRouter(tags=[TAG])

AgentCode = Annotated[str, Path(min_length=1, max_length=20, examples=["A0001"])]


def _load(ctx: ApiContext, principal: Principal, code: str) -> Agent:
    key = agent_code(code)  # 400 when malformed
    agent: Agent = load_now(ctx.app, principal, AGENT, Agent.id_for(key), key)
    return agent


@router.get(
    "/agents/{code}",
    response_model=TimedAgentView,
    summary="业务员 An agent, now or on the business / record time axes, or at a version",
    description=(
        "`as_of` is **business time** (the events that happened by then, as known now; late "
        "entries included retroactively), `recorded_as_of` is **record time** (the events stored "
        "by then), `version` cuts at a version; any combination. 404 says which axis it did not "
        "exist on. `as_of_version` is the older name of `version`."
    ),
    responses=problem_responses(400, 401, 403, 404, 503),
)
def get_agent(
    code: AgentCode,
    ctx: Annotated[ApiContext, Depends(api_context)],
    principal: Annotated[Principal, Depends(require(C.READ))],
    axes: Annotated[TimeAxes, Depends(time_axes)],
    as_of_version: AsOfVersion = None,
    access_reason_header: ReasonHeader = None,
    access_reason: ReasonQuery = None,
) -> TimedAgentView:
    agent = _load(ctx, principal, code)  # scope is judged on today's owner
    read = timed_read(ctx.app, AGENT, agent.id, agent.code, with_version(axes, as_of_version))
    id_number = read.aggregate.id_number
    masked = not unmasked(
        ctx,
        principal,
        access_reason_header,
        access_reason,
        f"GET /agents/{agent.code}",
        [str(ctx.app.personal.ids.person(id_number))] if id_number != ERASED else [],
        agent_code=agent.code,
    )
    view = AgentView.of(read.aggregate, read.latest_version, masked=masked)
    decisions = latest_decisions(ctx.app, read, masked)
    return TimedAgentView(**dict(view), **timed_fields(read, decisions))


@router.get(
    "/agents/{code}/history",
    response_model=Page[TimedHistoryEntry],
    summary="业务员事件 The agent's events in order, with both times, the actor and late entries flagged",
    responses=problem_responses(400, 401, 403, 404, 503),
)
def get_agent_history(
    code: AgentCode,
    ctx: Annotated[ApiContext, Depends(api_context)],
    principal: Annotated[Principal, Depends(require(C.READ))],
    page: Annotated[PageParams, Depends(page_params)],
    axes: Annotated[TimeAxes, Depends(time_axes)],
) -> Page[TimedHistoryEntry]:
    agent = _load(ctx, principal, code)
    return history(ctx.app, principal, AGENT, agent.id, agent.code, axes, page)
