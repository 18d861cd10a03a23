"""Complaint aggregate (服务投诉), SL-01 (docs/service-standards.md).

Received → acknowledged within 24 h (SL-01b) → optionally classed complex with a reason
(SL-01c) and escalated (SL-01d) → decided with an outcome (SL-01e), which ends it; the
end date is what RC-02 retention counts "2 years after the dispute ends" from. Deadlines
are fixed in the events that set them; statuses are computed with ``obligation_status``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from domain.complaint.vocabulary import (
    ComplaintCategory,
    ComplaintChannel,
    ComplaintOutcome,
    ComplaintState,
)
from domain.service_standard.parameters import ServiceStandardParams
from domain.shared.aggregate import Context, TrailAggregate
from domain.shared.errors import InvalidInput, RuleViolation
from domain.shared.time import business_date, end_of_day
from domain.work_order.status import obligation_status, warning_lead
from domain.work_order.types import ObligationStatus


def _text(value: str, what: str, limit: int = 1000) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(f"{what} is required", f"{what} 必填")
    if len(value) > limit:
        raise InvalidInput(f"{what} is longer than {limit} characters", f"{what} 超过 {limit} 字")
    return value


class Complaint(TrailAggregate):
    """服务投诉. Id = uuid5 of the complaint number (投诉编号)."""

    id_kind = "complaint"

    def __init__(self) -> None:
        pass

    class Received(TrailAggregate.Created):
        """投诉受理 Complaint received, with its SL-01b/SL-01c deadlines (SL-01a, SL-01f)."""

        class_version = 1
        complaint_no: str
        channel: str
        category: str
        customer: str
        branch: str
        policy_number: str
        agent_code: str
        summary: str
        received_on: date
        ack_due_at: datetime
        ack_hours: int
        decision_due_on: date
        decision_due_at: datetime
        decision_days: int
        warning_lead_days: int
        rule_ids: list[str]

        def apply(self, c: Complaint) -> None:
            c.complaint_no = self.complaint_no
            c.channel = self.channel
            c.category = self.category
            c.customer = self.customer
            c.branch = self.branch
            c.policy_number = self.policy_number
            c.agent_code = self.agent_code
            c.received_at = self.occurred_at
            c.received_on = self.received_on
            c.ack_due_at = self.ack_due_at
            c.decision_due_on = self.decision_due_on
            c.decision_due_at = self.decision_due_at
            c.warning_lead_days = self.warning_lead_days
            c.state = ComplaintState.RECEIVED
            c.acknowledged_at = None
            c.complex_reason = ""
            c.escalations = 0
            c.decided_at = None
            c.outcome = ""
            c.ended_on = None

    class Acknowledged(TrailAggregate.Event):
        """投诉响应 Acknowledged (响应并记录), on time or late against 24 h (SL-01b)."""

        class_version = 1
        received_at: datetime
        due_at: datetime
        on_time: bool
        note: str
        rule_id: str

        def apply(self, c: Complaint) -> None:
            c.acknowledged_at = self.occurred_at
            c.state = ComplaintState.ACKNOWLEDGED

    class ClassedComplex(TrailAggregate.Event):
        """复杂投诉 Classed complex with the reason: 30 days instead of 15 (SL-01c, REG-08)."""

        class_version = 1
        reason: str
        received_on: date
        previous_due_on: date
        decision_due_on: date
        decision_due_at: datetime
        decision_days: int
        rule_id: str

        def apply(self, c: Complaint) -> None:
            c.complex_reason = self.reason
            c.decision_due_on = self.decision_due_on
            c.decision_due_at = self.decision_due_at

    class Escalated(TrailAggregate.Event):
        """投诉升级 Escalated to a supervisor or department; the deadline stays (SL-01d)."""

        class_version = 1
        level: str
        reason: str
        rule_id: str

        def apply(self, c: Complaint) -> None:
            c.escalations += 1

    class Decided(TrailAggregate.Event):
        """投诉办结 Decided and told to the customer; ends the complaint (SL-01c, SL-01e; RC-02)."""

        class_version = 1
        outcome: str
        summary: str
        due_at: datetime
        on_time: bool
        complex: bool
        ended_on: date
        rule_ids: list[str]

        def apply(self, c: Complaint) -> None:
            c.decided_at = self.occurred_at
            c.outcome = self.outcome
            c.ended_on = self.ended_on
            c.state = ComplaintState.DECIDED

    # ----- commands ------------------------------------------------------------------------
    @classmethod
    def receive(
        cls,
        *,
        complaint_no: str,
        channel: str,
        category: str,
        customer: str,
        branch: str,
        policy_number: str,
        agent_code: str,
        summary: str,
        params: ServiceStandardParams,
        ctx: Context,
    ) -> Complaint:
        """SL-01a: record the complaint; SL-01f: 销售误导 names the policy and the selling agent."""
        complaint_no = _text(complaint_no, "complaint number 投诉编号", 64)
        try:
            channel = ComplaintChannel(channel).value
        except ValueError:
            raise InvalidInput(
                f"unknown channel {channel!r}; one of {', '.join(ComplaintChannel)}",
                f"未知投诉渠道 {channel!r}",
            ) from None
        try:
            category = ComplaintCategory(category).value
        except ValueError:
            raise InvalidInput(
                f"unknown category {category!r}; one of {', '.join(ComplaintCategory)}",
                f"未知投诉类别 {category!r}",
            ) from None
        policy_number = (policy_number or "").strip()
        agent_code = (agent_code or "").strip()
        if category == ComplaintCategory.MISLEADING_SALES and not (policy_number and agent_code):
            raise RuleViolation(
                "SL-01f",
                "a misleading-sales complaint must name the policy and the selling agent",
                "销售误导投诉必须填写保单号和销售人员",
            )
        received_on = business_date(ctx.occurred_at)
        decision_due_on = received_on + timedelta(days=params.complaint_decision_days)
        return cls._start(
            cls.Received,
            ctx,
            id=cls.id_for(complaint_no),
            complaint_no=complaint_no,
            channel=channel,
            category=category,
            customer=_text(customer, "customer 投诉人", 200),
            branch=_text(branch, "branch 机构", 100),
            policy_number=policy_number,
            agent_code=agent_code,
            summary=_text(summary, "summary 投诉内容", 2000),
            received_on=received_on,
            ack_due_at=ctx.occurred_at + timedelta(hours=params.complaint_ack_hours),
            ack_hours=params.complaint_ack_hours,
            decision_due_on=decision_due_on,
            decision_due_at=end_of_day(decision_due_on),
            decision_days=params.complaint_decision_days,
            warning_lead_days=params.complaint_warning_days,
            rule_ids=["SL-01a", "SL-01b", "SL-01c"]
            + (["SL-01f"] if category == ComplaintCategory.MISLEADING_SALES else []),
        )

    def _not_before_receipt(self, ctx: Context) -> None:
        if ctx.occurred_at < self.received_at:
            raise InvalidInput(
                "the time is before the complaint was received",
                "时间早于投诉受理时间",
            )

    def _open(self) -> None:
        if self.state == ComplaintState.DECIDED:
            raise InvalidInput(
                f"complaint {self.complaint_no} is already decided",
                f"投诉 {self.complaint_no} 已办结",
            )

    def acknowledge(self, note: str, ctx: Context) -> None:
        """SL-01b: on time when at most 24 hours after receipt (to the second)."""
        self._open()
        self._not_before_receipt(ctx)
        if self.acknowledged_at is not None:
            raise InvalidInput(
                f"complaint {self.complaint_no} is already acknowledged",
                f"投诉 {self.complaint_no} 已响应",
            )
        self._record(
            self.Acknowledged,
            ctx,
            received_at=self.received_at,
            due_at=self.ack_due_at,
            on_time=ctx.occurred_at <= self.ack_due_at,
            note=(note or "").strip()[:1000],
            rule_id="SL-01b",
        )

    def class_complex(self, reason: str, params: ServiceStandardParams, ctx: Context) -> None:
        """SL-01c: 30 days instead of 15, with a reason, only while the 15 days still run."""
        self._open()
        self._not_before_receipt(ctx)
        reason = _text(reason, "reason 复杂原因")
        if self.complex_reason:
            raise InvalidInput("the complaint is already classed complex", "投诉已认定为复杂投诉")
        if ctx.occurred_at > self.decision_due_at:
            raise RuleViolation(
                "SL-01c",
                f"the {params.complaint_decision_days}-day deadline ({self.decision_due_on}) has "
                "passed: a complaint can be classed complex only before it",
                f"{params.complaint_decision_days} 日处理期限（{self.decision_due_on}）已过，"
                "不能再认定为复杂投诉",
                decision_due_on=self.decision_due_on.isoformat(),
            )
        due_on = self.received_on + timedelta(days=params.complaint_complex_days)
        self._record(
            self.ClassedComplex,
            ctx,
            reason=reason,
            received_on=self.received_on,
            previous_due_on=self.decision_due_on,
            decision_due_on=due_on,
            decision_due_at=end_of_day(due_on),
            decision_days=params.complaint_complex_days,
            rule_id="SL-01c",
        )

    def escalate(self, level: str, reason: str, ctx: Context) -> None:
        """SL-01d: 主管或相关部门介入."""
        self._open()
        self._not_before_receipt(ctx)
        self._record(
            self.Escalated,
            ctx,
            level=_text(level, "level 升级层级", 100),
            reason=_text(reason, "reason 升级原因"),
            rule_id="SL-01d",
        )

    def decide(self, outcome: str, summary: str, ctx: Context) -> None:
        """SL-01c / SL-01e: on time when decided by the end of the deadline day."""
        self._open()
        self._not_before_receipt(ctx)
        if self.acknowledged_at is None:
            raise RuleViolation(
                "SL-01b",
                "acknowledge the complaint before deciding it",
                "请先响应投诉再办结",
            )
        try:
            outcome = ComplaintOutcome(outcome).value
        except ValueError:
            raise InvalidInput(
                f"unknown outcome {outcome!r}; one of {', '.join(ComplaintOutcome)}",
                f"未知处理结果 {outcome!r}",
            ) from None
        self._record(
            self.Decided,
            ctx,
            outcome=outcome,
            summary=_text(summary, "summary 处理结果说明", 2000),
            due_at=self.decision_due_at,
            on_time=ctx.occurred_at <= self.decision_due_at,
            complex=bool(self.complex_reason),
            ended_on=business_date(ctx.occurred_at),
            rule_ids=["SL-01c", "SL-01e"],
        )

    # ----- queries -------------------------------------------------------------------------
    def acknowledgement_status(self, now: datetime) -> ObligationStatus:
        """SL-01b as 正常/警告/超时/按时完成/逾期完成 (警告: the last 2 hours)."""
        return obligation_status(self.ack_due_at, timedelta(hours=2), now, self.acknowledged_at)

    def decision_status(self, now: datetime) -> ObligationStatus:
        return obligation_status(
            self.decision_due_at, warning_lead(self.warning_lead_days), now, self.decided_at
        )
