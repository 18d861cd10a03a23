"""The demo month run through the application on PostgreSQL: every command accepted, every
scenario ingredient stored, deterministic for a seed, and a second run stores nothing."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

import pytest

from application.app import PolicyTrail
from domain.shared.time import SHANGHAI
from interfaces.demo import DemoConfig, Plan, build_month
from interfaces.demo.runner import run_plan, stored_demos
from interfaces.demo.summary import kpi_summary

CONFIG = DemoConfig(seed=5, policies=40, month="2026-10")
MONTH_END = datetime(2026, 10, 31, 23, 59, 59, tzinfo=SHANGHAI)


@pytest.fixture(scope="module")
def plan() -> Plan:
    from application.adapters.calendar import ChineseWorkingDayCalendar
    from domain.parameters import RuleParameters

    return build_month(CONFIG, RuleParameters(), ChineseWorkingDayCalendar())


def events(app: PolicyTrail) -> list[Any]:
    notifications = app.recorder.select_notifications(1, 1_000_000)
    return [app.mapper.to_domain_event(n) for n in notifications]


def named(event: Any) -> str:
    return type(event).__qualname__


def test_the_month_runs_and_a_second_run_adds_nothing(app, plan):
    report = run_plan(app, plan, workers=4)
    assert (report.executed, report.repeated, report.no_effect) == (len(plan.steps), 0, 0)
    assert stored_demos(app) == {CONFIG.prefix: len(plan.steps)}
    head = app.max_position()
    assert head == report.events

    again = run_plan(app, plan, workers=4)
    assert (again.executed, again.repeated, again.no_effect) == (0, len(plan.steps), 0)
    assert app.max_position() == head

    stored = events(app)
    kinds = Counter(named(e) for e in stored)
    outcomes = [e for e in stored if named(e) == "Callback.OutcomeDecided"]
    work_orders = {e.originator_id: e for e in stored if named(e) == "WorkOrder.Created"}
    closed = {e.originator_id for e in stored if named(e) in ("WorkOrder.Resolved", "WorkOrder.Withdrawn")}
    rules = {r for e in outcomes for r in e.rule_ids}

    assert any(e.late for e in stored if named(e) == "Policy.ReceiptRegistered")  # CB-05
    assert {e.outcome_class for e in outcomes} == {"标准件", "次标准件", "问题件", "核实件"}  # OC-01..04
    assert {"DP-01", "DP-02", "CB-06"} <= rules
    assert kinds["ContactPoint.DuplicateNumberFlagged"] >= 1
    types = Counter(e.work_order_type for e in work_orders.values())
    assert {"核实件", "人工亲访件", "一次沟通解释件", "二次沟通解释件", "销售误导件", "代签字"} <= set(types)
    overdue_open = [w for i, w in work_orders.items() if i not in closed and w.deadline_at < MONTH_END]
    assert overdue_open, "a work order still open past its deadline at month end (PC-03 超时)"
    assert any(not e.on_time for e in stored if named(e) == "WorkOrder.Resolved")  # closed late
    assert kinds["WorkOrder.OverdueStatementFiled"] >= 1  # PC-04
    assert kinds["WorkOrder.Escalated"] >= 1  # PC-01 二次沟通解释件
    assert any(e.approved for e in stored if named(e) == "Callback.SpecialCallbackDecided")  # SP-02
    assert kinds["Callback.Excluded"] >= 1  # 犹豫期撤单
    assert kinds["Callback.CallAbandoned"] >= 1
    assert any(e.version == "B卷" for e in stored if named(e) == "Callback.QuestionnaireStarted")  # QN-02
    assert {e.method for e in outcomes} >= {"电话回访", "上门亲访"}  # CB-04
    assert kinds["Agent.Departed"] == 1
    orphans = [e for e in stored if named(e) == "ServiceCase.Opened" and e.source == "离司人员转移"]
    assert orphans and all(e.previous_agent_departed for e in orphans)  # PS-01
    assert kinds["ServiceCase.ClassChanged"] >= 1  # 困难件 / 失效件
    assert kinds["AllocationRound.Allocated"] == 3 and kinds["AllocationRound.PlannerSkipped"] >= 1
    assert {e.actor.role for e in stored} >= {
        "system",
        "callcentre",
        "branch",
        "manager",
        "agent",
        "servicer",
    }

    rows = kpi_summary(app, MONTH_END)
    total = rows[-1]
    assert total.policies == kinds["Policy.Issued"]
    assert 0 < total.successful <= total.callbacks_due
    assert total.work_orders_overdue >= 1 and total.service_cases >= 3


def test_the_same_seed_stores_the_same_events(app, settings, database, clock, plan):
    run_plan(app, plan, workers=1)
    sequential = [(e.command_id, named(e), e.originator_version) for e in events(app)]
    other = PolicyTrail(
        settings=settings.model_copy(
            update={
                "events_schema": settings.events_schema + "_b",
                "read_schema": settings.read_schema + "_b",
            }
        ),
        database=database,
        clock=clock,
    )
    try:
        run_plan(other, plan, workers=3)
        parallel = [(e.command_id, named(e), e.originator_version) for e in events(other)]
    finally:
        other.close()
        with database.connect(autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{settings.events_schema}_b" CASCADE')
            conn.execute(f'DROP SCHEMA IF EXISTS "{settings.read_schema}_b" CASCADE')
    # Lanes interleave differently on threads; every aggregate's history is the same.
    assert len(parallel) == len(sequential)
    assert sorted(parallel) == sorted(sequential)
    assert [c for c, *_ in sequential] == sorted([c for c, *_ in sequential], key=plan_order(plan))


def plan_order(plan: Plan) -> Any:
    """Sequential runs store the commands in plan order (phase by phase, lane by lane)."""
    position = {}
    for _phase, lanes in plan.phases():
        for lane in lanes:
            for step in lane:
                position[step.command_id] = len(position)
    return position.__getitem__
