"""Questionnaire (QN-01..04) and outcome classification (OC-01..04, OC-06, PC-01), pure domain.

Also: the same answers always give the same outcome, and replaying the callback's
events rebuilds the same decision (no outcome is ever taken from the caller).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from application.adapters.calendar import ChineseWorkingDayCalendar
from domain.callback import (
    Callback,
    QuestionItem,
    QuestionnaireVersion,
    Response,
    choose_version,
    classify,
    finding_for_answer,
    make_answer,
    question_set,
)
from domain.callback.outcome import ends_call, is_success, work_orders_for
from domain.callback.questionnaire import DOUBT_ITEMS
from domain.parameters import CallbackParams
from domain.policy import Policy, PolicyFacts
from domain.shared.actor import Actor
from domain.shared.aggregate import Context
from domain.shared.errors import InvalidInput
from domain.shared.time import SHANGHAI
from domain.shared.values import Person, PhoneNumber, Term

Q = QuestionItem
PARAMS = CallbackParams()


# ----- QN-01 / QN-03 ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("product", "returns", "fees"),
    [("传统", False, False), ("分红", True, False), ("万能", True, True), ("投连", True, True)],
)
def test_qn01_question_set_depends_on_product_type(product, returns, fees):
    """QN-01: 分红/万能/投连 add "returns are not guaranteed"; 万能/投连 add the fees item."""
    items = question_set(product, True, "A卷")
    assert (Q.RETURNS_UNCERTAIN in items) is returns
    assert (Q.FEES in items) is fees
    assert (Q.RISK_STATEMENT_COPIED in items) is returns  # 新型产品 risk statement


def test_qn03_items_in_regulatory_order_and_insured_signature_when_insured_differs():
    """QN-03 items in order; CB-02: an insured other than the holder must have signed too."""
    assert question_set("传统", True, "A卷") == [
        Q.PURCHASE_CONFIRMED,
        Q.KNOWS_IS_INSURANCE,
        Q.POLICY_RECEIVED,
        Q.SIGNED_PERSONALLY,
        Q.TRUTHFUL_DISCLOSURE,
        Q.PREMIUM_AND_TERM,
        Q.CLAUSES_AND_LIABILITY,
        Q.COOLING_OFF_RIGHTS,
        Q.AGENT_SATISFACTION,
        Q.CONTACT_CONFIRMED,
    ]
    other = question_set("传统", False, "A卷")
    assert other.index(Q.INSURED_SIGNED) == other.index(Q.SIGNED_PERSONALLY) + 1


# ----- QN-02 ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("called_on", "version", "d"),
    [
        (date(2026, 3, 1), "A卷", 0),
        (date(2026, 3, 19), "A卷", 18),
        (date(2026, 3, 20), "B卷", 19),
    ],
)
def test_qn02_questionnaire_a_up_to_18_days_after_underwriting_then_b(called_on, version, d):
    """QN-02: d ≤ 18 → A (states cooling-off rights); d > 18 → B (reading reminder)."""
    chosen, days = choose_version(called_on, date(2026, 3, 1), PARAMS)
    assert (chosen.value, days) == (version, d)
    items = question_set("分红", True, chosen)
    assert (Q.COOLING_OFF_RIGHTS in items) is (chosen == QuestionnaireVersion.A)
    assert (Q.READING_REMINDER in items) is (chosen == QuestionnaireVersion.B)


def test_qn02_threshold_is_configurable():
    """QN-02: 18 is config."""
    chosen, _ = choose_version(
        date(2026, 3, 11), date(2026, 3, 1), CallbackParams(questionnaire_b_after_days=9)
    )
    assert chosen == QuestionnaireVersion.B


# ----- QN-04 → OC-02..04 ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("item", "response", "corrected", "expected"),
    [
        (Q.POLICY_RECEIVED, "否", False, ("核实件", "", "未收到合同")),
        (Q.POLICY_RECEIVED, "不清楚", False, ("核实件", "", "未收到合同")),
        (Q.PURCHASE_CONFIRMED, "否", False, ("核实件", "", "拒访")),
        (Q.SIGNED_PERSONALLY, "否", False, ("问题件", "代签字类", "投保资料代签字")),
        (Q.INSURED_SIGNED, "否", False, ("问题件", "代签字类", "投保资料代签字")),
        (Q.RISK_STATEMENT_COPIED, "否", False, ("问题件", "代签字类", "代抄录风险提示语")),
        (Q.SIGNED_PERSONALLY, "不清楚", False, ("问题件", "沟通解释类", "记不清是否亲笔签名")),
        (Q.TRUTHFUL_DISCLOSURE, "否", False, ("问题件", "沟通解释类", "未如实告知")),
        (
            Q.CLAUSES_AND_LIABILITY,
            "否",
            False,
            ("问题件", "疑似误导类", "投保提示/保险责任/责任免除不清楚"),
        ),
        (
            Q.CLAUSES_AND_LIABILITY,
            "否",
            True,
            ("次标准件", "", "投保提示/保险责任/责任免除不清楚"),
        ),
        (Q.KNOWS_IS_INSURANCE, "否", True, ("次标准件", "", "认为存款赠保险")),
        (Q.FEES, "不清楚", False, ("问题件", "疑似误导类", "万能险费用扣除不清楚")),
    ],
)
def test_qn04_negative_answer_maps_to_outcome(item, response, corrected, expected):
    """QN-04: each negative answer maps to a class, category and subtype (OC-02/03/04)."""
    finding = finding_for_answer(make_answer(item, response, corrected))
    assert (finding.outcome_class, finding.category, finding.subtype) == expected
    assert ends_call(finding) is (expected[0] == "核实件")


def test_qn04_positive_and_informational_answers_raise_nothing():
    """QN-04: only negative knowledge/signature answers count; satisfaction is recorded only."""
    assert finding_for_answer(make_answer(Q.CLAUSES_AND_LIABILITY, "是")) is None
    assert finding_for_answer(make_answer(Q.AGENT_SATISFACTION, "否")) is None


def test_qn04_corrected_only_applies_to_a_doubt():
    """QN-04: "corrected during the call" is meaningless for a signature (three 禁止)."""
    with pytest.raises(InvalidInput):
        make_answer(Q.SIGNED_PERSONALLY, "否", corrected=True)
    with pytest.raises(InvalidInput):
        make_answer(Q.CLAUSES_AND_LIABILITY, "是", corrected=True)


# ----- OC-01..04, OC-06, PC-01 ------------------------------------------------------------------
def _decide(*answers):
    return classify([f for a in answers if (f := finding_for_answer(make_answer(*a)))])


def test_oc01_all_positive_is_standard_with_no_work_order():
    """OC-01: reached, identity confirmed, all answers positive → 标准件, closed."""
    decision = _decide((Q.CLAUSES_AND_LIABILITY, "是"))
    assert (decision.outcome_class, decision.rule_ids, decision.work_order_types) == (
        "标准件",
        ["OC-01"],
        [],
    )


def test_oc02_corrected_doubts_are_sub_standard_without_customer_follow_up():
    """OC-02: doubts corrected in the call → 次标准件, no work order."""
    decision = _decide((Q.FEES, "否", True), (Q.COOLING_OFF_RIGHTS, "不清楚", True))
    assert (decision.outcome_class, decision.subtype) == ("次标准件", "万能险费用扣除不清楚")
    assert decision.work_order_types == [] and decision.success


def test_oc03_unresolved_doubt_is_problem_with_first_explanation():
    """OC-03 / PC-01: an uncorrected doubt → 问题件/疑似误导类 → 一次沟通解释件."""
    decision = _decide((Q.RETURNS_UNCERTAIN, "否"), (Q.FEES, "否", True))
    assert (decision.outcome_class, decision.category, decision.subtype) == (
        "问题件",
        "疑似误导类",
        "收益不确定性不清楚",
    )
    assert decision.work_order_types == ["一次沟通解释件"]
    assert decision.rule_ids == ["OC-02", "OC-03"]


def test_oc03_proxy_signature_comes_first_and_each_problem_gets_its_work_order():
    """OC-03 / PC-01: 代签字 + reported misleading + other doubts → three work orders."""
    decision = _decide(
        (Q.SIGNED_PERSONALLY, "否"),
        (Q.RETURNS_UNCERTAIN, "否", False, "夸大保险产品收益"),
        (Q.TRUTHFUL_DISCLOSURE, "否"),
    )
    assert (decision.category, decision.subtype) == ("代签字类", "投保资料代签字")
    assert decision.work_order_types == ["代签字", "销售误导件", "一次沟通解释件"]


def test_oc04_language_barrier_verification_goes_to_in_person_visit():
    """OC-04 / PC-01: 核实件/语言沟通不畅 → 人工亲访件; other 核实件 → 核实件."""
    from domain.callback.labels import VerificationSubtype
    from domain.callback.outcome import verification

    language = classify([verification(VerificationSubtype.LANGUAGE_BARRIER, "呼出结果", "x", "OC-04")])
    refused = classify([verification(VerificationSubtype.REFUSED, "呼出结果", "x", "OC-04")])
    assert language.work_order_types == ["人工亲访件"]
    assert refused.work_order_types == ["核实件"]
    assert not language.success and not refused.success


def test_oc06_success_means_questionnaire_completed():
    """OC-06: 标准件, 次标准件 and 问题件 succeed; 核实件 does not."""
    assert [is_success(c) for c in ("标准件", "次标准件", "问题件", "核实件")] == [
        True,
        True,
        True,
        False,
    ]
    assert work_orders_for("次标准件", []) == []


# ----- determinism: the decision is a pure function of the recorded facts ---------------------
CALENDAR = ChineseWorkingDayCalendar()


def _at(day: int, hour: int, minute: int = 0) -> Context:
    when = datetime(2026, 3, day, hour, minute, tzinfo=SHANGHAI)
    return Context(when, Actor(id="cc-001", role="callcentre"), f"c-{day}-{hour}-{minute}")


def _reached_callback(product_type: str, insured_is_holder: bool) -> Callback:
    holder = Person("张三", "110101199001011234", date(1990, 1, 1), PhoneNumber.parse("13812346138"))
    insured = (
        holder
        if insured_is_holder
        else Person("张小", "110101201001011234", date(2010, 1, 1), PhoneNumber.parse(""))
    )
    facts = PolicyFacts(
        number="P2026000001",
        channel="个险",
        product_type=product_type,
        product_name="测试产品",
        term=Term(20, "年"),
        payment_mode="期缴",
        payment_period_years=10,
        payment_frequency="年交",
        premium=Decimal("1000"),
        holder_type="个人",
        policyholder=holder,
        holder_organisation="",
        insured=insured,
        agent_code="A0001",
        branch="北京分公司",
        underwritten_on=date(2026, 3, 1),
    )
    policy = Policy.issue(facts, _at(1, 9))
    policy.sign_receipt(date(2026, 3, 2), PARAMS, _at(2, 9))
    policy.register_receipt(date(2026, 3, 2), PARAMS, _at(2, 9))
    cb = Callback.open(
        policy=policy,
        registration_lag_days=0,
        registration_late=False,
        duplicate=None,
        params=PARAMS,
        ctx=_at(2, 10),
    )
    cb.record_attempt(
        result="接通本人",
        recording_ref="REC-1",
        caller_id="",
        phone_called=None,
        params=PARAMS,
        calendar=CALENDAR,
        ctx=_at(2, 10, 30),
    )
    cb.check_identity("通过", PARAMS, _at(2, 10, 31))
    return cb


@st.composite
def calls(draw):
    product = draw(st.sampled_from(["传统", "分红", "万能", "投连"]))
    insured_is_holder = draw(st.booleans())
    items = question_set(product, insured_is_holder, "A卷")
    answers = []
    for item in items:
        response = draw(st.sampled_from([r.value for r in Response]))
        doubt = item in DOUBT_ITEMS and response != "是"
        corrected = doubt and draw(st.booleans())
        misleading = draw(st.sampled_from(["", "夸大保险产品收益"])) if doubt else ""
        answer = make_answer(item, response, corrected, misleading)
        answers.append(answer)
        if ends_call(finding_for_answer(answer)):
            break
    return product, insured_is_holder, answers


@settings(max_examples=60, deadline=None)
@given(call=calls())
def test_oc_same_answers_always_give_the_same_explained_outcome(call):
    """OC-01..04: the outcome follows from the answers, is repeatable, and survives replay."""
    product, insured_is_holder, answers = call
    decided = []
    for _ in range(2):
        cb = _reached_callback(product, insured_is_holder)
        cb.record_answers(answers, _at(2, 10, 40))
        events = cb.collect_events()
        outcome = events[-1]
        assert isinstance(outcome, Callback.OutcomeDecided)
        expected = classify([f for a in answers if (f := finding_for_answer(a))])
        assert (outcome.outcome_class, outcome.subtype) == (expected.outcome_class, expected.subtype)
        assert outcome.findings == expected.findings and outcome.rule_ids
        assert [a["item"] for a in outcome.inputs["answers"]] == [a.item for a in answers]
        replayed = None
        for event in events:
            replayed = event.mutate(replayed)
        assert (replayed.status, replayed.outcome_class) == (cb.status, cb.outcome_class)
        decided.append((outcome.outcome_class, outcome.category, outcome.subtype, outcome.findings))
    assert decided[0] == decided[1]
