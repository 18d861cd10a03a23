"""ClaimCase aggregate (理赔案件), SL-03 and its care callbacks SL-04 (docs/service-standards.md).

Reported → dispatched (contact ≤ 5 min SL-03a, on site ≤ 30/90 min or an agreed time
SL-03b) → 定损 plan settled (SL-03d) → assessed → documents complete (SL-03e) → approved →
paid and closed (SL-03h). Care callbacks: 30 minutes after a scene report (SL-04a) and
14–20 days after closure (SL-04b), 3 attempts then 无法联系客户 (SL-04c).

Every deadline is fixed in the event that starts the clock, with the table row it used;
exclusions (SL-03c, SL-03g) are events naming the reason, never silent.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from domain.claim.care import closure_care_window, incident_care_window, is_night
from domain.claim.vocabulary import (
    UNREACHABLE,
    ApprovalExclusion,
    Area,
    ClaimLine,
    ClaimStep,
    CustomerTier,
    SiteExclusion,
)
from domain.parameters import CallbackParams
from domain.service_standard.clock import band_for, working_deadline
from domain.service_standard.parameters import ServiceStandardParams
from domain.shared.aggregate import Context, TrailAggregate
from domain.shared.calendar import WorkingDayCalendar
from domain.shared.errors import InvalidInput, RuleViolation
from domain.shared.labels import LabelledEnum
from domain.shared.time import business_date, require_aware
from domain.work_order.status import obligation_status
from domain.work_order.types import ObligationStatus

#: lines whose scene reports and closures get care callbacks (S4 (七)(八): 车险)
CARE_LINES = frozenset({ClaimLine.MOTOR.value})


def _choice(enum: type[LabelledEnum], value: str, what: str) -> str:
    try:
        return enum(value).value
    except ValueError:
        raise InvalidInput(
            f"unknown {what} {value!r}; one of {', '.join(enum)}", f"未知{what} {value!r}"
        ) from None


def _reason(value: str, what: str = "reason 原因") -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(f"{what} is required", f"{what} 必填")
    return value[:1000]


class ClaimCase(TrailAggregate):
    """理赔案件. Id = uuid5 of the claim number (报案号)."""

    id_kind = "claim"

    def __init__(self) -> None:
        pass

    class Reported(TrailAggregate.Created):
        """报案 Claim reported; a 车险 scene report starts the incident care callback (SL-04a)."""

        class_version = 1
        claim_no: str
        line: str
        area: str
        tier: str
        branch: str
        policy_number: str
        customer: str
        scene_report: bool
        incident_care_from: datetime | None
        incident_care_due_at: datetime | None
        rule_ids: list[str]

        def apply(self, c: ClaimCase) -> None:
            c.claim_no = self.claim_no
            c.line = self.line
            c.area = self.area
            c.tier = self.tier
            c.branch = self.branch
            c.policy_number = self.policy_number
            c.reported_at = self.occurred_at
            c.handler_id = ""
            c.dispatched_at = None
            c.due = {}
            c.opens = {}
            c.done = {}
            c.excluded = {}
            c.attempts = {}
            c.closed_on = None
            if self.incident_care_due_at is not None:
                c.due[ClaimStep.INCIDENT_CARE.value] = self.incident_care_due_at
                c.opens[ClaimStep.INCIDENT_CARE.value] = self.incident_care_from

    class Dispatched(TrailAggregate.Event):
        """派工 Dispatched to a surveyor: contact and on-site clocks start (SL-03a, SL-03b)."""

        class_version = 1
        handler_id: str
        area: str
        contact_minutes: int
        contact_due_at: datetime
        onsite_minutes: int | None
        onsite_due_at: datetime | None
        rule_ids: list[str]

        def apply(self, c: ClaimCase) -> None:
            c.handler_id = self.handler_id
            c.dispatched_at = self.occurred_at
            c.due[ClaimStep.CONTACT.value] = self.contact_due_at
            if self.onsite_due_at is not None:
                c.due[ClaimStep.ON_SITE.value] = self.onsite_due_at

    class ArrivalAgreed(TrailAggregate.Event):
        """约定到达时间 An agreed arrival time with the reason replaces the deadline (SL-03b)."""

        class_version = 1
        agreed_at: datetime
        reason: str
        previous_due_at: datetime | None
        rule_id: str

        def apply(self, c: ClaimCase) -> None:
            c.due[ClaimStep.ON_SITE.value] = self.agreed_at

    class StepDone(TrailAggregate.Event):
        """环节完成 A timed step done (contact, on site, 定损, 核赔), on time or late (SL-03a/b/d/e)."""

        class_version = 1
        step: str
        due_at: datetime | None
        on_time: bool | None
        started_at: datetime | None
        rule_id: str

        def apply(self, c: ClaimCase) -> None:
            c.done[self.step] = self.occurred_at

    class StepExcluded(TrailAggregate.Event):
        """除外 An exclusion stops a step's clock, with the reason (SL-03c, SL-03g)."""

        class_version = 1
        step: str
        reason: str
        due_at: datetime | None
        note: str
        rule_id: str

        def apply(self, c: ClaimCase) -> None:
            c.excluded[self.step] = self.reason

    class AssessmentPlanSettled(TrailAggregate.Event):
        """定损方案确定 The 定损 clock starts: working days by loss band and tier (SL-03d)."""

        class_version = 1
        line: str
        tier: str
        estimated_loss: Decimal
        band: str
        days: Decimal | None
        negotiated_reason: str
        due_at: datetime
        rule_ids: list[str]

        def apply(self, c: ClaimCase) -> None:
            c.due[ClaimStep.ASSESSMENT.value] = self.due_at
            c.excluded.pop(ClaimStep.ASSESSMENT.value, None)

    class DocumentsCompleted(TrailAggregate.Event):
        """索赔资料齐全 The 核赔 clock starts (or restarts after a stop) by band and tier (SL-03e/g)."""

        class_version = 1
        line: str
        tier: str
        claim_amount: Decimal
        band: str
        days: Decimal
        due_at: datetime
        restarted: bool
        rule_ids: list[str]

        def apply(self, c: ClaimCase) -> None:
            c.due[ClaimStep.APPROVAL.value] = self.due_at
            c.excluded.pop(ClaimStep.APPROVAL.value, None)

    class DifficultCaseAgreed(TrailAggregate.Event):
        """疑难案件 A negotiated 核赔 date with the reason replaces the table's (SL-03g)."""

        class_version = 1
        agreed_due_at: datetime
        reason: str
        previous_due_at: datetime
        rule_id: str

        def apply(self, c: ClaimCase) -> None:
            c.due[ClaimStep.APPROVAL.value] = self.agreed_due_at

    class Closed(TrailAggregate.Event):
        """赔款支付结案 Paid and closed; the closure care callback is scheduled (SL-03h, SL-04b)."""

        class_version = 1
        amount_paid: Decimal
        closed_on: date
        care_from: datetime | None
        care_due_at: datetime | None
        rule_ids: list[str]

        def apply(self, c: ClaimCase) -> None:
            c.closed_on = self.closed_on
            if self.care_due_at is not None:
                c.due[ClaimStep.CLOSURE_CARE.value] = self.care_due_at
                c.opens[ClaimStep.CLOSURE_CARE.value] = self.care_from

    class CareCallAttempted(TrailAggregate.Event):
        """关怀回访呼出 A care-callback attempt; the third failure closes it 无法联系客户 (SL-04)."""

        class_version = 1
        step: str
        attempt_no: int
        reached: bool
        recording_ref: str
        window: str | None
        due_at: datetime
        on_time: bool
        unreachable: bool
        attempts_per_cycle: int
        rule_ids: list[str]

        def apply(self, c: ClaimCase) -> None:
            c.attempts[self.step] = self.attempt_no
            if self.reached:
                c.done[self.step] = self.occurred_at
            elif self.unreachable:
                c.done[self.step] = self.occurred_at
                c.excluded[self.step] = UNREACHABLE

    # ----- commands ------------------------------------------------------------------------
    @classmethod
    def report(
        cls,
        *,
        claim_no: str,
        line: str,
        area: str,
        tier: str,
        branch: str,
        policy_number: str,
        customer: str,
        scene_report: bool,
        params: ServiceStandardParams,
        ctx: Context,
    ) -> ClaimCase:
        claim_no = (claim_no or "").strip()
        if not claim_no or len(claim_no) > 64:
            raise InvalidInput("claim number 报案号 is required (≤ 64 characters)", "报案号必填（≤64 字）")
        line = _choice(ClaimLine, line, "line 险种")
        care = scene_report and line in CARE_LINES
        start, due = incident_care_window(ctx.occurred_at, params)
        return cls._start(
            cls.Reported,
            ctx,
            id=cls.id_for(claim_no),
            claim_no=claim_no,
            line=line,
            area=_choice(Area, area, "area 区域"),
            tier=_choice(CustomerTier, tier, "tier 客户类别"),
            branch=_reason(branch, "branch 机构")[:100],
            policy_number=(policy_number or "").strip()[:64],
            customer=_reason(customer, "customer 客户")[:200],
            scene_report=scene_report,
            incident_care_from=start if care else None,
            incident_care_due_at=due if care else None,
            rule_ids=["SL-04a"] if care else [],
        )

    def _open(self) -> None:
        if self.closed_on is not None:
            raise InvalidInput(f"claim {self.claim_no} is closed", f"案件 {self.claim_no} 已结案")

    def _not_before(self, moment: datetime | None, what: str, ctx: Context) -> None:
        if moment is not None and ctx.occurred_at < moment:
            raise InvalidInput(f"the time is before {what}", f"时间早于{what}")

    def dispatch(self, handler_id: str, params: ServiceStandardParams, ctx: Context) -> None:
        """SL-03a/b: contact within 5 minutes; on site within 30 (市内) / 90 (市郊) minutes.

        财产险 arrives at the agreed time (S4 (一)): no minute deadline, agree one."""
        self._open()
        self._not_before(self.reported_at, "the report 报案时间", ctx)
        if self.dispatched_at is not None:
            raise InvalidInput("the claim is already dispatched", "案件已派工")
        onsite = None if self.line == ClaimLine.PROPERTY else params.claim_onsite_minutes[self.area]
        self._record(
            self.Dispatched,
            ctx,
            handler_id=_reason(handler_id, "handler 查勘人员")[:100],
            area=self.area,
            contact_minutes=params.claim_contact_minutes,
            contact_due_at=ctx.occurred_at + timedelta(minutes=params.claim_contact_minutes),
            onsite_minutes=onsite,
            onsite_due_at=None if onsite is None else ctx.occurred_at + timedelta(minutes=onsite),
            rule_ids=["SL-03a", "SL-03b"],
        )

    def _dispatched(self) -> None:
        if self.dispatched_at is None:
            raise RuleViolation("SL-03a", "dispatch the claim first", "请先派工")

    def agree_arrival(self, agreed_at: datetime, reason: str, ctx: Context) -> None:
        """SL-03b: an agreed arrival time, agreed before the deadline it replaces."""
        self._open()
        self._dispatched()
        require_aware(agreed_at, "agreed_at")
        step = ClaimStep.ON_SITE.value
        if step in self.done:
            raise InvalidInput("the surveyor is already on site", "查勘人员已到达现场")
        previous = self.due.get(step)
        if previous is not None and ctx.occurred_at > previous:
            raise RuleViolation(
                "SL-03b",
                "an arrival time must be agreed before the on-site deadline passes",
                "须在到达时限届满前与客户约定到达时间",
                due_at=previous.isoformat(),
            )
        if agreed_at <= ctx.occurred_at:
            raise InvalidInput("the agreed arrival time must be in the future", "约定到达时间须晚于约定时刻")
        self._record(
            self.ArrivalAgreed,
            ctx,
            agreed_at=agreed_at,
            reason=_reason(reason),
            previous_due_at=previous,
            rule_id="SL-03b",
        )

    def _finish(self, step: ClaimStep, rule_id: str, started_at: datetime | None, ctx: Context) -> None:
        if step.value in self.done:
            raise InvalidInput(f"{step.en} is already recorded", f"{step.zh}已记录")
        self._not_before(started_at, "the start of the step 环节开始时间", ctx)
        due = self.due.get(step.value)
        self._record(
            self.StepDone,
            ctx,
            step=step.value,
            due_at=due,
            on_time=None if due is None or step.value in self.excluded else ctx.occurred_at <= due,
            started_at=started_at,
            rule_id=rule_id,
        )

    def contact_customer(self, ctx: Context) -> None:
        """SL-03a: on time when at most 5 minutes after dispatch (to the second)."""
        self._open()
        self._dispatched()
        self._finish(ClaimStep.CONTACT, "SL-03a", self.dispatched_at, ctx)

    def arrive_on_site(self, ctx: Context) -> None:
        """SL-03b: on time when by the minute deadline or the agreed time."""
        self._open()
        self._dispatched()
        if ClaimStep.ON_SITE.value not in self.due:
            raise RuleViolation(
                "SL-03b",
                "财产险 arrives at a time agreed with the customer: agree the arrival time first",
                "财产险须按与客户约定的时间到达现场，请先约定到达时间",
            )
        self._finish(ClaimStep.ON_SITE, "SL-03b", self.dispatched_at, ctx)

    def exclude(self, step: str, reason: str, note: str, ctx: Context) -> None:
        """SL-03c (contact / on site: 通讯中断, 交通环境, 地理位置) and SL-03g (核赔: 非正常案件)."""
        self._open()
        step = _choice(ClaimStep, step, "step 环节")
        if step in (ClaimStep.CONTACT, ClaimStep.ON_SITE):
            reason, rule_id = _choice(SiteExclusion, reason, "exclusion 除外原因"), "SL-03c"
        elif step == ClaimStep.APPROVAL:
            reason, rule_id = _choice(ApprovalExclusion, reason, "exclusion 除外原因"), "SL-03g"
        else:
            raise InvalidInput(f"{ClaimStep(step).en} has no exclusions in S4", f"{step}没有服务除外条件")
        if step not in self.due:
            raise InvalidInput(f"the clock of {ClaimStep(step).en} has not started", f"{step}时效尚未开始")
        if step in self.done or step in self.excluded:
            raise InvalidInput(f"{ClaimStep(step).en} is already done or excluded", f"{step}已完成或已除外")
        self._record(
            self.StepExcluded,
            ctx,
            step=step,
            reason=reason,
            due_at=self.due.get(step),
            note=(note or "").strip()[:1000],
            rule_id=rule_id,
        )

    def settle_assessment_plan(
        self,
        estimated_loss: Decimal,
        agreed_due_at: datetime | None,
        reason: str,
        params: ServiceStandardParams,
        calendar: WorkingDayCalendar,
        ctx: Context,
    ) -> None:
        """SL-03d: 定损 deadline in working days from the table, or negotiated (协商) with a reason."""
        self._open()
        self._dispatched()
        if ClaimStep.ASSESSMENT.value in self.due:
            raise InvalidInput("the assessment plan is already settled", "定损方案已确定")
        table = params.claim_assessment_days.get(self.line, {}).get(self.tier)
        choice = band_for(table, estimated_loss) if table else None
        if choice is not None and choice.days is not None:
            due = working_deadline(business_date(ctx.occurred_at), choice.days, calendar)
            band, days, negotiated = choice.label, choice.days, ""
        else:
            if agreed_due_at is None or not (reason or "").strip():
                raise RuleViolation(
                    "SL-03d",
                    f"no 定损 deadline in the table for {self.line}/{self.tier} and {estimated_loss} yuan "
                    "(协商): give the date agreed with the customer and the reason",
                    f"{self.line}/{self.tier} 估损 {estimated_loss} 元的定损时效为协商："
                    "请填写与客户约定的日期及原因",
                )
            require_aware(agreed_due_at, "agreed_due_at")
            band = choice.label if choice else "无时效表"
            due, days, negotiated = agreed_due_at, None, _reason(reason)
        self._record(
            self.AssessmentPlanSettled,
            ctx,
            line=self.line,
            tier=self.tier,
            estimated_loss=estimated_loss,
            band=band,
            days=days,
            negotiated_reason=negotiated,
            due_at=due,
            rule_ids=["SL-03d", "SL-03f"],
        )

    def assess_loss(self, ctx: Context) -> None:
        self._open()
        if ClaimStep.ASSESSMENT.value not in self.due:
            raise RuleViolation("SL-03d", "settle the assessment plan first", "请先确定定损方案")
        self._finish(ClaimStep.ASSESSMENT, "SL-03d", None, ctx)

    def complete_documents(
        self,
        claim_amount: Decimal,
        params: ServiceStandardParams,
        calendar: WorkingDayCalendar,
        ctx: Context,
    ) -> None:
        """SL-03e: 核赔 clock from the day the documents are complete; SL-03g: a restart after a stop."""
        self._open()
        step = ClaimStep.APPROVAL.value
        restarted = step in self.excluded
        if step in self.due and not restarted:
            raise InvalidInput("the claim documents are already complete", "索赔资料已齐全")
        if step in self.done:
            raise InvalidInput("the claim is already approved", "案件已核赔")
        table = params.claim_approval_days[self.line][self.tier]
        choice = band_for(table, claim_amount)
        if choice.days is None:  # a configured 协商 band: needs DifficultCaseAgreed instead
            raise RuleViolation(
                "SL-03e", "this band's 核赔 deadline is negotiated: agree a date", "该档核赔时效为协商"
            )
        self._record(
            self.DocumentsCompleted,
            ctx,
            line=self.line,
            tier=self.tier,
            claim_amount=claim_amount,
            band=choice.label,
            days=choice.days,
            due_at=working_deadline(business_date(ctx.occurred_at), choice.days, calendar),
            restarted=restarted,
            rule_ids=["SL-03e", "SL-03f"] + (["SL-03g"] if restarted else []),
        )

    def agree_difficult_case(self, agreed_due_at: datetime, reason: str, ctx: Context) -> None:
        """SL-03g: 疑难案件 — a 核赔 date negotiated with the customer replaces the table's."""
        self._open()
        step = ClaimStep.APPROVAL.value
        if step not in self.due or step in self.done:
            raise InvalidInput("the 核赔 clock is not running", "核赔时效未开始或已完成")
        require_aware(agreed_due_at, "agreed_due_at")
        self._record(
            self.DifficultCaseAgreed,
            ctx,
            agreed_due_at=agreed_due_at,
            reason=_reason(reason),
            previous_due_at=self.due[step],
            rule_id="SL-03g",
        )

    def approve(self, ctx: Context) -> None:
        self._open()
        step = ClaimStep.APPROVAL.value
        if step not in self.due:
            raise RuleViolation("SL-03e", "the claim documents are not complete yet", "索赔资料尚未齐全")
        if step in self.excluded:
            raise RuleViolation(
                "SL-03g",
                f"the 核赔 clock is stopped ({self.excluded[step]}): complete the documents first",
                f"核赔时效已中止（{self.excluded[step]}），请先补齐资料",
            )
        self._finish(ClaimStep.APPROVAL, "SL-03e", None, ctx)

    def close(self, amount_paid: Decimal, params: ServiceStandardParams, ctx: Context) -> None:
        """SL-03h: paid and closed; SL-04b: the closure care callback's extraction week."""
        self._open()
        if ClaimStep.APPROVAL.value not in self.done:
            raise RuleViolation("SL-03h", "a claim is paid after 核赔", "核赔后方可支付结案")
        if amount_paid < 0:
            raise InvalidInput("amount paid must be >= 0", "赔款金额不能为负")
        closed_on = business_date(ctx.occurred_at)
        care = closure_care_window(closed_on, params) if self.line in CARE_LINES else None
        self._record(
            self.Closed,
            ctx,
            amount_paid=amount_paid,
            closed_on=closed_on,
            care_from=care[0] if care else None,
            care_due_at=care[1] if care else None,
            rule_ids=["SL-03h"] + (["SL-04b"] if care else []),
        )

    def attempt_care_call(
        self,
        step: str,
        reached: bool,
        recording_ref: str,
        callback_params: CallbackParams,
        window: str | None,
        ctx: Context,
    ) -> None:
        """SL-04a/b: an attempt inside the callback's period; SL-04c: the 3rd failure gives up.

        ``window`` is the CA-01 window the caller checked (closure care only, SL-04b)."""
        step = _choice(ClaimStep, step, "step 环节")
        if step not in (ClaimStep.INCIDENT_CARE, ClaimStep.CLOSURE_CARE):
            raise InvalidInput(f"{step} is not a care callback", f"{step}不是关怀回访")
        if step not in self.due:
            raise InvalidInput(f"this claim has no {ClaimStep(step).en}", f"该案件没有{step}")
        if step in self.done:
            raise InvalidInput(f"the {ClaimStep(step).en} is already finished", f"{step}已结束")
        rule = "SL-04a" if step == ClaimStep.INCIDENT_CARE else "SL-04b"
        opens = self.opens[step]
        if ctx.occurred_at < opens:
            raise RuleViolation(
                rule,
                f"the {ClaimStep(step).en} starts at {opens.isoformat()}",
                f"{step}应自 {opens.isoformat()} 起呼出",
                opens_at=opens.isoformat(),
            )
        if is_night(ctx.occurred_at):  # SL-04b calls are checked against CA-01 by the caller
            raise RuleViolation(
                "CA-01",
                "no call between 21:00 and 09:00 (REG-05)",
                "21:00 至次日 09:00 禁止呼出",
            )
        attempt = self.attempts.get(step, 0) + 1
        per_cycle = callback_params.attempts_per_cycle
        self._record(
            self.CareCallAttempted,
            ctx,
            step=step,
            attempt_no=attempt,
            reached=reached,
            recording_ref=(recording_ref or "").strip()[:200],
            window=window,
            due_at=self.due[step],
            on_time=ctx.occurred_at <= self.due[step],
            unreachable=not reached and attempt >= per_cycle,
            attempts_per_cycle=per_cycle,
            rule_ids=[rule, "SL-04c"],
        )

    # ----- queries -------------------------------------------------------------------------
    def step_status(self, step: ClaimStep, now: datetime) -> ObligationStatus | str | None:
        """正常/警告/超时/按时完成/逾期完成; the exclusion reason when excluded; None: not started."""
        due = self.due.get(step.value)
        if due is None:
            return None
        if step.value in self.excluded:
            return self.excluded[step.value]
        return obligation_status(due, timedelta(0), now, self.done.get(step.value))
