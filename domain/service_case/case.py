"""ServiceCase aggregate (保单服务件): one policy handed to a servicer (收展人员).

Decides (seed S0 收展人员保单服务规范, S2 保单服务流程):

- PS-01 the source, and for orphan transfers the previous agent;
- PS-03 assignment, the servicer signing the service list (签收服务清单), the
  customer service card (客户服务卡) within N days of assignment (late → breach and
  no piece-rate allowance), refusal (disqualifying unless justified);
- PS-02 contact attempts by the 6+1 methods; 困难件 only after all seven failed;
- PS-04 the timeliness obligations: difficult-case report (疑难件报告书) before the
  premium due date, survival-benefit notice (生存金返还通知书) before the anniversary;
- PS-05 service items, each with date, content, customer attitude and result;
- PS-06 失效件: the reinstatement-visit result and its quality-control confirmation.

This file holds the events, the state and the opening / receiving / contacting
commands; the PS-04 obligations and PS-05 records are in ``obligation_commands``,
PS-06 in ``lapse_commands`` (mixed into the class), and the pure checks in ``rules``.

Obligations are facts on events: the "…Due" events carry the start (their
``occurred_at``) and ``due_on`` (the last allowed day), the matching "…Filed /
Delivered / Created" events carry the day it was done and ``late``. A timeliness
read model times them without re-deciding anything.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from domain.parameters import ServiceParams
from domain.service_case import rules
from domain.service_case.lapse_commands import ServiceCaseLapse
from domain.service_case.obligation_commands import ServiceCaseObligations
from domain.service_case.vocabulary import (
    CaseStatus,
    ContactMethod,
    ContactParty,
    ServiceClass,
    parse_enum,
)
from domain.shared.aggregate import Context, TrailAggregate, business_id
from domain.shared.errors import AlreadyExists, InvalidInput, RuleViolation
from domain.shared.time import business_date


class ServiceCase(ServiceCaseObligations, ServiceCaseLapse, TrailAggregate):
    """保单服务件. Generated id: uuid5 of what opened it (a command or a policy event)."""

    @staticmethod
    def id_for_origin(origin: str) -> uuid.UUID:
        """Deterministic id of the case opened by ``origin`` (idempotent reactions)."""
        return business_id("service_case", origin)

    # ----- events -------------------------------------------------------------------
    class Opened(TrailAggregate.Created):
        """保单服务件建立 Case opened from a PS-01 source."""

        class_version = 1
        policy_number: str
        branch: str
        source: str
        previous_agent_code: str
        previous_agent_departed: bool | None
        trigger: str
        service_class: str
        premium_due_on: date | None
        rule_id: str

        def apply(self, case: ServiceCase) -> None:
            case.policy_number = self.policy_number
            case.branch = self.branch
            case.source = self.source
            case.previous_agent_code = self.previous_agent_code
            case.service_class = self.service_class
            case.premium_due_on = self.premium_due_on
            case.status = CaseStatus.UNASSIGNED
            case.servicer_code = ""
            case.assigned_on = None
            case.card_due_on = None
            case.card_number = ""
            case.failed_methods = set()
            case.difficult_report_due_on = None
            case.difficult_report_filed_on = None
            case.survival_notices = {}
            case.reinstatement_pending = None
            case.reinstatement_confirmed = False
            case.items_recorded = 0

    class Assigned(TrailAggregate.Event):
        """分配服务人员 Assigned; the service card is due by ``card_due_on`` (PS-03)."""

        class_version = 1
        servicer_code: str
        assigned_on: date
        card_within_days: int
        card_due_on: date
        rule_id: str

        def apply(self, case: ServiceCase) -> None:
            case.status = CaseStatus.ASSIGNED
            case.servicer_code = self.servicer_code
            case.assigned_on = self.assigned_on
            case.card_due_on = self.card_due_on

    class ServiceListSigned(TrailAggregate.Event):
        """签收服务清单 The servicer signed the list; an irregular list forfeits the allowance."""

        class_version = 1
        servicer_code: str
        signed_on: date
        list_complete: bool
        allowance_forfeited: bool
        rule_id: str

        def apply(self, case: ServiceCase) -> None:
            case.status = CaseStatus.IN_SERVICE

    class AssignmentRefused(TrailAggregate.Event):
        """拒绝接收 The servicer refused the case; without cause it is disqualifying (PS-03)."""

        class_version = 1
        servicer_code: str
        reason: str
        justified: bool
        disqualifying: bool
        rule_id: str

        def apply(self, case: ServiceCase) -> None:
            case.status = CaseStatus.UNASSIGNED
            case.servicer_code = ""
            case.assigned_on = None
            case.card_due_on = None

    class ServiceCardCreated(TrailAggregate.Event):
        """建立客户服务卡 Card created; ``late`` is a PS-03 breach (no piece-rate allowance)."""

        class_version = 1
        card_number: str
        created_on: date
        assigned_on: date
        due_on: date
        days_taken: int
        allowed_days: int
        late: bool
        allowance_forfeited: bool
        rule_id: str

        def apply(self, case: ServiceCase) -> None:
            case.card_number = self.card_number

    class ContactAttempted(TrailAggregate.Event):
        """找寻客户 A contact attempt by one of the 6+1 methods and its result (PS-02)."""

        class_version = 1
        method: str
        method_number: int
        party: str
        party_age: int | None
        reached: bool
        attempted_on: date
        note: str
        rule_ids: list[str]

        def apply(self, case: ServiceCase) -> None:
            if self.reached:
                case.failed_methods = set()  # reached: the search starts over next time
            else:
                case.failed_methods.add(self.method)

    class ClassChanged(TrailAggregate.Event):
        """服务件分类变更 PS-02/PS-06. Leaving 困难件 ends its report obligation."""

        class_version = 1
        old_class: str
        new_class: str
        reason: str
        methods_tried: list[str]
        rule_id: str

        def apply(self, case: ServiceCase) -> None:
            case.service_class = self.new_class
            if self.old_class == ServiceClass.DIFFICULT:
                case.difficult_report_due_on = None

    class PremiumDueDateRecorded(TrailAggregate.Event):
        """交费日期 The next premium due date: contacting order and report deadline (PS-04)."""

        class_version = 1
        premium_due_on: date
        rule_id: str

        def apply(self, case: ServiceCase) -> None:
            case.premium_due_on = self.premium_due_on

    class DifficultCaseReportDue(TrailAggregate.Event):
        """疑难件报告书应交 Obligation: report before the premium due date (PS-04).

        ``due_on`` is the last allowed day (the day before ``premium_due_on``); None
        while the premium due date is unknown.
        """

        class_version = 1
        premium_due_on: date | None
        due_on: date | None
        rule_id: str

        def apply(self, case: ServiceCase) -> None:
            case.difficult_report_due_on = self.due_on

    class DifficultCaseReportFiled(TrailAggregate.Event):
        """疑难件报告书递交 Report filed with quality control; ``late`` if after ``due_on``."""

        class_version = 1
        filed_on: date
        premium_due_on: date | None
        due_on: date | None
        late: bool
        rule_id: str

        def apply(self, case: ServiceCase) -> None:
            case.difficult_report_filed_on = self.filed_on

    class SurvivalBenefitNoticeDue(TrailAggregate.Event):
        """生存金返还通知书应送达 Obligation: deliver before the anniversary (PS-04)."""

        class_version = 1
        anniversary_on: date
        due_on: date
        rule_id: str

        def apply(self, case: ServiceCase) -> None:
            case.survival_notices[self.anniversary_on] = None

    class SurvivalBenefitNoticeDelivered(TrailAggregate.Event):
        """生存金返还通知书送达 Delivered; ``late`` if after ``due_on``."""

        class_version = 1
        anniversary_on: date
        due_on: date
        delivered_on: date
        late: bool
        rule_id: str

        def apply(self, case: ServiceCase) -> None:
            case.survival_notices[self.anniversary_on] = self.delivered_on

    class ServiceItemRecorded(TrailAggregate.Event):
        """服务记录 A delivered service item: date, content, attitude, result (PS-05)."""

        class_version = 1
        item: str
        served_on: date
        content: str
        customer_attitude: str
        result: str
        card_number: str
        rule_id: str

        def apply(self, case: ServiceCase) -> None:
            case.items_recorded += 1

    class ReinstatementVisitRecorded(TrailAggregate.Event):
        """失效保单处理结果反馈表 Reinstatement visit result, awaiting QC (PS-06)."""

        class_version = 1
        visited_on: date
        outcome: str
        note: str
        rule_id: str

        def apply(self, case: ServiceCase) -> None:
            case.reinstatement_pending = self.outcome

    class ReinstatementResultReviewed(TrailAggregate.Event):
        """品质管理岗审核 QC confirmed (or sent back) the visit result (PS-06)."""

        class_version = 1
        reviewer: str
        outcome: str
        confirmed: bool
        note: str
        rule_id: str

        def apply(self, case: ServiceCase) -> None:
            case.reinstatement_pending = None
            case.reinstatement_confirmed = self.confirmed

    class Superseded(TrailAggregate.Event):
        """移交他人 The policy moved on (PS-01 transfer); a new case took over."""

        class_version = 1
        new_case_id: uuid.UUID
        new_source: str
        new_servicer_code: str
        rule_id: str

        def apply(self, case: ServiceCase) -> None:
            case.status = CaseStatus.CLOSED

    class Closed(TrailAggregate.Event):
        """服务件关闭 Closed with a reason."""

        class_version = 1
        reason: str

        def apply(self, case: ServiceCase) -> None:
            case.status = CaseStatus.CLOSED

    # ----- state (set by the events above) ----------------------------------------
    policy_number: str
    branch: str
    source: str
    previous_agent_code: str
    service_class: str
    premium_due_on: date | None
    status: CaseStatus
    servicer_code: str
    assigned_on: date | None
    card_due_on: date | None
    card_number: str
    failed_methods: set[str]  # methods tried without success since the last contact
    difficult_report_due_on: date | None
    difficult_report_filed_on: date | None
    survival_notices: dict[date, date | None]  # anniversary → delivered on
    reinstatement_pending: str | None
    reinstatement_confirmed: bool
    items_recorded: int

    def __init__(self) -> None:
        """State comes from the events' ``apply`` (annotations above are for readers)."""

    # ----- opening (PS-01) ---------------------------------------------------------
    @classmethod
    def open(
        cls,
        case_id: uuid.UUID,
        *,
        policy_number: str,
        branch: str,
        source: str,
        previous_agent_code: str,
        previous_agent_departed: bool | None,
        trigger: str,
        policy_lapsed: bool,
        premium_due_on: date | None,
        ctx: Context,
    ) -> ServiceCase:
        """PS-01: a case from a recorded source; orphan transfers name the previous agent.

        ``previous_agent_departed`` is what the Agent record says (None: the agent is
        not registered here). A 离司人员转移 case for an agent known to be still
        active is refused.
        """
        rules.require_source(
            source,
            policy_number=policy_number,
            previous_agent_code=previous_agent_code,
            previous_agent_departed=previous_agent_departed,
            policy_lapsed=policy_lapsed,
        )
        return cls._start(
            cls.Opened,
            ctx,
            id=case_id,
            policy_number=policy_number,
            branch=branch,
            source=source,
            previous_agent_code=previous_agent_code,
            previous_agent_departed=previous_agent_departed,
            trigger=trigger,
            # PS-02/PS-06: a lapsed policy is a 失效件 from the start.
            service_class=ServiceClass.LAPSED if policy_lapsed else ServiceClass.NORMAL,
            premium_due_on=premium_due_on,
            rule_id="PS-01",
        )

    # ----- guards -----------------------------------------------------------------
    def _require_open(self) -> None:
        if self.status == CaseStatus.CLOSED:
            raise InvalidInput(
                f"service case of policy {self.policy_number} is closed",
                f"保单 {self.policy_number} 的服务件已关闭",
            )

    def _require_in_service(self, rule_id: str = "PS-03") -> None:
        self._require_open()
        if self.status != CaseStatus.IN_SERVICE:
            raise RuleViolation(
                rule_id,
                "the case must be assigned and its service list signed first",
                "服务件须先分配并签收服务清单",
                status=self.status,
            )

    def _require_servicer(self, servicer_code: str) -> None:
        if servicer_code != self.servicer_code:
            raise RuleViolation(
                "PS-03",
                f"the case is assigned to {self.servicer_code or 'nobody'}, not {servicer_code}",
                f"服务件分配给 {self.servicer_code or '无人'}，不是 {servicer_code}",
            )

    def _require_since_assignment(self, day: date, what_en: str, what_zh: str, ctx: Context) -> None:
        rules.require_not_after(day, business_date(ctx.occurred_at), what_en, what_zh)
        if self.assigned_on is not None and day < self.assigned_on:
            raise InvalidInput(
                f"{what_en} ({day}) lies before the assignment ({self.assigned_on})",
                f"{what_zh}（{day}）早于分配日期（{self.assigned_on}）",
            )

    # ----- receiving (PS-03) ---------------------------------------------------------
    def assign(self, servicer_code: str, params: ServiceParams, ctx: Context) -> None:
        """PS-03: hand the case to a servicer; the service card is due N days later."""
        self._require_open()
        if self.status != CaseStatus.UNASSIGNED:
            if self.servicer_code == servicer_code:
                return
            raise RuleViolation(
                "PS-03",
                f"the case is already assigned to {self.servicer_code}",
                f"服务件已分配给 {self.servicer_code}",
            )
        assigned_on = business_date(ctx.occurred_at)
        days = params.service_card_within_days
        self._record(
            self.Assigned,
            ctx,
            servicer_code=servicer_code,
            assigned_on=assigned_on,
            card_within_days=days,
            card_due_on=assigned_on + timedelta(days=days),
            rule_id="PS-03",
        )

    def sign_service_list(self, *, servicer_code: str, list_complete: bool, ctx: Context) -> None:
        """PS-03: the assigned servicer signs the list (签收服务清单, with the time).

        An incomplete or untidy list (签收不规范) is recorded and forfeits the
        piece-rate allowance.
        """
        self._require_open()
        if self.status == CaseStatus.IN_SERVICE and servicer_code == self.servicer_code:
            return
        if self.status != CaseStatus.ASSIGNED:
            raise RuleViolation("PS-03", "the case is not assigned", "服务件尚未分配，不能签收")
        self._require_servicer(servicer_code)
        self._record(
            self.ServiceListSigned,
            ctx,
            servicer_code=servicer_code,
            signed_on=business_date(ctx.occurred_at),
            list_complete=list_complete,
            allowance_forfeited=not list_complete,
            rule_id="PS-03",
        )

    def refuse(self, *, servicer_code: str, reason: str, justified: bool, ctx: Context) -> None:
        """PS-03: refusing an assigned case is recorded; without cause it disqualifies
        (无故拒绝接受保单取消保险规划师资格). The case goes back to unassigned."""
        self._require_open()
        if self.status == CaseStatus.IN_SERVICE:
            raise RuleViolation(
                "PS-03",
                "the service list is signed; the case was accepted",
                "服务清单已签收，不能再拒绝",
            )
        if self.status != CaseStatus.ASSIGNED:
            raise RuleViolation("PS-03", "the case is not assigned", "服务件尚未分配")
        self._require_servicer(servicer_code)
        if justified and not reason.strip():
            raise InvalidInput("a justified refusal needs its reason", "有理由拒绝须写明理由")
        self._record(
            self.AssignmentRefused,
            ctx,
            servicer_code=servicer_code,
            reason=reason.strip(),
            justified=justified,
            disqualifying=not justified,
            rule_id="PS-03",
        )

    def create_service_card(self, card_number: str, created_on: date, ctx: Context) -> None:
        """PS-03: the customer service card, due within N days of assignment; a late
        card is recorded as a breach (no piece-rate allowance), not refused."""
        self.require_existed_at("created_on", created_on)  # RC-01b
        self._require_in_service()
        card_number = card_number.strip()
        if not card_number:
            raise InvalidInput("card number is required", "客户服务卡编号必填")
        if self.card_number:
            if self.card_number == card_number:
                return
            raise AlreadyExists(
                f"the case already has service card {self.card_number}",
                f"服务件已建客户服务卡 {self.card_number}",
            )
        self._require_since_assignment(created_on, "card creation", "建卡日期", ctx)
        assert self.assigned_on is not None and self.card_due_on is not None
        late = created_on > self.card_due_on
        self._record(
            self.ServiceCardCreated,
            ctx,
            card_number=card_number,
            created_on=created_on,
            assigned_on=self.assigned_on,
            due_on=self.card_due_on,
            days_taken=(created_on - self.assigned_on).days,
            allowed_days=(self.card_due_on - self.assigned_on).days,
            late=late,
            allowance_forfeited=late,
            rule_id="PS-03",
        )

    # ----- contacting (PS-02, PS-04) -------------------------------------------------
    def record_contact_attempt(
        self,
        *,
        method: ContactMethod,
        party: str,
        party_birthday: date | None,
        reached: bool,
        attempted_on: date,
        note: str,
        ctx: Context,
    ) -> None:
        """PS-02: an attempt by one of the 6+1 methods; PS-04: only the policyholder or
        an adult insured counts as reaching the customer. Reaching a 困难件's customer
        makes it a 正常件 again."""
        self._require_in_service()
        party = parse_enum(ContactParty, party, "contact party 联系对象", "PS-04")
        self._require_since_assignment(attempted_on, "contact attempt", "联系日期", ctx)
        age = rules.age_on(party_birthday, attempted_on) if party_birthday is not None else None
        rule_ids = rules.contact_rule_ids(party, age, reached)
        self._record(
            self.ContactAttempted,
            ctx,
            method=method.value,
            method_number=method.number,
            party=party,
            party_age=age,
            reached=reached,
            attempted_on=attempted_on,
            note=note,
            rule_ids=rule_ids,
        )
        if reached and self.service_class == ServiceClass.DIFFICULT:
            self._record(
                self.ClassChanged,
                ctx,
                old_class=self.service_class,
                new_class=ServiceClass.NORMAL,
                reason=f"客户已联系上（{method.value}）customer reached",
                methods_tried=[],
                rule_id="PS-02",
            )

    def missing_methods(self) -> list[ContactMethod]:
        """PS-02: the 6+1 methods not yet tried without success since the last contact."""
        return [m for m in ContactMethod if m.value not in self.failed_methods]

    def classify_difficult(self, ctx: Context) -> None:
        """PS-02: 困难件 only when all seven methods were tried without success.

        Then the difficult-case report becomes due before the premium due date (PS-04).
        """
        self._require_in_service("PS-02")
        if self.service_class == ServiceClass.DIFFICULT:
            return
        rules.require_difficult_allowed(self.service_class, self.missing_methods())
        self._record(
            self.ClassChanged,
            ctx,
            old_class=self.service_class,
            new_class=ServiceClass.DIFFICULT,
            reason="6+1 种方式均未能联系到客户 all seven methods failed",
            methods_tried=[m.value for m in ContactMethod],
            rule_id="PS-02",
        )
        self._difficult_report_due(ctx)

    # ----- end of the case ---------------------------------------------------------
    def supersede(
        self, *, new_case_id: uuid.UUID, new_source: str, new_servicer_code: str, ctx: Context
    ) -> None:
        """PS-01: the policy was transferred again; this case ends, the new one takes over."""
        if self.status == CaseStatus.CLOSED:
            return
        self._record(
            self.Superseded,
            ctx,
            new_case_id=new_case_id,
            new_source=new_source,
            new_servicer_code=new_servicer_code,
            rule_id="PS-01",
        )

    def close(self, reason: str, ctx: Context) -> None:
        if self.status == CaseStatus.CLOSED:
            return
        if not reason.strip():
            raise InvalidInput("a reason is required to close a case", "关闭服务件须写明原因")
        self._record(self.Closed, ctx, reason=reason.strip())
