"""Planner aggregate (保险规划师): SC-01 monthly inputs, SC-02 work-log audits and bars.

Keyed by agent code (the planner is an agent; ``domain/agent.py`` keeps rank, branch
and status, this aggregate keeps what the allocation needs month by month):

- the monthly SC-01 inputs (rank as published, premium task completion, attendance,
  work-log pass rate, department discretion, extended probation);
- SC-02 work-log penalties (from audits of the planner's own logs, or as the
  direct / senior supervisor of someone else's log) and missed logs;
- allocation bars: more than N missed logs in a row (SC-02, permanent: "取消今后所有
  资源配发资格"), a falsified log (SC-02, the next quarter: "不发放下季度客户资料"),
  refusing an assigned service case without cause (PS-03, "取消保险规划师资格").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from domain.parameters import PlannerScoreParams
from domain.planner_score import (
    PenaltyRole,
    PlannerMonthlyInputs,
    ScoreBreakdown,
    WorkLogPenalty,
    month_key,
    month_of,
    next_quarter_months,
    planner_score,
    validate_inputs,
)
from domain.shared.aggregate import Context, TrailAggregate
from domain.shared.errors import AlreadyExists, InvalidInput
from domain.shared.labels import LabelledEnum


@dataclass(frozen=True)
class AllocationBar:
    """不予分配 Why a planner gets no resources: from ``from_month`` to ``until_month``.

    ``until_month`` None means from then on (permanent).
    """

    rule_id: str
    reason: str
    from_month: str
    until_month: str | None
    reference: str

    def covers(self, month: str) -> bool:
        return self.from_month <= month and (self.until_month is None or month <= self.until_month)


class AuditSeverity(LabelledEnum):
    """SC-02 outcome of a log audit: how far the supervisor's mark was off."""

    WITHIN = "相符", "within tolerance"  # off by at most the minor threshold
    MINOR = "偏差30%以上", "off by more than the minor threshold"
    MAJOR = "偏差50%以上", "off by more than the major threshold"


@dataclass(frozen=True)
class WorkLogAuditOutcome:
    """SC-02 judgement of one audited log: deviation and the penalties per role."""

    deviation: Decimal
    severity: str
    penalties: dict[str, WorkLogPenalty]  # role → penalty


def judge_work_log_audit(
    *,
    owner_code: str,
    log_date: date,
    supervisor_mark: Decimal,
    audited_mark: Decimal,
    full_marks: Decimal,
    senior_reviewed_unflagged: bool,
    has_senior: bool,
    params: PlannerScoreParams,
) -> WorkLogAuditOutcome:
    """SC-02: compare the supervisor's mark of a log with the department's audit.

    Deviation = |supervisor's mark − audited mark| / full marks (the seed equates
    30% with "约6分" on a 20-point log). More than the minor threshold (30%): owner
    and direct supervisor −6 each, the senior supervisor −6 if they had reviewed the
    log without flagging it. More than the major threshold (50%): owner and direct
    supervisor 0 for the month's log score, senior −10 under the same condition.
    """
    if full_marks <= 0:
        raise InvalidInput("full marks must be > 0", "日志满分必须大于 0")
    for what, mark in (("supervisor's mark 主管评分", supervisor_mark), ("audited mark", audited_mark)):
        if not Decimal(0) <= mark <= full_marks:
            raise InvalidInput(
                f"{what} must be between 0 and {full_marks}, got {mark}",
                f"{what} 应在 0 到 {full_marks} 之间，实际为 {mark}",
            )
    deviation = abs(supervisor_mark - audited_mark) / full_marks
    month = month_of(log_date)
    reference = f"{owner_code}/{log_date.isoformat()}"
    penalties: dict[str, WorkLogPenalty] = {}

    def penalty(role: str, deduction: int, zeroed: bool, reason: str) -> WorkLogPenalty:
        return WorkLogPenalty(month, log_date, role, deduction, zeroed, "SC-02", reason, reference)

    if deviation > params.log_major_deviation:
        severity = AuditSeverity.MAJOR
        reason = f"主管评分与实际相差 {deviation:.0%} (> {params.log_major_deviation:.0%})"
        penalties[PenaltyRole.OWNER] = penalty(PenaltyRole.OWNER, 0, True, reason)
        penalties[PenaltyRole.SUPERVISOR] = penalty(PenaltyRole.SUPERVISOR, 0, True, reason)
        if has_senior and senior_reviewed_unflagged:
            penalties[PenaltyRole.SENIOR] = penalty(
                PenaltyRole.SENIOR, params.log_senior_major_deduction, False, reason + "，大主管抽查未注明"
            )
    elif deviation > params.log_minor_deviation:
        severity = AuditSeverity.MINOR
        reason = f"主管评分与实际相差 {deviation:.0%} (> {params.log_minor_deviation:.0%})"
        minus = params.log_minor_deduction
        penalties[PenaltyRole.OWNER] = penalty(PenaltyRole.OWNER, minus, False, reason)
        penalties[PenaltyRole.SUPERVISOR] = penalty(PenaltyRole.SUPERVISOR, minus, False, reason)
        if has_senior and senior_reviewed_unflagged:
            penalties[PenaltyRole.SENIOR] = penalty(
                PenaltyRole.SENIOR, minus, False, reason + "，大主管抽查未注明"
            )
    else:
        severity = AuditSeverity.WITHIN
    return WorkLogAuditOutcome(deviation=deviation, severity=severity, penalties=penalties)


class Planner(TrailAggregate):
    """保险规划师. Id = uuid5 of the agent code."""

    id_kind = "planner"

    class Enrolled(TrailAggregate.Created):
        """规划师建档 Planner file opened (SC-01 inputs, SC-02 audits, bars)."""

        class_version = 1
        agent_code: str
        branch: str

        def apply(self, planner: Planner) -> None:
            planner.agent_code = self.agent_code
            planner.branch = self.branch
            planner.inputs = {}
            planner.penalties = []
            planner.audited_logs = set()
            planner.missed_logs = set()
            planner.missed_in_a_row = 0
            planner.bars = []

    class MonthlyInputsRecorded(TrailAggregate.Event):
        """上月度考核数据登记 SC-01 inputs of a month (a later record corrects an earlier one)."""

        class_version = 1
        inputs: PlannerMonthlyInputs
        rule_id: str

        def apply(self, planner: Planner) -> None:
            planner.inputs[self.inputs.month] = self.inputs

    class WorkLogAudited(TrailAggregate.Event):
        """工作日志抽查 SC-02: the planner's own log audited; the outcome and its penalties."""

        class_version = 1
        log_date: date
        supervisor_code: str
        senior_code: str
        supervisor_mark: Decimal
        audited_mark: Decimal
        full_marks: Decimal
        senior_reviewed_unflagged: bool
        deviation: Decimal
        minor_threshold: Decimal
        major_threshold: Decimal
        severity: str
        owner_penalty: WorkLogPenalty | None
        penalties: list[WorkLogPenalty]
        rule_id: str

        def apply(self, planner: Planner) -> None:
            planner.audited_logs.add(self.log_date)
            planner.missed_in_a_row = 0  # the log was produced: the run of misses ends
            if self.owner_penalty is not None:
                planner.penalties.append(self.owner_penalty)

    class WorkLogPenalised(TrailAggregate.Event):
        """日志评分扣分 SC-02: penalty as supervisor / senior of someone else's log."""

        class_version = 1
        penalty: WorkLogPenalty
        rule_id: str

        def apply(self, planner: Planner) -> None:
            planner.penalties.append(self.penalty)

    class WorkLogMissed(TrailAggregate.Event):
        """日志未能提供 SC-02: log not produced by the next day → 0 for the month."""

        class_version = 1
        log_date: date
        penalty: WorkLogPenalty
        missed_in_a_row: int
        rule_id: str

        def apply(self, planner: Planner) -> None:
            planner.missed_logs.add(self.log_date)
            planner.penalties.append(self.penalty)
            planner.missed_in_a_row = self.missed_in_a_row

    class FalsifiedWorkLogRecorded(TrailAggregate.Event):
        """日志弄虚作假 SC-02: a falsified or non-standard log (bar follows)."""

        class_version = 1
        log_date: date
        note: str
        rule_id: str

        def apply(self, planner: Planner) -> None:
            """Recorded fact only: the bar it causes is its own event (AllocationBarred)."""

    class AllocationBarred(TrailAggregate.Event):
        """取消资源配发 No customer resources for the months the bar covers (SC-02/PS-03)."""

        class_version = 1
        bar: AllocationBar
        rule_id: str

        def apply(self, planner: Planner) -> None:
            planner.bars.append(self.bar)

    agent_code: str
    branch: str
    inputs: dict[str, PlannerMonthlyInputs]
    penalties: list[WorkLogPenalty]
    audited_logs: set[date]
    missed_logs: set[date]
    missed_in_a_row: int
    bars: list[AllocationBar]

    def __init__(self) -> None:
        """State comes from the events' ``apply`` (annotations above are for readers)."""

    @classmethod
    def enrol(cls, agent_code: str, branch: str, ctx: Context) -> Planner:
        if not branch.strip():
            raise InvalidInput("planner branch is required", "规划师所属机构必填")
        return cls._start(cls.Enrolled, ctx, id=cls.id_for(agent_code), agent_code=agent_code, branch=branch)

    # ----- queries -----------------------------------------------------------------
    def score_for(self, month: str, params: PlannerScoreParams) -> ScoreBreakdown | None:
        """SC-01 score from the inputs and SC-02 penalties of ``month``; None if no inputs."""
        inputs = self.inputs.get(month_key(month))
        if inputs is None:
            return None
        return planner_score(inputs, self.penalties, params)

    def bars_for(self, month: str) -> list[AllocationBar]:
        return [bar for bar in self.bars if bar.covers(month_key(month))]

    # ----- commands ----------------------------------------------------------------
    def record_monthly_inputs(
        self, inputs: PlannerMonthlyInputs, params: PlannerScoreParams, ctx: Context
    ) -> None:
        """SC-01: the month's figures; a repeat is a no-op, a change a correction."""
        validate_inputs(inputs, params)
        if self.inputs.get(inputs.month) == inputs:
            return
        self._record(self.MonthlyInputsRecorded, ctx, inputs=inputs, rule_id="SC-01")

    def _require_new_log(self, log_date: date) -> None:
        if log_date in self.audited_logs or log_date in self.missed_logs:
            raise AlreadyExists(
                f"the {log_date} work log of {self.agent_code} is already judged",
                f"{self.agent_code} 的 {log_date} 工作日志已有检查结果",
            )

    def record_work_log_audit(
        self,
        *,
        log_date: date,
        supervisor_code: str,
        senior_code: str,
        supervisor_mark: Decimal,
        audited_mark: Decimal,
        full_marks: Decimal,
        senior_reviewed_unflagged: bool,
        params: PlannerScoreParams,
        ctx: Context,
    ) -> WorkLogAuditOutcome:
        """SC-02: this planner's log was audited. Returns the outcome so the supervisors'
        penalties can be recorded on their own planner files in the same unit of work."""
        self._require_new_log(log_date)
        if supervisor_code == self.agent_code or (senior_code and senior_code == self.agent_code):
            raise InvalidInput("the log owner cannot be their own supervisor", "日志所属人不能是其主管")
        outcome = judge_work_log_audit(
            owner_code=self.agent_code,
            log_date=log_date,
            supervisor_mark=supervisor_mark,
            audited_mark=audited_mark,
            full_marks=full_marks,
            senior_reviewed_unflagged=senior_reviewed_unflagged,
            has_senior=bool(senior_code),
            params=params,
        )
        self._record(
            self.WorkLogAudited,
            ctx,
            log_date=log_date,
            supervisor_code=supervisor_code,
            senior_code=senior_code,
            supervisor_mark=supervisor_mark,
            audited_mark=audited_mark,
            full_marks=full_marks,
            senior_reviewed_unflagged=senior_reviewed_unflagged,
            deviation=outcome.deviation,
            minor_threshold=params.log_minor_deviation,
            major_threshold=params.log_major_deviation,
            severity=outcome.severity,
            owner_penalty=outcome.penalties.get(PenaltyRole.OWNER),
            penalties=list(outcome.penalties.values()),
            rule_id="SC-02",
        )
        return outcome

    def take_penalty(self, penalty: WorkLogPenalty, ctx: Context) -> None:
        """SC-02: a penalty as direct or senior supervisor of someone else's log."""
        if penalty.role == PenaltyRole.OWNER:
            raise InvalidInput("an owner's penalty comes with the audit", "日志所属人的扣分随抽查记录")
        if penalty in self.penalties:
            return
        self._record(self.WorkLogPenalised, ctx, penalty=penalty, rule_id="SC-02")

    def record_missed_work_log(self, log_date: date, params: PlannerScoreParams, ctx: Context) -> None:
        """SC-02: log lost or not produced by the day after the check → 0 for the month;
        more than N such misses in a row → no further allocation (permanent)."""
        self._require_new_log(log_date)
        in_a_row = self.missed_in_a_row + 1
        month = month_of(log_date)
        reference = f"{self.agent_code}/{log_date.isoformat()}"
        penalty = WorkLogPenalty(
            month, log_date, PenaltyRole.OWNER, 0, True, "SC-02", "工作日志遗失或次日未能提供", reference
        )
        self._record(
            self.WorkLogMissed,
            ctx,
            log_date=log_date,
            penalty=penalty,
            missed_in_a_row=in_a_row,
            rule_id="SC-02",
        )
        if in_a_row > params.missed_logs_bar_after and not any(
            b.rule_id == "SC-02" and b.until_month is None for b in self.bars
        ):
            self._bar(
                AllocationBar(
                    "SC-02",
                    f"连续 {in_a_row} 次未能提供工作日志（超过 {params.missed_logs_bar_after} 次）"
                    " missed work logs in a row",
                    month,
                    None,
                    reference,
                ),
                ctx,
            )

    def record_falsified_work_log(self, log_date: date, note: str, ctx: Context) -> None:
        """SC-02: a falsified log → no customer resources in the next quarter."""
        months = next_quarter_months(month_of(log_date))
        self._record(self.FalsifiedWorkLogRecorded, ctx, log_date=log_date, note=note, rule_id="SC-02")
        self._bar(
            AllocationBar(
                "SC-02",
                "工作日志弄虚作假，不发放下季度客户资料 falsified work log",
                months[0],
                months[-1],
                f"{self.agent_code}/{log_date.isoformat()}",
            ),
            ctx,
        )

    def disqualify_for_refusal(self, from_month: str, reference: str, ctx: Context) -> None:
        """PS-03: refusing an assigned case without cause cancels the planner's
        qualification (无故拒绝接受保单取消保险规划师资格) → no further allocation."""
        bar = AllocationBar(
            "PS-03",
            "无故拒绝接受保单服务件，取消保险规划师资格 refused an assigned case",
            month_key(from_month),
            None,
            reference,
        )
        if bar not in self.bars:
            self._bar(bar, ctx)

    def _bar(self, bar: AllocationBar, ctx: Context) -> None:
        self._record(self.AllocationBarred, ctx, bar=bar, rule_id=bar.rule_id)
