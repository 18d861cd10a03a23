"""Special callbacks (特殊回访件), SP-01 / SP-02, through the application on PostgreSQL."""

from __future__ import annotations

import pytest

from application.callbacks import (
    ApplySpecialCallback,
    DecideSpecialCallback,
    RecordSignedQuestionnaire,
)
from application.tick import close_expired_cycles
from domain.callback import CallbackStatus, question_set
from domain.shared.actor import Actor
from domain.shared.errors import RuleViolation
from tests.callback_steps import BRANCH, CALLCENTRE, MANAGER, answers, at, attempt, callback, open_callback
from tests.read_model_steps import Due, tick
from tests.support import refused

AGENT = Actor(id="A0001", role="agent")


def apply(**overrides):
    fields = {
        "policy_number": "P2026000001",
        "reason": "单位统一投保",
        "method": "上门亲访",
        "agreed_at": at(6, 10),
        "agent_code": "A0001",
        "customer_signed": True,
        "agent_signed": True,
        "application_ref": "SP-APP-001",
        "occurred_at": at(2, 11),
    }
    fields.update(overrides)
    return ApplySpecialCallback(**fields)


def decide(approve=True, unit="北京分公司"):
    return DecideSpecialCallback(
        policy_number="P2026000001", approve=approve, unit=unit, occurred_at=at(2, 15)
    )


def test_sp01_only_eligible_reasons_are_accepted(app, actor):
    """SP-01: 单位统一投保, complex family relations, other case known to the unit."""
    open_callback(app, actor)
    refused("SP-01", app.execute, apply(reason="客户工作忙"), AGENT)
    app.execute(apply(reason="家庭关系复杂"), AGENT)
    assert callback(app).special_status == "待审批"


@pytest.mark.parametrize(
    "overrides",
    [
        {"customer_signed": False},
        {"agent_signed": False},
        {"agent_code": "A0002"},
        {"method": "电话回访"},
        {"application_ref": ""},
    ],
)
def test_sp02_application_by_the_policys_agent_signed_by_customer_and_agent(app, actor, overrides):
    """SP-02: the agent applies (reason, agreed method and time), signed by customer and agent."""
    open_callback(app, actor)
    refused("SP-02", app.execute, apply(**overrides), AGENT)


def test_sp02_only_a_manager_of_the_policys_unit_decides(app, actor):
    """SP-02: the sales-unit manager approves or rejects; nobody else."""
    open_callback(app, actor)
    app.execute(apply(), AGENT)
    refused("SP-02", app.execute, decide(), CALLCENTRE)
    refused("SP-02", app.execute, decide(unit="上海分公司"), MANAGER)
    app.execute(decide(), MANAGER)
    assert (callback(app).status, callback(app).special_status) == (CallbackStatus.SPECIAL, "已批准")


def test_sp02_approved_special_callback_is_never_called_centrally_and_completed_by_the_unit(app, actor):
    """SP-02: approved → no central calls, no cycle close; the unit completes with a signed questionnaire."""
    open_callback(app, actor)
    app.execute(apply(), AGENT)
    app.execute(decide(), MANAGER)
    with pytest.raises(RuleViolation) as err:
        attempt(app, at(3, 10))
    assert err.value.rule_id == "SP-02"
    assert tick(app, at(20, 10)) == []  # no cycle of its own runs out
    # even a finder that reports it cannot close it: the aggregate re-checks (CA-02 / SP-02)
    (forced,) = close_expired_cycles(app, at(20, 10), lambda t: [Due("P2026000001", 1)])
    assert (forced.closed, forced.repeated, forced.positions, forced.error) == (False, False, (), None)
    assert callback(app).status == CallbackStatus.SPECIAL
    full = answers(question_set("分红", True, "A卷"))
    unsigned = RecordSignedQuestionnaire(
        policy_number="P2026000001", method="上门亲访", answers=full, occurred_at=at(6, 10)
    )
    refused("SP-02", app.execute, unsigned, BRANCH)
    app.execute(unsigned.model_copy(update={"evidence_ref": "SIGNED-SP-1"}), BRANCH)
    cb = callback(app)
    assert (cb.status, cb.outcome_class, cb.special_status) == (
        CallbackStatus.COMPLETED,
        "标准件",
        "已完成",
    )


def test_sp02_rejected_special_callback_stays_in_the_central_queue(app, actor):
    """SP-02: a rejection leaves the callback with the call centre."""
    open_callback(app, actor)
    app.execute(apply(), AGENT)
    app.execute(decide(approve=False), MANAGER)
    attempt(app, at(3, 10))
    assert (callback(app).special_status, callback(app).attempts_in_cycle) == ("已驳回", 1)
