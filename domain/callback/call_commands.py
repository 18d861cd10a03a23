"""The Callback aggregate's calls and questionnaire (呼出与问卷): CA-01/02, CB-02, QN-01..04.

Command methods mixed into ``Callback`` (``aggregate.py``), which holds the events
and the state they use; the decisions they apply live in ``calls``, ``windows``,
``questionnaire`` and ``answering``.
"""

from __future__ import annotations

from typing import Any

from domain.callback import answering, calls
from domain.callback.labels import CallbackMethod, CallbackStatus, CallResult, IdentityResult, parse_value
from domain.callback.outcome import ends_call, finding_for_answer
from domain.callback.questionnaire import Answer, choose_version, question_set
from domain.callback.windows import require_call_window
from domain.parameters import CallbackParams
from domain.shared.aggregate import Context
from domain.shared.business_time import require_not_before
from domain.shared.calendar import WorkingDayCalendar
from domain.shared.errors import InvalidInput, RuleViolation
from domain.shared.time import business_date


class CallbackCalls:
    """呼出与问卷: attempts, identity check, questionnaire and answers of a Callback."""

    # ----- calls (CA-01, CA-02, CB-02, CB-04, DP-03) ----------------------------------
    def record_attempt(
        self,
        *,
        result: str,
        recording_ref: str,
        caller_id: str,
        phone_called: str | None,
        params: CallbackParams,
        calendar: WorkingDayCalendar,
        ctx: Context,
    ) -> None:
        """One call attempt at ``ctx.occurred_at``."""
        result = parse_value(CallResult, result, "call result", "呼出结果").value
        self._refuse_unless(CallbackStatus.AWAITING_CALL)
        phone = calls.require_callable(
            recording_ref=recording_ref,
            caller_role=ctx.actor.role,
            sent_to_branch=self.sent_to_branch,
            phone=self.phone,
            phone_called=phone_called,
        )
        window = require_call_window(ctx.occurred_at, params, calendar)
        self.require_existed_at("occurred_at", ctx.occurred_at)  # RC-01b: not before it was due
        require_not_before(
            "occurred_at",
            ctx.occurred_at,
            f"回访周期 {self.cycle} 开始 cycle {self.cycle} started",
            self.cycle_started_at,
        )
        calls.require_attempt_left(
            ctx.occurred_at,
            cycle=self.cycle,
            cycle_ends_at=self.cycle_ends_at,
            attempts_in_cycle=self.attempts_in_cycle,
            attempts_allowed=self.attempts_allowed,
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
            phone=phone.normalized,
            local_time=f"{window.local_time:%H:%M:%S}",
            day_kind=window.day_kind,
            window=window.window or "",
            rule_ids=["CA-01", "CA-02", "CB-04", "DP-03"],
        )
        if not failed:
            return
        decision = calls.after_failed_attempt(result)
        if decision is not None:
            self._decide(decision, ctx, inputs=self._attempt_inputs())
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
        inputs = {
            **self._attempt_inputs(),
            "cycle_started_at": self.cycle_started_at.isoformat(),
            "cycle_ends_at": self.cycle_ends_at.isoformat(),
        }
        self._decide(calls.unreachable(response), ctx, inputs=inputs)

    def _abandon(self, reason: str, ctx: Context) -> None:
        self._record(
            self.CallAbandoned,
            ctx,
            cycle=self.cycle,
            attempt_no=self.attempts_in_cycle,
            reason=reason,
            answered_items=list(self.answers),
            rule_id="CA-02",
        )

    def abandon_call(self, reason: str, ctx: Context) -> None:
        """A reached call that ended early (hung up mid-way): a failed attempt (CA-02)."""
        self._refuse_unless(CallbackStatus.IN_CALL)
        self._abandon(reason.strip() or "通话中断", ctx)
        self._close_cycle_if_exhausted(ctx)

    def close_expired_cycle(self, ctx: Context) -> bool:
        """CA-02, time-driven (tick): a cycle that ran out with fewer attempts → 联系不上.

        Returns whether anything changed (a tick before the end is a no-op).
        """
        if not self.cycle_expired(ctx.occurred_at):
            return False
        if self.status == CallbackStatus.IN_CALL:
            self._abandon("回访周期结束 cycle ended", ctx)
        self._unreachable(ctx, f"周期结束，{self.attempts_in_cycle} 次呼出未成功")
        return True

    def check_identity(self, result: str, params: CallbackParams, ctx: Context) -> None:
        """CB-02: identity first; a failed check ends the call (拒访 / 保单信息有误)."""
        result = parse_value(IdentityResult, result, "identity result", "身份核实结果").value
        if self.status != CallbackStatus.IN_CALL:
            raise RuleViolation(
                "CB-02",
                "the identity check belongs to a call that reached the policyholder",
                "身份核实须在接通投保人本人后进行",
            )
        if self.identity_result:
            raise InvalidInput("identity already checked in this call", "本次通话已完成身份核实")
        self._record(self.IdentityChecked, ctx, result=result, rule_id="CB-02")
        decision = calls.after_identity_check(result)
        if decision is None:
            self._start_questionnaire(CallbackMethod.PHONE, "", params, ctx)
        else:
            self._decide(decision, ctx, inputs={**self._attempt_inputs(), "identity": result})

    # ----- questionnaire (QN-01..04) ----------------------------------------------------
    def _start_questionnaire(
        self, method: CallbackMethod, evidence_ref: str, params: CallbackParams, ctx: Context
    ) -> None:
        """QN-01 items by product type (and insured ≠ holder, CB-02); QN-02 A or B."""
        version, d = choose_version(business_date(ctx.occurred_at), self.underwritten_on, params)
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
            items=question_set(self.product_type, self.insured_is_holder, version),
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
        answering.validate_answers(
            answers, self.question_items, self.product_type, self.questionnaire_version, set(self.answers)
        )
        self._answer(answers, CallbackMethod.PHONE, "", ctx)

    def _answer(self, answers: list[Answer], method: CallbackMethod, evidence_ref: str, ctx: Context) -> None:
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
        if answering.is_finished(self.answers, self.question_items, answers[-1]):
            inputs = {
                **self._attempt_inputs(),
                "identity": self.identity_result or "签名问卷",
                "questionnaire": self.questionnaire_version,
                "days_since_underwriting": self.questionnaire_days,
                "answers": answering.answer_inputs(self.answers, self.question_items),
            }
            decision = answering.classify_answers(self.answers, self.question_items)
            self._decide(decision, ctx, method=method, evidence_ref=evidence_ref, inputs=inputs)
