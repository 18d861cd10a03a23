"""GETs of the worklists (工作队列): the call-centre, work-order and servicer queues of the
worklists read model, and the service-standard queues (SL-01..SL-04) kept as rows of the
timeliness read model (``projections.timeliness.service_queues``).

Thin: query parameters become the filters of ``projections.worklists.queries``, narrowed
to the caller's scope (``access.narrow``); "now" is the application clock. The complaint,
claim and care-callback queues are a branch's (an agent token gets 403); the
renewal-reminder queue is an agent's own list (an agent token reads its own code).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from domain.shared.errors import InvalidInput
from interfaces.api.context import ApiContext
from interfaces.api.pagination import CursorParam, PageParams
from interfaces.api.permissions import Principal
from interfaces.api.read_models.access import narrow, reading, refuse_agent_scope
from interfaces.api.read_models.common import (
    AgentCodeParam,
    Branch,
    Channel,
    Ctx,
    HandlerId,
    Paging,
    PolicyNumberParam,
    Reader,
    checked,
    example_page,
    ok,
)
from interfaces.api.read_models.timeliness import OBLIGATION_ROW
from projections.querying import ResultPage
from projections.timeliness.queries import ObligationRow
from projections.timeliness.service_queues import ServiceQueue, service_queue
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
#: the service-standard queues (SL-01..SL-04, rows of the timeliness read model), mounted
#: after the other GETs (their place in the OpenAPI document)
service_standards_router = APIRouter()
WORKLISTS = "worklists 工作队列"

# ----- examples (the demo month, personal data masked) ----------------------------------
CALL_ROW: dict[str, Any] = {
    "callback_id": "d6672d79-7444-5471-afef-fdb3fa384f2d",
    "policy_number": "PBJ261000012",
    "branch": "北京分公司",
    "channel": {"zh": "网销", "en": "online"},
    "product_type": {"zh": "传统", "en": "traditional"},
    "agent_code": "BJ0017",
    "status": {"zh": "待回访", "en": "awaiting call"},
    "due_on": "2026-11-07",
    "days_left": 18,
    "cycle": 1,
    "second_cycle": False,
    "cycle_started_at": "2026-10-29T05:52:47Z",
    "cycle_ends_at": "2026-11-05T05:52:47Z",
    "attempts_allowed": 3,
    "attempts_made": 1,
    "attempts_left": 2,
    "last_attempt_at": "2026-10-30T07:05:22Z",
    "last_result": {"zh": "非本人接听", "en": "someone other than the policyholder answered"},
    "agreed_call_at": None,
    "next_window": {
        "start": "2026-10-20T10:00:00+08:00",
        "end": "2026-10-20T12:00:00+08:00",
        "day_kind": "工作日",
    },
    "callable_now": True,
}

QUEUE_ROW: dict[str, Any] = {
    "rank": 1,
    "queue_group": 0,
    "queue_group_label": {"zh": "核实件", "en": "verifications"},
    "work_order_id": "37ba704d-c9a5-59df-b3e3-7c004f177b97",
    "work_order_type": {"zh": "核实件", "en": "verification"},
    "policy_number": "PBJ261000009",
    "branch": "北京分公司",
    "channel": {"zh": "个险", "en": "agency"},
    "agent_code": "BJ0002",
    "handler_id": "BJ-KF04",
    "source_class": {"zh": "核实件", "en": "verification"},
    "source_subtype": {"zh": "重复号码", "en": "duplicate number"},
    "sent_on": "2026-10-13",
    "deadline_at": "2026-10-20T15:59:59.999999Z",
    "status": {"zh": "警告", "en": "warning"},
    "overdue_statement": False,
    "escalated_from": None,
}

SERVICE_CASE_ROW: dict[str, Any] = {
    "rank": 1,
    "case_id": "73a55b56-b32b-5be0-bc00-d12cac15e724",
    "policy_number": "PBJ240290001",
    "branch": "北京分公司",
    "servicer_code": "BJ0006",
    "status": {"zh": "服务中", "en": "in service"},
    "service_class": {"zh": "正常件", "en": "normal"},
    "source": {"zh": "失效转移", "en": "lapsed policy transferred"},
    "premium_due_on": "2027-02-24",
    "days_to_premium_due": 127,
    "assigned_on": "2026-10-10",
    "card_due_on": "2026-10-13",
    "card_number": "FWKPBJ240290001",
    "card_status": None,
    "report_due_on": None,
    "report_filed_on": None,
    "next_notice_due_on": None,
    "contact_attempts": 0,
    "last_contact_on": None,
}


# ----- worklists 工作队列 ----------------------------------------------------------------------
@router.get(
    "/worklists/calls",
    response_model=ResultPage[CallRow],
    tags=[WORKLISTS],
    summary="回访待呼 Callbacks with a running cycle (CA-02), attempts left, next call window (CA-01)",
    responses=ok(example_page(CALL_ROW)),
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
    tags=[WORKLISTS],
    summary="问题件队列 A branch's open work orders in OC-05 order (核实件 first, then by month)",
    responses=ok(example_page(QUEUE_ROW)),
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
    tags=[WORKLISTS],
    summary="服务件队列 Open service cases in PS-04 order (earliest premium due first)",
    responses=ok(example_page(SERVICE_CASE_ROW)),
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


# ----- service standards 服务标准 (SL-01..SL-04): who must act next --------------------------
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


@service_standards_router.get(
    "/worklists/complaints",
    response_model=ResultPage[ObligationRow],
    tags=[WORKLISTS],
    summary="投诉待办 Complaints to acknowledge (SL-01b, 24 h) or decide (SL-01c); earliest due first",
    responses=ok(example_page(OBLIGATION_ROW)),
)
def get_complaint_worklist(
    ctx: Ctx, principal: Reader, page: Paging, branch: Branch = None, cursor: CursorParam = None
) -> ResultPage[ObligationRow]:
    return _branch_queue(ctx, principal, page, ServiceQueue.COMPLAINTS, branch, cursor)


@service_standards_router.get(
    "/worklists/claims",
    response_model=ResultPage[ObligationRow],
    tags=[WORKLISTS],
    summary="理赔待办 Claim steps not done (SL-03a/b/d/e: contact, on site, 定损, 核赔) by handler",
    responses=ok(example_page(OBLIGATION_ROW)),
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


@service_standards_router.get(
    "/worklists/care-callbacks",
    response_model=ResultPage[ObligationRow],
    tags=[WORKLISTS],
    summary="关怀回访待呼 Care callbacks not reached yet (SL-04a 出险, SL-04b 结案) for the call centre",
    responses=ok(example_page(OBLIGATION_ROW)),
)
def get_care_callback_worklist(
    ctx: Ctx, principal: Reader, page: Paging, branch: Branch = None, cursor: CursorParam = None
) -> ResultPage[ObligationRow]:
    return _branch_queue(ctx, principal, page, ServiceQueue.CARE_CALLBACKS, branch, cursor)


@service_standards_router.get(
    "/worklists/renewal-reminders",
    response_model=ResultPage[ObligationRow],
    tags=[WORKLISTS],
    summary="续保提醒待办 An agent's renewal reminders due by today and not made (SL-02b)",
    responses=ok(example_page(OBLIGATION_ROW)),
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
