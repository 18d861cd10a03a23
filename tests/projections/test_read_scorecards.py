"""The scorecards read model (考核指标): KP-01..04 on a hand-computed month, PC-07, SC-01."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from application.app import PolicyTrail
from application.claims import DispatchClaim, ExcludeClaimStep, RecordClaimStep, ReportClaim
from application.complaints import (
    AcknowledgeComplaint,
    ClassComplaintComplex,
    DecideComplaint,
    ReceiveComplaint,
)
from application.planners import RecordPlannerMonthlyInputs, RecordWorkLogAudit
from application.policies import RegisterReceipt
from domain.parameters import RuleParameters
from domain.shared.actor import Actor
from projections.scorecards.queries import (
    Rate,
    ScorecardFilters,
    agent_quality_history,
    agent_scorecards,
    branch_scorecards,
    scorecards,
)
from tests import factories
from tests.callback_steps import at, open_callback
from tests.read_model_steps import ACTOR, catch_up, private_app, reading, rebuild_equals_live
from tests.scorecard_month import march_of_agent_a0001, number, person, succeed

PARAMS = RuleParameters()
NOW = at(15, 12)  # every March deadline has passed


@pytest.fixture(scope="module")
def march(database) -> Iterator[PolicyTrail]:
    """The hand-computed month, caught up once for the read-only tests of this module."""
    with private_app(database) as app:
        march_of_agent_a0001(app, ACTOR)
        catch_up(app, "scorecards")
        yield app


def cards(app: PolicyTrail, dimension: str, **filters: Any) -> dict[str, Any]:
    with reading(app) as conn:
        page = scorecards(
            conn,
            app.settings.read_schema,
            dimension=dimension,  # type: ignore[arg-type]
            month_from="2026-03",
            now=NOW,
            filters=ScorecardFilters(**filters),
        )
    return {c.key: c for c in page.items}


def test_hand_computed_month_of_one_agent(march):
    app = march
    with reading(app) as conn:
        (card,) = agent_scorecards(
            conn, app.settings.read_schema, month="2026-03", now=NOW, params=PARAMS, agent_code="A0001"
        ).items
    cb = card.callbacks
    # 10 became due, 1 cancelled within cooling-off leaves: 9 due (OC-06)
    assert (cb.due, cb.excluded, cb.successful, cb.successful_within_cooling_off) == (9, 1, 7, 6)
    assert cb.success_rate == Rate(numerator=7, denominator=9, value=Decimal("0.7778"))  # KP-01
    assert cb.success_rate_within_cooling_off == Rate(numerator=6, denominator=9, value=Decimal("0.6667"))
    assert cb.problem_ratio == Rate(numerator=2, denominator=7, value=Decimal("0.2857"))  # KP-02
    assert (cb.standard, cb.sub_standard, cb.problem, cb.verification, cb.pending) == (4, 1, 2, 2, 0)
    assert cb.standard + cb.sub_standard + cb.problem == cb.successful
    assert cb.successful + cb.verification + cb.pending == cb.due
    assert (cb.misleading, cb.proxy_signature, cb.duplicate_phone_hits) == (1, 1, 1)
    breakdown = {
        (o.outcome_class.zh, o.category.zh if o.category else "", o.subtype.zh if o.subtype else ""): o.count
        for o in cb.outcomes
    }
    assert breakdown == {
        ("标准件", "", ""): 4,
        ("次标准件", "", "收益不确定性不清楚"): 1,
        ("问题件", "代签字类", "投保资料代签字"): 1,
        ("问题件", "疑似误导类", "收益不确定性不清楚"): 1,
        ("核实件", "", "联系不上"): 1,
        ("核实件", "", "重复号码"): 1,
    }
    assert next(o for o in cb.outcomes if o.category and o.category.zh == "代签字类").category.en == (
        "proxy signature"
    )
    wo = card.work_orders  # 代签字 on time, 一次沟通解释件 late, two 核实件 past due
    assert (wo.due, wo.open, wo.closed, wo.overdue, wo.closed_on_time, wo.closed_late) == (4, 2, 2, 2, 1, 1)
    assert wo.handling_rate == Rate(numerator=1, denominator=4, value=Decimal("0.2500"))  # KP-03
    # PC-07: 7/9 < 90% → warned; a first warned month is no investigation yet
    q = card.quality
    assert (q.warned, q.warned_run, q.investigation) == (True, 1, False)
    assert q.success_rate == Decimal(7) / Decimal(9) and q.warning_rate == Decimal("0.90")


def test_work_order_counts_follow_now(march):
    app = march
    seen = {}
    with reading(app) as conn:
        for day in (8, 10):
            (card,) = agent_scorecards(
                conn,
                app.settings.read_schema,
                month="2026-03",
                now=at(day, 12),
                params=PARAMS,
                agent_code="A0001",
            ).items
            seen[day] = (card.work_orders.overdue, card.work_orders.warning)
    # the 核实件 of C9 is due 03-09, C8's 03-11 (warning: the last 2 days)
    assert seen == {8: (0, 1), 10: (1, 1)}


def test_kp04_breakdowns_by_branch_channel_and_product_type(march):
    """KP-04: reports break down by branch (机构), channel, product type and month."""
    app = march
    branches = cards(app, "branch")
    beijing, shanghai = branches["北京分公司"].callbacks, branches["上海分公司"].callbacks
    assert (beijing.due, beijing.successful, beijing.success_rate.value) == (10, 8, Decimal("0.8000"))
    assert (shanghai.due, shanghai.successful, shanghai.pending, shanghai.success_rate.value) == (
        1,
        0,
        1,
        Decimal("0.0000"),
    )
    channels = cards(app, "channel")
    assert set(channels) == {"个险", "银保"}
    assert (channels["银保"].key_label.zh, channels["银保"].key_label.en) == ("银保", "bancassurance")
    assert channels["个险"].callbacks.due == 10
    products = cards(app, "product_type")
    assert {k: (c.callbacks.due, c.key_label.en) for k, c in products.items()} == {
        "分红": (10, "participating"),
        "万能": (1, "universal"),
    }
    with reading(app) as conn:
        second = agent_scorecards(
            conn, app.settings.read_schema, month="2026-03", now=NOW, params=PARAMS, limit=1, offset=1
        )
    assert ([c.key for c in second.items], second.total, second.next_offset) == (["A0002"], 2, None)
    only_a0002 = cards(app, "branch", agent_code="A0002")
    assert {k: c.callbacks.due for k, c in only_a0002.items()} == {"北京分公司": 1, "上海分公司": 1}
    with reading(app) as conn:
        (bj,) = branch_scorecards(
            conn, app.settings.read_schema, month="2026-03", now=NOW, params=PARAMS, branch="北京分公司"
        ).items
    # PC-07 rates an agent over all their callbacks: A0002 is 1/2 (one in 上海) → warned too
    assert (bj.agents, bj.agents_warned, bj.agents_under_investigation) == (2, 2, 0)
    assert bj.work_orders.handling_rate.value == Decimal("0.2500")


def due_without_success(app: PolicyTrail, actor: Actor, n: int, agent: str, month: int) -> None:
    """A callback of ``agent`` that became due in ``month`` of 2026 and never succeeded."""
    app.execute(
        factories.issue_policy(
            number(n), policyholder=person(n), agent_code=agent, underwritten_on=date(2026, month, 1)
        ),
        actor,
    )
    day = date(2026, month, 2)
    app.execute(RegisterReceipt(policy_number=number(n), signed_on=day, registered_on=day), actor)


def test_a_reused_scorecard_page_follows_the_read_model_and_never_answers_other_filters(app, actor):
    schema = app.settings.read_schema

    def due(**filters: Any) -> dict[str, int]:
        with reading(app) as conn:
            page = agent_scorecards(conn, schema, month="2026-03", now=NOW, params=PARAMS, **filters)
            kpis = scorecards(
                conn, schema, dimension="agent_code", month_from="2026-03", now=NOW,
                filters=ScorecardFilters(**filters),
            )  # fmt: skip
        assert {c.key: c.callbacks.due for c in kpis.items} == {c.key: c.callbacks.due for c in page.items}
        return {c.key: c.callbacks.due for c in page.items}

    open_callback(app, actor, number(1), policyholder=person(1), agent_code="A0007")
    catch_up(app, "scorecards")
    assert due() == {"A0007": 1}
    assert due(agent_code="A0008") == {}  # asked right after the unfiltered page: not that page
    assert due() == {"A0007": 1}
    open_callback(app, actor, number(2), policyholder=person(2), agent_code="A0007")
    catch_up(app, "scorecards")
    assert due() == {"A0007": 2}  # the same query at the same now: the read model moved


def test_pc07_three_consecutive_warned_months_flag_an_investigation(app, actor):
    for n, month in ((1, 1), (2, 2), (3, 3)):  # A0003 warned in January, February, March
        due_without_success(app, actor, n, "A0003", month)
    for n, month in ((4, 1), (5, 3)):  # A0004 warned in January and March: no run
        due_without_success(app, actor, n, "A0004", month)
    due_without_success(app, actor, 6, "A0005", 2)  # A0005: February warned, March succeeded
    open_callback(app, actor, number(7), policyholder=person(7), agent_code="A0005")
    due_without_success(app, actor, 8, "A0005", 1)
    succeed(app, 7)
    catch_up(app, "scorecards")
    schema = app.settings.read_schema
    with reading(app) as conn:
        page = agent_scorecards(conn, schema, month="2026-03", now=NOW, params=PARAMS)
        history = agent_quality_history(conn, schema, agent_code="A0003", month_to="2026-03", params=PARAMS)
        february = agent_scorecards(conn, schema, month="2026-02", now=NOW, params=PARAMS)
        series = scorecards(
            conn,
            schema,
            dimension="agent_code",
            month_from="2026-01",
            month_to="2026-03",
            now=NOW,
            filters=ScorecardFilters(agent_code="A0003"),
        )
    quality = {c.key: c.quality for c in page.items}
    assert (quality["A0003"].warned_run, quality["A0003"].investigation) == (3, True)
    assert (quality["A0004"].warned_run, quality["A0004"].investigation) == (1, False)
    assert (quality["A0005"].warned, quality["A0005"].warned_run) == (False, 0)
    assert quality["A0005"].success_rate == Decimal(1)
    assert [(h.month, h.warned_run, h.investigation) for h in history] == [
        ("2026-01", 1, False),
        ("2026-02", 2, False),
        ("2026-03", 3, True),
    ]
    assert {c.key: c.quality.warned_run for c in february.items} == {"A0003": 2, "A0005": 2}
    assert [(c.month, c.callbacks.due, c.callbacks.pending) for c in series.items] == [
        ("2026-01", 1, 1),
        ("2026-02", 1, 1),
        ("2026-03", 1, 1),
    ]


def test_sc01_planner_score_with_breakdown_and_sc02_deductions(app, actor):
    app.execute(factories.register_agent("A0001"), actor)
    app.execute(
        factories.register_agent(
            "A0002",
            id_number="110101198502025678",
            phone="13900002222",
            rank_series="管理",
            rank_level="高级",
        ),
        actor,
    )
    for code, rates in (("A0001", ("0.85", "0.95", "1")), ("A0002", ("1", "1", "1"))):
        app.execute(
            RecordPlannerMonthlyInputs(
                agent_code=code,
                month="2026-03",
                premium_task_rate=Decimal(rates[0]),
                attendance_rate=Decimal(rates[1]),
                work_log_pass_rate=Decimal(rates[2]),
                discretion_points=8,
            ),
            actor,
        )
    # SC-02: A0002 marked A0001's log 18/20, the audit says 10: off by 40% → −6 each
    app.execute(
        RecordWorkLogAudit(
            owner_code="A0001",
            log_date=date(2026, 3, 5),
            supervisor_code="A0002",
            supervisor_mark=Decimal(18),
            audited_mark=Decimal(10),
        ),
        actor,
    )
    catch_up(app, "scorecards")
    with reading(app) as conn:
        page = agent_scorecards(conn, app.settings.read_schema, month="2026-03", now=NOW, params=PARAMS)
    scores = {c.key: c.planner_score for c in page.items}
    a1, a2 = scores["A0001"], scores["A0002"]
    assert a1 is not None and a2 is not None
    assert (a1.rank, a1.rank_points, a1.premium_task_points, a1.attendance_points) == ("销售/中级", 26, 16, 9)
    assert (a1.work_log_step_points, a1.work_log_deductions, a1.work_log_points) == (20, 6, 14)
    assert (a1.discretion_points, a1.total, a1.rule_ids) == (8, 26 + 16 + 9 + 14 + 8, ["SC-01", "SC-02"])
    assert (a2.rank_points, a2.work_log_deductions, a2.total) == (40, 6, 40 + 20 + 10 + 14 + 8)
    assert page.items[0].callbacks.due == 0  # a scorecard without callbacks still scores
    assert page.items[0].quality.success_rate is None and not page.items[0].quality.warned


def test_rebuild_equals_live(app, actor):
    march_of_agent_a0001(app, actor)
    app.execute(
        RecordPlannerMonthlyInputs(
            agent_code="A0001",
            month="2026-03",
            premium_task_rate=Decimal("0.5"),
            attendance_rate=Decimal("0.5"),
            work_log_pass_rate=Decimal("0.5"),
            discretion_points=1,
        ),
        actor,
    )
    app.execute(
        RecordWorkLogAudit(
            owner_code="A0001",
            log_date=date(2026, 3, 5),
            supervisor_code="A0002",
            supervisor_mark=Decimal(20),
            audited_mark=Decimal(5),
        ),
        actor,
    )
    # SL-01 / SL-03 facts (scorecards v2): a complaint classed complex then decided, a claim
    # dispatched with one step done and one excluded; events cross the batches of 3
    for command in (
        ReceiveComplaint(
            complaint_no="TS1", channel="电话", category="销售误导", customer="客户", branch="北京分公司",
            policy_number="P2026000001", agent_code="A0001", summary="…",
        ),
        ReportClaim(claim_no="CL1", line="车险", branch="北京分公司", customer="客户"),
        ClassComplaintComplex(complaint_no="TS1", reason="涉及多个部门"),
        DispatchClaim(claim_no="CL1", handler_id="SV01"),
        RecordClaimStep(claim_no="CL1", step="联系客户"),
        AcknowledgeComplaint(complaint_no="TS1"),
        DecideComplaint(complaint_no="TS1", outcome="部分支持", summary="…"),
        ExcludeClaimStep(claim_no="CL1", step="到达现场", reason="交通环境"),
    ):  # fmt: skip
        app.execute(command, actor)
    rebuild_equals_live(app, "scorecards")
