"""SC-01 planner score (保险规划师接收客户资源得分): a pure function with its breakdown.

Seed S2 (客户资源管理办法): a planner's score out of 100 is the sum of five parts,
each from *last month's* (上月度) figures:

============================  =====  ==========================================
part                          max    table (rates round **down** to the step)
============================  =====  ==========================================
职级 rank                      40     管理 高级/中级/初级/准初级 = 40/36/32/28;
                                     销售 资深/高级/中级/初级/见习 = 34/30/26/22/18;
                                     0 from the 2nd month of an extended probation
个人任务（期交）完成率          20     100%→20, 90%→18 … 30%→6, below 30% → 0
参会率 meeting attendance       10     100%→10, 90%→9 … 50%→5, below 50% → 0
工作（管理）日志合格率          20     100%→20, 90%→18 … 50%→10, below 50% → 0
部门灵活调配 discretion         10     given by the department
============================  =====  ==========================================

SC-02 penalties from work-log audits act on the work-log part. Reading of the seed:
"主管打分与实际填写情况30%以上（约6分）" equates 30% with about 6 points, i.e. 30% of
the 20-point work-log part, so "日志评分" is that part: "−6" takes 6 points off it
and "日志评分为0" / "工作日志考核直接为0分" sets it to 0 for the month. The part
never goes below 0.

The tables themselves are configuration (``PlannerScoreParams``); this module only
applies them, so the same inputs always give the same, explainable score.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from domain.agent import Rank
from domain.parameters import PlannerScoreParams, Step
from domain.shared.errors import InvalidInput
from domain.shared.labels import LabelledEnum

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def month_key(raw: str) -> str:
    """A month as ``YYYY-MM`` (考核月 / 分配月)."""
    value = (raw or "").strip()
    if not _MONTH.match(value):
        raise InvalidInput(f"invalid month {raw!r}: use YYYY-MM", f"月份 {raw!r} 无效，应为 YYYY-MM")
    return value


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def previous_month(month: str) -> str:
    """The month before ``month`` (上月度): the score of round M uses month M-1."""
    year, mon = (int(part) for part in month_key(month).split("-"))
    return f"{year - 1:04d}-12" if mon == 1 else f"{year:04d}-{mon - 1:02d}"


def next_quarter_months(month: str) -> list[str]:
    """The three months of the calendar quarter after the one containing ``month``."""
    year, mon = (int(part) for part in month_key(month).split("-"))
    first = ((mon - 1) // 3 + 1) * 3 + 1  # first month of the next quarter (may be 13)
    if first > 12:
        year, first = year + 1, 1
    return [f"{year:04d}-{first + i:02d}" for i in range(3)]


@dataclass(frozen=True)
class PlannerMonthlyInputs:
    """上月度考核数据 A planner's SC-01 inputs for one performance month.

    Rates are fractions (0.85 = 85%). ``extended_probation_month`` is 0 outside an
    extended probation (见习延长考核期), else the month number inside it (1, 2, …).
    """

    month: str
    rank: Rank
    premium_task_rate: Decimal
    attendance_rate: Decimal
    work_log_pass_rate: Decimal
    discretion_points: int
    extended_probation_month: int = 0


class PenaltyRole(LabelledEnum):
    """Whose work-log score an SC-02 penalty hits (日志所属人 / 直接主管 / 大主管)."""

    OWNER = "日志所属人", "log owner"
    SUPERVISOR = "直接主管", "direct supervisor"
    SENIOR = "大主管", "senior supervisor"


@dataclass(frozen=True)
class WorkLogPenalty:
    """SC-02 扣分: points off (or zeroing of) one planner's work-log part for a month."""

    month: str
    log_date: date
    role: str
    deduction: int
    zeroed: bool
    rule_id: str
    reason: str
    reference: str


@dataclass(frozen=True)
class ScoreBreakdown:
    """得分明细 Every part of an SC-01 score with the input and the step it rounded to.

    ``*_step`` is the table step the rate rounded down to (None: below the lowest
    step). Stored on every allocation decision so an auditor can replay it (SC-03).
    """

    month: str
    rank: str
    rank_points: int
    rank_zeroed_by_probation: bool
    premium_task_rate: Decimal
    premium_task_step: Decimal | None
    premium_task_points: int
    attendance_rate: Decimal
    attendance_step: Decimal | None
    attendance_points: int
    work_log_pass_rate: Decimal
    work_log_step: Decimal | None
    work_log_step_points: int
    work_log_deductions: int
    work_log_zeroed: bool
    work_log_points: int
    discretion_points: int
    total: int
    rule_ids: list[str]


def step_points(rate: Decimal, steps: tuple[Step, ...]) -> tuple[Decimal | None, int]:
    """SC-01: the highest step at or below ``rate`` and its points (rates round down).

    85% with steps 90%/80%/… earns the 80% step; a rate below the lowest step earns 0;
    a rate above 100% (task over-fulfilled) earns the top step.
    """
    for step in sorted(steps, key=lambda s: s.at_least, reverse=True):
        if rate >= step.at_least:
            return step.at_least, step.points
    return None, 0


def rank_points(rank: Rank, extended_probation_month: int, params: PlannerScoreParams) -> int:
    """SC-01 rank part; 0 from the configured month of an extended probation on."""
    points = params.rank_points.get(rank.key)
    if points is None:
        raise InvalidInput(
            f"no SC-01 points configured for rank {rank.key}",
            f"职级 {rank.key} 未配置 SC-01 分值",
        )
    if extended_probation_month >= params.extended_probation_zero_from_month:
        return 0
    return points


def validate_inputs(inputs: PlannerMonthlyInputs, params: PlannerScoreParams) -> None:
    """Inputs that cannot be real figures are refused before they are recorded."""
    month_key(inputs.month)
    rank_points(inputs.rank, 0, params)  # the rank must be in the table
    for name, rate, upper in (
        ("premium task completion 期交完成率", inputs.premium_task_rate, Decimal(10)),
        ("attendance 参会率", inputs.attendance_rate, Decimal(1)),
        ("work-log pass rate 日志合格率", inputs.work_log_pass_rate, Decimal(1)),
    ):
        if not rate.is_finite() or not Decimal(0) <= rate <= upper:
            raise InvalidInput(
                f"{name} must be between 0 and {upper:%}, got {rate}",
                f"{name} 应在 0 到 {upper:%} 之间，实际为 {rate}",
            )
    if not 0 <= inputs.discretion_points <= params.discretion_max:
        raise InvalidInput(
            f"department discretion must be 0..{params.discretion_max}, got {inputs.discretion_points}",
            f"部门灵活调配分应为 0..{params.discretion_max}，实际为 {inputs.discretion_points}",
        )
    if inputs.extended_probation_month < 0:
        raise InvalidInput("extended probation month must be >= 0", "见习延长考核月数不能为负")


def planner_score(
    inputs: PlannerMonthlyInputs,
    penalties: list[WorkLogPenalty],
    params: PlannerScoreParams,
) -> ScoreBreakdown:
    """SC-01 score (0..100 with the seed's tables) of one planner for one month.

    ``penalties`` are the SC-02 penalties of the same month (others are ignored).
    """
    rank_pts = rank_points(inputs.rank, inputs.extended_probation_month, params)
    premium_step, premium_pts = step_points(inputs.premium_task_rate, params.premium_task_steps)
    attendance_step, attendance_pts = step_points(inputs.attendance_rate, params.attendance_steps)
    log_step, log_step_pts = step_points(inputs.work_log_pass_rate, params.work_log_steps)
    month_penalties = [p for p in penalties if p.month == inputs.month]
    deductions = sum(p.deduction for p in month_penalties)
    zeroed = any(p.zeroed for p in month_penalties)
    log_pts = 0 if zeroed else max(0, log_step_pts - deductions)  # SC-02
    # Scores are computed on read with today's parameters: discretion recorded under a
    # higher maximum counts up to today's (never negative: refused when recorded).
    discretion = min(inputs.discretion_points, params.discretion_max)
    rule_ids = ["SC-01", "SC-02"] if month_penalties else ["SC-01"]
    return ScoreBreakdown(
        month=inputs.month,
        rank=inputs.rank.key,
        rank_points=rank_pts,
        rank_zeroed_by_probation=rank_pts == 0
        and inputs.extended_probation_month >= params.extended_probation_zero_from_month,
        premium_task_rate=inputs.premium_task_rate,
        premium_task_step=premium_step,
        premium_task_points=premium_pts,
        attendance_rate=inputs.attendance_rate,
        attendance_step=attendance_step,
        attendance_points=attendance_pts,
        work_log_pass_rate=inputs.work_log_pass_rate,
        work_log_step=log_step,
        work_log_step_points=log_step_pts,
        work_log_deductions=deductions,
        work_log_zeroed=zeroed,
        work_log_points=log_pts,
        discretion_points=discretion,
        total=rank_pts + premium_pts + attendance_pts + log_pts + discretion,
        rule_ids=rule_ids,
    )
