"""Customer-resource allocation through the application on PostgreSQL (CR-01, SC-01..03)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from application.allocation import (
    AllocateResources,
    ReallocateResources,
    RegisterCustomerResources,
    ResourceIn,
    round_id,
)
from application.planners import RecordMissedWorkLog, RecordPlannerMonthlyInputs
from domain.allocation import AllocationRound, ResourceClass
from domain.planner import Planner
from domain.planner_score import planner_score
from domain.shared.errors import InvalidInput, NotFound, RuleViolation
from tests import factories

PLANNERS = {  # code → (series, level, premium rate, attendance): scores 16+9+20+5 on top of rank
    "P001": ("管理", "高级", "0.85", "0.9"),  # 40 + 16 + 9 + 20 + 5 = 90
    "P002": ("销售", "资深", "0.85", "0.9"),  # 34 + … = 84
    "P003": ("销售", "高级", "0.85", "0.9"),  # 30 + … = 80
    "P004": ("管理", "中级", "1.0", "1.0"),  # would be 96, but barred (SC-02)
}


def resources(n: int, start: int = 0) -> list[ResourceIn]:
    classes = [c.value for c in ResourceClass]
    return [
        ResourceIn(
            resource_id=f"R{i:04d}",
            resource_class=classes[i % 5],
            policy_number=f"P2025{i:06d}",
            amount=Decimal(1000 + (i * 137) % 9000),
            key_date=date(2026, 3, 17) + timedelta(days=i % 20),
            address_complete=i % 3 != 0,
            phone_complete=i % 4 != 0,
            times_allocated=i % 2,
        )
        for i in range(start, start + n)
    ]


@pytest.fixture
def branch(app, actor):
    for n, (code, (series, level, premium, attendance)) in enumerate(PLANNERS.items(), start=1):
        app.execute(
            factories.register_agent(
                code,
                id_number=f"11010119800101{n:04d}",
                phone=f"139000{n:05d}",
                rank_series=series,
                rank_level=level,
            ),
            actor,
        )
        app.execute(
            RecordPlannerMonthlyInputs(
                agent_code=code,
                month="2026-02",
                premium_task_rate=Decimal(premium),
                attendance_rate=Decimal(attendance),
                work_log_pass_rate=Decimal("1"),
                discretion_points=5,
            ),
            actor,
        )
    for day in range(2, 6):  # P004: four missed logs in a row → no further allocation
        app.execute(RecordMissedWorkLog(agent_code="P004", log_date=date(2026, 2, day)), actor)
    return app


def round_events(app, kind=None) -> list:
    events = list(app.repository.event_store.get(round_id("北京分公司", "2026-03")))
    return [e for e in events if kind is None or isinstance(e, kind)]


def test_cr01_sc01_sc02_sc03_scenario_allocation_is_replayable(branch, actor):
    app = branch
    app.execute(
        RegisterCustomerResources(branch="北京分公司", month="2026-03", resources=resources(100)), actor
    )
    cmd = AllocateResources(
        branch="北京分公司", month="2026-03", planner_codes=list(PLANNERS), command_id="alloc-2026-03"
    )
    result = app.execute(cmd, actor)
    assert app.execute(cmd, actor).duplicate  # idempotent by command id
    assert result.result["skipped"] == ["P004"]

    (skipped,) = round_events(app, AllocationRound.PlannerSkipped)
    assert skipped.planner_code == "P004" and skipped.rule_ids == ["SC-02"]
    (quotas,) = round_events(app, AllocationRound.QuotasComputed)
    assert quotas.planner_order == ["P001", "P002", "P003"]
    assert quotas.scores == {"P001": 90, "P002": 84, "P003": 80}
    # T = 100, H = 3: 满期 10 → 4/3/3, 续期 30 → 10 each, 老客户 50 → 17/17/16, 5 → 2/2/1
    assert quotas.quotas["P001"] == {"满期": 4, "续期": 10, "老客户": 17, "未到期": 2, "其他": 2}
    assert quotas.quotas["P003"] == {"满期": 3, "续期": 10, "老客户": 16, "未到期": 1, "其他": 1}

    assigned = round_events(app, AllocationRound.ResourceAssigned)
    assert len({a.resource_id for a in assigned}) == len(assigned)
    # the auditor's replay: each breakdown follows from the planner's recorded inputs
    params = app.settings.rules.planner_score
    for a in assigned:
        planner = app.get(Planner, Planner.id_for(a.planner_code))
        assert a.breakdown == planner_score(planner.inputs["2026-02"], planner.penalties, params)
        assert a.score == a.breakdown.total and a.rule_ids == ["SC-03", "CR-01"]
    # higher score → better-ranked resources of the same class
    for cls in ResourceClass:
        ranks = [(a.planner_position, a.class_rank) for a in assigned if a.resource_class == cls.value]
        assert [r for _, r in sorted(ranks)] == sorted(r for _, r in ranks)
    maturity = [a for a in assigned if a.resource_class == "满期"]
    assert all(a.days_ahead is not None for a in maturity)

    (closed,) = round_events(app, AllocationRound.Allocated)
    assert closed.assigned_count == len(assigned)
    with pytest.raises(RuleViolation, match="SC-03"):
        app.execute(AllocateResources(branch="北京分公司", month="2026-03", planner_codes=["P001"]), actor)
    with pytest.raises(RuleViolation, match="CR-01"):
        app.execute(
            RegisterCustomerResources(branch="北京分公司", month="2026-03", resources=resources(1, 500)),
            actor,
        )

    again = app.execute(
        ReallocateResources(
            branch="北京分公司", month="2026-03", planner_codes=["P002", "P003"], reason="P001 调岗"
        ),
        actor,
    ).result
    assert again["allocation_no"] == 2 and set(again["per_planner"]) == {"P002", "P003"}
    (voided,) = round_events(app, AllocationRound.AllocationVoided)
    assert voided.voided_count == len(assigned) and voided.rule_id == "SC-03"


def test_sc01_planner_without_last_months_inputs_is_refused(branch, actor):
    app = branch
    app.execute(factories.register_agent("P005", id_number="110101198001019005", phone="13900009005"), actor)
    app.execute(
        RegisterCustomerResources(branch="北京分公司", month="2026-03", resources=resources(10)), actor
    )
    with pytest.raises(RuleViolation) as refused:
        app.execute(
            AllocateResources(branch="北京分公司", month="2026-03", planner_codes=["P001", "P005"]), actor
        )
    assert refused.value.rule_id == "SC-01" and refused.value.details["planners"] == ["P005"]


def test_cr01_round_is_per_branch(branch, actor):
    app = branch
    app.execute(
        factories.register_agent(
            "Q001", id_number="110101198001019006", phone="13900009006", branch="上海分公司"
        ),
        actor,
    )
    app.execute(
        RegisterCustomerResources(branch="北京分公司", month="2026-03", resources=resources(10)), actor
    )
    with pytest.raises(InvalidInput, match="CR-01"):
        app.execute(AllocateResources(branch="北京分公司", month="2026-03", planner_codes=["Q001"]), actor)
    with pytest.raises(NotFound):
        app.execute(AllocateResources(branch="上海分公司", month="2026-03", planner_codes=["Q001"]), actor)
