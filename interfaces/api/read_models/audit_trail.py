"""审计轨迹 Audit trail GETs: the events of a policy, an agent, an aggregate, a rule, a period.

Scope: an all-scope token reads every event; a branch token the events about its
branch's policies and agents; an agent token the events naming its code. A policy or
agent outside the scope is 403, as on the write-side reads.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import datetime, timedelta
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Path, Query

from domain.shared.errors import InvalidInput, NotFound
from domain.shared.values import agent_code as normal_agent_code
from domain.shared.values import policy_number as normal_policy_number
from interfaces.api.auth import require_scope
from interfaces.api.context import ApiContext
from interfaces.api.owners import agent_owner, find_agent, find_policy, policy_owner
from interfaces.api.pagination import CursorParam, PageParams
from interfaces.api.permissions import ScopeKind
from interfaces.api.problems import problem_responses
from interfaces.api.read_models.access import narrow, reading
from interfaces.api.read_models.common import (
    RULE_PATTERN,
    AgentCodeParam,
    Branch,
    Ctx,
    Paging,
    PolicyNumberParam,
    Reader,
    checked,
    example_page,
    ordered,
)
from projections.audit_trail.queries import AuditEntry, AuditFilters, query_audit_trail
from projections.querying import ResultPage

TAG = "audit trail 审计轨迹"

# the example: the demo month, personal data masked
AUDIT_ENTRY: dict[str, Any] = {
    "position": 199,
    "aggregate_type": "Policy",
    "aggregate_id": "f719ba17-8f43-563a-a27c-597e4de6bcda",
    "aggregate_version": 2,
    "business_key": "PSH260900008",
    "event_type": "ReceiptSigned",
    "occurred_at": "2026-09-25T08:15:02Z",
    "recorded_at": "2026-11-22T03:47:04.671662Z",
    "entry_delay_seconds": 4995122.671662,
    "late_entry": True,
    "actor_id": "SH-NQ01",
    "actor_role": "branch",
    "command_id": "demo/5/2026-10/40/PSH260900008/02",
    "rule_ids": ["CB-03"],
    "policy_numbers": ["PSH260900008"],
    "agent_codes": [],
    "summary_zh": "回执签收（PSH260900008）：signed_on=2026-09-25, cooling_off_end=2026-10-10",
    "summary_en": "Receipt signed (PSH260900008): signed_on=2026-09-25, cooling_off_end=2026-10-10",
    "data": {
        "rule_id": "CB-03",
        "signed_on": "2026-09-25",
        "cooling_off_end": "2026-10-10",
        "cooling_off_days": 15,
    },
}

router = APIRouter(tags=[TAG])
RESPONSES = {
    200: {"content": {"application/json": {"example": example_page(AUDIT_ENTRY)}}},
    **problem_responses(400, 401, 403, 404, 503),
}

Moment = Annotated[
    datetime | None, Query(description="timezone-aware instant", examples=["2026-03-01T00:00:00+08:00"])
]
RuleParam = Annotated[
    str | None, Query(pattern=RULE_PATTERN, description="cites this rule 规则", examples=["CB-03"])
]


def _page(
    ctx: ApiContext, filters: AuditFilters, page: PageParams, cursor: str | None
) -> ResultPage[AuditEntry]:
    with reading(ctx.app) as r:
        return query_audit_trail(
            r.conn, r.schema, filters=filters, limit=page.limit, offset=page.offset, cursor=cursor,
            late_after=timedelta(hours=ctx.app.settings.late_entry_hours),
        )  # fmt: skip


@router.get(
    "/audit-trail",
    response_model=ResultPage[AuditEntry],
    summary="审计轨迹 Events in log order, by policy / agent / aggregate / rule / time range",
    responses=RESPONSES,
)
def get_audit_trail(
    ctx: Ctx,
    principal: Reader,
    page: Paging,
    policy_number: PolicyNumberParam = None,
    agent_code: AgentCodeParam = None,
    aggregate_id: Annotated[UUID | None, Query(description="one aggregate's events 聚合")] = None,
    rule: RuleParam = None,
    branch: Branch = None,
    occurred_from: Moment = None,
    occurred_to: Moment = None,
    recorded_from: Moment = None,
    recorded_to: Moment = None,
    cursor: CursorParam = None,
) -> ResultPage[AuditEntry]:
    checked(
        branch=branch,
        occurred_from=occurred_from,
        occurred_to=occurred_to,
        recorded_from=recorded_from,
        recorded_to=recorded_to,
    )
    ordered(occurred_from, occurred_to, "occurred_from/occurred_to")
    ordered(recorded_from, recorded_to, "recorded_from/recorded_to")
    number = normal_policy_number(policy_number) if policy_number is not None else None
    if number is not None and principal.scope.kind != ScopeKind.ALL:
        policy = find_policy(ctx.app, number)  # another's policy: 403, as GET /policies/{n}
        require_scope(principal, policy_owner(policy) if policy else None)
    scope = narrow(principal, branch, agent_code, app=ctx.app)
    filters = AuditFilters(
        policy_number=number,
        agent_code=scope.agent_code,
        aggregate_id=aggregate_id,
        rule_id=rule,
        branch=scope.branch,
        occurred_from=occurred_from,
        occurred_to=occurred_to,
        recorded_from=recorded_from,
        recorded_to=recorded_to,
    )
    return _page(ctx, filters, page, cursor)


@router.get(
    "/policies/{policy_number}/audit-trail",
    response_model=ResultPage[AuditEntry],
    summary="保单审计轨迹 Every event about a policy (its callbacks, work orders, cases too)",
    responses=RESPONSES,
)
def get_policy_audit_trail(
    policy_number: Annotated[str, Path(min_length=1, max_length=40, examples=["P2026000001"])],
    ctx: Ctx,
    principal: Reader,
    page: Paging,
    rule: RuleParam = None,
    cursor: CursorParam = None,
) -> ResultPage[AuditEntry]:
    number = normal_policy_number(policy_number)
    filters = AuditFilters(policy_number=number, rule_id=rule)
    if principal.scope.kind == ScopeKind.ALL:
        # every policy is in scope: a page with rows proves the policy exists, so the policy
        # need not be loaded from the event store (~1/3 of this page's cost); an empty page
        # or a refused cursor still answers as below (404 for an unknown policy first)
        with suppress(InvalidInput):
            found = _page(ctx, filters, page, cursor)
            if found.items:
                return found
    policy = find_policy(ctx.app, number)
    if policy is None:
        raise NotFound(f"policy {number} not found", f"未找到保单 {number}", policy_number=number)
    require_scope(principal, policy_owner(policy))
    return _page(ctx, filters, page, cursor)


@router.get(
    "/agents/{code}/audit-trail",
    response_model=ResultPage[AuditEntry],
    summary="业务员审计轨迹 Every event naming an agent (its own and its policies')",
    responses=RESPONSES,
)
def get_agent_audit_trail(
    code: Annotated[str, Path(min_length=1, max_length=20, examples=["A0001"])],
    ctx: Ctx,
    principal: Reader,
    page: Paging,
    rule: RuleParam = None,
    cursor: CursorParam = None,
) -> ResultPage[AuditEntry]:
    agent_code = normal_agent_code(code)
    agent = find_agent(ctx.app, agent_code)
    if agent is None:
        raise NotFound(f"agent {agent_code} not found", f"未找到业务员 {agent_code}", agent_code=agent_code)
    require_scope(principal, agent_owner(agent))
    return _page(ctx, AuditFilters(agent_code=agent_code, rule_id=rule), page, cursor)
