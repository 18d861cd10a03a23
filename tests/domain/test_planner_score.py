"""SC-01 planner score (pure domain): the seed S2 tables row by row, and their properties."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.agent import RANK_LEVELS, Rank
from domain.parameters import PlannerScoreParams
from domain.planner_score import (
    PenaltyRole,
    PlannerMonthlyInputs,
    WorkLogPenalty,
    next_quarter_months,
    planner_score,
    previous_month,
    step_points,
)

PARAMS = PlannerScoreParams()
D = Decimal


def inputs(**overrides) -> PlannerMonthlyInputs:
    fields = {
        "month": "2026-02",
        "rank": Rank("销售", "中级"),
        "premium_task_rate": D("1"),
        "attendance_rate": D("1"),
        "work_log_pass_rate": D("1"),
        "discretion_points": 10,
        "extended_probation_month": 0,
    }
    fields.update(overrides)
    return PlannerMonthlyInputs(**fields)


def penalty(deduction: int = 6, zeroed: bool = False, month: str = "2026-02") -> WorkLogPenalty:
    return WorkLogPenalty(
        month, date(2026, 2, 10), PenaltyRole.OWNER, deduction, zeroed, "SC-02", "test", "A/2026-02-10"
    )


@pytest.mark.parametrize(
    ("series", "level", "points"),
    [
        ("管理", "高级", 40),
        ("管理", "中级", 36),
        ("管理", "初级", 32),
        ("管理", "准初级", 28),
        ("销售", "资深", 34),
        ("销售", "高级", 30),
        ("销售", "中级", 26),
        ("销售", "初级", 22),
        ("销售", "见习", 18),
    ],
)
def test_sc01_rank_points_are_the_seed_table(series, level, points):
    score = planner_score(inputs(rank=Rank(series, level)), [], PARAMS)
    assert score.rank_points == points
    assert score.rank == f"{series}/{level}"


@pytest.mark.parametrize(("probation_month", "points"), [(0, 18), (1, 18), (2, 0), (3, 0)])
def test_sc01_rank_points_zero_from_the_second_month_of_extended_probation(probation_month, points):
    score = planner_score(
        inputs(rank=Rank("销售", "见习"), extended_probation_month=probation_month), [], PARAMS
    )
    assert score.rank_points == points
    assert score.rank_zeroed_by_probation is (points == 0)


@pytest.mark.parametrize(
    ("rate", "points"),
    [
        ("1.00", 20),
        ("0.90", 18),
        ("0.80", 16),
        ("0.85", 16),  # the seed's example: rounds down to the 80% step
        ("0.70", 14),
        ("0.60", 12),
        ("0.50", 10),
        ("0.40", 8),
        ("0.30", 6),
        ("0.29", 0),  # 30%以下 → 0
        ("0", 0),
        ("1.25", 20),  # over-fulfilled: the top step
    ],
)
def test_sc01_premium_task_completion_table_rounds_down(rate, points):
    score = planner_score(inputs(premium_task_rate=D(rate)), [], PARAMS)
    assert score.premium_task_points == points


@pytest.mark.parametrize(
    ("rate", "points"),
    [
        ("1.00", 10),
        ("0.90", 9),
        ("0.80", 8),
        ("0.70", 7),
        ("0.60", 6),
        ("0.50", 5),
        ("0.45", 0),  # the seed's example: 50%以下 → 0
        ("0.999", 9),
    ],
)
def test_sc01_attendance_table_rounds_down(rate, points):
    assert planner_score(inputs(attendance_rate=D(rate)), [], PARAMS).attendance_points == points


@pytest.mark.parametrize(
    ("rate", "points"),
    [
        ("1.00", 20),
        ("0.90", 18),
        ("0.80", 16),
        ("0.70", 14),
        ("0.60", 12),
        ("0.50", 10),
        ("0.49", 0),
        ("0.95", 18),
    ],
)
def test_sc01_work_log_pass_rate_table_rounds_down(rate, points):
    assert planner_score(inputs(work_log_pass_rate=D(rate)), [], PARAMS).work_log_points == points


def test_sc01_total_and_breakdown_of_a_seed_example():
    score = planner_score(
        inputs(
            rank=Rank("管理", "高级"),
            premium_task_rate=D("0.85"),
            attendance_rate=D("0.45"),
            work_log_pass_rate=D("1"),
            discretion_points=8,
        ),
        [],
        PARAMS,
    )
    assert (score.rank_points, score.premium_task_points, score.attendance_points) == (40, 16, 0)
    assert (score.work_log_points, score.discretion_points) == (20, 8)
    assert score.total == 84
    assert score.premium_task_step == D("0.8") and score.attendance_step is None
    assert score.rule_ids == ["SC-01"]


def test_sc01_discretion_recorded_under_a_higher_maximum_counts_up_to_todays():
    """SC-01: the score is computed on read, so a later, lower discretion maximum caps it."""
    lowered = PlannerScoreParams(discretion_max=6)
    score = planner_score(inputs(discretion_points=10), [], lowered)
    assert score.discretion_points == 6
    assert score.total == planner_score(inputs(discretion_points=10), [], PARAMS).total - 4


def test_sc01_maximum_is_100():
    assert planner_score(inputs(rank=Rank("管理", "高级")), [], PARAMS).total == 100


def test_sc02_penalties_act_on_the_work_log_part_of_their_month_only():
    base = inputs(work_log_pass_rate=D("0.9"))  # 18 points
    assert planner_score(base, [penalty(6)], PARAMS).work_log_points == 12
    assert planner_score(base, [penalty(6), penalty(10)], PARAMS).work_log_points == 2
    assert planner_score(base, [penalty(6)] * 4, PARAMS).work_log_points == 0  # never below 0
    zeroed = planner_score(base, [penalty(0, zeroed=True)], PARAMS)
    assert zeroed.work_log_points == 0 and zeroed.work_log_zeroed
    assert zeroed.rule_ids == ["SC-01", "SC-02"]
    other_month = planner_score(base, [penalty(6, month="2026-01")], PARAMS)
    assert other_month.work_log_points == 18 and other_month.work_log_deductions == 0


def test_sc01_step_points_with_no_step_reached():
    assert step_points(D("0.1"), PARAMS.attendance_steps) == (None, 0)


def test_sc01_months_before_and_next_quarter():
    assert previous_month("2026-03") == "2026-02"
    assert previous_month("2026-01") == "2025-12"
    assert next_quarter_months("2026-02") == ["2026-04", "2026-05", "2026-06"]
    assert next_quarter_months("2026-11") == ["2027-01", "2027-02", "2027-03"]


# ----- properties ---------------------------------------------------------------------

RANKS = [Rank(series, level) for series, levels in RANK_LEVELS.items() for level in levels]
rates = st.decimals(min_value=0, max_value=1, places=3)
premium_rates = st.decimals(min_value=0, max_value=2, places=3)


@st.composite
def monthly_inputs(draw) -> PlannerMonthlyInputs:
    return inputs(
        rank=draw(st.sampled_from(RANKS)),
        premium_task_rate=draw(premium_rates),
        attendance_rate=draw(rates),
        work_log_pass_rate=draw(rates),
        discretion_points=draw(st.integers(0, 10)),
        extended_probation_month=draw(st.integers(0, 4)),
    )


penalty_lists = st.lists(st.builds(penalty, st.integers(0, 10), st.booleans()), max_size=4)


@settings(max_examples=150, deadline=None)
@given(monthly_inputs(), penalty_lists)
def test_sc01_score_is_bounded_0_to_100_and_sums_its_parts(value, penalties):
    s = planner_score(value, penalties, PARAMS)
    assert 0 <= s.total <= 100
    assert s.total == (
        s.rank_points + s.premium_task_points + s.attendance_points + s.work_log_points + s.discretion_points
    )
    assert 0 <= s.work_log_points <= 20 and 0 <= s.premium_task_points <= 20
    assert 0 <= s.attendance_points <= 10 and 0 <= s.rank_points <= 40


@settings(max_examples=150, deadline=None)
@given(
    monthly_inputs(),
    penalty_lists,
    st.sampled_from(["premium_task_rate", "attendance_rate", "work_log_pass_rate"]),
    rates,
    rates,
)
def test_sc01_score_is_monotone_in_each_rate(value, penalties, field, a, b):
    lo, hi = sorted((a, b))
    low = planner_score(replace(value, **{field: lo}), penalties, PARAMS)
    high = planner_score(replace(value, **{field: hi}), penalties, PARAMS)
    assert high.total >= low.total


@settings(max_examples=100, deadline=None)
@given(monthly_inputs(), penalty_lists, st.integers(0, 10))
def test_sc01_score_is_monotone_in_discretion(value, penalties, other):
    lo, hi = sorted((value.discretion_points, other))
    low = planner_score(replace(value, discretion_points=lo), penalties, PARAMS)
    high = planner_score(replace(value, discretion_points=hi), penalties, PARAMS)
    assert high.total >= low.total


@settings(max_examples=100, deadline=None)
@given(monthly_inputs(), penalty_lists, st.integers(0, 10), st.booleans())
def test_sc02_a_further_penalty_never_raises_the_score(value, penalties, deduction, zeroed):
    before = planner_score(value, penalties, PARAMS).total
    after = planner_score(value, [*penalties, penalty(deduction, zeroed)], PARAMS).total
    assert after <= before


@settings(max_examples=100, deadline=None)
@given(monthly_inputs(), penalty_lists)
def test_sc01_score_is_monotone_in_rank_within_a_series(value, penalties):
    for series, levels in RANK_LEVELS.items():
        totals = [
            planner_score(replace(value, rank=Rank(series, lv)), penalties, PARAMS).total
            for lv in levels  # highest level first
        ]
        assert totals == sorted(totals, reverse=True)
