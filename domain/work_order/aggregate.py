"""WorkOrder aggregate (回访问题件工单), PC-01..06.

A work order is created from a callback outcome (PC-01) with its deadline fixed at
creation (PC-02); the branch assigns a handler, may file an overdue statement
before the deadline (PC-04) and resolves it with evidence (PC-05 / PC-06). A first
explanation whose re-check fails is escalated to a second one. The status
正常/警告/超时 is never stored: it is ``obligation_status`` of the deadline, the
closure time and "now" (PC-03).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from domain.shared.aggregate import Context, TrailAggregate, business_id
from domain.shared.calendar import WorkingDayCalendar
from domain.shared.errors import InvalidInput, RuleViolation
from domain.shared.time import business_date
from domain.shared.values import PhoneNumber
from domain.work_order.deadlines import deadline_for
from domain.work_order.status import obligation_status, warning_lead
from domain.work_order.types import (
    CALLBACK_COMPLETING,
    ObligationStatus,
    RecheckFailure,
    ResolutionKind,
    WorkOrderState,
    WorkOrderType,
)

if TYPE_CHECKING:  # annotations only: domain.parameters keys deadlines by WorkOrderType
    from domain.parameters import WorkOrderParams

#: 核实件 subtype (OC-04) that needs a contact-details change before a new cycle (DP-03).
WRONG_PHONE = "电话有误"


def _same_person(a: str, b: str) -> bool:
    return bool(a.strip()) and a.strip().upper() == b.strip().upper()


@dataclass(frozen=True)
class WorkOrderSource:
    """What a work order is about: the callback outcome that raised it (PC-01)."""

    callback_id: uuid.UUID
    policy_number: str
    branch: str
    channel: str
    product_type: str
    agent_code: str
    outcome_no: int
    cycle: int
    outcome_class: str
    subtype: str
    subtypes: list[str]
    misleading: list[str]
    phone: PhoneNumber | None


class WorkOrder(TrailAggregate):
    """回访问题件工单. Id chosen by the caller (deterministic per outcome, so retries are safe)."""

    class Created(TrailAggregate.Created):
        """工单生成 Work order created from a callback outcome (PC-01, PC-02)."""

        class_version = 1
        work_order_type: str
        callback_id: uuid.UUID
        policy_number: str
        branch: str
        channel: str
        product_type: str
        agent_code: str
        outcome_no: int
        cycle: int
        source_class: str
        source_subtype: str
        source_subtypes: list[str]
        misleading: list[str]
        phone_at_creation: PhoneNumber | None
        created_on: date
        deadline_on: date
        deadline_at: datetime
        deadline_basis: str
        deadline_days: int
        warning_lead_days: int
        escalated_from: uuid.UUID | None
        rule_ids: list[str]

        def apply(self, wo: WorkOrder) -> None:
            wo.work_order_type = self.work_order_type
            wo.callback_id = self.callback_id
            wo.policy_number = self.policy_number
            wo.branch = self.branch
            wo.channel = self.channel
            wo.product_type = self.product_type
            wo.agent_code = self.agent_code
            wo.outcome_no = self.outcome_no
            wo.cycle = self.cycle
            wo.source_class = self.source_class
            wo.source_subtype = self.source_subtype
            wo.source_subtypes = list(self.source_subtypes)
            wo.misleading = list(self.misleading)
            wo.phone_at_creation = self.phone_at_creation
            wo.created_at = self.occurred_at
            wo.deadline_on = self.deadline_on
            wo.deadline_at = self.deadline_at
            wo.warning_lead_days = self.warning_lead_days
            wo.escalated_from = self.escalated_from
            wo.state = WorkOrderState.OPEN
            wo.handler_id = ""
            wo.overdue_statement = ""
            wo.closed_at = None
            wo.resolution_kind = ""
            wo.rechecked = False
            wo.escalated_to = None

    class Assigned(TrailAggregate.Event):
        """工单分派 Assigned to a branch and handler (PC-06 checked for 销售误导件)."""

        class_version = 1
        branch: str
        handler_id: str
        previous_handler_id: str
        rule_id: str

        def apply(self, wo: WorkOrder) -> None:
            wo.branch = self.branch
            wo.handler_id = self.handler_id

    class OverdueStatementFiled(TrailAggregate.Event):
        """逾期情况书面说明 Overdue statement filed before the deadline (PC-04)."""

        class_version = 1
        reason: str
        deadline_at: datetime
        rule_id: str

        def apply(self, wo: WorkOrder) -> None:
            wo.overdue_statement = self.reason

    class Resolved(TrailAggregate.Event):
        """工单办结 Resolved, with the evidence and whether it was on time (PC-03, PC-05, PC-06)."""

        class_version = 1
        work_order_type: str
        kind: str
        evidence_ref: str
        signed_by_customer: bool
        agreed_call_at: datetime | None
        contact_corrected: bool
        handler_id: str
        deadline_at: datetime
        on_time: bool
        timeliness: str
        overdue_statement_filed: bool
        note: str
        rule_ids: list[str]

        def apply(self, wo: WorkOrder) -> None:
            wo.state = WorkOrderState.RESOLVED
            wo.closed_at = self.occurred_at
            wo.resolution_kind = self.kind

    class RecheckRecorded(TrailAggregate.Event):
        """一次沟通解释件回访复核 Re-check call after a first explanation (PC-01)."""

        class_version = 1
        reached: bool
        doubt_resolved: bool
        recording_ref: str
        passed: bool
        rule_id: str

        def apply(self, wo: WorkOrder) -> None:
            wo.rechecked = True

    class Escalated(TrailAggregate.Event):
        """升级为二次沟通解释件 Escalated to a second explanation (PC-01)."""

        class_version = 1
        second_work_order_id: uuid.UUID
        reason: str
        rule_id: str

        def apply(self, wo: WorkOrder) -> None:
            wo.escalated_to = self.second_work_order_id

    class Withdrawn(TrailAggregate.Event):
        """工单撤销 Withdrawn: the callback it served left the process (OC-06 犹豫期撤单)."""

        class_version = 1
        reason: str
        rule_id: str

        def apply(self, wo: WorkOrder) -> None:
            wo.state = WorkOrderState.WITHDRAWN
            wo.closed_at = self.occurred_at

    # ----- state ----------------------------------------------------------------------
    work_order_type: str
    callback_id: uuid.UUID
    policy_number: str
    branch: str
    channel: str
    product_type: str
    agent_code: str
    outcome_no: int
    cycle: int
    source_class: str
    source_subtype: str
    source_subtypes: list[str]
    misleading: list[str]
    phone_at_creation: PhoneNumber | None
    created_at: datetime
    deadline_on: date
    deadline_at: datetime
    warning_lead_days: int
    escalated_from: uuid.UUID | None
    state: WorkOrderState
    handler_id: str
    overdue_statement: str
    closed_at: datetime | None
    resolution_kind: str
    rechecked: bool
    escalated_to: uuid.UUID | None

    def __init__(self) -> None:
        """State comes from the events' ``apply`` (annotations above are for readers)."""

    # ----- ids ---------------------------------------------------------------------------
    @staticmethod
    def id_for_outcome(callback_id: uuid.UUID, outcome_no: int, work_order_type: str) -> uuid.UUID:
        """Deterministic id: a retried reaction never creates a second work order."""
        return business_id("work_order", f"{callback_id}:{outcome_no}:{work_order_type}")

    # ----- creation ----------------------------------------------------------------------
    @classmethod
    def open(
        cls,
        work_order_id: uuid.UUID,
        work_order_type: str,
        source: WorkOrderSource,
        params: WorkOrderParams,
        calendar: WorkingDayCalendar,
        ctx: Context,
        escalated_from: uuid.UUID | None = None,
    ) -> WorkOrder:
        """PC-01 / PC-02: a work order of a type with its deadline fixed at creation."""
        kind = WorkOrderType(work_order_type)
        created_on = business_date(ctx.occurred_at)
        deadline = deadline_for(kind.value, created_on, params, calendar)
        return cls._start(
            cls.Created,
            ctx,
            id=work_order_id,
            work_order_type=kind.value,
            callback_id=source.callback_id,
            policy_number=source.policy_number,
            branch=source.branch,
            channel=source.channel,
            product_type=source.product_type,
            agent_code=source.agent_code,
            outcome_no=source.outcome_no,
            cycle=source.cycle,
            source_class=source.outcome_class,
            source_subtype=source.subtype,
            source_subtypes=list(source.subtypes),
            misleading=list(source.misleading),
            phone_at_creation=source.phone,
            created_on=created_on,
            deadline_on=deadline.due_on,
            deadline_at=deadline.due_at,
            deadline_basis=deadline.basis,
            deadline_days=deadline.days,
            warning_lead_days=params.warning_lead_days,
            escalated_from=escalated_from,
            rule_ids=["PC-01", "PC-02"],
        )

    @classmethod
    def open_escalation(
        cls,
        work_order_id: uuid.UUID,
        first: WorkOrder,
        params: WorkOrderParams,
        calendar: WorkingDayCalendar,
        ctx: Context,
    ) -> WorkOrder:
        """PC-01: the 二次沟通解释件 that follows a failed re-check of a first explanation."""
        source = WorkOrderSource(
            callback_id=first.callback_id,
            policy_number=first.policy_number,
            branch=first.branch,
            channel=first.channel,
            product_type=first.product_type,
            agent_code=first.agent_code,
            outcome_no=first.outcome_no,
            cycle=first.cycle,
            outcome_class=first.source_class,
            subtype=first.source_subtype,
            subtypes=first.source_subtypes,
            misleading=first.misleading,
            phone=first.phone_at_creation,
        )
        return cls.open(
            work_order_id,
            WorkOrderType.SECOND_EXPLANATION.value,
            source,
            params,
            calendar,
            ctx,
            escalated_from=first.id,
        )

    # ----- queries -----------------------------------------------------------------------
    @property
    def is_open(self) -> bool:
        return self.state == WorkOrderState.OPEN

    @property
    def completes_callback(self) -> bool:
        return self.work_order_type in CALLBACK_COMPLETING

    def status_at(self, now: datetime) -> ObligationStatus:
        """PC-03: 正常 / 警告 / 超时, or 按时完成 / 逾期完成 once closed."""
        return obligation_status(self.deadline_at, warning_lead(self.warning_lead_days), now, self.closed_at)

    def _require_open(self) -> None:
        if not self.is_open:
            raise InvalidInput(
                f"work order is {self.state}, no longer open",
                f"工单状态为{self.state}，不能再处理",
                work_order_id=str(self.id),
            )

    def _refuse_selling_agent(self, person: str, what: str) -> None:
        """PC-06 (REG-03): a 销售误导件 is never handled by the selling agent."""
        if self.work_order_type == WorkOrderType.SALES_MISLEADING and _same_person(person, self.agent_code):
            raise RuleViolation(
                "PC-06",
                f"a sales-misleading case cannot be {what} the selling agent {self.agent_code}",
                f"销售误导件不得由销售业务员 {self.agent_code} 本人处理",
                agent_code=self.agent_code,
            )

    # ----- commands ----------------------------------------------------------------------
    def assign(self, handler_id: str, branch: str | None, ctx: Context) -> None:
        self._require_open()
        handler = handler_id.strip()
        if not handler:
            raise InvalidInput("handler is required", "处理人必填")
        self._refuse_selling_agent(handler, "assigned to")
        self._record(
            self.Assigned,
            ctx,
            branch=(branch or self.branch).strip(),
            handler_id=handler,
            previous_handler_id=self.handler_id,
            rule_id="PC-06",
        )

    def file_overdue_statement(self, reason: str, ctx: Context) -> None:
        """PC-04: before the deadline only; it explains the breach, never moves the deadline."""
        self._require_open()
        if not reason.strip():
            raise InvalidInput("the overdue statement needs a reason", "逾期情况说明必须填写原因")
        if self.overdue_statement:
            raise InvalidInput("an overdue statement was already filed", "已提交逾期情况书面说明")
        if ctx.occurred_at > self.deadline_at:
            raise RuleViolation(
                "PC-04",
                f"the overdue statement must be filed before the deadline {self.deadline_on}",
                f"逾期情况书面说明须在处理时效（{self.deadline_on}）内提交",
                deadline_on=str(self.deadline_on),
            )
        self._record(
            self.OverdueStatementFiled,
            ctx,
            reason=reason.strip(),
            deadline_at=self.deadline_at,
            rule_id="PC-04",
        )

    def resolve(
        self,
        evidence_ref: str,
        signed_by_customer: bool,
        agreed_call_at: datetime | None,
        current_phone: PhoneNumber | None,
        note: str,
        ctx: Context,
    ) -> None:
        """PC-05 for 核实件 / 人工亲访件, PC-06 (with DP-03 三禁止) for every problem case.

        Reading of S1 (核实件处理: "约定好回访时间 → 回销核实件工单并做系统内预约回访"):
        a 核实件 is resolved by corrected contact data and/or an agreed call time, with
        no customer signature; every other type is a 问题件 whose resolution needs the
        customer's own signature (新契约各类问题件均需客户亲笔签名).
        """
        self._require_open()
        rule_ids: list[str] = []
        contact_corrected = False
        kind = ResolutionKind.HANDLED
        if self.completes_callback:
            kind = ResolutionKind.CALLBACK_REOPENED
            contact_corrected = (
                current_phone is not None
                and current_phone.usable
                and (
                    self.phone_at_creation is None
                    or current_phone.normalized != self.phone_at_creation.normalized
                )
            )
            if self.source_subtype == WRONG_PHONE and not contact_corrected:
                raise RuleViolation(
                    "DP-03",
                    "a wrong phone must first be corrected by a contact-details change on the policy",
                    "电话有误须先通过保全变更联系电话，再回销核实件",
                )
            if not contact_corrected and agreed_call_at is None:
                raise RuleViolation(
                    "PC-05",
                    "resolving a verification needs corrected contact data or an agreed call time",
                    "核实件回销须提供更正后的联系方式或约定的回访时间",
                )
            if agreed_call_at is not None and agreed_call_at < ctx.occurred_at:
                raise InvalidInput("the agreed call time lies in the past", "约定回访时间早于当前时间")
            rule_ids.append("PC-05")
            if contact_corrected:
                rule_ids.append("DP-03")
        if self.work_order_type != WorkOrderType.VERIFICATION:
            self._require_customer_signature(evidence_ref, signed_by_customer)
            rule_ids.append("PC-06")
        if self.work_order_type == WorkOrderType.SALES_MISLEADING:
            if not self.handler_id:
                raise RuleViolation(
                    "PC-06",
                    "assign a handler other than the selling agent before resolving",
                    "销售误导件须先分派给销售业务员以外的处理人",
                )
            self._refuse_selling_agent(ctx.actor.id, "resolved by")
        self._record_resolution(
            ctx,
            kind=kind,
            evidence_ref=evidence_ref.strip(),
            signed_by_customer=signed_by_customer,
            agreed_call_at=agreed_call_at,
            contact_corrected=contact_corrected,
            note=note.strip(),
            rule_ids=sorted({"PC-03", *rule_ids}),
        )

    @staticmethod
    def _require_customer_signature(evidence_ref: str, signed_by_customer: bool) -> None:
        if not evidence_ref.strip():
            raise RuleViolation(
                "PC-06",
                "a problem-case resolution needs the customer's signature evidence",
                "问题件办结须提供客户亲笔签名的凭证",
            )
        if not signed_by_customer:
            raise RuleViolation(
                "DP-03",
                "proxy signatures are forbidden (三禁止): the customer must sign personally",
                "三禁止：严禁代签名，问题件须客户本人亲笔签名",
            )

    def close_by_callback(self, method: str, evidence_ref: str, ctx: Context) -> None:
        """CB-04: the branch completed the callback itself (visit / letter with signed questionnaire)."""
        if not self.is_open or not self.completes_callback:
            return
        self._record_resolution(
            ctx,
            kind=ResolutionKind.CALLBACK_COMPLETED,
            evidence_ref=evidence_ref,
            signed_by_customer=True,
            agreed_call_at=None,
            contact_corrected=False,
            note=method,
            rule_ids=["CB-04", "PC-03"],
        )

    def _record_resolution(self, ctx: Context, *, kind: ResolutionKind, **fields: Any) -> None:
        on_time = ctx.occurred_at <= self.deadline_at
        self._record(
            self.Resolved,
            ctx,
            work_order_type=self.work_order_type,
            kind=kind.value,
            handler_id=self.handler_id,
            deadline_at=self.deadline_at,
            on_time=on_time,
            timeliness=(ObligationStatus.CLOSED_ON_TIME if on_time else ObligationStatus.CLOSED_LATE).value,
            overdue_statement_filed=bool(self.overdue_statement),
            **fields,
        )

    def record_recheck(
        self, reached: bool, doubt_resolved: bool, recording_ref: str, ctx: Context
    ) -> uuid.UUID | None:
        """PC-01: re-check after a first explanation; a failure escalates to a second one.

        Returns the id of the second explanation when one is due.
        """
        if self.work_order_type != WorkOrderType.FIRST_EXPLANATION:
            raise InvalidInput(
                "only a first explanation (一次沟通解释件) is re-checked",
                "仅一次沟通解释件需要复核回访",
            )
        if self.state != WorkOrderState.RESOLVED:
            raise RuleViolation(
                "PC-01",
                "the re-check follows the branch's handling: resolve the work order first",
                "一次沟通解释件处理完成后方可复核",
            )
        if self.rechecked:
            raise InvalidInput("this work order was already re-checked", "该工单已复核")
        if not recording_ref.strip():
            raise RuleViolation(
                "CB-04", "the re-check call needs a recording reference", "复核回访须有录音编号"
            )
        passed = reached and doubt_resolved
        self._record(
            self.RecheckRecorded,
            ctx,
            reached=reached,
            doubt_resolved=doubt_resolved,
            recording_ref=recording_ref.strip(),
            passed=passed,
            rule_id="PC-01",
        )
        if passed:
            return None
        second = business_id("work_order", f"{self.id}:{WorkOrderType.SECOND_EXPLANATION.value}")
        reason = RecheckFailure.NOT_REACHED if not reached else RecheckFailure.UNRESOLVED
        self._record(self.Escalated, ctx, second_work_order_id=second, reason=reason.value, rule_id="PC-01")
        return second

    def withdraw(self, reason: str, ctx: Context) -> None:
        """OC-06: the callback this order served left the process (犹豫期撤单)."""
        if not self.is_open:
            return
        self._record(self.Withdrawn, ctx, reason=reason, rule_id="OC-06")
