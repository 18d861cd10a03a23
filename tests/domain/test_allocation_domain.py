"""CR-01 quotas and ranking, SC-03 assignment in score order (pure domain)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.agent import Rank
from domain.allocation import (
    AllocationRound,
    CustomerResource,
    PlannerStanding,
    ResourceClass,
    class_quotas,
    plan_allocation,
    rank_class,
)
from domain.parameters import AllocationParams, PlannerScoreParams
from domain.planner import AllocationBar
from domain.planner_score import PlannerMonthlyInputs, ScoreBreakdown, planner_score
from domain.shared.actor import Actor
from domain.shared.aggregate import Context
from domain.shared.errors import AlreadyExists, InvalidInput, RuleViolation
from domain.shared.time import SHANGHAI

PARAMS = AllocationParams()
SHARES = PARAMS.shares
D = Decimal


def ctx() -> Context:
    return Context(datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI), Actor("tester", "admin"), "c1")


def score(points: int) -> ScoreBreakdown:
    """A real breakdown whose total is ``points`` (rank 18 + discretion for the rest)."""
    inputs = PlannerMonthlyInputs("2026-02", Rank("销售", "见习"), D(0), D(0), D(0), 0)
    base = planner_score(inputs, [], PlannerScoreParams())
    return replace(base, total=points)


def standing(code: str, points: int, barred: bool = False) -> PlannerStanding:
    bars = [AllocationBar("SC-02", "连续未交日志", "2026-01", None, f"{code}/x")] if barred else []
    return PlannerStanding(code, score(points), bars)


def resource(rid: str, cls: str = "续期", amount: str = "1000", **kw) -> CustomerResource:
    fields = {
        "resource_id": rid,
        "resource_class": cls,
        "policy_number": f"P{rid}",
        "amount": D(amount),
        "key_date": date(2026, 3, 20),
        "address_complete": True,
        "phone_complete": True,
    }
    fields.update(kw)
    return CustomerResource(**fields)


def mixed(n: int) -> list[CustomerResource]:
    classes = [c.value for c in ResourceClass]
    return [
        resource(f"R{i:03d}", classes[i % 5], str(1000 + (i * 37) % 500), key_date=date(2026, 3, 1 + i % 28))
        for i in range(n)
    ]


# ----- CR-01 quotas --------------------------------------------------------------------------


def test_cr01_quota_is_total_over_headcount_times_share():
    targets, quotas = class_quotas(100, ["A", "B", "C", "D", "E"], SHARES)
    assert targets == {"满期": 10, "续期": 30, "老客户": 50, "未到期": 5, "其他": 5}
    assert quotas["A"] == {"满期": 2, "续期": 6, "老客户": 10, "未到期": 1, "其他": 1}


def test_cr01_remainder_goes_one_each_to_the_top_of_the_score_order():
    # 100 × 10% = 10 满期 over 3 planners: 4, 3, 3 (first in score order gets the extra one)
    targets, quotas = class_quotas(100, ["HIGH", "MID", "LOW"], SHARES)
    assert [quotas[p]["满期"] for p in ("HIGH", "MID", "LOW")] == [4, 3, 3]
    assert [quotas[p]["老客户"] for p in ("HIGH", "MID", "LOW")] == [17, 17, 16]
    # 7 × 5% = 0.35 → floor 0: a small round gives no 未到期 at all
    targets, _ = class_quotas(7, ["A"], SHARES)
    assert targets["未到期"] == 0 and targets["老客户"] == 3


# ----- CR-01 ranking inside a class -----------------------------------------------------------


def test_cr01_maturity_ranks_by_amount_then_contact_completeness_then_date():
    ranked = rank_class(
        [
            resource("small", "满期", "1000"),
            resource("big-no-phone", "满期", "9000", phone_complete=False),
            resource("big", "满期", "9000"),
            resource("big-no-address", "满期", "9000", address_complete=False),
        ]
    )
    assert [r.resource_id for r in ranked] == ["big", "big-no-phone", "big-no-address", "small"]


def test_cr01_renewal_ranks_by_payment_date_first():
    ranked = rank_class(
        [
            resource("late-big", "续期", "9000", key_date=date(2026, 3, 25)),
            resource("early-small", "续期", "100", key_date=date(2026, 3, 5)),
        ]
    )
    assert [r.resource_id for r in ranked] == ["early-small", "late-big"]


def test_cr01_old_customers_prefer_fewer_previous_allocations_and_a_transfer_or_top_up():
    ranked = rank_class(
        [
            resource("twice", "老客户", times_allocated=2),
            resource("never", "老客户", times_allocated=0),
            resource("never-topped-up", "老客户", times_allocated=0, transferred_or_topped_up=True),
        ]
    )
    assert [r.resource_id for r in ranked] == ["never-topped-up", "never", "twice"]


# ----- SC-03 assignment -----------------------------------------------------------------------


def test_sc03_higher_score_first_and_at_better_ranked_resources_ties_by_planner_id():
    resources = [resource(f"R{i}", "续期", str(1000 + i), key_date=date(2026, 3, 1 + i)) for i in range(10)]
    plan = plan_allocation(
        resources,
        [standing("P3", 60), standing("P1", 80), standing("P2", 60)],
        {"续期": D(1)},
    )
    assert [s.planner_code for s in plan.order] == ["P1", "P2", "P3"]
    got = {p: [a.class_rank for a in plan.assignments if a.planner_code == p] for p in ("P1", "P2", "P3")}
    assert got == {"P1": [1, 2, 3, 4], "P2": [5, 6, 7], "P3": [8, 9, 10]}
    first = plan.assignments[0]
    assert first.resource.resource_id == "R0" and first.score.total == 80


def test_sc02_barred_planners_are_skipped_and_not_counted_in_the_headcount():
    plan = plan_allocation(mixed(20), [standing("P1", 70), standing("P2", 90, barred=True)], SHARES)
    assert [s.planner_code for s in plan.skipped] == ["P2"] and plan.headcount == 1
    assert {a.planner_code for a in plan.assignments} == {"P1"}


def test_cr01_short_class_leaves_lower_planners_short_and_extra_resources_unallocated():
    resources = [resource("M1", "满期")] + [resource(f"X{i}", "其他") for i in range(9)]
    plan = plan_allocation(resources, [standing("P1", 80), standing("P2", 70)], SHARES)
    # T = 10: 满期 target 1 → P1; 其他 target floor(0.5) = 0 → all 9 unallocated
    assert [(a.planner_code, a.resource.resource_id) for a in plan.assignments] == [("P1", "M1")]
    assert len(plan.unallocated) == 9 and plan.shortfalls["P1"]["老客户"] == 3


# ----- the aggregate ---------------------------------------------------------------------------


def test_sc03_round_records_every_assignment_with_score_breakdown_class_and_rank():
    rnd = AllocationRound.open("北京分公司", "2026-03", ctx())
    rnd.register_resources(
        [resource("M1", "满期", key_date=date(2026, 3, 17)), resource("R1", "续期")], PARAMS, ctx()
    )
    rnd.allocate([standing("P1", 80)], AllocationParams(shares={"满期": D("0.5"), "续期": D("0.5")}), ctx())
    events = rnd.collect_events()
    kinds = [type(e).__name__ for e in events]
    assert kinds == [
        "Opened",
        "ResourcesRegistered",
        "QuotasComputed",
        "ResourceAssigned",
        "ResourceAssigned",
        "Allocated",
    ]
    quotas = events[2]
    assert quotas.rule_id == "CR-01" and quotas.quotas == {
        "P1": {"满期": 1, "续期": 1, "老客户": 0, "未到期": 0, "其他": 0}
    }
    maturity = events[3]
    assert maturity.resource_class == "满期" and maturity.class_rank == 1 and maturity.score == 80
    assert maturity.breakdown.total == 80 and maturity.breakdown.rank == "销售/见习"
    assert maturity.days_ahead == 15 and maturity.rule_ids == ["SC-03", "CR-01"]
    assert events[-1].unallocated == [] and rnd.assignments == {"M1": "P1", "R1": "P1"}


def test_cr01_closed_round_refuses_registration_and_sc03_refuses_a_second_allocate():
    rnd = AllocationRound.open("北京分公司", "2026-03", ctx())
    rnd.register_resources(mixed(10), PARAMS, ctx())
    rnd.allocate([standing("P1", 80)], PARAMS, ctx())
    with pytest.raises(RuleViolation, match="CR-01"):
        rnd.register_resources([resource("NEW")], PARAMS, ctx())
    with pytest.raises(RuleViolation, match="SC-03"):
        rnd.allocate([standing("P1", 80)], PARAMS, ctx())
    rnd.reallocate([standing("P1", 50), standing("P2", 90)], "P2 考核数据更正", PARAMS, ctx())
    voided = [e for e in rnd.collect_events() if isinstance(e, AllocationRound.AllocationVoided)]
    # mixed(10) has 2 of each class; targets 满期 1, 续期 3, 老客户 5 → 1 + 2 + 2 assigned
    assert voided[0].voided_count == 5 and rnd.allocation_no == 2
    assert "P2" in set(rnd.assignments.values())


def test_cr01_registration_checks_class_duplicates_and_repeats():
    rnd = AllocationRound.open("北京分公司", "2026-03", ctx())
    with pytest.raises(InvalidInput, match="CR-01"):
        rnd.register_resources([resource("A", "VIP")], PARAMS, ctx())
    with pytest.raises(InvalidInput):
        rnd.register_resources([resource("A"), resource("A")], PARAMS, ctx())
    assert rnd.register_resources([resource("A")], PARAMS, ctx()) == 1
    assert rnd.register_resources([resource("A")], PARAMS, ctx()) == 0  # identical repeat
    with pytest.raises(AlreadyExists):
        rnd.register_resources([resource("A", amount="5")], PARAMS, ctx())


def test_sc01_planner_without_inputs_is_refused_and_sc03_all_barred_is_refused():
    rnd = AllocationRound.open("北京分公司", "2026-03", ctx())
    rnd.register_resources(mixed(10), PARAMS, ctx())
    with pytest.raises(RuleViolation) as refused:
        rnd.allocate([standing("P1", 80), PlannerStanding("P9", None, [])], PARAMS, ctx())
    assert refused.value.rule_id == "SC-01" and refused.value.details["planners"] == ["P9"]
    with pytest.raises(RuleViolation, match="SC-03"):
        rnd.allocate([standing("P1", 80, barred=True)], PARAMS, ctx())


# ----- properties -----------------------------------------------------------------------------

classes = st.sampled_from([c.value for c in ResourceClass])


@st.composite
def resources_st(draw) -> list[CustomerResource]:
    n = draw(st.integers(0, 60))
    return [
        resource(
            f"R{i:03d}",
            draw(classes),
            str(draw(st.integers(0, 5000))),
            key_date=date(2026, 3, 1) + timedelta(days=draw(st.integers(0, 60))),
            address_complete=draw(st.booleans()),
            phone_complete=draw(st.booleans()),
            times_allocated=draw(st.integers(0, 3)),
            transferred_or_topped_up=draw(st.booleans()),
        )
        for i in range(n)
    ]


@st.composite
def standings_st(draw) -> list[PlannerStanding]:
    n = draw(st.integers(1, 8))
    return [
        standing(f"P{i}", draw(st.integers(0, 100)), barred=draw(st.booleans()) and i > 0) for i in range(n)
    ]


@settings(max_examples=150, deadline=None)
@given(resources_st(), standings_st())
def test_sc03_properties_no_double_allocation_quotas_respected_rank_follows_score(resources, standings):
    plan = plan_allocation(resources, standings, SHARES)
    ids = [a.resource.resource_id for a in plan.assignments]
    # no resource given twice; every resource is either assigned or unallocated
    assert len(ids) == len(set(ids))
    assert sorted(ids + plan.unallocated) == sorted(r.resource_id for r in resources)
    # quotas respected; barred planners get nothing
    barred = {s.planner_code for s in standings if s.bars}
    for a in plan.assignments:
        assert a.planner_code not in barred
    for code, per_class in plan.quotas.items():
        for cls, quota in per_class.items():
            got = sum(
                1 for a in plan.assignments if a.planner_code == code and a.resource.resource_class == cls
            )
            assert got <= quota
    # quotas add up to the class targets (remainder handled, nothing lost)
    for cls, target in plan.class_targets.items():
        assert sum(q[cls] for q in plan.quotas.values()) == target
    # a higher score never gets a worse-ranked resource than a lower score in the same class
    for x in plan.assignments:
        for y in plan.assignments:
            if x.resource.resource_class == y.resource.resource_class and x.score.total > y.score.total:
                assert x.class_rank < y.class_rank
