"""The ServiceCase aggregate's lapse and reinstatement (失效件与复效): PS-06.

Command methods mixed into ``ServiceCase`` (``case.py``), which holds the events and
the state they use.
"""

from __future__ import annotations

from datetime import date

from domain.service_case.vocabulary import (
    ReinstatementOutcome,
    ServiceClass,
    parse_enum,
)
from domain.shared.aggregate import Context
from domain.shared.errors import InvalidInput, RuleViolation


class ServiceCaseLapse:
    """失效件: lapse, reinstatement, the visit result and its quality-control review."""

    def mark_lapsed(self, lapsed_on: date, ctx: Context) -> None:
        """PS-06: the policy lapsed while in service: the case becomes a 失效件."""
        self._require_open()
        if self.service_class == ServiceClass.LAPSED:
            return
        self._record(
            self.ClassChanged,
            ctx,
            old_class=self.service_class,
            new_class=ServiceClass.LAPSED,
            reason=f"保单于 {lapsed_on} 失效 policy lapsed",
            methods_tried=[],
            rule_id="PS-06",
        )

    def mark_reinstated(self, reinstated_on: date, ctx: Context) -> None:
        """PS-06: the policy was reinstated: the 失效件 is a 正常件 again."""
        self._require_open()
        if self.service_class != ServiceClass.LAPSED:
            return
        self._record(
            self.ClassChanged,
            ctx,
            old_class=self.service_class,
            new_class=ServiceClass.NORMAL,
            reason=f"保单于 {reinstated_on} 复效 policy reinstated",
            methods_tried=[],
            rule_id="PS-06",
        )

    def record_reinstatement_visit(self, *, visited_on: date, outcome: str, note: str, ctx: Context) -> None:
        """PS-06: a reinstatement visit result on the 失效保单处理结果反馈表, to be
        confirmed by quality control. A new visit replaces an unconfirmed result."""
        self.require_existed_at("visited_on", visited_on)  # RC-01b
        self._require_in_service("PS-06")
        outcome = parse_enum(ReinstatementOutcome, outcome, "reinstatement outcome 复效结果", "PS-06")
        if self.service_class != ServiceClass.LAPSED:
            raise RuleViolation(
                "PS-06",
                "reinstatement visits are recorded on 失效件 only",
                "只有失效件登记复效上门结果",
                service_class=self.service_class,
            )
        if self.reinstatement_confirmed:
            raise RuleViolation(
                "PS-06",
                "the reinstatement result is already confirmed by quality control",
                "失效保单处理结果已经品质管理岗确认",
            )
        self._require_since_assignment(visited_on, "visit", "上门日期", ctx)
        self._record(
            self.ReinstatementVisitRecorded,
            ctx,
            visited_on=visited_on,
            outcome=outcome,
            note=note.strip(),
            rule_id="PS-06",
        )

    def review_reinstatement_result(self, *, reviewer: str, confirmed: bool, note: str, ctx: Context) -> None:
        """PS-06: quality control (品质管理岗, not the servicer) confirms the result or
        sends it back for another visit."""
        self._require_open()
        if self.reinstatement_pending is None:
            raise RuleViolation(
                "PS-06", "no reinstatement result awaits confirmation", "没有待审核的失效保单处理结果"
            )
        reviewer = reviewer.strip()
        if not reviewer:
            raise InvalidInput("the reviewer is required", "审核人必填")
        if reviewer == self.servicer_code:
            raise RuleViolation(
                "PS-06",
                "the servicer cannot confirm their own result; quality control does",
                "服务人员不能审核自己的处理结果，须由品质管理岗确认",
            )
        self._record(
            self.ReinstatementResultReviewed,
            ctx,
            reviewer=reviewer,
            outcome=self.reinstatement_pending,
            confirmed=confirmed,
            note=note.strip(),
            rule_id="PS-06",
        )
