"""GETs of the timeliness read model (时效): obligations with their PC-03 status, and counts.

Thin: query parameters become the filters of ``projections.timeliness.queries``; the
caller's scope narrows them (``access.narrow``: an agent token reads its own code, a
branch token its branch; asking for another is 403); "now" is the application clock.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel

from domain.work_order import ObligationStatus
from interfaces.api.context import ApiContext
from interfaces.api.pagination import CursorParam
from interfaces.api.permissions import Principal
from interfaces.api.read_models.access import narrow, reading
from interfaces.api.read_models.common import (
    AgentCodeParam,
    Branch,
    Channel,
    Ctx,
    Paging,
    PolicyNumberParam,
    ProductTypeParam,
    Reader,
    checked,
    example_page,
    ok,
    ordered,
)
from projections.querying import ResultPage
from projections.scorecards.queries import Rate
from projections.timeliness.obligations import ObligationKind
from projections.timeliness.queries import (
    Filters,
    ObligationRow,
    StatusCounts,
    count_by_status,
    query_obligations,
)

router = APIRouter()


class StatusParam(StrEnum):
    """PC-03 status (时效状态) as a URL slug."""

    NORMAL = "normal"  # 正常
    WARNING = "warning"  # 警告
    OVERDUE = "overdue"  # 超时
    CLOSED_ON_TIME = "closed_on_time"  # 按时完成
    CLOSED_LATE = "closed_late"  # 逾期完成

    @property
    def status(self) -> ObligationStatus:
        return ObligationStatus[self.name]


class KindParam(StrEnum):
    """Obligation kind (时效事项) as a URL slug."""

    CALLBACK = "callback"  # 犹豫期内回访成功 CB-03
    RECEIPT_REGISTRATION = "receipt_registration"  # 回执回销时效 CB-05
    WORK_ORDER = "work_order"  # 问题件处理时效 PC-02
    SERVICE_CARD = "service_card"  # 客户服务卡建立 PS-03
    DIFFICULT_CASE_REPORT = "difficult_case_report"  # 疑难件报告书递交 PS-04
    SURVIVAL_BENEFIT_NOTICE = "survival_benefit_notice"  # 生存金返还通知书送达 PS-04
    COMPLAINT_ACK = "complaint_ack"  # 投诉24小时响应 SL-01b
    COMPLAINT_DECISION = "complaint_decision"  # 投诉处理时效 SL-01c
    RENEWAL_REMINDER = "renewal_reminder"  # 续保提醒 SL-02b
    CLAIM_STEP = "claim_step"  # 理赔时效 SL-03
    CARE_CALLBACK = "care_callback"  # 理赔关怀回访 SL-04

    @property
    def kind(self) -> ObligationKind:
        return ObligationKind[self.name]


DueFrom = Annotated[
    date | None, Query(description="due on or after this day 到期起", examples=["2026-03-01"])
]
DueTo = Annotated[date | None, Query(description="due on or before this day 到期止", examples=["2026-03-31"])]


# ----- examples (the demo month, personal data masked) ----------------------------------
OBLIGATION_ROW: dict[str, Any] = {
    "obligation_id": "PC-02:240c55dd-9fd8-579f-adb3-32fcc624521c",
    "rule_id": "PC-02",
    "kind": {"zh": "问题件处理时效", "en": "work order handled by its deadline"},
    "detail": "人工亲访件",
    "subject_type": "work_order",
    "subject_id": "240c55dd-9fd8-579f-adb3-32fcc624521c",
    "policy_number": "PBJ261000006",
    "branch": "北京分公司",
    "channel": "个险",
    "product_type": "投连",
    "agent_code": "BJ0006",
    "started_at": "2026-10-10T12:50:42Z",
    "due_at": "2026-10-17T15:59:59.999999Z",
    "done_at": "2026-10-14T03:30:02Z",
    "status": {"zh": "按时完成", "en": "closed on time"},
    "warning_lead_days": 2,
    "overdue_statement": False,
    "overdue_reason": "",
    "cancelled_at": None,
    "cancel_reason": "",
}

SUMMARY_ROW: dict[str, Any] = {
    "key": "上海分公司",
    "total": 26,
    "normal": 0,
    "warning": 0,
    "overdue": 0,
    "closed_on_time": 22,
    "closed_late": 4,
    "no_due": 0,
    "overdue_statements": 0,
}


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
    responses=ok(example_page(OBLIGATION_ROW)),
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
    responses=ok({"group_by": "branch", "groups": [SUMMARY_ROW], "total": {**SUMMARY_ROW, "key": None}}),
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
