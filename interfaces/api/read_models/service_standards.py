"""GETs of the service standards (服务标准, SL-01..SL-04): worklists and scorecards.

Scoped like the other read models (``read_access.narrow``): the complaint, claim and
care-callback queues and the claim scorecard are a branch's (an agent token gets 403);
the renewal-reminder queue is an agent's own list (an agent token reads its own code).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query

from domain.shared.errors import InvalidInput
from interfaces.api.auth import require
from interfaces.api.context import ApiContext, api_context
from interfaces.api.pagination import CursorParam, PageParams, page_params
from interfaces.api.permissions import Capability as C
from interfaces.api.permissions import Principal
from interfaces.api.problems import problem_responses
from interfaces.api.read_models.access import narrow, reading, refuse_agent_scope
from interfaces.api.read_models.common import AgentCodeParam, Branch, Month, checked, this_month
from interfaces.api.read_models.examples import OBLIGATION_ROW, example_page
from projections.querying import ResultPage
from projections.scorecards.claim_queries import ClaimDimension, ClaimScorecard, claim_scorecards
from projections.timeliness.queries import ObligationRow
from projections.timeliness.service_queues import ServiceQueue, service_queue

router = APIRouter()
Ctx = Annotated[ApiContext, Depends(api_context)]
Reader = Annotated[Principal, Depends(require(C.READ))]
Paging = Annotated[PageParams, Depends(page_params)]
ERRORS = problem_responses(400, 401, 403, 503)
WORKLISTS = "worklists 工作队列"
HandlerId = Annotated[
    str | None,
    Query(min_length=1, max_length=60, description="查勘/理赔人员 claim handler", examples=["SV01"]),
]


def _ok(example: object) -> dict[int | str, dict[str, object]]:
    return {200: {"content": {"application/json": {"example": example}}}, **ERRORS}


def _branch_queue(
    ctx: ApiContext, principal: Principal, page: PageParams, queue: ServiceQueue, branch: str | None,
    cursor: str | None, handler_id: str | None = None,
) -> ResultPage[ObligationRow]:  # fmt: skip
    checked(branch=branch, handler_id=handler_id)
    refuse_agent_scope(principal, f"the {queue.value} queue of a branch")
    scope = narrow(principal, branch, app=ctx.app)
    with reading(ctx.app) as r:
        return service_queue(
            r.conn, r.schema, queue, now=r.now, params=ctx.app.settings.rules, branch=scope.branch,
            agent_code=handler_id, limit=page.limit, offset=page.offset, cursor=cursor,
        )  # fmt: skip


@router.get(
    "/worklists/complaints",
    response_model=ResultPage[ObligationRow],
    tags=[WORKLISTS],
    summary="投诉待办 Complaints to acknowledge (SL-01b, 24 h) or decide (SL-01c); earliest due first",
    responses=_ok(example_page(OBLIGATION_ROW)),
)
def get_complaint_worklist(
    ctx: Ctx, principal: Reader, page: Paging, branch: Branch = None, cursor: CursorParam = None
) -> ResultPage[ObligationRow]:
    return _branch_queue(ctx, principal, page, ServiceQueue.COMPLAINTS, branch, cursor)


@router.get(
    "/worklists/claims",
    response_model=ResultPage[ObligationRow],
    tags=[WORKLISTS],
    summary="理赔待办 Claim steps not done (SL-03a/b/d/e: contact, on site, 定损, 核赔) by handler",
    responses=_ok(example_page(OBLIGATION_ROW)),
)
def get_claim_worklist(
    ctx: Ctx,
    principal: Reader,
    page: Paging,
    branch: Branch = None,
    handler_id: HandlerId = None,
    cursor: CursorParam = None,
) -> ResultPage[ObligationRow]:
    return _branch_queue(ctx, principal, page, ServiceQueue.CLAIMS, branch, cursor, handler_id)


@router.get(
    "/worklists/care-callbacks",
    response_model=ResultPage[ObligationRow],
    tags=[WORKLISTS],
    summary="关怀回访待呼 Care callbacks not reached yet (SL-04a 出险, SL-04b 结案) for the call centre",
    responses=_ok(example_page(OBLIGATION_ROW)),
)
def get_care_callback_worklist(
    ctx: Ctx, principal: Reader, page: Paging, branch: Branch = None, cursor: CursorParam = None
) -> ResultPage[ObligationRow]:
    return _branch_queue(ctx, principal, page, ServiceQueue.CARE_CALLBACKS, branch, cursor)


@router.get(
    "/worklists/renewal-reminders",
    response_model=ResultPage[ObligationRow],
    tags=[WORKLISTS],
    summary="续保提醒待办 An agent's renewal reminders due by today and not made (SL-02b)",
    responses=_ok(example_page(OBLIGATION_ROW)),
)
def get_renewal_reminder_worklist(
    ctx: Ctx,
    principal: Reader,
    page: Paging,
    agent_code: AgentCodeParam = None,
    branch: Branch = None,
    cursor: CursorParam = None,
) -> ResultPage[ObligationRow]:
    checked(branch=branch)
    scope = narrow(principal, branch, agent_code, app=ctx.app)
    if scope.agent_code is None:
        raise InvalidInput("give the agent whose reminders to list", "请指定业务员工号 agent_code")
    with reading(ctx.app) as r:
        return service_queue(
            r.conn, r.schema, ServiceQueue.RENEWAL_REMINDERS, now=r.now, params=ctx.app.settings.rules,
            branch=scope.branch, agent_code=scope.agent_code, limit=page.limit, offset=page.offset,
            cursor=cursor,
        )  # fmt: skip


@router.get(
    "/scorecards/claims",
    response_model=ResultPage[ClaimScorecard],
    tags=["scorecards 考核"],
    summary="理赔时效考核 Claim steps due in the month per branch or handler (SL-03), exclusions apart",
    responses=ERRORS,
)
def get_claim_scorecards(
    ctx: Ctx,
    principal: Reader,
    page: Paging,
    by: Annotated[
        Literal["branch", "handler"], Query(description="per 机构 branch or 经办人 handler")
    ] = "branch",
    month: Month = None,
    branch: Branch = None,
    handler_id: HandlerId = None,
) -> ResultPage[ClaimScorecard]:
    checked(branch=branch, handler_id=handler_id)
    refuse_agent_scope(principal, "a claim scorecard")
    scope = narrow(principal, branch, app=ctx.app)
    dimension: ClaimDimension = "branch" if by == "branch" else "handler_id"
    with reading(ctx.app) as r:
        return claim_scorecards(
            r.conn, r.schema, by=dimension, month=month or this_month(r.now),
            now=r.now, branch=scope.branch, handler_id=handler_id, limit=page.limit, offset=page.offset,
        )  # fmt: skip
