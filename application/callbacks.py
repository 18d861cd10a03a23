"""Callback use cases (新契约回访): calls, identity, answers, signed questionnaires, special
callbacks, the time-driven cycle close, and the reactions that open and update callbacks.

Reactions (same atomic save as the command that caused them):
- ``Policy.ReceiptRegistered`` → the callback opens (CB-01 / CB-03), or an explicit
  "not required" decision (CB-01); unusable phone → 核实件 (CB-06); duplicate → DP-01/02;
- ``Policy.ContactChanged`` → the callback follows the new phone (DP-03), re-checked for DP-01/02;
- ``ContactPoint.DuplicateNumberFlagged`` / ``AgentNumberFlagged`` → open callbacks flagged;
- ``Policy.CancelledInCoolingOff`` → the callback is excluded (OC-06).
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from application.adapters.transcodings import register_value_type
from application.messages import Command
from application.unit_of_work import UnitOfWork
from domain.callback import Callback, Finding, WorkOrderRequest, make_answer
from domain.callback.questionnaire import Answer
from domain.contact_point import ContactPoint, DuplicateVerdict
from domain.policy import Policy
from domain.shared.values import PhoneNumber, policy_number

# Stored names of the callback's value objects (never rename).
register_value_type("callback_finding", Finding)
register_value_type("callback_work_order_request", WorkOrderRequest)


# ----- command models ---------------------------------------------------------------------
class RecordCallAttempt(Command):
    """呼出记录 One call attempt at ``occurred_at`` (CA-01 window, CA-02 cycle, CB-04 recording)."""

    policy_number: str
    result: str = Field(
        description="接通本人/无人接听/占线/关机/空号停机错号/非本人接听/拒访/语言沟通不畅/挂断"
    )
    recording_ref: str = Field("", max_length=200, description="CB-04: recording reference 录音编号")
    caller: str = Field("", max_length=100, description="caller id; default: the actor")
    phone: str | None = Field(None, max_length=40, description="DP-03: the number dialled")


class CheckIdentity(Command):
    """身份核实 Identity check at the start of a reached call (CB-02)."""

    policy_number: str
    result: str = Field(description="通过/信息不符/拒绝核实")


class AnswerIn(BaseModel):
    """One questionnaire answer (QN-03)."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    item: str = Field(description="questionnaire item 问卷项目 (see domain.callback.QuestionItem)")
    response: str = Field(description="是/否/不清楚")
    corrected: bool = Field(False, description="doubt corrected by the caller during the call 已纠正")
    misleading: str = Field("", description="reported sales practice 销售误导类型, if any")
    note: str = Field("", max_length=500)

    def to_answer(self) -> Answer:
        return make_answer(self.item, self.response, self.corrected, self.misleading, self.note)


class RecordAnswers(Command):
    """问卷答复 Answers of the running call, item by item (QN-03/04); the outcome follows."""

    policy_number: str
    answers: list[AnswerIn] = Field(min_length=1, max_length=30)


class AbandonCall(Command):
    """通话中断 A reached call ended before the questionnaire was done (a failed attempt)."""

    policy_number: str
    reason: str = Field("", max_length=200)


class CloseExpiredCycle(Command):
    """回访周期结束 Time-driven (tick): a cycle that ran out becomes 核实件/联系不上 (CA-02)."""

    # Its id names the cycle: closing it is the same command whenever a tick notices it.
    idempotency_ignores: ClassVar[frozenset[str]] = frozenset({"occurred_at"})

    policy_number: str


class RecordSignedQuestionnaire(Command):
    """上门/信函回访 A visit or letter with the questionnaire signed by the holder (CB-04, SP-02)."""

    policy_number: str
    method: str = Field(description="上门亲访/信函回访")
    evidence_ref: str = Field("", max_length=200, description="signed questionnaire reference")
    answers: list[AnswerIn] = Field(min_length=1, max_length=30)


class ApplySpecialCallback(Command):
    """特殊回访件申请 The agent applies for a special callback (SP-01, SP-02)."""

    policy_number: str
    reason: str = Field(description="单位统一投保/家庭关系复杂/投保情况特殊且销售单位了解")
    method: str = Field(description="上门亲访/信函回访")
    agreed_at: AwareDatetime
    agent_code: str
    customer_signed: bool
    agent_signed: bool
    application_ref: str = Field("", max_length=200, description="《特殊回访件申请表》编号")


class DecideSpecialCallback(Command):
    """特殊回访件审批 A manager of the sales unit approves or rejects (SP-02)."""

    policy_number: str
    approve: bool
    unit: str = Field(description="the deciding manager's unit 审批经理所属单位")
    comment: str = Field("", max_length=500)


# ----- helpers ---------------------------------------------------------------------------
def load_callback(uow: UnitOfWork, number: str) -> Callback:
    number = policy_number(number)
    return uow.get(Callback, Callback.id_for(number), f"callback of policy {number} 回访")


def duplicate_verdict(uow: UnitOfWork, number: str, phone: PhoneNumber | None) -> DuplicateVerdict | None:
    """DP-01 / DP-02 as the phone's ContactPoint answers it now."""
    if phone is None or not phone.usable:
        return None
    cp = uow.find(ContactPoint, uow.app.contact_point_id(phone.normalized))
    if cp is None:
        return None
    return cp.verdict_for(number, uow.params.callback.duplicate_phone_threshold)


def summary(cb: Callback) -> dict[str, Any]:
    return {
        "policy_number": cb.policy_number,
        "status": cb.status,
        "cycle": cb.cycle,
        "outcome_class": cb.outcome_class,
        "outcome_subtype": cb.outcome_subtype,
        "work_order_ids": [str(i) for i in cb.work_order_ids],
    }


# ----- handlers ----------------------------------------------------------------------------
def record_call_attempt(cmd: RecordCallAttempt, uow: UnitOfWork) -> dict[str, Any]:
    cb = load_callback(uow, cmd.policy_number)
    cb.record_attempt(
        result=cmd.result,
        recording_ref=cmd.recording_ref,
        caller_id=cmd.caller,
        phone_called=cmd.phone,
        params=uow.params.callback,
        calendar=uow.calendar,
        ctx=uow.ctx,
    )
    return summary(cb)


def check_identity(cmd: CheckIdentity, uow: UnitOfWork) -> dict[str, Any]:
    cb = load_callback(uow, cmd.policy_number)
    cb.check_identity(cmd.result, uow.params.callback, uow.ctx)
    return {**summary(cb), "questionnaire": cb.questionnaire_version, "items": cb.question_items}


def record_answers(cmd: RecordAnswers, uow: UnitOfWork) -> dict[str, Any]:
    cb = load_callback(uow, cmd.policy_number)
    cb.record_answers([a.to_answer() for a in cmd.answers], uow.ctx)
    return summary(cb)


def abandon_call(cmd: AbandonCall, uow: UnitOfWork) -> dict[str, Any]:
    cb = load_callback(uow, cmd.policy_number)
    cb.abandon_call(cmd.reason, uow.ctx)
    return summary(cb)


def close_expired_cycle(cmd: CloseExpiredCycle, uow: UnitOfWork) -> dict[str, Any]:
    cb = load_callback(uow, cmd.policy_number)
    closed = cb.close_expired_cycle(uow.ctx)
    return {**summary(cb), "closed": closed}


def record_signed_questionnaire(cmd: RecordSignedQuestionnaire, uow: UnitOfWork) -> dict[str, Any]:
    cb = load_callback(uow, cmd.policy_number)
    cb.record_signed_questionnaire(
        method=cmd.method,
        evidence_ref=cmd.evidence_ref,
        answers=[a.to_answer() for a in cmd.answers],
        params=uow.params.callback,
        ctx=uow.ctx,
    )
    return summary(cb)


def apply_special_callback(cmd: ApplySpecialCallback, uow: UnitOfWork) -> dict[str, Any]:
    cb = load_callback(uow, cmd.policy_number)
    cb.apply_special(
        reason=cmd.reason,
        method=cmd.method,
        agreed_at=cmd.agreed_at,
        agent_code=cmd.agent_code,
        customer_signed=cmd.customer_signed,
        agent_signed=cmd.agent_signed,
        application_ref=cmd.application_ref,
        ctx=uow.ctx,
    )
    return {**summary(cb), "special_status": cb.special_status}


def decide_special_callback(cmd: DecideSpecialCallback, uow: UnitOfWork) -> dict[str, Any]:
    cb = load_callback(uow, cmd.policy_number)
    cb.decide_special(approve=cmd.approve, unit=cmd.unit, comment=cmd.comment, ctx=uow.ctx)
    return {**summary(cb), "special_status": cb.special_status}


# ----- reactions ----------------------------------------------------------------------------
def open_callback(event: Policy.ReceiptRegistered, uow: UnitOfWork) -> None:
    """CB-01 / CB-03: receipt registered → the callback is due (or explicitly not required)."""
    policy = uow.get(Policy, event.originator_id, "policy 保单")
    if uow.find(Callback, Callback.id_for(policy.number)) is not None:
        return
    if not policy.needs_callback:
        uow.add(Callback.waive(policy, uow.ctx))
        return
    callback = Callback.open(
        policy=policy,
        registration_lag_days=event.lag_days,
        registration_late=event.late,
        duplicate=duplicate_verdict(uow, policy.number, policy.holder_phone),
        params=uow.params.callback,
        ctx=uow.ctx,
    )
    uow.add(callback)


def follow_contact_change(event: Policy.ContactChanged, uow: UnitOfWork) -> None:
    """DP-03: the callback calls the policy's current phone; DP-01/02 checked on the new one."""
    policy = uow.get(Policy, event.originator_id, "policy 保单")
    cb = uow.find(Callback, Callback.id_for(policy.number))
    if cb is None or not cb.change_phone(event.new_phone, uow.ctx):
        return
    verdict = duplicate_verdict(uow, policy.number, event.new_phone)
    if verdict is not None:
        cb.flag_duplicate(verdict, uow.ctx)


def flag_duplicate_numbers(event: Any, uow: UnitOfWork) -> None:
    """DP-01 / DP-02 decided by the ContactPoint: callbacks already open become 核实件/重复号码."""
    cp = uow.get(ContactPoint, event.originator_id, "contact point 联系电话")
    numbers = (
        event.newly_flagged
        if isinstance(event, ContactPoint.DuplicateNumberFlagged)
        else event.policy_numbers
    )
    for number in numbers:
        cb = uow.find(Callback, Callback.id_for(number))
        if cb is None:
            continue  # not due yet: checked again when it opens
        verdict = cp.verdict_for(number, uow.params.callback.duplicate_phone_threshold)
        if verdict is not None:
            cb.flag_duplicate(verdict, uow.ctx)


def exclude_callback(event: Policy.CancelledInCoolingOff, uow: UnitOfWork) -> None:
    """OC-06: cancelled within cooling-off → the callback leaves the denominator."""
    policy = uow.get(Policy, event.originator_id, "policy 保单")
    cb = uow.find(Callback, Callback.id_for(policy.number))
    if cb is not None:
        cb.exclude(event.cancelled_on, uow.ctx)
