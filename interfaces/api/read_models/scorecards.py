"""GETs of the scorecards read model (考核): agents' and branches' month, KPIs (KP-01..04).

Thin: query parameters become the filters of ``projections.scorecards.queries``, narrowed
to the caller's scope (``access.narrow``); "now" is the application clock.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from domain.planner_score import month_key
from interfaces.api.read_models.access import narrow, reading, refuse_agent_scope
from interfaces.api.read_models.common import (
    ERRORS,
    AgentCodeParam,
    Branch,
    Channel,
    Ctx,
    HandlerId,
    Month,
    Paging,
    ProductTypeParam,
    Reader,
    checked,
    example_page,
    ok,
    ordered,
    this_month,
)
from projections.querying import ResultPage
from projections.scorecards.claim_queries import ClaimDimension, ClaimScorecard, claim_scorecards
from projections.scorecards.queries import (
    AgentScorecard,
    BranchScorecard,
    Scorecard,
    ScorecardFilters,
    agent_scorecards,
    branch_scorecards,
    scorecards,
)

router = APIRouter()
#: the claim scorecard (SL-03), mounted after the other GETs (its place in the OpenAPI document)
service_standards_router = APIRouter()

# ----- examples (the demo month, personal data masked) ----------------------------------
AGENT_SCORECARD: dict[str, Any] = {
    "dimension": "agent_code",
    "key": "BJ0001",
    "key_label": None,
    "month": "2026-10",
    "callbacks": {
        "due": 1,
        "excluded": 0,
        "successful": 1,
        "successful_within_cooling_off": 1,
        "success_rate": {"numerator": 1, "denominator": 1, "value": "1.0000"},
        "success_rate_within_cooling_off": {"numerator": 1, "denominator": 1, "value": "1.0000"},
        "problem_ratio": {"numerator": 0, "denominator": 1, "value": "0.0000"},
        "standard": 1,
        "sub_standard": 0,
        "problem": 0,
        "verification": 0,
        "pending": 0,
        "outcomes": [
            {
                "outcome_class": {"zh": "标准件", "en": "standard"},
                "category": None,
                "subtype": None,
                "count": 1,
            }
        ],
        "misleading": 0,
        "proxy_signature": 0,
        "duplicate_phone_hits": 1,
    },
    "work_orders": {
        "due": 1,
        "open": 0,
        "closed": 1,
        "overdue": 0,
        "warning": 0,
        "closed_on_time": 1,
        "closed_late": 0,
        "withdrawn": 0,
        "overdue_statements": 0,
        "handling_rate": {"numerator": 1, "denominator": 1, "value": "1.0000"},
    },
    "quality": {
        "month": "2026-10",
        "success_rate": "1",
        "warning_rate": "0.90",
        "warned": False,
        "warned_run": 0,
        "investigation": False,
        "rule_id": "PC-07",
    },
    "planner_score": None,
    "complaints": {
        "received": 2,
        "misleading": 1,
        "open": 1,
        "overdue": 0,
        "decided_late": 0,
        "rule_id": "SL-01f",
    },
}

BRANCH_SCORECARD: dict[str, Any] = {
    "dimension": "branch",
    "key": "上海分公司",
    "key_label": None,
    "month": "2026-10",
    "callbacks": {
        "due": 8,
        "excluded": 0,
        "successful": 8,
        "successful_within_cooling_off": 7,
        "success_rate": {"numerator": 8, "denominator": 8, "value": "1.0000"},
        "success_rate_within_cooling_off": {"numerator": 7, "denominator": 8, "value": "0.8750"},
        "problem_ratio": {"numerator": 1, "denominator": 8, "value": "0.1250"},
        "standard": 7,
        "sub_standard": 0,
        "problem": 1,
        "verification": 0,
        "pending": 0,
        "outcomes": [
            {
                "outcome_class": {"zh": "标准件", "en": "standard"},
                "category": None,
                "subtype": None,
                "count": 7,
            },
            {
                "outcome_class": {"zh": "问题件", "en": "problem"},
                "category": {"zh": "疑似误导类", "en": "suspected misleading"},
                "subtype": {"zh": "收益不确定性不清楚", "en": "uncertainty of returns unclear"},
                "count": 1,
            },
        ],
        "misleading": 1,
        "proxy_signature": 0,
        "duplicate_phone_hits": 0,
    },
    "work_orders": {
        "due": 2,
        "open": 0,
        "closed": 2,
        "overdue": 0,
        "warning": 0,
        "closed_on_time": 1,
        "closed_late": 1,
        "withdrawn": 0,
        "overdue_statements": 0,
        "handling_rate": {"numerator": 1, "denominator": 2, "value": "0.5000"},
    },
    "agents": 5,
    "agents_warned": 0,
    "agents_under_investigation": 0,
}

SCORECARD: dict[str, Any] = {
    "dimension": "channel",
    "key": "个险",
    "key_label": {"zh": "个险", "en": "agency"},
    "month": "2026-10",
    "callbacks": {
        "due": 28,
        "excluded": 1,
        "successful": 23,
        "successful_within_cooling_off": 21,
        "success_rate": {"numerator": 23, "denominator": 28, "value": "0.8214"},
        "success_rate_within_cooling_off": {"numerator": 21, "denominator": 28, "value": "0.7500"},
        "problem_ratio": {"numerator": 3, "denominator": 23, "value": "0.1304"},
        "standard": 18,
        "sub_standard": 2,
        "problem": 3,
        "verification": 4,
        "pending": 1,
        "outcomes": [
            {
                "outcome_class": {"zh": "标准件", "en": "standard"},
                "category": None,
                "subtype": None,
                "count": 18,
            },
            {
                "outcome_class": {"zh": "核实件", "en": "verification"},
                "category": None,
                "subtype": {"zh": "保单信息有误", "en": "identity data mismatch"},
                "count": 1,
            },
            {
                "outcome_class": {"zh": "核实件", "en": "verification"},
                "category": None,
                "subtype": {"zh": "联系不上", "en": "unreachable"},
                "count": 1,
            },
            {
                "outcome_class": {"zh": "核实件", "en": "verification"},
                "category": None,
                "subtype": {"zh": "重复号码", "en": "duplicate number"},
                "count": 2,
            },
            {
                "outcome_class": {"zh": "次标准件", "en": "sub-standard"},
                "category": None,
                "subtype": {
                    "zh": "投保提示/保险责任/责任免除不清楚",
                    "en": "risk notice / liability / exclusions unclear",
                },
                "count": 1,
            },
            {
                "outcome_class": {"zh": "次标准件", "en": "sub-standard"},
                "category": None,
                "subtype": {"zh": "缴费年限/保险期限不清楚", "en": "payment period / coverage term unclear"},
                "count": 1,
            },
            {
                "outcome_class": {"zh": "问题件", "en": "problem"},
                "category": {"zh": "代签字类", "en": "proxy signature"},
                "subtype": {"zh": "代抄录风险提示语", "en": "risk statement copied by someone else"},
                "count": 1,
            },
            {
                "outcome_class": {"zh": "问题件", "en": "problem"},
                "category": {"zh": "沟通解释类", "en": "communication / explanation"},
                "subtype": {"zh": "记不清是否亲笔签名", "en": "cannot recall whether signed personally"},
                "count": 1,
            },
            {
                "outcome_class": {"zh": "问题件", "en": "problem"},
                "category": {"zh": "疑似误导类", "en": "suspected misleading"},
                "subtype": {"zh": "收益不确定性不清楚", "en": "uncertainty of returns unclear"},
                "count": 1,
            },
        ],
        "misleading": 1,
        "proxy_signature": 1,
        "duplicate_phone_hits": 4,
    },
    "work_orders": {
        "due": 17,
        "open": 4,
        "closed": 13,
        "overdue": 0,
        "warning": 3,
        "closed_on_time": 10,
        "closed_late": 3,
        "withdrawn": 0,
        "overdue_statements": 2,
        "handling_rate": {"numerator": 10, "denominator": 17, "value": "0.5882"},
    },
}


# ----- scorecards and KPIs 考核 ----------------------------------------------------------------
@router.get(
    "/scorecards/agents",
    response_model=ResultPage[AgentScorecard],
    tags=["scorecards 考核"],
    summary="业务员考核 Agents' month: KP-01..03, PC-07 warning / investigation, SC-01 score",
    responses=ok(example_page(AGENT_SCORECARD)),
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
    responses=ok(example_page(BRANCH_SCORECARD)),
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
    responses=ok(example_page(SCORECARD)),
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


# ----- service standards 服务标准: claim timeliness (SL-03) ------------------------------------
@service_standards_router.get(
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
