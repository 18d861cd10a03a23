"""Work-order rules through the application on PostgreSQL: PC-01..06 (and DP-03 三禁止)."""

from __future__ import annotations

from datetime import date

import pytest

from application.policies import ChangeContact
from application.work_orders import (
    AssignWorkOrder,
    FileOverdueStatement,
    RecordExplanationRecheck,
    ResolveWorkOrder,
    work_orders_for_policy,
)
from domain.callback import Callback, CallbackStatus, QuestionItem
from domain.shared.actor import Actor
from domain.shared.errors import InvalidInput
from domain.work_order import ObligationStatus, WorkOrder
from tests.callback_steps import BRANCH, at, attempt, callback, open_callback, problem_case
from tests.support import refused

Q = QuestionItem
SELLING_AGENT = Actor(id="A0001", role="agent")


def created_event(app, wo_id) -> WorkOrder.Created:
    return next(iter(app.repository.event_store.get(wo_id)))


def verification(app, actor) -> WorkOrder:
    """Three failed attempts: a 核实件 created on 03-04 (deadline 03-11)."""
    open_callback(app, actor)
    attempt(app, at(2, 10, 30))
    attempt(app, at(3, 15))
    attempt(app, at(4, 19, 30))
    (wo,) = work_orders_for_policy(app, "P2026000001")
    return wo


# ----- PC-01 / PC-02 -----------------------------------------------------------------------
def test_pc01_problem_answers_raise_proxy_misleading_and_explanation_work_orders(app, actor):
    """PC-01 / PC-02: one work order per problem kind, deadline fixed at creation."""
    orders = problem_case(
        app,
        actor,
        **{
            Q.SIGNED_PERSONALLY: "否",
            Q.RETURNS_UNCERTAIN: {"response": "否", "misleading": "夸大保险产品收益"},
            Q.TRUTHFUL_DISCLOSURE: "否",
        },
    )
    assert sorted(orders) == ["一次沟通解释件", "代签字", "销售误导件"]
    assert {t: w.deadline_on for t, w in orders.items()} == {
        "代签字": date(2026, 3, 9),
        "一次沟通解释件": date(2026, 3, 9),
        "销售误导件": date(2026, 3, 23),  # 15 working days
    }
    assert orders["代签字"].source_subtype == "投保资料代签字"
    assert orders["销售误导件"].misleading == ["夸大保险产品收益"]
    assert orders["一次沟通解释件"].source_subtypes == ["未如实告知"]
    created = created_event(app, orders["销售误导件"].id)
    assert (created.agent_code, created.branch, created.channel, created.product_type) == (
        "A0001",
        "北京分公司",
        "个险",
        "分红",
    )
    assert (created.deadline_basis, created.rule_ids) == ("工作日", ["PC-01", "PC-02"])
    assert callback(app).succeeded  # OC-06: a 问题件 is still a successful callback


def test_pc01_failed_recheck_escalates_first_explanation_to_second(app, actor):
    """PC-01: a first explanation whose re-check does not reach the customer → 二次沟通解释件."""
    first = problem_case(app, actor, **{Q.COOLING_OFF_RIGHTS: "否"})["一次沟通解释件"]
    recheck = RecordExplanationRecheck(
        work_order_id=first.id,
        reached=False,
        doubt_resolved=False,
        recording_ref="REC-RECHECK-1",
        occurred_at=at(6, 10),
    )
    refused("PC-01", app.execute, recheck, Actor(id="cc-001", role="callcentre"))  # not handled yet
    app.execute(
        ResolveWorkOrder(
            work_order_id=first.id,
            evidence_ref="SIGNED-EXPL-1",
            signed_by_customer=True,
            occurred_at=at(5, 16),
        ),
        BRANCH,
    )
    result = app.execute(recheck, Actor(id="cc-001", role="callcentre"))
    second = app.get(WorkOrder, result.result["escalated_to"])
    assert (second.work_order_type, second.escalated_from, second.deadline_on) == (
        "二次沟通解释件",
        first.id,
        date(2026, 3, 13),
    )
    assert [w.work_order_type for w in work_orders_for_policy(app, "P2026000001")] == [
        "一次沟通解释件",
        "二次沟通解释件",
    ]


# ----- PC-03 / PC-04 -----------------------------------------------------------------------
def test_pc04_overdue_statement_before_the_deadline_only_and_late_closure_stays_late(app, actor):
    """PC-04: filed before the deadline, it marks the breach as explained; PC-03 status."""
    wo = verification(app, actor)
    assert wo.deadline_on == date(2026, 3, 11)
    assert wo.status_at(at(9, 12)) == ObligationStatus.NORMAL
    assert wo.status_at(at(10, 8)) == ObligationStatus.WARNING
    app.execute(FileOverdueStatement(work_order_id=wo.id, reason="客户出差", occurred_at=at(10, 9)), BRANCH)
    with pytest.raises(InvalidInput):
        app.execute(
            FileOverdueStatement(work_order_id=wo.id, reason="again", occurred_at=at(10, 10)),
            BRANCH,
        )
    app.execute(
        ResolveWorkOrder(work_order_id=wo.id, agreed_call_at=at(16, 10), occurred_at=at(13, 10)),
        BRANCH,
    )
    resolved = list(app.repository.event_store.get(wo.id))[-1]
    assert isinstance(resolved, WorkOrder.Resolved)
    assert (resolved.on_time, resolved.timeliness, resolved.overdue_statement_filed) == (
        False,
        "逾期完成",
        True,
    )
    assert app.get(WorkOrder, wo.id).status_at(at(20, 0)) == ObligationStatus.CLOSED_LATE


def test_pc04_overdue_statement_after_the_deadline_is_refused(app, actor):
    """PC-04: after the deadline the statement is refused with the rule id."""
    wo = verification(app, actor)
    late = FileOverdueStatement(work_order_id=wo.id, reason="忘记了", occurred_at=at(12, 9))
    refused("PC-04", app.execute, late, BRANCH)
    assert app.get(WorkOrder, wo.id).status_at(at(12, 9)) == ObligationStatus.OVERDUE


# ----- PC-05 -------------------------------------------------------------------------------
def test_pc05_resolved_verification_reopens_the_callback_for_a_new_cycle(app, actor):
    """PC-05: corrected contact and/or agreed call time → a new cycle (二次回访)."""
    wo = verification(app, actor)
    refused("PC-05", app.execute, ResolveWorkOrder(work_order_id=wo.id, occurred_at=at(5, 10)), BRANCH)
    app.execute(
        ResolveWorkOrder(work_order_id=wo.id, agreed_call_at=at(9, 10), occurred_at=at(5, 10)),
        BRANCH,
    )
    cb = callback(app)
    started = list(app.repository.event_store.get(cb.id))[-1]
    assert isinstance(started, Callback.CycleStarted)
    assert (started.cycle, started.work_order_id, started.rule_ids) == (2, wo.id, ["PC-05", "CA-02"])
    assert started.ends_at == at(16, 10)  # 7 days from the agreed call time
    assert cb.status == CallbackStatus.AWAITING_CALL
    # the second cycle fails too: a new 核实件 with its own id
    attempt(app, at(9, 10))
    attempt(app, at(10, 10))
    attempt(app, at(11, 10))
    orders = work_orders_for_policy(app, "P2026000001")
    assert [w.work_order_type for w in orders] == ["核实件", "核实件"]
    assert orders[0].id != orders[1].id and orders[1].cycle == 2


def test_pc05_contact_correction_alone_resolves_and_calls_the_new_number(app, actor):
    """PC-05 / DP-03: a contact-details change is enough to resolve; calls go to the new number."""
    wo = verification(app, actor)
    app.execute(ChangeContact(policy_number="P2026000001", phone="13600001234", occurred_at=at(5, 9)), actor)
    app.execute(ResolveWorkOrder(work_order_id=wo.id, occurred_at=at(5, 10)), BRANCH)
    resolved = list(app.repository.event_store.get(wo.id))[-1]
    assert (resolved.contact_corrected, resolved.rule_ids) == (True, ["DP-03", "PC-03", "PC-05"])
    attempt(app, at(5, 10, 30), phone="13600001234")


# ----- PC-06 / DP-03 ---------------------------------------------------------------------------
def test_pc06_sales_misleading_case_is_never_handled_by_the_selling_agent(app, actor):
    """PC-06 (REG-03): assignment to, or resolution by, the selling agent is refused."""
    wo = problem_case(
        app, actor, **{Q.RETURNS_UNCERTAIN: {"response": "否", "misleading": "夸大保险产品收益"}}
    )["销售误导件"]
    resolve = ResolveWorkOrder(
        work_order_id=wo.id,
        evidence_ref="SIGNED-MIS-1",
        signed_by_customer=True,
        occurred_at=at(6, 10),
    )
    refused("PC-06", app.execute, resolve, BRANCH)  # no handler assigned yet
    assign = AssignWorkOrder(work_order_id=wo.id, handler_id="a0001 ", occurred_at=at(6, 9))
    refused("PC-06", app.execute, assign, BRANCH)
    app.execute(assign.model_copy(update={"handler_id": "QC-007"}), BRANCH)
    refused("PC-06", app.execute, resolve, SELLING_AGENT)
    app.execute(resolve, BRANCH)
    assert app.get(WorkOrder, wo.id).state == "已办结"


def test_pc06_problem_case_resolution_needs_the_customers_own_signature(app, actor):
    """PC-06 / DP-03 三禁止: evidence required, and never a proxy signature."""
    wo = problem_case(app, actor, **{Q.SIGNED_PERSONALLY: "否"})["代签字"]
    refused("PC-06", app.execute, ResolveWorkOrder(work_order_id=wo.id, occurred_at=at(5, 10)), BRANCH)
    proxy = ResolveWorkOrder(
        work_order_id=wo.id, evidence_ref="SIGNED-1", signed_by_customer=False, occurred_at=at(5, 10)
    )
    refused("DP-03", app.execute, proxy, BRANCH)
    first = app.execute(proxy.model_copy(update={"signed_by_customer": True}), BRANCH)
    again = app.execute(proxy.model_copy(update={"signed_by_customer": True}), BRANCH)
    assert again.duplicate and again.result == first.result  # idempotent by command id
    events = list(app.repository.event_store.get(wo.id))
    assert [type(e).__name__ for e in events] == ["Created", "Resolved"]
