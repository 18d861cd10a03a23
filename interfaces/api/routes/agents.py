"""业务员 Agents: the command route table and the write-side reads."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path

from application.agents import ChangeAgentPhone, ChangeAgentRank, RecordAgentDeparture, RegisterAgent
from domain.agent import Agent
from domain.shared.errors import NotFound
from interfaces.api.auth import require, require_scope
from interfaces.api.commands import CommandRoute
from interfaces.api.context import ApiContext, api_context
from interfaces.api.owners import agent_owner, find_agent, from_body, of_agent
from interfaces.api.pagination import Page, PageParams, page_params
from interfaces.api.permissions import Capability as C
from interfaces.api.permissions import Principal
from interfaces.api.personal_access import ReasonHeader, ReasonQuery, unmasked
from interfaces.api.problems import problem_responses
from interfaces.api.routes.reads import AsOf, AsOfVersion, history_page, shown_version
from interfaces.api.views import AgentView, HistoryEntry

TAG = "agents 业务员"

COMMANDS: list[CommandRoute] = [
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
    agent = find_agent(ctx.app, code)
    if agent is None:
        raise NotFound(f"agent {code} not found", f"未找到业务员 {code}", agent_code=code)
    require_scope(principal, agent_owner(agent))
    return agent


@router.get(
    "/agents/{code}",
    response_model=AgentView,
    summary="业务员 An agent, now or as of a version / instant",
    responses=problem_responses(400, 401, 403, 404, 503),
)
def get_agent(
    code: AgentCode,
    ctx: Annotated[ApiContext, Depends(api_context)],
    principal: Annotated[Principal, Depends(require(C.READ))],
    as_of_version: AsOfVersion = None,
    as_of: AsOf = None,
    access_reason_header: ReasonHeader = None,
    access_reason: ReasonQuery = None,
) -> AgentView:
    agent = _load(ctx, principal, code)
    latest = agent.version
    version = shown_version(ctx.app, agent.id, latest, as_of_version, as_of)
    if version is not None:
        agent = ctx.app.get(Agent, agent.id, version=version)
    show = unmasked(
        ctx,
        principal,
        access_reason_header,
        access_reason,
        f"GET /agents/{agent.code}",
        [str(ctx.app.personal.ids.person(agent.id_number))],
        agent_code=agent.code,
    )
    return AgentView.of(agent, latest, masked=not show)


@router.get(
    "/agents/{code}/history",
    response_model=Page[HistoryEntry],
    summary="业务员事件 The agent's events in order, with both times and the actor",
    responses=problem_responses(400, 401, 403, 404, 503),
)
def get_agent_history(
    code: AgentCode,
    ctx: Annotated[ApiContext, Depends(api_context)],
    principal: Annotated[Principal, Depends(require(C.READ))],
    page: Annotated[PageParams, Depends(page_params)],
) -> Page[HistoryEntry]:
    agent = _load(ctx, principal, code)
    return history_page(ctx.app, agent.id, agent.version, page)
