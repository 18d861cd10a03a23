"""Callback aggregate (新契约回访): one per policy, id = uuid5 of the policy number.

This file is the aggregate's events with their ``apply``s, its state, opening,
outcome and contact-data commands; the call and questionnaire commands are in
``call_commands``, the branch and special-callback ones in ``branch_commands``
(mixed into the class). The decisions live in small pure modules beside them
(listed in the package's ``__init__``).

Every outcome is decided from recorded facts; no command carries an outcome.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from domain.callback import calls, opening
from domain.callback.branch_commands import CallbackBranch
from domain.callback.call_commands import CallbackCalls
from domain.callback.guards import refuse_unless
from domain.callback.labels import (
    CallbackMethod,
    CallbackStatus,
    CallResult,
    SpecialStatus,
)
from domain.callback.outcome import Finding, OutcomeDecision
from domain.callback.questionnaire import Answer
from domain.contact_point import DuplicateVerdict
from domain.parameters import CallbackParams
from domain.policy import Policy, PolicyStatus
from domain.shared.aggregate import Context, TrailAggregate
from domain.shared.time import business_date
from domain.shared.values import PhoneNumber, Term
from domain.work_order import WorkOrder


@dataclass(frozen=True)
class WorkOrderRequest:
    """A work order an outcome sends to the branch (PC-01); the id is deterministic."""

    work_order_id: uuid.UUID
    work_order_type: str


class Callback(CallbackCalls, CallbackBranch, TrailAggregate):
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
            cb._begin(self.occurred_at)
            cb.policy_number = self.policy_number
            cb.status = CallbackStatus.NOT_REQUIRED
            cb.branch = self.branch
            cb.channel = self.channel
            cb.product_type = self.product_type
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
            cb._begin(self.occurred_at)
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
            cb.status = CallbackStatus.AWAITING_CALL

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
            cb.status = CallbackStatus.AWAITING_CALL
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
                cb.status = CallbackStatus.IN_CALL
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
            cb.status = CallbackStatus.AWAITING_CALL
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
                cb.status = CallbackStatus.COMPLETED
                cb.succeeded = True
                cb.completed_on = self.completed_on
                if cb.special_status == SpecialStatus.APPROVED:
                    cb.special_status = SpecialStatus.COMPLETED
            else:
                cb.status = CallbackStatus.SENT_TO_BRANCH
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
            cb.special_status = SpecialStatus.APPLIED
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
                cb.special_status = SpecialStatus.APPROVED
                cb.status = CallbackStatus.SPECIAL
            else:
                cb.special_status = SpecialStatus.REJECTED

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
            cb.status = CallbackStatus.EXCLUDED
            cb._reset_call()

    # ----- state ----------------------------------------------------------------------
    policy_number: str
    branch: str
    channel: str
    product_type: str
    agent_code: str
    insured_is_holder: bool
    underwritten_on: date | None  # None: no callback needed (CB-01)
    cooling_off_end: date | None
    due_on: date | None
    phone: PhoneNumber | None
    status: CallbackStatus
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
    special_status: SpecialStatus | None  # None: no special callback applied for
    special_method: str

    def __init__(self) -> None:
        """State comes from the events' ``apply`` (annotations above are for readers)."""

    def _begin(self, occurred_at: datetime) -> None:
        """The whole state as it stands before anything happened (both opening events)."""
        self.insured_is_holder = False
        self.underwritten_on = self.cooling_off_end = self.due_on = None
        self.phone = None
        self.cycle = self.attempts_allowed = self.attempts_in_cycle = self.attempts_total = 0
        self.cycle_started_at = self.cycle_ends_at = occurred_at
        self.cycle_results = []
        self._reset_call()
        self.outcome_no = 0
        self.outcome_class = self.outcome_subtype = ""
        self.succeeded = self.sent_to_branch = False
        self.completed_on = None
        self.phone_when_sent = None
        self.work_order_ids = []
        self.special_status = None
        self.special_method = ""

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
        opening.require_not_needed(policy)
        facts = policy.facts
        return cls._start(
            cls.NotRequired,
            ctx,
            id=cls.id_for(policy.number),
            policy_number=policy.number,
            branch=policy.branch,
            channel=facts.channel,
            product_type=facts.product_type,
            agent_code=policy.agent_code,
            holder_type=facts.holder_type,
            term=facts.term,
            term_over_one_year=facts.term.over_one_year,
            rule_id="CB-01",
        )

    @classmethod
    def open(
        cls,
        *,
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
        opening.require_due(policy)
        facts = policy.facts
        cb = cls._start(
            cls.Opened,
            ctx,
            id=cls.id_for(policy.number),
            policy_number=policy.number,
            branch=policy.branch,
            channel=facts.channel,
            product_type=facts.product_type,
            product_name=facts.product_name,
            agent_code=policy.agent_code,
            holder_type=facts.holder_type,
            term=facts.term,
            insured_is_holder=policy.insured_is_holder,
            underwritten_on=facts.underwritten_on,
            receipt_signed_on=policy.receipt_signed_on,
            receipt_registered_on=policy.receipt_registered_on,
            receipt_registration_lag_days=registration_lag_days,
            receipt_registration_late=registration_late,
            cooling_off_end=policy.cooling_off_end,
            due_on=policy.cooling_off_end,
            phone=policy.holder_phone,
            rule_ids=["CB-01", "CB-03", "CB-05"],
        )
        cb._start_cycle(
            number=1,
            reason="回执回销 receipt registered",
            work_order_id=None,
            agreed_call_at=None,
            params=params,
            ctx=ctx,
        )
        problem = opening.phone_problem(policy.holder_phone)
        if policy.status == PolicyStatus.CANCELLED_IN_COOLING_OFF and policy.cancelled_on:
            cb.exclude(policy.cancelled_on, ctx)
        elif problem is not None:
            cb._decide(calls.wrong_phone(problem), ctx, inputs={"phone_problem": problem})
        elif duplicate is not None:
            cb.flag_duplicate(duplicate, ctx)
        return cb

    def _start_cycle(
        self,
        *,
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
        alters a cycle already running.
        """
        self._record(
            self.CycleStarted,
            ctx,
            cycle=number,
            starts_at=ctx.occurred_at,
            ends_at=calls.cycle_ends_at(ctx.occurred_at, agreed_call_at, params),
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

    @property
    def phone_changed_since_sent(self) -> bool:
        """Whether contact data changed after the callback went to the branch (DP check again)."""
        if self.phone is None:
            return False
        sent = self.phone_when_sent
        return sent is None or sent.normalized != self.phone.normalized

    def _refuse_unless(self, *allowed: CallbackStatus) -> None:
        refuse_unless(self.status, *allowed, policy_number=self.policy_number)

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
        inputs = {
            "rule_id": verdict.rule_id,
            "phone": verdict.phone,
            "policy_numbers": list(verdict.policy_numbers),
            "holder_count": verdict.holder_count,
            "threshold": verdict.threshold,
            "agent_code": verdict.agent_code,
        }
        self._decide(calls.duplicate_phone(verdict), ctx, inputs=inputs)
        return True

    def change_phone(self, new_phone: PhoneNumber, ctx: Context) -> bool:
        """DP-03: the callback follows the policy's contact-details change."""
        if self.status in (CallbackStatus.NOT_REQUIRED, CallbackStatus.EXCLUDED) or self.phone == new_phone:
            return False
        self._record(self.PhoneChanged, ctx, old_phone=self.phone, new_phone=new_phone, rule_id="DP-03")
        return True

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
            previous_status=self.status.value,
            rule_id="OC-06",
        )
        return True
