"""Policy-service case use cases (保单服务件, PS-01..06) and the reactions that open them.

Opening paths (PS-01):
- ``Policy.AgentReassigned`` → a case for the new agent (the servicer), with the
  reassignment's source and previous agent; an open case of the policy is superseded.
  (The bulk transfer of a departed agent's book will issue one ReassignAgent per
  policy from the read side; this per-policy path is the complete one.)
- ``Policy.Lapsed`` → the policy's open case becomes a 失效件, or a new unassigned
  失效件 (source 失效转移) is opened. ``Policy.Reinstated`` → back to 正常件.
- ``OpenServiceCase`` for the other sources (外地转入, 公司会办, 本人新开发, …).
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from pydantic import Field

from application.messages import Command
from application.planners import ensure_planner
from application.policies import load_policy
from application.unit_of_work import UnitOfWork
from domain.agent import Agent, AgentStatus
from domain.planner_score import month_of
from domain.policy import Policy, PolicyStatus
from domain.service_case import (
    CaseTrigger,
    ContactMethod,
    ContactParty,
    ServiceCase,
    ServiceCaseIndex,
    ServiceSource,
)
from domain.service_case.vocabulary import ORPHAN_TRANSFER_SOURCES
from domain.shared.errors import NotFound, RuleViolation
from domain.shared.time import business_date
from domain.shared.values import agent_code

# ----- commands -----------------------------------------------------------------------


class OpenServiceCase(Command):
    """保单服务件建立 Open a service case for a policy from a PS-01 source."""

    policy_number: str
    source: str = Field(examples=["外地转入"], description="PS-01 source")
    previous_agent_code: str = Field(
        "", max_length=20, description="orphan transfers: default the policy's agent"
    )
    servicer_code: str = Field("", max_length=20, description="assign at once when given")
    premium_due_on: date | None = Field(None, description="next premium due date (PS-04)")


class AssignServiceCase(Command):
    """分配服务人员 Assign a case to a servicer (PS-03)."""

    case_id: UUID
    servicer_code: str = Field(min_length=1, max_length=20)


class SignServiceList(Command):
    """签收服务清单 The servicer signs the service list (PS-03)."""

    case_id: UUID
    servicer_code: str = Field(min_length=1, max_length=20)
    list_complete: bool = Field(True, description="False: 签收不规范, allowance forfeited")


class RefuseServiceCase(Command):
    """拒绝接收 The servicer refuses the case (PS-03; without cause it disqualifies)."""

    case_id: UUID
    servicer_code: str = Field(min_length=1, max_length=20)
    reason: str = Field("", max_length=300)
    justified: bool = False


class CreateServiceCard(Command):
    """建立客户服务卡 The customer service card was created (PS-03)."""

    case_id: UUID
    card_number: str = Field(min_length=1, max_length=40)
    created_on: date | None = Field(None, description="default: the business date")


class RecordContactAttempt(Command):
    """找寻客户 A contact attempt by one of the 6+1 methods (PS-02, PS-04)."""

    case_id: UUID
    method: str = Field(examples=["1", "直接电话联系"], description="1..7 or the method's name")
    party: str = Field("投保人", description="投保人/被保险人 (an adult insured, PS-04)")
    reached: bool
    attempted_on: date | None = None
    note: str = Field("", max_length=500)


class ClassifyDifficultCase(Command):
    """定为困难件 Class a case 困难件 (PS-02: all 6+1 methods failed)."""

    case_id: UUID


class RecordPremiumDueDate(Command):
    """交费日期 The next premium due date of the case's policy (PS-04)."""

    case_id: UUID
    premium_due_on: date


class FileDifficultCaseReport(Command):
    """递交疑难件报告书 File the difficult-case report (PS-04)."""

    case_id: UUID
    filed_on: date | None = None


class ScheduleSurvivalBenefitNotice(Command):
    """生存金返还通知 A survival benefit falls due at the anniversary (PS-04)."""

    case_id: UUID
    anniversary_on: date


class DeliverSurvivalBenefitNotice(Command):
    """送达生存金返还通知书 The notice was delivered (PS-04)."""

    case_id: UUID
    anniversary_on: date
    delivered_on: date | None = None


class RecordServiceItem(Command):
    """服务记录 A delivered service item (PS-05)."""

    case_id: UUID
    item: str = Field(examples=["续期交费提醒"])
    served_on: date | None = None
    content: str = Field("", max_length=1000)
    customer_attitude: str = Field("", max_length=300)
    result: str = Field("", max_length=1000)


class RecordReinstatementVisit(Command):
    """失效保单处理结果反馈 Reinstatement visit result (PS-06)."""

    case_id: UUID
    outcome: str = Field(examples=["已复效"], description="已复效/同意复效待办理/拒绝复效/未能联系")
    visited_on: date | None = None
    note: str = Field("", max_length=1000)


class ReviewReinstatementResult(Command):
    """品质管理岗审核 Quality control confirms or sends back the visit result (PS-06)."""

    case_id: UUID
    reviewer: str = Field(min_length=1, max_length=40)
    confirmed: bool = True
    note: str = Field("", max_length=500)


class CloseServiceCase(Command):
    """服务件关闭 Close a case."""

    case_id: UUID
    reason: str = Field(min_length=1, max_length=300)


# ----- helpers ------------------------------------------------------------------------


def load_case(uow: UnitOfWork, case_id: UUID) -> ServiceCase:
    return uow.get(ServiceCase, case_id, "service case 保单服务件")


def _today(uow: UnitOfWork, day: date | None) -> date:
    return day if day is not None else business_date(uow.now)


def _agent_departed(uow: UnitOfWork, code: str) -> bool | None:
    """What the Agent record says about a previous agent (None: not registered here)."""
    if not code:
        return None
    agent = uow.find(Agent, Agent.id_for(code))
    return None if agent is None else agent.status == AgentStatus.DEPARTED


def _require_servicer(uow: UnitOfWork, code: str) -> str:
    """PS-03: a case goes to a registered, active agent."""
    code = agent_code(code)
    agent = uow.get(Agent, Agent.id_for(code), f"servicer {code} 服务人员")
    if agent.status != AgentStatus.ACTIVE:
        raise RuleViolation(
            "PS-03", f"servicer {code} has left the company", f"服务人员 {code} 已离司，不能接收服务件"
        )
    return code


def _index(uow: UnitOfWork, policy_number: str) -> ServiceCaseIndex:
    index = uow.find(ServiceCaseIndex, ServiceCaseIndex.id_for(policy_number))
    if index is None:
        index = ServiceCaseIndex.start(policy_number, uow.ctx)
        uow.add(index)
    return index


def _open(
    uow: UnitOfWork,
    *,
    case_id: UUID,
    policy: Policy,
    source: str,
    previous_agent_code: str,
    trigger: str,
    servicer_code: str,
    premium_due_on: date | None,
    supersede: bool,
) -> ServiceCase:
    index = _index(uow, policy.number)
    if supersede and index.open_case_id is not None:
        old = load_case(uow, index.open_case_id)
        old.supersede(new_case_id=case_id, new_source=source, new_servicer_code=servicer_code, ctx=uow.ctx)
        index.unlink(old.id, f"superseded by {case_id} ({source})", uow.ctx)
    case = ServiceCase.open(
        case_id,
        policy_number=policy.number,
        branch=policy.branch,
        source=source,
        previous_agent_code=previous_agent_code,
        previous_agent_departed=_agent_departed(uow, previous_agent_code),
        trigger=trigger,
        policy_lapsed=policy.status == PolicyStatus.LAPSED,
        premium_due_on=premium_due_on,
        ctx=uow.ctx,
    )
    uow.add(case)
    index.link(case.id, source, uow.ctx)
    if servicer_code:
        case.assign(servicer_code, uow.params.service, uow.ctx)
    return case


def _answer(case: ServiceCase) -> dict[str, str]:
    return {
        "case_id": str(case.id),
        "policy_number": case.policy_number,
        "status": str(case.status),
        "service_class": str(case.service_class),
    }


# ----- handlers -----------------------------------------------------------------------


def open_service_case(cmd: OpenServiceCase, uow: UnitOfWork) -> dict[str, str]:
    policy = load_policy(uow, cmd.policy_number)
    previous = agent_code(cmd.previous_agent_code) if cmd.previous_agent_code else ""
    if not previous and cmd.source in ORPHAN_TRANSFER_SOURCES:
        previous = policy.agent_code
    if cmd.source == ServiceSource.AGENT_LEFT and _agent_departed(uow, previous) is None:
        # PS-01 on the explicit path: the departure must be on record.
        raise NotFound(
            f"agent {previous} is not registered; record the agent and the departure first",
            f"业务员 {previous} 未登记，请先登记业务员及其离司",
            agent_code=previous,
        )
    servicer = _require_servicer(uow, cmd.servicer_code) if cmd.servicer_code else ""
    case = _open(
        uow,
        case_id=ServiceCase.id_for_origin(f"command:{uow.ctx.command_id}"),
        policy=policy,
        source=cmd.source,
        previous_agent_code=previous,
        trigger=CaseTrigger.COMMAND,
        servicer_code=servicer,
        premium_due_on=cmd.premium_due_on,
        supersede=False,
    )
    return _answer(case)


def assign_service_case(cmd: AssignServiceCase, uow: UnitOfWork) -> dict[str, str]:
    case = load_case(uow, cmd.case_id)
    case.assign(_require_servicer(uow, cmd.servicer_code), uow.params.service, uow.ctx)
    return {**_answer(case), "card_due_on": str(case.card_due_on)}


def sign_service_list(cmd: SignServiceList, uow: UnitOfWork) -> dict[str, str]:
    case = load_case(uow, cmd.case_id)
    case.sign_service_list(
        servicer_code=agent_code(cmd.servicer_code), list_complete=cmd.list_complete, ctx=uow.ctx
    )
    return _answer(case)


def refuse_service_case(cmd: RefuseServiceCase, uow: UnitOfWork) -> dict[str, str]:
    case = load_case(uow, cmd.case_id)
    case.refuse(
        servicer_code=agent_code(cmd.servicer_code), reason=cmd.reason, justified=cmd.justified, ctx=uow.ctx
    )
    return _answer(case)


def create_service_card(cmd: CreateServiceCard, uow: UnitOfWork) -> dict[str, str]:
    case = load_case(uow, cmd.case_id)
    case.create_service_card(cmd.card_number, _today(uow, cmd.created_on), uow.ctx)
    return {**_answer(case), "card_number": case.card_number}


def record_contact_attempt(cmd: RecordContactAttempt, uow: UnitOfWork) -> dict[str, object]:
    case = load_case(uow, cmd.case_id)
    policy = load_policy(uow, case.policy_number)
    holder = policy.facts.policyholder
    if cmd.party == ContactParty.INSURED:
        birthday: date | None = policy.facts.insured.birthday
    else:
        birthday = holder.birthday if holder else None
    case.record_contact_attempt(
        method=ContactMethod.parse(cmd.method),
        party=cmd.party,
        party_birthday=birthday,
        reached=cmd.reached,
        attempted_on=_today(uow, cmd.attempted_on),
        note=cmd.note,
        ctx=uow.ctx,
    )
    return {
        **_answer(case),
        "missing_methods": [m.value for m in case.missing_methods()],
    }


def classify_difficult_case(cmd: ClassifyDifficultCase, uow: UnitOfWork) -> dict[str, str]:
    case = load_case(uow, cmd.case_id)
    case.classify_difficult(uow.ctx)
    return {**_answer(case), "report_due_on": str(case.difficult_report_due_on)}


def record_premium_due_date(cmd: RecordPremiumDueDate, uow: UnitOfWork) -> dict[str, str]:
    case = load_case(uow, cmd.case_id)
    case.record_premium_due_date(cmd.premium_due_on, uow.ctx)
    return _answer(case)


def file_difficult_case_report(cmd: FileDifficultCaseReport, uow: UnitOfWork) -> dict[str, str]:
    case = load_case(uow, cmd.case_id)
    case.file_difficult_case_report(_today(uow, cmd.filed_on), uow.ctx)
    return _answer(case)


def schedule_survival_benefit_notice(cmd: ScheduleSurvivalBenefitNotice, uow: UnitOfWork) -> dict[str, str]:
    case = load_case(uow, cmd.case_id)
    case.schedule_survival_benefit_notice(cmd.anniversary_on, uow.ctx)
    return _answer(case)


def deliver_survival_benefit_notice(cmd: DeliverSurvivalBenefitNotice, uow: UnitOfWork) -> dict[str, str]:
    case = load_case(uow, cmd.case_id)
    case.deliver_survival_benefit_notice(
        anniversary_on=cmd.anniversary_on, delivered_on=_today(uow, cmd.delivered_on), ctx=uow.ctx
    )
    return _answer(case)


def record_service_item(cmd: RecordServiceItem, uow: UnitOfWork) -> dict[str, str]:
    case = load_case(uow, cmd.case_id)
    case.record_service_item(
        item=cmd.item,
        served_on=_today(uow, cmd.served_on),
        content=cmd.content,
        customer_attitude=cmd.customer_attitude,
        result=cmd.result,
        ctx=uow.ctx,
    )
    return _answer(case)


def record_reinstatement_visit(cmd: RecordReinstatementVisit, uow: UnitOfWork) -> dict[str, str]:
    case = load_case(uow, cmd.case_id)
    case.record_reinstatement_visit(
        visited_on=_today(uow, cmd.visited_on), outcome=cmd.outcome, note=cmd.note, ctx=uow.ctx
    )
    return _answer(case)


def review_reinstatement_result(cmd: ReviewReinstatementResult, uow: UnitOfWork) -> dict[str, str]:
    case = load_case(uow, cmd.case_id)
    case.review_reinstatement_result(
        reviewer=cmd.reviewer, confirmed=cmd.confirmed, note=cmd.note, ctx=uow.ctx
    )
    return _answer(case)


def close_service_case(cmd: CloseServiceCase, uow: UnitOfWork) -> dict[str, str]:
    case = load_case(uow, cmd.case_id)
    case.close(cmd.reason, uow.ctx)
    _index(uow, case.policy_number).unlink(case.id, cmd.reason, uow.ctx)
    return _answer(case)


# ----- reactions ----------------------------------------------------------------------


def _policy_of(event: Policy.Event, uow: UnitOfWork) -> Policy:
    return uow.get(Policy, event.originator_id, "policy 保单")


def open_case_on_reassignment(event: Policy.AgentReassigned, uow: UnitOfWork) -> None:
    """PS-01: a reassigned policy becomes a service case of the new agent (the servicer)."""
    policy = _policy_of(event, uow)
    _open(
        uow,
        case_id=ServiceCase.id_for_origin(f"{policy.number}@{event.originator_version}"),
        policy=policy,
        source=event.source,
        previous_agent_code=event.previous_agent_code,
        trigger=CaseTrigger.AGENT_REASSIGNED,
        servicer_code=event.new_agent_code,
        premium_due_on=None,
        supersede=True,
    )


def lapsed_case_on_lapse(event: Policy.Lapsed, uow: UnitOfWork) -> None:
    """PS-02/PS-06: the open case becomes a 失效件, or a new 失效件 awaits a servicer."""
    policy = _policy_of(event, uow)
    index = _index(uow, policy.number)
    if index.open_case_id is not None:
        load_case(uow, index.open_case_id).mark_lapsed(event.lapsed_on, uow.ctx)
        return
    _open(
        uow,
        case_id=ServiceCase.id_for_origin(f"{policy.number}@{event.originator_version}"),
        policy=policy,
        source=ServiceSource.LAPSE_TRANSFER,
        previous_agent_code=policy.agent_code,
        trigger=CaseTrigger.POLICY_LAPSED,
        servicer_code="",
        premium_due_on=None,
        supersede=False,
    )


def normal_case_on_reinstatement(event: Policy.Reinstated, uow: UnitOfWork) -> None:
    """PS-06: a reinstated policy's 失效件 is a 正常件 again."""
    policy = _policy_of(event, uow)
    index = uow.find(ServiceCaseIndex, ServiceCaseIndex.id_for(policy.number))
    if index is not None and index.open_case_id is not None:
        load_case(uow, index.open_case_id).mark_reinstated(event.reinstated_on, uow.ctx)


def disqualify_on_refusal(event: ServiceCase.AssignmentRefused, uow: UnitOfWork) -> None:
    """PS-03: refusing without cause cancels the planner qualification → no allocation."""
    if not event.disqualifying:
        return
    case = load_case(uow, event.originator_id)
    planner = ensure_planner(uow, event.servicer_code, fallback_branch=case.branch)
    planner.disqualify_for_refusal(
        month_of(business_date(event.occurred_at)), f"service case {case.id}", uow.ctx
    )
