"""GETs on the read models (读模型查询): timeliness, scorecards, KPIs, worklists.

Thin: query parameters become the filters of ``projections.queries``; the caller's
scope narrows them (``read_access.narrow``: an agent token reads its own code, a
branch token its branch; asking for another is 403); "now" is the application clock.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from domain.planner_score import month_key
from domain.shared.errors import InvalidInput
from interfaces.api.auth import require
from interfaces.api.context import ApiContext, api_context
from interfaces.api.pagination import CursorParam, PageParams, page_params
from interfaces.api.permissions import Capability as C
from interfaces.api.permissions import Principal
from interfaces.api.problems import problem_responses
from interfaces.api.read_models.access import narrow, reading, refuse_agent_scope
from interfaces.api.read_models.common import (
    AgentCodeParam,
    Branch,
    Channel,
    DueFrom,
    DueTo,
    KindParam,
    Month,
    PolicyNumberParam,
    ProductTypeParam,
    StatusParam,
    checked,
    ordered,
    this_month,
)
from interfaces.api.read_models.examples import (
    AGENT_SCORECARD,
    BRANCH_SCORECARD,
    CALL_ROW,
    OBLIGATION_ROW,
    QUEUE_ROW,
    SCORECARD,
    SERVICE_CASE_ROW,
    SUMMARY_ROW,
    example_page,
)
from projections.querying import ResultPage
from projections.scorecards.queries import (
    AgentScorecard,
    BranchScorecard,
    Rate,
    Scorecard,
    ScorecardFilters,
    agent_scorecards,
    branch_scorecards,
    scorecards,
)
from projections.timeliness.queries import (
    Filters,
    ObligationRow,
    StatusCounts,
    count_by_status,
    query_obligations,
)
from projections.worklists.queries import (
    BranchQueueRow,
    CallFilters,
    CallRow,
    CaseFilters,
    ServiceCaseRow,
    branch_work_queue,
    call_centre_queue,
    servicer_queue,
)

router = APIRouter()
Ctx = Annotated[ApiContext, Depends(api_context)]
Reader = Annotated[Principal, Depends(require(C.READ))]
Paging = Annotated[PageParams, Depends(page_params)]
ERRORS = problem_responses(400, 401, 403, 503)


def _ok(example: object) -> dict[int | str, dict[str, object]]:
    return {200: {"content": {"application/json": {"example": example}}}, **ERRORS}


# ----- timeliness 时效 ------------------------------------------------------------------------
def _timeliness_filters(
    ctx: ApiContext,
    principal: Principal,
    branch: str | None,
    channel: str | None,
    agent_code: str | None,
    product_type: str | None,
    policy_number: str | None,
    rule: list[str] | None,
    kind: list[KindParam] | None,
    status: list[StatusParam] | None,
    due_from: object,
    due_to: object,
    open_only: bool,
) -> Filters:
    checked(
        branch=branch,
        channel=channel,
        product_type=product_type,
        policy_number=policy_number,
        rule=rule,
        due_from=due_from,
        due_to=due_to,
    )
    ordered(due_from, due_to, "due_from/due_to")
    scope = narrow(principal, branch, agent_code, app=ctx.app)
    return Filters(
        branch=scope.branch,
        channel=channel,
        agent_code=scope.agent_code,
        product_type=product_type,
        policy_number=policy_number.strip().upper() if policy_number else None,
        rule_ids=tuple(rule or ()),
        kinds=tuple(k.kind.value for k in kind or ()),
        statuses=tuple(s.status.value for s in status or ()),
        due_from=due_from,  # type: ignore[arg-type]
        due_to=due_to,  # type: ignore[arg-type]
        open_only=open_only,
    )


Rules = Annotated[
    list[Annotated[str, Query(pattern=r"^[A-Z]{2,4}-\d{2}[a-z]?$")]] | None,
    Query(description="rule id(s) 规则, e.g. PC-02", examples=[["PC-02"]]),
]
Kinds = Annotated[list[KindParam] | None, Query(description="obligation kind(s) 时效事项")]
Statuses = Annotated[
    list[StatusParam] | None,
    Query(description="PC-03 status(es) at now 时效状态", examples=[["warning", "overdue"]]),
]
OpenOnly = Annotated[bool, Query(description="only not yet done 未完成")]


@router.get(
    "/timeliness",
    response_model=ResultPage[ObligationRow],
    tags=["timeliness 时效"],
    summary="时效 Obligations with their PC-03 status now; earliest due first",
    responses=_ok(example_page(OBLIGATION_ROW)),
)
def get_timeliness(
    ctx: Ctx,
    principal: Reader,
    page: Paging,
    branch: Branch = None,
    channel: Channel = None,
    agent_code: AgentCodeParam = None,
    product_type: ProductTypeParam = None,
    policy_number: PolicyNumberParam = None,
    rule: Rules = None,
    kind: Kinds = None,
    status: Statuses = None,
    due_from: DueFrom = None,
    due_to: DueTo = None,
    open_only: OpenOnly = False,
    cursor: CursorParam = None,
) -> ResultPage[ObligationRow]:
    filters = _timeliness_filters(
        ctx, principal, branch, channel, agent_code, product_type, policy_number, rule, kind, status,
        due_from, due_to, open_only,
    )  # fmt: skip
    with reading(ctx.app) as r:
        return query_obligations(
            r.conn, r.schema, now=r.now, params=ctx.app.settings.rules, filters=filters,
            limit=page.limit, offset=page.offset, cursor=cursor,
        )  # fmt: skip


class StatusSummary(StatusCounts):
    """Counts by PC-03 status of one group, and the rates a manager reads."""

    with_due: int  # total less those without a due date yet
    overdue_rate: Rate  # (超时 + 逾期完成) / with a due date
    # PC-03: 按时完成 / (按时完成 + 逾期完成 + 超时): an open item past its deadline can no longer
    # be on time, so it counts against the rate; open 正常/警告 items are not decided yet
    on_time_rate: Rate
    at_risk: int  # 警告 + 超时: open and late or nearly late

    @classmethod
    def of(cls, c: StatusCounts) -> StatusSummary:
        with_due = c.total - c.no_due
        decided = c.closed_on_time + c.closed_late + c.overdue
        return cls(
            **c.model_dump(),
            with_due=with_due,
            overdue_rate=Rate.of(c.overdue + c.closed_late, with_due),
            on_time_rate=Rate.of(c.closed_on_time, decided),
            at_risk=c.warning + c.overdue,
        )


class TimelinessSummary(BaseModel):
    group_by: str | None
    groups: list[StatusSummary]
    total: StatusSummary


GroupBy = Literal["branch", "channel", "agent_code", "product_type", "rule_id", "kind", "none"]


def summarise(groups: list[StatusCounts], group_by: str | None) -> TimelinessSummary:
    """Per-group rows and their sum (rates recomputed from the summed counts)."""
    names = [n for n in StatusCounts.model_fields if n != "key"]
    total = StatusCounts(key=None, **{n: sum(getattr(g, n) for g in groups) for n in names})
    return TimelinessSummary(
        group_by=group_by, groups=[StatusSummary.of(g) for g in groups], total=StatusSummary.of(total)
    )


@router.get(
    "/timeliness/summary",
    response_model=TimelinessSummary,
    tags=["timeliness 时效"],
    summary="时效汇总 Counts and rates by PC-03 status, grouped by branch / channel / …",
    responses=_ok({"group_by": "branch", "groups": [SUMMARY_ROW], "total": {**SUMMARY_ROW, "key": None}}),
)
def get_timeliness_summary(
    ctx: Ctx,
    principal: Reader,
    group_by: Annotated[GroupBy, Query(description="grouping 分组; none: one total")] = "branch",
    branch: Branch = None,
    channel: Channel = None,
    agent_code: AgentCodeParam = None,
    product_type: ProductTypeParam = None,
    rule: Rules = None,
    kind: Kinds = None,
    due_from: DueFrom = None,
    due_to: DueTo = None,
) -> TimelinessSummary:
    filters = _timeliness_filters(
        ctx,
        principal,
        branch,
        channel,
        agent_code,
        product_type,
        None,
        rule,
        kind,
        None,
        due_from,
        due_to,
        False,
    )
    key = None if group_by == "none" else group_by
    with reading(ctx.app) as r:
        groups = count_by_status(
            r.conn, r.schema, now=r.now, params=ctx.app.settings.rules, group_by=key, filters=filters
        )
    return summarise([g for g in groups if g.total], key)


# ----- scorecards and KPIs 考核 ----------------------------------------------------------------
@router.get(
    "/scorecards/agents",
    response_model=ResultPage[AgentScorecard],
    tags=["scorecards 考核"],
    summary="业务员考核 Agents' month: KP-01..03, PC-07 warning / investigation, SC-01 score",
    responses=_ok(example_page(AGENT_SCORECARD)),
)
def get_agent_scorecards(
    ctx: Ctx,
    principal: Reader,
    page: Paging,
    month: Month = None,
    branch: Branch = None,
    agent_code: AgentCodeParam = None,
) -> ResultPage[AgentScorecard]:
    checked(branch=branch)
    scope = narrow(principal, branch, agent_code, app=ctx.app)
    with reading(ctx.app) as r:
        return agent_scorecards(
            r.conn, r.schema, month=month or this_month(r.now), now=r.now, params=ctx.app.settings.rules,
            branch=scope.branch, agent_code=scope.agent_code, limit=page.limit, offset=page.offset,
        )  # fmt: skip


@router.get(
    "/scorecards/branches",
    response_model=ResultPage[BranchScorecard],
    tags=["scorecards 考核"],
    summary="机构考核 Branches' month: KPIs and agents warned / under investigation (PC-07)",
    responses=_ok(example_page(BRANCH_SCORECARD)),
)
def get_branch_scorecards(
    ctx: Ctx, principal: Reader, page: Paging, month: Month = None, branch: Branch = None
) -> ResultPage[BranchScorecard]:
    checked(branch=branch)
    refuse_agent_scope(principal, "a branch scorecard")
    scope = narrow(principal, branch, app=ctx.app)
    with reading(ctx.app) as r:
        return branch_scorecards(
            r.conn, r.schema, month=month or this_month(r.now), now=r.now, params=ctx.app.settings.rules,
            branch=scope.branch, limit=page.limit, offset=page.offset,
        )  # fmt: skip


Dimension = Literal["branch", "channel", "product_type", "agent_code"]


@router.get(
    "/kpis",
    response_model=ResultPage[Scorecard],
    tags=["scorecards 考核"],
    summary="指标 KP-01..04: callback and work-order KPIs by branch / channel / product type and month",
    responses=_ok(example_page(SCORECARD)),
)
def get_kpis(
    ctx: Ctx,
    principal: Reader,
    page: Paging,
    by: Annotated[Dimension, Query(description="breakdown 维度 (KP-04)")] = "branch",
    month_from: Month = None,
    month_to: Month = None,
    branch: Branch = None,
    channel: Channel = None,
    product_type: ProductTypeParam = None,
    agent_code: AgentCodeParam = None,
) -> ResultPage[Scorecard]:
    checked(branch=branch, channel=channel, product_type=product_type)
    scope = narrow(principal, branch, agent_code, app=ctx.app)
    with reading(ctx.app) as r:
        first = month_key(month_from or month_to or this_month(r.now))
        last = month_key(month_to or first)
        ordered(first, last, "month_from/month_to")
        filters = ScorecardFilters(
            branch=scope.branch, channel=channel, product_type=product_type, agent_code=scope.agent_code
        )
        return scorecards(
            r.conn, r.schema, dimension=by, month_from=first, month_to=last, now=r.now, filters=filters,
            limit=page.limit, offset=page.offset,
        )  # fmt: skip


# ----- worklists 工作队列 ----------------------------------------------------------------------
@router.get(
    "/worklists/calls",
    response_model=ResultPage[CallRow],
    tags=["worklists 工作队列"],
    summary="回访待呼 Callbacks with a running cycle (CA-02), attempts left, next call window (CA-01)",
    responses=_ok(example_page(CALL_ROW)),
)
def get_call_worklist(
    ctx: Ctx,
    principal: Reader,
    page: Paging,
    branch: Branch = None,
    channel: Channel = None,
    agent_code: AgentCodeParam = None,
    policy_number: PolicyNumberParam = None,
    cursor: CursorParam = None,
) -> ResultPage[CallRow]:
    checked(branch=branch, channel=channel, policy_number=policy_number)
    scope = narrow(principal, branch, agent_code, app=ctx.app)
    filters = CallFilters(
        branch=scope.branch,
        channel=channel,
        agent_code=scope.agent_code,
        policy_number=policy_number.strip().upper() if policy_number else None,
    )
    with reading(ctx.app) as r:
        return call_centre_queue(
            r.conn, r.schema, now=r.now, params=ctx.app.settings.rules, calendar=ctx.app.calendar,
            filters=filters, limit=page.limit, offset=page.offset, cursor=cursor,
        )  # fmt: skip


@router.get(
    "/worklists/work-orders",
    response_model=ResultPage[BranchQueueRow],
    tags=["worklists 工作队列"],
    summary="问题件队列 A branch's open work orders in OC-05 order (核实件 first, then by month)",
    responses=_ok(example_page(QUEUE_ROW)),
)
def get_work_order_worklist(
    ctx: Ctx,
    principal: Reader,
    page: Paging,
    branch: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=60,
            description="机构 branch (a branch token: its own, the default)",
            examples=["北京分公司"],
        ),
    ] = None,
    handler_id: Annotated[
        str | None, Query(min_length=1, max_length=60, description="经办人 handler")
    ] = None,
) -> ResultPage[BranchQueueRow]:
    checked(branch=branch, handler_id=handler_id)
    refuse_agent_scope(principal, "a branch's work-order queue")
    scope = narrow(principal, branch, app=ctx.app)
    if scope.branch is None:
        raise InvalidInput("give the branch whose queue to list", "请指定机构 branch")
    with reading(ctx.app) as r:
        return branch_work_queue(
            r.conn, r.schema, branch=scope.branch, now=r.now, handler_id=handler_id,
            limit=page.limit, offset=page.offset,
        )  # fmt: skip


@router.get(
    "/worklists/service-cases",
    response_model=ResultPage[ServiceCaseRow],
    tags=["worklists 工作队列"],
    summary="服务件队列 Open service cases in PS-04 order (earliest premium due first)",
    responses=_ok(example_page(SERVICE_CASE_ROW)),
)
def get_service_case_worklist(
    ctx: Ctx,
    principal: Reader,
    page: Paging,
    branch: Branch = None,
    servicer_code: Annotated[
        str | None,
        Query(min_length=1, max_length=20, description="收展员工号 servicer (an agent token: its own)"),
    ] = None,
    include_unassigned: Annotated[bool, Query(description="also cases not assigned yet 含未分配")] = False,
) -> ResultPage[ServiceCaseRow]:
    checked(branch=branch)
    scope = narrow(principal, branch, servicer_code, app=ctx.app)
    filters = CaseFilters(
        servicer_code=scope.agent_code, branch=scope.branch, include_unassigned=include_unassigned
    )
    with reading(ctx.app) as r:
        return servicer_queue(
            r.conn, r.schema, now=r.now, params=ctx.app.settings.rules, filters=filters,
            limit=page.limit, offset=page.offset,
        )  # fmt: skip
