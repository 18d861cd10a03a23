"""Callback rules through the application on PostgreSQL: CB-*, CA-*, QN-*, OC-*, DP-*."""

from __future__ import annotations

from datetime import date

import pytest

from application.callbacks import (
    AbandonCall,
    AnswerIn,
    CheckIdentity,
    RecordAnswers,
    RecordSignedQuestionnaire,
)
from application.policies import CancelInCoolingOff, ChangeContact
from application.work_orders import ResolveWorkOrder, work_orders_for_policy
from domain.callback import Callback, CallbackStatus, QuestionItem, question_set
from domain.shared.errors import InvalidInput
from domain.work_order import WorkOrder
from tests import factories
from tests.callback_steps import (
    BRANCH,
    CALLCENTRE,
    answer_all,
    answers,
    at,
    attempt,
    callback,
    open_callback,
    reach,
)
from tests.read_model_steps import tick
from tests.support import refused

Q = QuestionItem


def events_of(app, aggregate_id):
    return list(app.repository.event_store.get(aggregate_id))


def last_outcome(app, number="P2026000001") -> Callback.OutcomeDecided:
    cb = callback(app, number)
    return [e for e in events_of(app, cb.id) if isinstance(e, Callback.OutcomeDecided)][-1]


# ----- CB-01 ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("policy", "required"),
    [
        ({"term_value": 1}, False),  # exactly one year is excluded
        ({"term_value": 12, "term_unit": "月"}, False),
        ({"term_value": 13, "term_unit": "月"}, True),
        ({"term_value": 0, "term_unit": "终身"}, True),
        (
            {
                "holder_type": "团体",
                "policyholder": None,
                "holder_organisation": "某某科技有限公司",
                "insured": factories.person(),
            },
            False,
        ),
    ],
)
def test_cb01_only_individual_policies_over_one_year_need_a_callback(app, actor, policy, required):
    """CB-01: individual holder and term strictly over one year; others get an explicit decision."""
    open_callback(app, actor, **policy)
    cb = callback(app)
    first = events_of(app, cb.id)[0]
    if required:
        assert isinstance(first, Callback.Opened) and cb.status == CallbackStatus.AWAITING_CALL
    else:
        assert isinstance(first, Callback.NotRequired)
        assert first.rule_id == "CB-01"
        assert first.holder_type == "团体" or first.term_over_one_year is False
        assert cb.status == CallbackStatus.NOT_REQUIRED
        # the opening event initialises the whole state, as Opened does
        assert (cb.cycle, cb.outcome_class, cb.work_order_ids, cb.is_open) == (0, "", [], False)
        refused("CB-01", attempt, app, at(2, 10, 30))


# ----- CB-02 ---------------------------------------------------------------------------
def test_cb02_failed_identity_check_ends_the_call_as_verification(app, actor):
    """CB-02: identity first; a mismatch → 核实件/保单信息有误, a refusal → 核实件/拒访."""
    open_callback(app, actor)
    open_callback(app, actor, "P2026000002")
    reach(app, at(2, 10, 30), identity="信息不符")
    reach(app, at(2, 10, 40), "P2026000002", identity="拒绝核实")
    assert (callback(app).outcome_subtype, callback(app, "P2026000002").outcome_subtype) == (
        "保单信息有误",
        "拒访",
    )
    assert last_outcome(app).rule_ids == ["CB-02", "OC-04"]
    assert [w.work_order_type for w in work_orders_for_policy(app, "P2026000001")] == ["核实件"]


def test_cb02_answers_only_after_the_policyholder_is_identified(app, actor):
    """CB-02: no identity check without a reached call; no answers before the check."""
    open_callback(app, actor)
    check = CheckIdentity(policy_number="P2026000001", result="通过", occurred_at=at(2, 10, 30))
    refused("CB-02", app.execute, check, CALLCENTRE)
    attempt(app, at(2, 10, 30), "接通本人")
    early = RecordAnswers(
        policy_number="P2026000001",
        answers=[AnswerIn(item=Q.PURCHASE_CONFIRMED, response="是")],
        occurred_at=at(2, 10, 31),
    )
    refused("CB-02", app.execute, early, CALLCENTRE)


def test_cb02_someone_else_answering_is_a_failed_attempt(app, actor):
    """CB-02: only the policyholder may be called back; 非本人接听 counts as a failed attempt."""
    open_callback(app, actor)
    attempt(app, at(2, 10, 30), "非本人接听")
    cb = callback(app)
    assert (cb.status, cb.attempts_in_cycle) == (CallbackStatus.AWAITING_CALL, 1)


def test_cb02_insured_other_than_holder_must_have_signed_too(app, actor):
    """CB-02: when the insured is another person the call confirms the insured signed."""
    child = factories.person(name="张小", id_number="110101201501011234", birthday=date(2015, 1, 1))
    open_callback(app, actor, insured=child)
    reach(app, at(2, 10, 30))
    assert Q.INSURED_SIGNED in callback(app).question_items
    assert callback(app).insured_is_holder is False


# ----- CB-03 / CB-05 / QN-02 -------------------------------------------------------------
def test_cb03_callback_due_at_cooling_off_end_15_days_for_bancassurance(app, actor):
    """CB-03: due when the receipt is registered; cooling-off 15 days for 银保 (10 otherwise)."""
    open_callback(app, actor, channel="银保")
    opened = events_of(app, callback(app).id)[0]
    assert isinstance(opened, Callback.Opened)
    assert (opened.receipt_signed_on, opened.due_on, opened.cooling_off_end) == (
        date(2026, 3, 2),
        date(2026, 3, 17),
        date(2026, 3, 17),
    )
    assert (opened.channel, opened.branch, opened.agent_code, opened.underwritten_on) == (
        "银保",
        "北京分公司",
        "A0001",
        date(2026, 3, 1),
    )


def test_cb05_late_registration_recorded_and_success_after_cooling_off_is_not_within_it(app, actor):
    """CB-05: registered 10 days after signing → late; OC-06 success outside cooling-off; QN-02 B."""
    open_callback(
        app,
        actor,
        underwritten_on=date(2026, 2, 10),
        signed_on=date(2026, 2, 20),
        registered_on=date(2026, 3, 2),
    )
    opened = events_of(app, callback(app).id)[0]
    assert (opened.receipt_registration_late, opened.receipt_registration_lag_days) == (True, 10)
    assert "CB-05" in opened.rule_ids
    reach(app, at(3, 10))
    assert callback(app).questionnaire_version == "B卷"  # QN-02: d = 21 > 18
    answer_all(app, at(3, 10, 15))
    outcome = last_outcome(app)
    assert (outcome.success, outcome.success_within_cooling_off) == (True, False)
    assert outcome.cooling_off_end == date(2026, 3, 2)


# ----- CB-04 ----------------------------------------------------------------------------
def test_cb04_every_attempt_needs_a_recording_reference(app, actor):
    """CB-04: first calls are central and recorded."""
    open_callback(app, actor)
    refused("CB-04", attempt, app, at(2, 10, 30), recording_ref="  ")
    refused("CB-04", attempt, app, at(2, 10, 30), actor=BRANCH)  # branch does not call first
    assert callback(app).attempts_in_cycle == 0


def _three_failures(app, number="P2026000001"):
    attempt(app, at(2, 10, 30), number=number)
    attempt(app, at(3, 15), number=number)
    return attempt(app, at(4, 19, 30), number=number)


def test_cb04_visit_counts_only_with_a_questionnaire_signed_by_the_holder(app, actor):
    """CB-04: a visit or letter needs a failed callback at the branch and signed evidence."""
    open_callback(app, actor)
    full = answers(question_set("分红", True, "A卷"))
    visit = RecordSignedQuestionnaire(
        policy_number="P2026000001",
        method="上门亲访",
        evidence_ref="SIGNED-Q-1",
        answers=full,
        occurred_at=at(3, 10),
    )
    refused("CB-04", app.execute, visit, BRANCH)  # the central call has not failed yet
    (wo_id,) = _three_failures(app).result["work_order_ids"]
    no_evidence = RecordSignedQuestionnaire(
        policy_number="P2026000001", method="上门亲访", answers=full, occurred_at=at(5, 10)
    )
    refused("CB-04", app.execute, no_evidence, BRANCH)
    app.execute(
        RecordSignedQuestionnaire(
            policy_number="P2026000001",
            method="上门亲访",
            evidence_ref="SIGNED-Q-1",
            answers=full,
            occurred_at=at(5, 10),
        ),
        BRANCH,
    )
    outcome = last_outcome(app)
    assert (outcome.outcome_class, outcome.method, outcome.success) == ("标准件", "上门亲访", True)
    wo = app.get(WorkOrder, wo_id)
    assert (wo.state, wo.resolution_kind) == ("已办结", "机构回访完成")


# ----- CB-06 / DP-03 -------------------------------------------------------------------------
def test_cb06_unusable_phone_opens_as_wrong_phone_verification_until_contact_change(app, actor):
    """CB-06: no usable phone → 核实件/电话有误 at once; DP-03: corrected on the policy first."""
    open_callback(app, actor, policyholder=factories.person(phone="1381234"))
    cb = callback(app)
    assert (cb.status, cb.outcome_subtype) == (CallbackStatus.SENT_TO_BRANCH, "电话有误")
    assert last_outcome(app).rule_ids == ["CB-06", "OC-04"]
    (wo,) = work_orders_for_policy(app, "P2026000001")
    resolve = ResolveWorkOrder(work_order_id=wo.id, agreed_call_at=at(4, 10), occurred_at=at(3, 10))
    refused("DP-03", app.execute, resolve, BRANCH)
    app.execute(ChangeContact(policy_number="P2026000001", phone="13812346138", occurred_at=at(3, 9)), actor)
    app.execute(resolve, BRANCH)
    assert (callback(app).status, callback(app).cycle) == (CallbackStatus.AWAITING_CALL, 2)


def test_dp03_only_the_phone_on_the_policy_may_be_called(app, actor):
    """DP-03: another number is refused until a contact-details change; compared normalised."""
    open_callback(app, actor)
    refused("DP-03", attempt, app, at(2, 10, 30), phone="13900009999")
    attempt(app, at(2, 10, 31), phone="+86 138-1234-6138")  # same number, normalised
    app.execute(
        ChangeContact(policy_number="P2026000001", phone="13900009999", occurred_at=at(2, 11)),
        actor,
    )
    assert callback(app).phone.normalized == "13900009999"
    attempt(app, at(2, 11, 30), phone="13900009999")
    assert callback(app).attempts_in_cycle == 2


# ----- CA-01 / CA-02 ------------------------------------------------------------------------
def test_ca01_attempt_outside_the_call_windows_is_refused(app, actor):
    """CA-01: an attempt at 22:00 or at 09:00 on a Saturday is refused; nothing is stored."""
    open_callback(app, actor)
    error = refused("CA-01", attempt, app, at(2, 22))
    assert error.details["windows"] == ["09:30-12:00", "14:30-17:30", "19:00-21:00"]
    refused("CA-01", attempt, app, at(7, 10))  # Saturday: 10:30-12:30
    assert callback(app).attempts_total == 0


def test_ca02_third_failed_attempt_opens_verification_work_order(app, actor):
    """CA-02: three failed attempts in a cycle → 核实件/联系不上 and its work order, atomically."""
    open_callback(app, actor)
    result = _three_failures(app)
    outcome = last_outcome(app)
    assert (outcome.outcome_class, outcome.subtype, outcome.rule_ids) == (
        "核实件",
        "联系不上",
        ["CA-02", "OC-04"],
    )
    assert outcome.inputs["attempt_results"] == ["无人接听", "无人接听", "无人接听"]
    (wo_id,) = result.result["work_order_ids"]
    assert result.positions[-1] > result.positions[0]  # outcome and work order in one save
    assert app.get(WorkOrder, wo_id).work_order_type == "核实件"
    refused("CA-02", attempt, app, at(5, 10))  # the cycle is closed


def test_ca02_tick_closes_an_expired_cycle_with_fewer_attempts(app, actor):
    """CA-02: a cycle ends after 7 days; the explicit tick turns it into 核实件/联系不上."""
    open_callback(app, actor)  # cycle 1: 03-02 10:00 → 03-09 10:00
    attempt(app, at(2, 10, 30))
    assert tick(app, at(9, 9, 59)) == []  # the cycle runs until 03-09 10:00
    assert callback(app).status == CallbackStatus.AWAITING_CALL
    refused("CA-02", attempt, app, at(9, 10, 30))  # after the cycle's end
    (first,) = tick(app, at(9, 10))
    (again,) = tick(app, at(9, 10), refresh=False)  # the read model has not seen the closure yet
    assert (first.policy_number, first.closed, first.repeated) == ("P2026000001", True, False)
    assert again.repeated and again.positions == first.positions
    assert (callback(app).outcome_subtype, last_outcome(app).inputs["attempts_in_cycle"]) == (
        "联系不上",
        1,
    )
    assert len(work_orders_for_policy(app, "P2026000001")) == 1


def test_ca02_abandoned_call_counts_as_a_failed_attempt(app, actor):
    """CA-02: a reached call that breaks off mid-way is a failed attempt of the cycle."""
    open_callback(app, actor)
    attempt(app, at(2, 10, 30))
    attempt(app, at(3, 10, 30))
    reach(app, at(4, 10, 30))
    app.execute(AbandonCall(policy_number="P2026000001", occurred_at=at(4, 10, 35)), CALLCENTRE)
    assert callback(app).outcome_subtype == "联系不上"


@pytest.mark.parametrize(
    ("result", "subtype", "work_order"),
    [
        ("空号停机错号", "电话有误", "核实件"),
        ("拒访", "拒访", "核实件"),
        ("语言沟通不畅", "语言沟通不畅", "人工亲访件"),
    ],
)
def test_oc04_some_call_results_are_verifications_at_once(app, actor, result, subtype, work_order):
    """OC-04 / PC-01: wrong number, refusal, language barrier end the cycle at once."""
    open_callback(app, actor)
    attempt(app, at(2, 10, 30), result)
    assert (callback(app).outcome_class, callback(app).outcome_subtype) == ("核实件", subtype)
    assert [w.work_order_type for w in work_orders_for_policy(app, "P2026000001")] == [work_order]


# ----- QN / OC through the application --------------------------------------------------------
def test_qn01_item_not_on_the_products_questionnaire_is_refused(app, actor):
    """QN-01: a traditional product has no fees item."""
    open_callback(app, actor, product_type="传统")
    reach(app, at(2, 10, 30))
    fees = RecordAnswers(
        policy_number="P2026000001",
        answers=[AnswerIn(item=Q.FEES, response="是")],
        occurred_at=at(2, 10, 31),
    )
    refused("QN-01", app.execute, fees, CALLCENTRE)


def test_qn04_contract_not_received_ends_the_call(app, actor):
    """QN-04: not received → 核实件/未收到合同; answers after the end are refused."""
    open_callback(app, actor)
    reach(app, at(2, 10, 30))
    too_many = RecordAnswers(
        policy_number="P2026000001",
        answers=[
            AnswerIn(item=Q.PURCHASE_CONFIRMED, response="是"),
            AnswerIn(item=Q.POLICY_RECEIVED, response="否"),
            AnswerIn(item=Q.SIGNED_PERSONALLY, response="是"),
        ],
        occurred_at=at(2, 10, 31),
    )
    with pytest.raises(InvalidInput, match="QN-04"):
        app.execute(too_many, CALLCENTRE)
    app.execute(too_many.model_copy(update={"answers": too_many.answers[:2]}), CALLCENTRE)
    outcome = last_outcome(app)
    assert (outcome.outcome_class, outcome.subtype, outcome.success) == ("核实件", "未收到合同", False)
    assert outcome.rule_ids == ["OC-04", "QN-04"]


def test_qn03_signed_questionnaire_must_cover_every_item(app, actor):
    """QN-03: a visit's signed questionnaire answers every item of the set."""
    open_callback(app, actor)
    _three_failures(app)
    partial = RecordSignedQuestionnaire(
        policy_number="P2026000001",
        method="信函回访",
        evidence_ref="LETTER-1",
        answers=[AnswerIn(item=Q.PURCHASE_CONFIRMED, response="是")],
        occurred_at=at(5, 10),
    )
    refused("QN-03", app.execute, partial, BRANCH)


def test_oc02_corrected_doubt_is_sub_standard_and_sends_no_work_order(app, actor):
    """OC-02: reached, doubt corrected in the call → 次标准件, success, no work order."""
    open_callback(app, actor)
    reach(app, at(2, 10, 30))
    answer_all(app, at(2, 10, 40), **{Q.RETURNS_UNCERTAIN: {"response": "否", "corrected": True}})
    outcome = last_outcome(app)
    assert (outcome.outcome_class, outcome.subtype, outcome.success) == (
        "次标准件",
        "收益不确定性不清楚",
        True,
    )
    assert outcome.work_orders == [] and work_orders_for_policy(app, "P2026000001") == []


def test_oc03_unresolved_doubt_is_a_problem_case_with_a_first_explanation(app, actor):
    """OC-03: doubt not corrected → 问题件/疑似误导类 and a 一次沟通解释件 (still a success, OC-06)."""
    open_callback(app, actor)
    reach(app, at(2, 10, 30))
    answer_all(app, at(2, 10, 40), **{Q.CLAUSES_AND_LIABILITY: "否"})
    outcome = last_outcome(app)
    assert (outcome.outcome_class, outcome.category, outcome.success) == ("问题件", "疑似误导类", True)
    (wo,) = work_orders_for_policy(app, "P2026000001")
    assert (wo.work_order_type, wo.source_subtype) == (
        "一次沟通解释件",
        "投保提示/保险责任/责任免除不清楚",
    )


def test_oc06_cancellation_within_cooling_off_excludes_callback_and_withdraws_verification(app, actor):
    """OC-06: 犹豫期撤单 closes the callback as excluded; its 核实件 is withdrawn."""
    open_callback(app, actor)
    (wo_id,) = _three_failures(app).result["work_order_ids"]
    app.execute(
        CancelInCoolingOff(policy_number="P2026000001", cancelled_on=date(2026, 3, 5), occurred_at=at(5, 9)),
        actor,
    )
    cb = callback(app)
    excluded = events_of(app, cb.id)[-1]
    assert isinstance(excluded, Callback.Excluded)
    assert (cb.status, excluded.previous_status, excluded.rule_id) == (
        CallbackStatus.EXCLUDED,
        "转机构处理",
        "OC-06",
    )
    assert app.get(WorkOrder, wo_id).state == "已撤销"
    refused("OC-06", attempt, app, at(5, 10))


# ----- DP-01 / DP-02 ----------------------------------------------------------------------
def _holder(n: int, phone: str = "13711112222"):
    return factories.person(name=f"客户{n}", id_number=f"11010119900101{n:04d}", phone=phone)


def test_dp01_three_policyholders_on_one_number_make_every_callback_a_duplicate(app, actor):
    """DP-01: the third distinct holder on a number flags all their callbacks 核实件/重复号码."""
    open_callback(app, actor, "P2026000001", policyholder=_holder(1))
    open_callback(app, actor, "P2026000002", policyholder=_holder(2))
    assert callback(app, "P2026000002").status == CallbackStatus.AWAITING_CALL
    open_callback(app, actor, "P2026000003", policyholder=_holder(3))
    for number in ("P2026000001", "P2026000002", "P2026000003"):
        cb = callback(app, number)
        assert (cb.outcome_class, cb.outcome_subtype) == ("核实件", "重复号码"), number
        outcome = last_outcome(app, number)
        assert outcome.rule_ids == ["DP-01", "OC-04"]
        assert outcome.inputs["policy_numbers"] == ["P2026000001", "P2026000002", "P2026000003"]
        assert len(work_orders_for_policy(app, number)) == 1


def test_dp02_holder_using_the_agents_phone_is_a_duplicate_unless_self_insured(app, actor):
    """DP-02: holder's phone = agent's phone, holder ≠ agent → 重复号码; 自保 is fine."""
    app.execute(factories.register_agent(phone="13900001111"), actor)
    open_callback(app, actor, "P2026000001", policyholder=_holder(1, "13900001111"))
    assert last_outcome(app).rule_ids == ["DP-02", "OC-04"]
    agent_self = factories.person(name="李四", id_number="110101198501015678", phone="13900001111")
    open_callback(app, actor, "P2026000002", policyholder=agent_self)
    assert callback(app, "P2026000002").status == CallbackStatus.AWAITING_CALL


def test_dp02_contact_change_to_the_agents_phone_flags_the_open_callback(app, actor):
    """DP-01/02 are checked again when contact data changes (ContactPoint decides)."""
    app.execute(factories.register_agent(phone="13900001111"), actor)
    open_callback(app, actor)
    app.execute(
        ChangeContact(policy_number="P2026000001", phone="13900001111", occurred_at=at(2, 11)),
        actor,
    )
    assert (callback(app).outcome_subtype, last_outcome(app).rule_ids) == (
        "重复号码",
        ["DP-02", "OC-04"],
    )
