"""SC-01 inputs and SC-02 work-log audits on the Planner aggregate (pure domain)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from domain.agent import Rank
from domain.parameters import PlannerScoreParams
from domain.planner import AuditSeverity, Planner, judge_work_log_audit
from domain.planner_score import PenaltyRole, PlannerMonthlyInputs
from domain.shared.actor import Actor
from domain.shared.aggregate import Context
from domain.shared.errors import AlreadyExists, InvalidInput
from domain.shared.time import SHANGHAI

PARAMS = PlannerScoreParams()
D = Decimal


def ctx(n: int = 1) -> Context:
    return Context(datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI), Actor("tester", "admin"), f"c{n}")


def judge(supervisor: str, audited: str, *, senior: bool = True, unflagged: bool = True):
    return judge_work_log_audit(
        owner_code="A0001",
        log_date=date(2026, 2, 10),
        supervisor_mark=D(supervisor),
        audited_mark=D(audited),
        full_marks=D(20),
        senior_reviewed_unflagged=unflagged,
        has_senior=senior,
        params=PARAMS,
    )


def inputs(**overrides) -> PlannerMonthlyInputs:
    fields = {
        "month": "2026-02",
        "rank": Rank("销售", "高级"),
        "premium_task_rate": D("0.85"),
        "attendance_rate": D("0.9"),
        "work_log_pass_rate": D("1"),
        "discretion_points": 8,
    }
    fields.update(overrides)
    return PlannerMonthlyInputs(**fields)


def test_sc02_deviation_of_exactly_30_percent_costs_nothing():
    outcome = judge("16", "10")  # 6 of 20 = 30%: not "more than 30%"
    assert outcome.deviation == D("0.3")
    assert outcome.severity == AuditSeverity.WITHIN and outcome.penalties == {}


def test_sc02_over_30_percent_costs_owner_and_supervisor_6_and_an_unflagging_senior_6():
    outcome = judge("17", "10")  # 35%
    assert outcome.severity == AuditSeverity.MINOR
    assert {role: p.deduction for role, p in outcome.penalties.items()} == {
        PenaltyRole.OWNER: 6,
        PenaltyRole.SUPERVISOR: 6,
        PenaltyRole.SENIOR: 6,
    }
    assert all(p.rule_id == "SC-02" and not p.zeroed for p in outcome.penalties.values())


@pytest.mark.parametrize(("senior", "unflagged"), [(True, False), (False, True)])
def test_sc02_senior_is_not_penalised_when_they_flagged_it_or_there_is_none(senior, unflagged):
    outcome = judge("17", "10", senior=senior, unflagged=unflagged)
    assert set(outcome.penalties) == {PenaltyRole.OWNER, PenaltyRole.SUPERVISOR}


def test_sc02_over_50_percent_zeroes_owner_and_supervisor_and_costs_the_senior_10():
    outcome = judge("20", "8")  # 60%
    assert outcome.severity == AuditSeverity.MAJOR
    assert outcome.penalties[PenaltyRole.OWNER].zeroed
    assert outcome.penalties[PenaltyRole.SUPERVISOR].zeroed
    senior = outcome.penalties[PenaltyRole.SENIOR]
    assert senior.deduction == 10 and not senior.zeroed


def test_sc02_marks_outside_the_scale_are_invalid():
    with pytest.raises(InvalidInput):
        judge("21", "10")


def test_sc02_audit_penalty_lowers_the_owners_score_of_that_month():
    planner = Planner.enrol("A0001", "北京分公司", ctx())
    planner.record_monthly_inputs(inputs(), PARAMS, ctx())
    assert planner.score_for("2026-02", PARAMS).work_log_points == 20
    planner.record_work_log_audit(
        log_date=date(2026, 2, 10),
        supervisor_code="S0001",
        senior_code="S0002",
        supervisor_mark=D("17"),
        audited_mark=D("10"),
        full_marks=D(20),
        senior_reviewed_unflagged=True,
        params=PARAMS,
        ctx=ctx(),
    )
    score = planner.score_for("2026-02", PARAMS)
    assert score.work_log_points == 14 and score.work_log_deductions == 6
    audited = planner.collect_events()[-1]
    assert isinstance(audited, Planner.WorkLogAudited)
    assert audited.rule_id == "SC-02" and audited.deviation == D("0.35")
    assert len(audited.penalties) == 3  # the audit names every penalty it causes


def test_sc02_same_log_cannot_be_judged_twice():
    planner = Planner.enrol("A0001", "北京分公司", ctx())
    planner.record_missed_work_log(date(2026, 2, 3), PARAMS, ctx())
    with pytest.raises(AlreadyExists):
        planner.record_missed_work_log(date(2026, 2, 3), PARAMS, ctx())


def test_sc02_missed_log_zeroes_the_month_and_more_than_3_in_a_row_bars_allocation():
    planner = Planner.enrol("A0001", "北京分公司", ctx())
    planner.record_monthly_inputs(inputs(), PARAMS, ctx())
    day = date(2026, 2, 2)
    for i in range(3):
        planner.record_missed_work_log(day + timedelta(days=i), PARAMS, ctx())
    assert planner.score_for("2026-02", PARAMS).work_log_points == 0
    assert planner.missed_in_a_row == 3 and planner.bars == []  # 3 is not "more than 3"
    planner.record_missed_work_log(day + timedelta(days=3), PARAMS, ctx())
    (bar,) = planner.bars
    assert bar.rule_id == "SC-02" and bar.until_month is None  # 今后所有: permanent
    assert planner.bars_for("2026-03") and planner.bars_for("2030-01")
    assert not planner.bars_for("2026-01")


def test_sc02_a_produced_log_ends_the_run_of_misses():
    planner = Planner.enrol("A0001", "北京分公司", ctx())
    for i in range(3):
        planner.record_missed_work_log(date(2026, 2, 2 + i), PARAMS, ctx())
    planner.record_work_log_audit(
        log_date=date(2026, 2, 6),
        supervisor_code="S0001",
        senior_code="",
        supervisor_mark=D("18"),
        audited_mark=D("18"),
        full_marks=D(20),
        senior_reviewed_unflagged=False,
        params=PARAMS,
        ctx=ctx(),
    )
    planner.record_missed_work_log(date(2026, 2, 9), PARAMS, ctx())
    assert planner.missed_in_a_row == 1 and planner.bars == []


def test_sc02_falsified_log_bars_the_next_quarter_only():
    planner = Planner.enrol("A0001", "北京分公司", ctx())
    planner.record_falsified_work_log(date(2026, 2, 10), "虚构拜访记录", ctx())
    (bar,) = planner.bars
    assert (bar.from_month, bar.until_month) == ("2026-04", "2026-06")
    assert not planner.bars_for("2026-03") and planner.bars_for("2026-05")
    assert not planner.bars_for("2026-07")


def test_sc01_monthly_inputs_repeat_is_a_no_op_and_a_change_corrects():
    planner = Planner.enrol("A0001", "北京分公司", ctx())
    planner.record_monthly_inputs(inputs(), PARAMS, ctx())
    planner.record_monthly_inputs(inputs(), PARAMS, ctx())
    assert len(planner.collect_events()) == 2  # enrolled + one record
    planner.record_monthly_inputs(inputs(attendance_rate=D("0.5")), PARAMS, ctx())
    assert planner.score_for("2026-02", PARAMS).attendance_points == 5


@pytest.mark.parametrize(
    "overrides",
    [
        {"attendance_rate": D("1.1")},
        {"work_log_pass_rate": D("-0.1")},
        {"discretion_points": 11},
        {"month": "2026-13"},
        {"extended_probation_month": -1},
    ],
)
def test_sc01_impossible_inputs_are_refused(overrides):
    planner = Planner.enrol("A0001", "北京分公司", ctx())
    with pytest.raises(InvalidInput):
        planner.record_monthly_inputs(inputs(**overrides), PARAMS, ctx())


def test_ps03_refusal_disqualification_bars_from_then_on():
    planner = Planner.enrol("A0001", "北京分公司", ctx())
    planner.disqualify_for_refusal("2026-03", "service case x", ctx())
    planner.disqualify_for_refusal("2026-03", "service case x", ctx())
    (bar,) = planner.bars
    assert bar.rule_id == "PS-03" and planner.bars_for("2026-04")
