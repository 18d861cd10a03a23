"""Pure domain tests for the foundation: value objects, Policy rules (no database)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.contact_point import ContactPoint
from domain.parameters import CallbackParams
from domain.policy import Policy, PolicyFacts, cooling_off_end
from domain.shared.actor import Actor
from domain.shared.aggregate import Context
from domain.shared.errors import InvalidInput, RuleViolation
from domain.shared.time import SHANGHAI
from domain.shared.values import Person, PhoneKind, PhoneNumber, Term

CTX = Context(datetime(2026, 3, 5, 10, 0, tzinfo=SHANGHAI), Actor("t", "admin"), "c-1")


def facts(**overrides) -> PolicyFacts:
    holder = Person("张三", "110101199001011234", date(1990, 1, 1), PhoneNumber.parse("13812346138"))
    fields = dict(
        number="P2026000001",
        channel="个险",
        product_type="传统",
        product_name="",
        term=Term(20, "年"),
        payment_mode="期缴",
        payment_period_years=10,
        payment_frequency="年交",
        premium="1000",
        holder_type="个人",
        policyholder=holder,
        holder_organisation="",
        insured=holder,
        agent_code="A0001",
        branch="北京分公司",
        underwritten_on=date(2026, 3, 1),
    )
    fields.update(overrides)
    return PolicyFacts(**fields)


@pytest.mark.parametrize(
    ("raw", "normalized", "kind"),
    [
        ("138-1234-6138", "13812346138", PhoneKind.MOBILE),
        ("+86 138 1234 6138", "13812346138", PhoneKind.MOBILE),
        ("008613812346138", "13812346138", PhoneKind.MOBILE),
        ("8613812346138", "13812346138", PhoneKind.MOBILE),
        ("010-62345678", "01062345678", PhoneKind.LANDLINE),
        ("+86 10 6234 5678", "01062345678", PhoneKind.LANDLINE),
        ("0571-8765432", "05718765432", PhoneKind.LANDLINE),
    ],
)
def test_dp03_phone_numbers_compare_in_normalised_form(raw, normalized, kind):
    phone = PhoneNumber.parse(raw)
    assert (phone.normalized, phone.kind, phone.usable) == (normalized, kind, True)


@pytest.mark.parametrize(
    "raw", ["", "   ", None, "1381234613", "138123461389", "12345", "abc", "0000000000", "21234567"]
)
def test_cb06_unusable_phone_is_representable_not_a_crash(raw):
    phone = PhoneNumber.parse(raw)
    assert phone.kind == PhoneKind.UNUSABLE and not phone.usable
    assert phone.problem


@given(st.text(max_size=30))
@settings(max_examples=200, deadline=None)
def test_cb06_any_text_parses_to_a_verdict(raw):
    phone = PhoneNumber.parse(raw)
    assert phone.kind in set(PhoneKind)
    assert phone.usable == (phone.problem == "")


def test_rc03_phone_mask():
    assert PhoneNumber.parse("13812346138").masked() == "138****6138"


@pytest.mark.parametrize(
    ("holder_type", "term", "needed"),
    [
        ("个人", Term(20, "年"), True),
        ("个人", Term(0, "终身"), True),
        ("个人", Term(13, "月"), True),
        ("个人", Term(1, "年"), False),  # exactly one year is excluded
        ("个人", Term(12, "月"), False),
        ("个人", Term(6, "月"), False),
        ("团体", Term(20, "年"), False),
    ],
)
def test_cb01_callback_needed_for_individual_holder_and_term_over_one_year(holder_type, term, needed):
    overrides = {"holder_type": holder_type, "term": term}
    if holder_type == "团体":
        overrides |= {"policyholder": None, "holder_organisation": "某某科技有限公司"}
    policy = Policy.issue(facts(**overrides), CTX)
    assert policy.needs_callback is needed


@pytest.mark.parametrize(
    ("channel", "end"),
    [("银保", date(2026, 3, 17)), ("个险", date(2026, 3, 12)), ("电销", date(2026, 3, 12))],
)
def test_cb03_cooling_off_runs_from_day_after_signing_for_n_natural_days(channel, end):
    policy = Policy.issue(facts(channel=channel), CTX)
    policy.sign_receipt(date(2026, 3, 2), CallbackParams(), CTX)
    assert policy.cooling_off_end == end
    event = policy.pending_events[-1]
    assert event.rule_id == "CB-03" and event.cooling_off_end == end


def test_cb03_product_override_wins_over_channel():
    params = CallbackParams(cooling_off_days_by_product={"万能": 20})
    assert cooling_off_end(date(2026, 3, 2), "银保", "万能", params) == (date(2026, 3, 22), 20)
    assert cooling_off_end(date(2026, 3, 2), "银保", "传统", params) == (date(2026, 3, 17), 15)


def test_cb05_late_registration_is_recorded_as_breach():
    policy = Policy.issue(facts(), CTX)
    policy.sign_receipt(date(2026, 3, 2), CallbackParams(), CTX)
    policy.register_receipt(date(2026, 3, 5), CallbackParams(), CTX)
    event = policy.pending_events[-1]
    assert (event.lag_days, event.allowed_lag_days, event.late, event.rule_id) == (3, 1, True, "CB-05")


def test_cb05_registration_within_lag_is_on_time():
    policy = Policy.issue(facts(), CTX)
    policy.sign_receipt(date(2026, 3, 2), CallbackParams(), CTX)
    policy.register_receipt(date(2026, 3, 3), CallbackParams(), CTX)
    assert policy.pending_events[-1].late is False


def test_cancel_after_cooling_off_is_refused_with_rule():
    policy = Policy.issue(facts(), CTX)
    policy.sign_receipt(date(2026, 3, 2), CallbackParams(), CTX)
    with pytest.raises(RuleViolation) as err:
        policy.cancel_in_cooling_off(date(2026, 3, 13), CTX)
    assert err.value.rule_id == "CB-03"
    policy.cancel_in_cooling_off(date(2026, 3, 12), CTX)
    assert policy.status == "犹豫期撤单"


def test_invalid_issue_inputs_are_clear_errors():
    with pytest.raises(InvalidInput, match="channel"):
        facts(channel="柜面")
    with pytest.raises(InvalidInput, match="policy number"):
        facts(number="x")
    with pytest.raises(InvalidInput, match="single-premium"):
        facts(payment_mode="趸交", payment_frequency="年交")


def _cp() -> ContactPoint:
    return ContactPoint.open(PhoneNumber.parse("13812346138"), CTX, uuid.uuid4())


def test_dp01_third_distinct_holder_flags_every_policy():
    cp = _cp()
    cp.record_policyholder("P1", "H1", "A1", 3, CTX)
    cp.record_policyholder("P2", "H2", "A1", 3, CTX)
    assert cp.verdict_for("P1", 3) is None
    cp.record_policyholder("P3", "H3", "A2", 3, CTX)
    flagged = [e for e in cp.pending_events if isinstance(e, ContactPoint.DuplicateNumberFlagged)]
    assert flagged[-1].newly_flagged == ["P1", "P2", "P3"] and flagged[-1].rule_id == "DP-01"
    assert cp.verdict_for("P1", 3).rule_id == "DP-01"


def test_dp01_same_holder_on_several_policies_counts_once():
    cp = _cp()
    for n in ("P1", "P2", "P3"):
        cp.record_policyholder(n, "H1", "A1", 3, CTX)
    assert cp.verdict_for("P3", 3) is None


def test_dp02_holder_using_the_agents_phone_is_flagged_unless_self_insured():
    cp = _cp()
    cp.record_agent("A1", "AGENT-ID", 3, CTX)
    cp.record_policyholder("P1", "H1", "A1", 3, CTX)  # someone else's policy, agent's number
    cp.record_policyholder("P2", "AGENT-ID", "A1", 3, CTX)  # 自保: the agent is the holder
    assert cp.verdict_for("P1", 3).rule_id == "DP-02"
    assert cp.verdict_for("P2", 3) is None
    flagged = [e for e in cp.pending_events if isinstance(e, ContactPoint.AgentNumberFlagged)]
    assert [e.policy_numbers for e in flagged] == [["P1"]]
