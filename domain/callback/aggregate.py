"""Callback aggregate (新契约回访): one per policy, id = uuid5 of the policy number.

Decides: whether a callback is required (CB-01), its due date (CB-03), call cycles
and attempts (CA-01 / CA-02, CB-04 recordings, DP-03 the policy's own phone), the
identity check (CB-02), the questionnaire (QN-01..04), the outcome (OC-01..04,
OC-06) and the work orders it sends to the branch (PC-01), duplicate phones
(DP-01 / DP-02, decided by ContactPoint and applied here), unusable phones (CB-06),
visits / letters with a signed questionnaire (CB-04) and special callbacks (SP-*).

Every outcome is decided here from recorded facts; no command carries an outcome.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from domain.callback.labels import (
    CallbackMethod,
    CallbackStatus,
    CallResult,
    IdentityResult,
    SpecialReason,
    SpecialStatus,
    VerificationSubtype,
)
from domain.callback.outcome import (
    Finding,
    OutcomeDecision,
    classify,
    ends_call,
    finding_for_answer,
    verification,
)
from domain.callback.questionnaire import (
    Answer,
    choose_version,
    question_set,
    require_in_set,
)
from domain.callback.windows import require_call_window
from domain.contact_point import DuplicateVerdict
from domain.parameters import CallbackParams
from domain.policy import Policy, PolicyStatus
from domain.shared.actor import Role
from domain.shared.aggregate import Context, TrailAggregate
from domain.shared.business_time import require_not_before
from domain.shared.calendar import WorkingDayCalendar
from domain.shared.errors import InvalidInput, RuleViolation
from domain.shared.time import business_date
from domain.shared.values import PhoneNumber, Term
from domain.work_order import WorkOrder

_CALL_RESULT_SOURCE = "呼出结果"
_IDENTITY_SOURCE = "身份核实"
_PHONE_SOURCE = "联系电话"
_CYCLE_SOURCE = "呼出周期"

#: attempt results that end the cycle at once with a 核实件 (OC-04).
_IMMEDIATE_VERIFICATION = {
    CallResult.WRONG_NUMBER: VerificationSubtype.WRONG_PHONE,
    CallResult.REFUSED: VerificationSubtype.REFUSED,
    CallResult.LANGUAGE_BARRIER: VerificationSubtype.LANGUAGE_BARRIER,
}


@dataclass(frozen=True)
class WorkOrderRequest:
    """A work order an outcome sends to the branch (PC-01); the id is deterministic."""

    work_order_id: uuid.UUID
    work_order_type: str


def _enum_value(enum_cls: Any, value: str, what_en: str, what_zh: str) -> str:
    try:
        return str(enum_cls(value).value)
    except ValueError:
        allowed = "/".join(m.value for m in enum_cls)
        raise InvalidInput(
            f"unknown {what_en} {value!r} (allowed: {allowed})",
            f"{what_zh} {value!r} 无效（可选：{allowed}）",
        ) from None


class Callback(TrailAggregate):
    """新契约回访."""

    id_kind = "callback"

    # ----- events: opening ------------------------------------------------------------
    class NotRequired(TrailAggregate.Created):
        """无需回访 No callback needed: group holder or term of one year or less (CB-01)."""

        class_version = 1
        policy_number: str
        branch: str
        channel: str
        product_type: str
        agent_code: str
        holder_type: str
        term: Term
        term_over_one_year: bool
        rule_id: str

        def apply(self, cb: Callback) -> None:
            cb.policy_number = self.policy_number
            cb.status = CallbackStatus.NOT_REQUIRED.value
            cb.branch = self.branch
            cb.agent_code = self.agent_code

    class Opened(TrailAggregate.Created):
        """回访任务生成 Callback due: receipt registered (CB-01, CB-03); facts for the reports."""

        class_version = 1
        policy_number: str
        branch: str
        channel: str
        product_type: str
        product_name: str
        agent_code: str
        holder_type: str
        term: Term
        insured_is_holder: bool
        underwritten_on: date
        receipt_signed_on: date
        receipt_registered_on: date
        receipt_registration_lag_days: int
        receipt_registration_late: bool
        cooling_off_end: date
        due_on: date
        phone: PhoneNumber | None
        rule_ids: list[str]

        def apply(self, cb: Callback) -> None:
            cb.policy_number = self.policy_number
            cb.branch = self.branch
            cb.channel = self.channel
            cb.product_type = self.product_type
            cb.agent_code = self.agent_code
            cb.insured_is_holder = self.insured_is_holder
            cb.underwritten_on = self.underwritten_on
            cb.cooling_off_end = self.cooling_off_end
            cb.due_on = self.due_on
            cb.phone = self.phone
            cb.status = CallbackStatus.AWAITING_CALL.value
            cb.cycle = 0
            cb.cycle_started_at = self.occurred_at
            cb.cycle_ends_at = self.occurred_at
            cb.attempts_allowed = 0
            cb.attempts_in_cycle = 0
            cb.cycle_results = []
            cb.attempts_total = 0
            cb._reset_call()
            cb.outcome_no = 0
            cb.outcome_class = ""
            cb.outcome_subtype = ""
            cb.succeeded = False
            cb.completed_on = None
            cb.sent_to_branch = False
            cb.phone_when_sent = None
            cb.work_order_ids = []
            cb.special_status = ""
            cb.special_method = ""

    # ----- events: cycles and calls ---------------------------------------------------
    class CycleStarted(TrailAggregate.Event):
        """回访周期开始 A call cycle starts (CA-02); cycle > 1 re-opened by the branch (PC-05)."""

        class_version = 1
        cycle: int
        starts_at: datetime
        ends_at: datetime
        cycle_days: int
        attempts_allowed: int
        reason: str
        work_order_id: uuid.UUID | None
        agreed_call_at: datetime | None
        rule_ids: list[str]

        def apply(self, cb: Callback) -> None:
            cb.cycle = self.cycle
            cb.cycle_started_at = self.starts_at
            cb.cycle_ends_at = self.ends_at
            cb.attempts_allowed = self.attempts_allowed
            cb.attempts_in_cycle = 0
            cb.cycle_results = []
            cb.status = CallbackStatus.AWAITING_CALL.value
            cb._reset_call()

    class AttemptRecorded(TrailAggregate.Event):
        """呼出记录 One call attempt, recorded (CA-01 window, CA-02 count, CB-04 recording)."""

        class_version = 1
        cycle: int
        attempt_no: int
        result: str
        failed: bool
        caller_id: str
        caller_role: str
        recording_ref: str
        phone: str
        local_time: str
        day_kind: str
        window: str
        rule_ids: list[str]

        def apply(self, cb: Callback) -> None:
            cb.attempts_in_cycle = self.attempt_no
            cb.attempts_total += 1
            cb.cycle_results = [*cb.cycle_results, self.result]
            if self.result == CallResult.REACHED:
                cb.status = CallbackStatus.IN_CALL.value
                cb._reset_call()

    class CallAbandoned(TrailAggregate.Event):
        """通话中断 A reached call ended before the questionnaire was done (counts as failed)."""

        class_version = 1
        cycle: int
        attempt_no: int
        reason: str
        answered_items: list[str]
        rule_id: str

        def apply(self, cb: Callback) -> None:
            cb.status = CallbackStatus.AWAITING_CALL.value
            cb._reset_call()

    class IdentityChecked(TrailAggregate.Event):
        """身份核实 Identity check at the start of the call (CB-02)."""

        class_version = 1
        result: str
        rule_id: str

        def apply(self, cb: Callback) -> None:
            cb.identity_result = self.result

    class QuestionnaireStarted(TrailAggregate.Event):
        """问卷开始 Questionnaire chosen: items by product type (QN-01), A/B (QN-02), QN-03."""

        class_version = 1
        method: str
        evidence_ref: str
        version: str
        days_since_underwriting: int
        b_after_days: int
        product_type: str
        insured_is_holder: bool
        items: list[str]
        rule_ids: list[str]

        def apply(self, cb: Callback) -> None:
            if self.method != CallbackMethod.PHONE:
                cb.identity_result = ""  # identity rests on the holder's signature
            cb.questionnaire_version = self.version
            cb.questionnaire_days = self.days_since_underwriting
            cb.question_items = list(self.items)
            cb.answers = {}

    class AnswerRecorded(TrailAggregate.Event):
        """问卷答复 One answer, item by item (QN-03; QN-04 when negative)."""

        class_version = 1
        item: str
        response: str
        corrected: bool
        misleading: str
        note: str
        rule_id: str

        def apply(self, cb: Callback) -> None:
            cb.answers = {
                **cb.answers,
                self.item: Answer(self.item, self.response, self.corrected, self.misleading, self.note),
            }

    class OutcomeDecided(TrailAggregate.Event):
        """回访结果 Outcome decided by the model (OC-01..04), success facts (OC-06), work orders (PC-01)."""

        class_version = 1
        outcome_no: int
        cycle: int
        policy_number: str
        branch: str
        agent_code: str
        outcome_class: str
        category: str
        subtype: str
        findings: list[Finding]
        rule_ids: list[str]
        inputs: dict[str, Any]
        method: str
        evidence_ref: str
        success: bool
        success_within_cooling_off: bool
        completed_on: date | None
        cooling_off_end: date
        phone: PhoneNumber | None
        work_orders: list[WorkOrderRequest]

        def apply(self, cb: Callback) -> None:
            cb.outcome_no = self.outcome_no
            cb.outcome_class = self.outcome_class
            cb.outcome_subtype = self.subtype
            cb.work_order_ids = [*cb.work_order_ids, *(w.work_order_id for w in self.work_orders)]
            if self.success:
                cb.status = CallbackStatus.COMPLETED.value
                cb.succeeded = True
                cb.completed_on = self.completed_on
                if cb.special_status == SpecialStatus.APPROVED:
                    cb.special_status = SpecialStatus.COMPLETED.value
            else:
                cb.status = CallbackStatus.SENT_TO_BRANCH.value
                cb.sent_to_branch = True
                cb.phone_when_sent = self.phone

    # ----- events: special callback, contact data, exclusion --------------------------
    class SpecialCallbackApplied(TrailAggregate.Event):
        """特殊回访件申请 Special callback applied for by the agent (SP-01, SP-02)."""

        class_version = 1
        reason: str
        method: str
        agreed_at: datetime
        agent_code: str
        customer_signed: bool
        agent_signed: bool
        application_ref: str
        rule_ids: list[str]

        def apply(self, cb: Callback) -> None:
            cb.special_status = SpecialStatus.APPLIED.value
            cb.special_method = self.method

    class SpecialCallbackDecided(TrailAggregate.Event):
        """特殊回访件审批 Approved or rejected by a manager of the sales unit (SP-02)."""

        class_version = 1
        approved: bool
        unit: str
        manager_id: str
        comment: str
        rule_id: str

        def apply(self, cb: Callback) -> None:
            if self.approved:
                cb.special_status = SpecialStatus.APPROVED.value
                cb.status = CallbackStatus.SPECIAL.value
            else:
                cb.special_status = SpecialStatus.REJECTED.value

    class PhoneChanged(TrailAggregate.Event):
        """回访电话变更 The policy's phone changed by a contact-details change (DP-03)."""

        class_version = 1
        old_phone: PhoneNumber | None
        new_phone: PhoneNumber
        rule_id: str

        def apply(self, cb: Callback) -> None:
            cb.phone = self.new_phone

    class Excluded(TrailAggregate.Event):
        """犹豫期撤单 Policy cancelled within cooling-off: out of the OC-06 denominator."""

        class_version = 1
        cancelled_on: date
        cooling_off_end: date
        previous_status: str
        rule_id: str

        def apply(self, cb: Callback) -> None:
            cb.status = CallbackStatus.EXCLUDED.value
            cb._reset_call()

    # ----- state ----------------------------------------------------------------------
    policy_number: str
    branch: str
    channel: str
    product_type: str
    agent_code: str
    insured_is_holder: bool
    underwritten_on: date
    cooling_off_end: date
    due_on: date
    phone: PhoneNumber | None
    status: str
    cycle: int
    cycle_started_at: datetime
    cycle_ends_at: datetime
    attempts_allowed: int
    attempts_in_cycle: int
    cycle_results: list[str]
    attempts_total: int
    identity_result: str
    questionnaire_version: str
    questionnaire_days: int
    question_items: list[str]
    answers: dict[str, Answer]
    outcome_no: int
    outcome_class: str
    outcome_subtype: str
    succeeded: bool
    completed_on: date | None
    sent_to_branch: bool
    phone_when_sent: PhoneNumber | None
    work_order_ids: list[uuid.UUID]
    special_status: str
    special_method: str

    def __init__(self) -> None:
        """State comes from the events' ``apply`` (annotations above are for readers)."""

    def _reset_call(self) -> None:
        self.identity_result = ""
        self.questionnaire_version = ""
        self.questionnaire_days = 0
        self.question_items = []
        self.answers = {}

    # ----- opening (CB-01, CB-03, CB-06, DP-01/02) ------------------------------------
    @classmethod
    def waive(cls, policy: Policy, ctx: Context) -> Callback:
        """CB-01: record explicitly why a policy needs no callback."""
        if policy.needs_callback:
            raise RuleViolation(
                "CB-01", "this policy needs a callback", "该保单须回访", policy_number=policy.number
            )
        return cls._start(
            cls.NotRequired,
            ctx,
            id=cls.id_for(policy.number),
            policy_number=policy.number,
            branch=policy.branch,
            channel=policy.facts.channel,
            product_type=policy.facts.product_type,
            agent_code=policy.agent_code,
            holder_type=policy.facts.holder_type,
            term=policy.facts.term,
            term_over_one_year=policy.facts.term.over_one_year,
            rule_id="CB-01",
        )

    @classmethod
    def open(
        cls,
        policy: Policy,
        registration_lag_days: int,
        registration_late: bool,
        duplicate: DuplicateVerdict | None,
        params: CallbackParams,
        ctx: Context,
    ) -> Callback:
        """CB-01 / CB-03: the callback becomes due when the signed receipt is registered.

        Due date = cooling-off end. A policy without a usable phone opens directly as
        核实件/电话有误 (CB-06); a duplicate number as 核实件/重复号码 (DP-01 / DP-02).
        """
        if not policy.needs_callback:
            raise RuleViolation(
                "CB-01",
                "group policies and terms of one year or less need no callback",
                "团体保单及一年期及以内保单无需回访",
                policy_number=policy.number,
            )
        if (
            policy.receipt_signed_on is None
            or policy.receipt_registered_on is None
            or policy.cooling_off_end is None
        ):
            raise RuleViolation(
                "CB-03",
                "the callback is due only once the signed receipt is registered",
                "回执回销后方可生成回访任务",
                policy_number=policy.number,
            )
        cb = cls._start(
            cls.Opened,
            ctx,
            id=cls.id_for(policy.number),
            policy_number=policy.number,
            branch=policy.branch,
            channel=policy.facts.channel,
            product_type=policy.facts.product_type,
            product_name=policy.facts.product_name,
            agent_code=policy.agent_code,
            holder_type=policy.facts.holder_type,
            term=policy.facts.term,
            insured_is_holder=policy.insured_is_holder,
            underwritten_on=policy.facts.underwritten_on,
            receipt_signed_on=policy.receipt_signed_on,
            receipt_registered_on=policy.receipt_registered_on,
            receipt_registration_lag_days=registration_lag_days,
            receipt_registration_late=registration_late,
            cooling_off_end=policy.cooling_off_end,
            due_on=policy.cooling_off_end,
            phone=policy.holder_phone,
            rule_ids=["CB-01", "CB-03", "CB-05"],
        )
        cb._start_cycle(1, "回执回销 receipt registered", None, None, params, ctx)
        if policy.status == PolicyStatus.CANCELLED_IN_COOLING_OFF and policy.cancelled_on:
            cb.exclude(policy.cancelled_on, ctx)
        elif policy.holder_phone is None or not policy.holder_phone.usable:
            problem = policy.holder_phone.problem if policy.holder_phone else "blank 空号码"
            cb._decide(
                classify([verification(VerificationSubtype.WRONG_PHONE, _PHONE_SOURCE, problem, "CB-06")]),
                ctx,
                inputs={"phone_problem": problem},
            )
        elif duplicate is not None:
            cb.flag_duplicate(duplicate, ctx)
        return cb

    def _start_cycle(
        self,
        number: int,
        reason: str,
        work_order_id: uuid.UUID | None,
        agreed_call_at: datetime | None,
        params: CallbackParams,
        ctx: Context,
        rule_ids: list[str] | None = None,
    ) -> None:
        """CA-02: a cycle of ``cycle_days`` with at most ``attempts_per_cycle`` attempts.

        The limits are copied onto the event so a later configuration change never
        alters a cycle already running. A cycle re-opened for an agreed call time
        runs ``cycle_days`` from that time when it lies later than now.
        """
        starts_at = ctx.occurred_at
        anchor = max(starts_at, agreed_call_at) if agreed_call_at else starts_at
        self._record(
            self.CycleStarted,
            ctx,
            cycle=number,
            starts_at=starts_at,
            ends_at=anchor + timedelta(days=params.cycle_days),
            cycle_days=params.cycle_days,
            attempts_allowed=params.attempts_per_cycle,
            reason=reason,
            work_order_id=work_order_id,
            agreed_call_at=agreed_call_at,
            rule_ids=rule_ids or ["CA-02"],
        )

    # ----- queries --------------------------------------------------------------------
    @property
    def is_open(self) -> bool:
        """Still to be completed (counts for the call centre or the branch)."""
        return self.status in (
            CallbackStatus.AWAITING_CALL,
            CallbackStatus.IN_CALL,
            CallbackStatus.SENT_TO_BRANCH,
            CallbackStatus.SPECIAL,
        )

    def cycle_expired(self, at: datetime) -> bool:
        """CA-02: the running cycle has ended without an outcome (for the scheduler)."""
        return (
            self.status in (CallbackStatus.AWAITING_CALL, CallbackStatus.IN_CALL) and at >= self.cycle_ends_at
        )

    def _refuse_unless(self, *allowed: CallbackStatus) -> None:
        if self.status in allowed:
            return
        status = CallbackStatus(self.status)
        reasons: dict[CallbackStatus, tuple[str, str, str]] = {
            CallbackStatus.NOT_REQUIRED: ("CB-01", "this policy needs no callback", "该保单无需回访"),
            CallbackStatus.EXCLUDED: (
                "OC-06",
                "the policy was cancelled within cooling-off; the callback is closed",
                "保单已犹豫期撤单，回访已关闭",
            ),
            CallbackStatus.COMPLETED: (
                "OC-06",
                "the callback already succeeded",
                "回访已成功完成",
            ),
            CallbackStatus.SENT_TO_BRANCH: (
                "CA-02",
                "the cycle is closed and the 核实件 is with the branch; resolving it starts a "
                "new cycle (PC-05)",
                "本周期已结束，核实件已下发机构；机构回销后开始新的回访周期",
            ),
            CallbackStatus.SPECIAL: (
                "SP-02",
                "an approved special callback is completed by the sales unit, not called centrally",
                "已批准的特殊回访件由销售单位完成，不安排集中电话回访",
            ),
            CallbackStatus.IN_CALL: (
                "CB-02",
                "a call with the policyholder is in progress",
                "正在与投保人通话中",
            ),
            CallbackStatus.AWAITING_CALL: (
                "CB-02",
                "no call with the policyholder is in progress",
                "当前没有与投保人的通话",
            ),
        }
        rule_id, en, zh = reasons[status]
        raise RuleViolation(rule_id, en, zh, status=status.value, policy_number=self.policy_number)

    # ----- calls (CA-01, CA-02, CB-02, CB-04, DP-03) ----------------------------------
    def record_attempt(
        self,
        result: str,
        recording_ref: str,
        caller_id: str,
        phone_called: str | None,
        params: CallbackParams,
        calendar: WorkingDayCalendar,
        ctx: Context,
    ) -> None:
        """One call attempt at ``ctx.occurred_at``."""
        result = _enum_value(CallResult, result, "call result", "呼出结果")
        self._refuse_unless(CallbackStatus.AWAITING_CALL)
        if not recording_ref.strip():
            raise RuleViolation(
                "CB-04", "every call attempt needs a recording reference", "每次呼出须有录音编号"
            )
        if ctx.actor.role == Role.BRANCH and not self.sent_to_branch:
            raise RuleViolation(
                "CB-04",
                "first calls are central; the branch calls only after a failed callback reached it",
                "首次回访由总公司集中电话回访，回访不成功件下发后机构方可回访",
            )
        if self.phone is None or not self.phone.usable:
            raise RuleViolation("CB-06", "the policy has no usable phone number", "保单无可用联系电话")
        if phone_called is not None and phone_called.strip():
            called = PhoneNumber.parse(phone_called)
            if called.normalized != self.phone.normalized:
                raise RuleViolation(
                    "DP-03",
                    "only the phone on the policy may be called; change the contact details first",
                    "只能拨打保单上的联系电话；其他号码须先办理联系方式变更（保全）",
                    called=called.masked(),
                    on_policy=self.phone.masked(),
                )
        window = require_call_window(ctx.occurred_at, params, calendar)
        self.require_existed_at("occurred_at", ctx.occurred_at)  # RC-01b: not before it was due
        require_not_before(
            "occurred_at",
            ctx.occurred_at,
            f"回访周期 {self.cycle} 开始 cycle {self.cycle} started",
            self.cycle_started_at,
        )
        if ctx.occurred_at >= self.cycle_ends_at:
            raise RuleViolation(
                "CA-02",
                f"cycle {self.cycle} ended at {self.cycle_ends_at.isoformat()}; close it (tick) first",
                f"第 {self.cycle} 个回访周期已于 {self.cycle_ends_at.isoformat()} 结束",
                cycle_ends_at=self.cycle_ends_at.isoformat(),
            )
        if self.attempts_in_cycle >= self.attempts_allowed:
            raise RuleViolation(
                "CA-02",
                f"at most {self.attempts_allowed} attempts per cycle",
                f"每个回访周期最多呼出 {self.attempts_allowed} 次",
            )
        failed = result != CallResult.REACHED
        self._record(
            self.AttemptRecorded,
            ctx,
            cycle=self.cycle,
            attempt_no=self.attempts_in_cycle + 1,
            result=result,
            failed=failed,
            caller_id=(caller_id or ctx.actor.id).strip(),
            caller_role=str(ctx.actor.role),
            recording_ref=recording_ref.strip(),
            phone=self.phone.normalized,
            local_time=f"{window.local_time:%H:%M:%S}",
            day_kind=window.day_kind,
            window=window.window or "",
            rule_ids=["CA-01", "CA-02", "CB-04", "DP-03"],
        )
        if not failed:
            return
        immediate = _IMMEDIATE_VERIFICATION.get(CallResult(result))
        if immediate is not None:
            self._decide(
                classify([verification(immediate, _CALL_RESULT_SOURCE, result, "OC-04")]),
                ctx,
                inputs=self._attempt_inputs(),
            )
        else:
            self._close_cycle_if_exhausted(ctx)

    def _attempt_inputs(self) -> dict[str, Any]:
        return {
            "cycle": self.cycle,
            "attempts_in_cycle": self.attempts_in_cycle,
            "attempts_allowed": self.attempts_allowed,
            "attempt_results": list(self.cycle_results),
        }

    def _close_cycle_if_exhausted(self, ctx: Context) -> None:
        """CA-02: the last allowed attempt failed → 核实件/联系不上, sent to the branch."""
        if self.attempts_in_cycle >= self.attempts_allowed:
            self._unreachable(ctx, f"{self.attempts_in_cycle} 次呼出未成功")

    def _unreachable(self, ctx: Context, response: str) -> None:
        self._decide(
            classify([verification(VerificationSubtype.UNREACHABLE, _CYCLE_SOURCE, response, "CA-02")]),
            ctx,
            inputs={
                **self._attempt_inputs(),
                "cycle_started_at": self.cycle_started_at.isoformat(),
                "cycle_ends_at": self.cycle_ends_at.isoformat(),
            },
        )

    def abandon_call(self, reason: str, ctx: Context) -> None:
        """A reached call that ended early (hung up mid-way): a failed attempt (CA-02)."""
        self._refuse_unless(CallbackStatus.IN_CALL)
        self._record(
            self.CallAbandoned,
            ctx,
            cycle=self.cycle,
            attempt_no=self.attempts_in_cycle,
            reason=reason.strip() or "通话中断",
            answered_items=list(self.answers),
            rule_id="CA-02",
        )
        self._close_cycle_if_exhausted(ctx)

    def close_expired_cycle(self, ctx: Context) -> bool:
        """CA-02, time-driven (tick): a cycle that ran out with fewer attempts → 联系不上.

        Returns whether anything changed (a tick before the end is a no-op).
        """
        if not self.cycle_expired(ctx.occurred_at):
            return False
        if self.status == CallbackStatus.IN_CALL:
            self._record(
                self.CallAbandoned,
                ctx,
                cycle=self.cycle,
                attempt_no=self.attempts_in_cycle,
                reason="回访周期结束 cycle ended",
                answered_items=list(self.answers),
                rule_id="CA-02",
            )
        self._unreachable(ctx, f"周期结束，{self.attempts_in_cycle} 次呼出未成功")
        return True

    def check_identity(self, result: str, params: CallbackParams, ctx: Context) -> None:
        """CB-02: identity first; a failed check ends the call (拒访 / 保单信息有误)."""
        result = _enum_value(IdentityResult, result, "identity result", "身份核实结果")
        if self.status != CallbackStatus.IN_CALL:
            raise RuleViolation(
                "CB-02",
                "the identity check belongs to a call that reached the policyholder",
                "身份核实须在接通投保人本人后进行",
            )
        if self.identity_result:
            raise InvalidInput("identity already checked in this call", "本次通话已完成身份核实")
        self._record(self.IdentityChecked, ctx, result=result, rule_id="CB-02")
        if result == IdentityResult.PASSED:
            self._start_questionnaire(CallbackMethod.PHONE, "", params, ctx)
            return
        subtype = (
            VerificationSubtype.POLICY_DATA_MISMATCH
            if result == IdentityResult.MISMATCH
            else VerificationSubtype.REFUSED
        )
        self._decide(
            classify([verification(subtype, _IDENTITY_SOURCE, result, "CB-02")]),
            ctx,
            inputs={**self._attempt_inputs(), "identity": result},
        )

    def _start_questionnaire(
        self, method: CallbackMethod, evidence_ref: str, params: CallbackParams, ctx: Context
    ) -> None:
        """QN-01 items by product type (and insured ≠ holder, CB-02); QN-02 A or B."""
        version, d = choose_version(business_date(ctx.occurred_at), self.underwritten_on, params)
        items = question_set(self.product_type, self.insured_is_holder, version)
        self._record(
            self.QuestionnaireStarted,
            ctx,
            method=method.value,
            evidence_ref=evidence_ref,
            version=version.value,
            days_since_underwriting=d,
            b_after_days=params.questionnaire_b_after_days,
            product_type=self.product_type,
            insured_is_holder=self.insured_is_holder,
            items=items,
            rule_ids=["QN-01", "QN-02", "QN-03"],
        )

    def record_answers(self, answers: list[Answer], ctx: Context) -> None:
        """QN-03 / QN-04: answers item by item; the outcome follows from the last one."""
        if self.status != CallbackStatus.IN_CALL or self.identity_result != IdentityResult.PASSED:
            raise RuleViolation(
                "CB-02",
                "answers are recorded only after the policyholder's identity is confirmed",
                "须先核实投保人身份，方可记录问卷答复",
            )
        self._answer(answers, CallbackMethod.PHONE, "", ctx)

    def _answer(self, answers: list[Answer], method: CallbackMethod, evidence_ref: str, ctx: Context) -> None:
        self._validate_answers(answers, self.question_items, self.questionnaire_version, set(self.answers))
        for answer in answers:
            finding = finding_for_answer(answer)
            self._record(
                self.AnswerRecorded,
                ctx,
                item=answer.item,
                response=answer.response,
                corrected=answer.corrected,
                misleading=answer.misleading,
                note=answer.note,
                rule_id="QN-04" if finding else "QN-03",
            )
            if ends_call(finding):
                break
        last = answers[-1]
        if ends_call(finding_for_answer(last)) or set(self.question_items) <= set(self.answers):
            self._decide(
                self._classify_answers(),
                ctx,
                method=method,
                evidence_ref=evidence_ref,
                inputs=self._answer_inputs(),
            )

    def _validate_answers(
        self, answers: list[Answer], items: list[str], version: str, answered: set[str]
    ) -> None:
        """QN-01 items of this questionnaire only, each once; nothing after a call-ending answer (QN-04)."""
        if not answers:
            raise InvalidInput("no answers given", "未提供问卷答复")
        seen = set(answered)
        for position, answer in enumerate(answers):
            require_in_set(answer, items, self.product_type, version)
            if answer.item in seen:
                raise InvalidInput(f"item {answer.item} is already answered", f"项目“{answer.item}”已答复")
            seen.add(answer.item)
            if ends_call(finding_for_answer(answer)) and position != len(answers) - 1:
                raise InvalidInput(
                    f"the call ends at {answer.item} = {answer.response} (QN-04); "
                    "later answers cannot be recorded",
                    f"“{answer.item}”答复为“{answer.response}”时通话结束（QN-04），其后答复不能记录",
                )

    def _classify_answers(self) -> OutcomeDecision:
        findings = [
            f
            for item in self.question_items
            if item in self.answers
            for f in [finding_for_answer(self.answers[item])]
            if f is not None
        ]
        return classify(findings)

    def _answer_inputs(self) -> dict[str, Any]:
        return {
            **self._attempt_inputs(),
            "identity": self.identity_result or "签名问卷",
            "questionnaire": self.questionnaire_version,
            "days_since_underwriting": self.questionnaire_days,
            "answers": [
                {
                    "item": a.item,
                    "response": a.response,
                    "corrected": a.corrected,
                    "misleading": a.misleading,
                }
                for item in self.question_items
                if (a := self.answers.get(item)) is not None
            ],
        }

    # ----- outcome (OC-01..06, PC-01) -------------------------------------------------
    def _decide(
        self,
        decision: OutcomeDecision,
        ctx: Context,
        *,
        inputs: dict[str, Any],
        method: CallbackMethod = CallbackMethod.PHONE,
        evidence_ref: str = "",
    ) -> None:
        outcome_no = self.outcome_no + 1
        completed_on = business_date(ctx.occurred_at) if decision.success else None
        self._record(
            self.OutcomeDecided,
            ctx,
            outcome_no=outcome_no,
            cycle=self.cycle,
            policy_number=self.policy_number,
            branch=self.branch,
            agent_code=self.agent_code,
            outcome_class=decision.outcome_class,
            category=decision.category,
            subtype=decision.subtype,
            findings=decision.findings,
            rule_ids=sorted({*decision.rule_ids, "OC-06"} if decision.success else decision.rule_ids),
            inputs=inputs,
            method=method.value,
            evidence_ref=evidence_ref,
            success=decision.success,
            success_within_cooling_off=(completed_on is not None and completed_on <= self.cooling_off_end),
            completed_on=completed_on,
            cooling_off_end=self.cooling_off_end,
            phone=self.phone,
            work_orders=[
                WorkOrderRequest(WorkOrder.id_for_outcome(self.id, outcome_no, kind), kind)
                for kind in decision.work_order_types
            ],
        )

    # ----- duplicates and contact changes (DP-01..03) ---------------------------------
    def flag_duplicate(self, verdict: DuplicateVerdict, ctx: Context) -> bool:
        """DP-01 / DP-02 (decided by ContactPoint): the callback becomes 核实件/重复号码.

        Applies to a callback still waiting for its call; one already completed, with
        the branch, or special is left alone. Returns whether it changed anything.
        """
        if self.status != CallbackStatus.AWAITING_CALL:
            return False
        self._decide(
            classify(
                [
                    verification(
                        VerificationSubtype.DUPLICATE_PHONE,
                        _PHONE_SOURCE,
                        verdict.rule_id,
                        verdict.rule_id,
                    )
                ]
            ),
            ctx,
            inputs={
                "rule_id": verdict.rule_id,
                "phone": verdict.phone,
                "policy_numbers": list(verdict.policy_numbers),
                "holder_count": verdict.holder_count,
                "threshold": verdict.threshold,
                "agent_code": verdict.agent_code,
            },
        )
        return True

    def change_phone(self, new_phone: PhoneNumber, ctx: Context) -> bool:
        """DP-03: the callback follows the policy's contact-details change."""
        if self.status in (CallbackStatus.NOT_REQUIRED, CallbackStatus.EXCLUDED):
            return False
        if self.phone == new_phone:
            return False
        self._record(self.PhoneChanged, ctx, old_phone=self.phone, new_phone=new_phone, rule_id="DP-03")
        return True

    @property
    def phone_changed_since_sent(self) -> bool:
        """Whether contact data changed after the callback went to the branch (DP check again)."""
        if self.phone is None:
            return False
        sent = self.phone_when_sent
        return sent is None or sent.normalized != self.phone.normalized

    # ----- branch and work orders (CB-04, PC-05) --------------------------------------
    def start_new_cycle(
        self,
        work_order_id: uuid.UUID,
        agreed_call_at: datetime | None,
        duplicate: DuplicateVerdict | None,
        params: CallbackParams,
        ctx: Context,
    ) -> None:
        """PC-05: a resolved 核实件 re-opens the callback for a new cycle (二次回访).

        ``duplicate``: the DP-01/02 verdict on the current phone, passed when the
        contact data changed while the callback was with the branch.
        """
        if self.status != CallbackStatus.SENT_TO_BRANCH:
            raise RuleViolation(
                "PC-05",
                f"the callback is {self.status}, not waiting for the branch",
                f"回访状态为{self.status}，不在机构处理中",
            )
        if self.phone is None or not self.phone.usable:
            raise RuleViolation(
                "DP-03",
                "the policy's phone is still unusable; change the contact details first",
                "保单联系电话仍不可用，须先办理联系方式变更",
            )
        self._start_cycle(
            self.cycle + 1,
            "核实件回销 verification resolved (二次回访)",
            work_order_id,
            agreed_call_at,
            params,
            ctx,
            rule_ids=["PC-05", "CA-02"],
        )
        if duplicate is not None:
            self.flag_duplicate(duplicate, ctx)

    def record_signed_questionnaire(
        self,
        method: str,
        evidence_ref: str,
        answers: list[Answer],
        params: CallbackParams,
        ctx: Context,
    ) -> None:
        """CB-04 / SP-02: a visit or letter counts only with a questionnaire signed by the holder.

        Allowed once a failed callback went to the branch, or for an approved special
        callback. The whole questionnaire is given at once (QN-03), unless an answer
        ends it (QN-04).
        """
        kind = CallbackMethod(_enum_value(CallbackMethod, method, "callback method", "回访方式"))
        if kind == CallbackMethod.PHONE:
            raise InvalidInput("phone callbacks are recorded as call attempts", "电话回访请按呼出记录登记")
        special = self.status == CallbackStatus.SPECIAL
        rule_id = "SP-02" if special else "CB-04"
        if not special:
            self._refuse_unless(CallbackStatus.AWAITING_CALL, CallbackStatus.SENT_TO_BRANCH)
            if not self.sent_to_branch:
                raise RuleViolation(
                    "CB-04",
                    "first callbacks are central phone calls; a visit or letter is for callbacks "
                    "the branch received (or an approved special callback, SP-02)",
                    "首次回访须由总公司集中电话回访；上门或信函仅用于下发机构的回访件或已批准的特殊回访件",
                )
        if not evidence_ref.strip():
            raise RuleViolation(
                rule_id,
                "a visit or letter counts only with the questionnaire signed by the policyholder",
                "上门或信函回访须有投保人亲笔签名的回访问卷",
            )
        ending = next((a for a in answers if ends_call(finding_for_answer(a))), None)
        version, _ = choose_version(business_date(ctx.occurred_at), self.underwritten_on, params)
        items = question_set(self.product_type, self.insured_is_holder, version)
        self._validate_answers(answers, items, version.value, set())
        given = {a.item for a in answers}
        if ending is None and not set(items) <= given:
            missing = [i for i in items if i not in given]
            raise RuleViolation(
                "QN-03",
                f"the signed questionnaire lacks {len(missing)} item(s)",
                f"签名问卷缺少 {len(missing)} 个项目：{'、'.join(missing)}",
                missing=missing,
            )
        self._start_questionnaire(kind, evidence_ref.strip(), params, ctx)
        self._answer(answers, kind, evidence_ref.strip(), ctx)

    # ----- special callback (SP-01, SP-02) --------------------------------------------
    def apply_special(
        self,
        reason: str,
        method: str,
        agreed_at: datetime,
        agent_code: str,
        customer_signed: bool,
        agent_signed: bool,
        application_ref: str,
        ctx: Context,
    ) -> None:
        """SP-01 / SP-02: the agent applies, signed by customer and agent."""
        try:
            reason = SpecialReason(reason).value
        except ValueError:
            allowed = "/".join(r.value for r in SpecialReason)
            raise RuleViolation(
                "SP-01",
                f"{reason!r} is not an eligible special-callback reason ({allowed})",
                f"“{reason}”不是特殊回访件的适用情形（{allowed}）",
            ) from None
        kind = CallbackMethod(_enum_value(CallbackMethod, method, "callback method", "回访方式"))
        if kind == CallbackMethod.PHONE:
            raise RuleViolation(
                "SP-02",
                "a special callback is done by the unit in person or by letter",
                "特殊回访件由销售单位上门或信函完成",
            )
        self._refuse_unless(CallbackStatus.AWAITING_CALL)
        if self.special_status in (SpecialStatus.APPLIED, SpecialStatus.APPROVED):
            raise InvalidInput(
                f"a special callback is already {self.special_status}",
                f"特殊回访件已{self.special_status}",
            )
        if agent_code.strip().upper() != self.agent_code:
            raise RuleViolation(
                "SP-02",
                f"the policy's agent ({self.agent_code}) applies for a special callback",
                f"特殊回访件须由保单业务员（{self.agent_code}）申请",
            )
        if not (customer_signed and agent_signed):
            raise RuleViolation(
                "SP-02",
                "the application must be signed by both the customer and the agent",
                "特殊回访件申请表须由客户与业务员签字确认",
            )
        if not application_ref.strip():
            raise RuleViolation(
                "SP-02",
                "the signed application form reference is required",
                "须提供《特殊回访件申请表》编号",
            )
        self._record(
            self.SpecialCallbackApplied,
            ctx,
            reason=reason,
            method=kind.value,
            agreed_at=agreed_at,
            agent_code=self.agent_code,
            customer_signed=customer_signed,
            agent_signed=agent_signed,
            application_ref=application_ref.strip(),
            rule_ids=["SP-01", "SP-02"],
        )

    def decide_special(self, approve: bool, unit: str, comment: str, ctx: Context) -> None:
        """SP-02: a manager of the policy's sales unit approves or rejects."""
        if self.special_status != SpecialStatus.APPLIED:
            raise InvalidInput("no special callback awaits approval", "没有待审批的特殊回访件")
        if ctx.actor.role != Role.MANAGER:
            raise RuleViolation(
                "SP-02",
                "only a manager of the sales unit decides a special callback",
                "特殊回访件须由销售单位经理审批",
            )
        if unit.strip() != self.branch:
            raise RuleViolation(
                "SP-02",
                f"the manager must belong to the policy's unit ({self.branch})",
                f"审批经理须属于保单所属单位（{self.branch}）",
            )
        if approve:
            self._refuse_unless(CallbackStatus.AWAITING_CALL)
        self._record(
            self.SpecialCallbackDecided,
            ctx,
            approved=approve,
            unit=unit.strip(),
            manager_id=ctx.actor.id,
            comment=comment.strip(),
            rule_id="SP-02",
        )

    # ----- cancellation (OC-06) -------------------------------------------------------
    def exclude(self, cancelled_on: date, ctx: Context) -> bool:
        """OC-06: cancelled within cooling-off → leaves the success-rate denominator."""
        if self.status in (CallbackStatus.NOT_REQUIRED, CallbackStatus.EXCLUDED):
            return False
        self._record(
            self.Excluded,
            ctx,
            cancelled_on=cancelled_on,
            cooling_off_end=self.cooling_off_end,
            previous_status=self.status,
            rule_id="OC-06",
        )
        return True
