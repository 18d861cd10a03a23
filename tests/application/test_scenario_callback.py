"""End to end on PostgreSQL: policy issue → unreachable callback → 核实件 work order →
contact change → resolved → second cycle → successful callback (CB-03, CA-02, PC-05, OC-01).
"""

from __future__ import annotations

from datetime import date

from application.policies import ChangeContact
from application.work_orders import AssignWorkOrder, ResolveWorkOrder, work_orders_for_policy
from domain.callback import Callback, CallbackStatus
from domain.work_order import ObligationStatus, WorkOrder
from tests import factories
from tests.callback_steps import (
    BRANCH,
    answer_all,
    at,
    attempt,
    callback,
    open_callback,
    reach,
    topics,
)


def test_scenario_unreachable_then_verified_then_standard_callback(app, actor):
    app.execute(factories.register_agent(), actor)
    start = app.max_position() + 1

    # CB-03: the callback becomes due when the receipt is registered; due = cooling-off end.
    open_callback(app, actor)
    cb = callback(app)
    assert cb.status == CallbackStatus.AWAITING_CALL
    assert cb.due_on == date(2026, 3, 12)  # signed 03-02 + 10 days (个险)

    # CA-02: three failed attempts in the cycle → 核实件/联系不上 and its work order, atomically.
    attempt(app, at(2, 10, 30))
    attempt(app, at(3, 15, 0), "占线")
    result = attempt(app, at(4, 19, 30), "关机")
    (wo_id,) = result.result["work_order_ids"]
    cb = callback(app)
    assert (cb.status, cb.outcome_class, cb.outcome_subtype) == (
        CallbackStatus.SENT_TO_BRANCH,
        "核实件",
        "联系不上",
    )
    wo = app.get(WorkOrder, wo_id)
    assert (wo.work_order_type, wo.deadline_on) == ("核实件", date(2026, 3, 11))

    # DP-03 then PC-05: the phone is corrected on the policy, the branch resolves the
    # work order with an agreed call time, the callback starts a second cycle.
    app.execute(
        ChangeContact(policy_number="P2026000001", phone="13900002222", occurred_at=at(5, 9, 0)),
        actor,
    )
    app.execute(AssignWorkOrder(work_order_id=wo_id, handler_id="BR-H1", occurred_at=at(5, 9)), BRANCH)
    app.execute(
        ResolveWorkOrder(work_order_id=wo_id, agreed_call_at=at(6, 10), occurred_at=at(5, 11)),
        BRANCH,
    )
    cb = callback(app)
    assert (cb.status, cb.cycle, cb.phone.normalized) == (
        CallbackStatus.AWAITING_CALL,
        2,
        "13900002222",
    )
    assert app.get(WorkOrder, wo_id).status_at(at(6, 0)) == ObligationStatus.CLOSED_ON_TIME

    # Second cycle: reached, identity confirmed, every answer positive → 标准件, success
    # within cooling-off (OC-01, OC-06).
    reach(app, at(6, 10))
    answer_all(app, at(6, 10, 20))
    cb = callback(app)
    assert (cb.status, cb.outcome_class, cb.succeeded) == (CallbackStatus.COMPLETED, "标准件", True)
    assert [w.id for w in work_orders_for_policy(app, "P2026000001")] == [wo.id]

    items = len(cb.question_items)
    assert topics(app, start) == [
        "Policy.Issued",
        "ContactPoint.Opened",
        "ContactPoint.PolicyholderUseRecorded",
        "Policy.ReceiptSigned",
        "Policy.ReceiptRegistered",
        "Callback.Opened",
        "Callback.CycleStarted",
        "Callback.AttemptRecorded",
        "Callback.AttemptRecorded",
        "Callback.AttemptRecorded",
        "Callback.OutcomeDecided",
        "WorkOrder.Created",
        "Policy.ContactChanged",
        "ContactPoint.PolicyholderUseReleased",
        "ContactPoint.Opened",
        "ContactPoint.PolicyholderUseRecorded",
        "Callback.PhoneChanged",
        "WorkOrder.Assigned",
        "WorkOrder.Resolved",
        "Callback.CycleStarted",
        "Callback.AttemptRecorded",
        "Callback.IdentityChecked",
        "Callback.QuestionnaireStarted",
        *["Callback.AnswerRecorded"] * items,
        "Callback.OutcomeDecided",
    ]
    final = list(app.repository.event_store.get(cb.id))[-1]
    assert isinstance(final, Callback.OutcomeDecided)
    assert (final.success, final.success_within_cooling_off, final.cycle) == (True, True, 2)
    assert final.rule_ids == ["OC-01", "OC-06"]
    assert final.inputs["questionnaire"] == "A卷" and final.work_orders == []
