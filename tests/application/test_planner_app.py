"""Planner monthly inputs and work-log audits through the application (SC-01, SC-02)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from application.agents import RecordAgentDeparture
from application.planners import (
    RecordFalsifiedWorkLog,
    RecordMissedWorkLog,
    RecordPlannerMonthlyInputs,
    RecordWorkLogAudit,
)
from domain.planner import Planner
from domain.shared.errors import AlreadyExists, InvalidInput, NotFound
from tests import factories


def agent(code: str, n: int, series: str = "销售", level: str = "中级"):
    return factories.register_agent(
        code,
        id_number=f"11010119800101{n:04d}",
        phone=f"139000{n:05d}",
        rank_series=series,
        rank_level=level,
    )


def inputs(code: str = "A0001", **overrides) -> RecordPlannerMonthlyInputs:
    fields = {
        "agent_code": code,
        "month": "2026-02",
        "premium_task_rate": Decimal("0.85"),
        "attendance_rate": Decimal("0.45"),
        "work_log_pass_rate": Decimal("1"),
        "discretion_points": 8,
    }
    fields.update(overrides)
    return RecordPlannerMonthlyInputs(**fields)


def test_sc01_monthly_inputs_scored_with_the_agents_rank(app, actor):
    app.execute(agent("A0001", 1, "管理", "高级"), actor)
    result = app.execute(inputs(), actor).result
    assert result["score"] == 40 + 16 + 0 + 20 + 8
    planner = app.get(Planner, Planner.id_for("A0001"))
    assert planner.branch == "北京分公司" and planner.inputs["2026-02"].rank.key == "管理/高级"


def test_sc01_inputs_for_unknown_or_departed_agents_are_refused(app, actor):
    with pytest.raises(NotFound):
        app.execute(inputs("A0404"), actor)
    app.execute(agent("A0001", 1), actor)
    app.execute(RecordAgentDeparture(code="A0001", departed_on=date(2026, 3, 1)), actor)
    with pytest.raises(InvalidInput):
        app.execute(inputs(), actor)


def test_sc02_audit_penalises_owner_supervisor_and_unflagging_senior_in_one_save(app, actor):
    for n, code in enumerate(["A0001", "S0001", "S0002"], start=1):
        app.execute(agent(code, n), actor)
        app.execute(inputs(code), actor)
    result = app.execute(
        RecordWorkLogAudit(
            owner_code="A0001",
            log_date=date(2026, 2, 10),
            supervisor_code="S0001",
            senior_code="S0002",
            supervisor_mark=Decimal("20"),
            audited_mark=Decimal("8"),
            senior_reviewed_unflagged=True,
        ),
        actor,
    )
    assert result.result["penalties"] == {"日志所属人": "0分", "直接主管": "0分", "大主管": 10}
    params = app.settings.rules.planner_score
    scores = {
        code: app.get(Planner, Planner.id_for(code)).score_for("2026-02", params).work_log_points
        for code in ("A0001", "S0001", "S0002")
    }
    assert scores == {"A0001": 0, "S0001": 0, "S0002": 10}
    with pytest.raises(AlreadyExists):
        app.execute(RecordMissedWorkLog(agent_code="A0001", log_date=date(2026, 2, 10)), actor)


def test_sc02_four_missed_logs_in_a_row_bar_further_allocation(app, actor):
    app.execute(agent("A0001", 1), actor)
    for day in (2, 3, 4):
        result = app.execute(RecordMissedWorkLog(agent_code="A0001", log_date=date(2026, 2, day)), actor)
    assert result.result["barred"] == []
    result = app.execute(RecordMissedWorkLog(agent_code="A0001", log_date=date(2026, 2, 5)), actor)
    assert result.result["missed_in_a_row"] == 4 and len(result.result["barred"]) == 1


def test_sc02_falsified_log_bars_next_quarter(app, actor):
    app.execute(agent("A0001", 1), actor)
    result = app.execute(
        RecordFalsifiedWorkLog(agent_code="A0001", log_date=date(2026, 3, 2), note="虚构拜访"), actor
    ).result
    assert (result["barred_from"], result["barred_until"]) == ("2026-04", "2026-06")
