"""The Callback aggregate's branch side (机构处理与特殊回访件): PC-05, CB-04, SP-01/02.

Command methods mixed into ``Callback`` (``aggregate.py``), which holds the events
and the state they use; the decisions they apply live in ``answering``,
``opening`` and ``special``.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from domain.callback import answering, opening, special
from domain.callback.labels import CallbackStatus
from domain.callback.questionnaire import Answer, choose_version, question_set
from domain.contact_point import DuplicateVerdict
from domain.parameters import CallbackParams
from domain.shared.aggregate import Context
from domain.shared.errors import RuleViolation
from domain.shared.time import business_date


class CallbackBranch:
    """机构处理: new cycles after a 核实件, signed questionnaires, special callbacks."""

    # ----- branch and work orders (CB-04, PC-05) --------------------------------------
    def start_new_cycle(
        self,
        *,
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
        if opening.phone_problem(self.phone) is not None:
            raise RuleViolation(
                "DP-03",
                "the policy's phone is still unusable; change the contact details first",
                "保单联系电话仍不可用，须先办理联系方式变更",
            )
        self._start_cycle(
            number=self.cycle + 1,
            reason="核实件回销 verification resolved (二次回访)",
            work_order_id=work_order_id,
            agreed_call_at=agreed_call_at,
            params=params,
            ctx=ctx,
            rule_ids=["PC-05", "CA-02"],
        )
        if duplicate is not None:
            self.flag_duplicate(duplicate, ctx)

    def record_signed_questionnaire(
        self,
        *,
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
        kind, rule_id = answering.require_signed_method(
            method, status=self.status, sent_to_branch=self.sent_to_branch, policy_number=self.policy_number
        )
        version, _ = choose_version(business_date(ctx.occurred_at), self.underwritten_on, params)
        items = question_set(self.product_type, self.insured_is_holder, version)
        answering.require_signed_questionnaire(
            evidence_ref, answers, items, self.product_type, version.value, rule_id=rule_id
        )
        self._start_questionnaire(kind, evidence_ref.strip(), params, ctx)
        self._answer(answers, kind, evidence_ref.strip(), ctx)

    # ----- special callback (SP-01, SP-02) --------------------------------------------
    def apply_special(
        self,
        *,
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
        why, kind = special.grounds(reason, method)
        self._refuse_unless(CallbackStatus.AWAITING_CALL)
        special.require_application(
            special_status=self.special_status,
            policy_agent_code=self.agent_code,
            agent_code=agent_code,
            customer_signed=customer_signed,
            agent_signed=agent_signed,
            application_ref=application_ref,
        )
        self._record(
            self.SpecialCallbackApplied,
            ctx,
            reason=why.value,
            method=kind.value,
            agreed_at=agreed_at,
            agent_code=self.agent_code,
            customer_signed=customer_signed,
            agent_signed=agent_signed,
            application_ref=application_ref.strip(),
            rule_ids=["SP-01", "SP-02"],
        )

    def decide_special(self, *, approve: bool, unit: str, comment: str, ctx: Context) -> None:
        """SP-02: a manager of the policy's sales unit approves or rejects."""
        special.require_decider(
            special_status=self.special_status, role=ctx.actor.role, unit=unit, branch=self.branch
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
