"""Policy-service cases PS-01..06 on the ServiceCase aggregate (pure domain)."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

import pytest

from domain.parameters import ServiceParams
from domain.service_case import (
    CaseStatus,
    ContactMethod,
    ServiceCase,
    ServiceCaseIndex,
    ServiceClass,
    ServiceSource,
)
from domain.shared.actor import Actor
from domain.shared.aggregate import Context
from domain.shared.errors import AlreadyExists, InvalidInput, RuleViolation
from domain.shared.time import SHANGHAI

PARAMS = ServiceParams()
DAY = date(2026, 3, 2)


def ctx(day: date = DAY) -> Context:
    return Context(
        datetime.combine(day, datetime.min.time(), tzinfo=SHANGHAI).replace(hour=10),
        Actor("tester", "admin"),
        uuid.uuid4().hex,
    )


def open_case(source: str = ServiceSource.AGENT_LEFT, **overrides) -> ServiceCase:
    fields = {
        "policy_number": "P2026000001",
        "branch": "北京分公司",
        "source": source,
        "previous_agent_code": "A0001",
        "previous_agent_departed": True,
        "trigger": "命令",
        "policy_lapsed": False,
        "premium_due_on": date(2026, 4, 1),
        "ctx": ctx(),
    }
    fields.update(overrides)
    return ServiceCase.open(uuid.uuid4(), **fields)


def in_service(case: ServiceCase | None = None, servicer: str = "S0001") -> ServiceCase:
    case = case or open_case()
    case.assign(servicer, PARAMS, ctx())
    case.sign_service_list(servicer_code=servicer, list_complete=True, ctx=ctx())
    return case


def last(case: ServiceCase, n: int = 1):
    return case.pending_events[-n]


def fail_methods(case: ServiceCase, methods) -> None:
    for m in methods:
        case.record_contact_attempt(
            method=m,
            party="投保人",
            party_birthday=date(1980, 1, 1),
            reached=False,
            attempted_on=DAY,
            note="",
            ctx=ctx(),
        )


# ----- PS-01 sources --------------------------------------------------------------------


@pytest.mark.parametrize("source", [s.value for s in ServiceSource if s != ServiceSource.LAPSE_TRANSFER])
def test_ps01_every_source_is_recorded(source):
    case = open_case(source)
    opened = last(case)
    assert opened.source == source and opened.rule_id == "PS-01"
    assert case.service_class == ServiceClass.NORMAL and case.status == CaseStatus.UNASSIGNED


def test_ps01_unknown_source_is_refused_citing_the_rule():
    with pytest.raises(RuleViolation) as refused:
        open_case("随便来的")
    assert refused.value.rule_id == "PS-01"


@pytest.mark.parametrize("source", [ServiceSource.AGENT_LEFT, ServiceSource.STRIPPED])
def test_ps01_orphan_transfer_must_record_the_previous_agent(source):
    with pytest.raises(RuleViolation) as refused:
        open_case(source, previous_agent_code="")
    assert refused.value.rule_id == "PS-01"
    assert last(open_case(source)).previous_agent_code == "A0001"


def test_ps01_agent_left_needs_an_agent_that_left():
    with pytest.raises(RuleViolation) as refused:
        open_case(previous_agent_departed=False)
    assert refused.value.rule_id == "PS-01"
    assert last(open_case(previous_agent_departed=None)).previous_agent_departed is None


def test_ps01_lapse_transfer_needs_a_lapsed_policy_and_opens_a_lapsed_case():
    with pytest.raises(RuleViolation, match="PS-01"):
        open_case(ServiceSource.LAPSE_TRANSFER)
    case = open_case(ServiceSource.LAPSE_TRANSFER, policy_lapsed=True)
    assert case.service_class == ServiceClass.LAPSED


def test_ps01_index_allows_one_open_case_per_policy():
    index = ServiceCaseIndex.start("P2026000001", ctx())
    first, second = uuid.uuid4(), uuid.uuid4()
    index.link(first, "外地转入", ctx())
    index.link(first, "外地转入", ctx())  # repeat: no-op
    with pytest.raises(AlreadyExists):
        index.link(second, "公司会办", ctx())
    index.unlink(first, "closed", ctx())
    index.link(second, "公司会办", ctx())
    assert index.open_case_id == second and index.case_ids == [first, second]


def test_ps01_supersede_closes_the_case_with_the_successor():
    case = in_service()
    successor = uuid.uuid4()
    case.supersede(new_case_id=successor, new_source="收展剥离", new_servicer_code="S0009", ctx=ctx())
    assert case.status == CaseStatus.CLOSED
    assert last(case).new_case_id == successor and last(case).rule_id == "PS-01"


# ----- PS-03 receiving ------------------------------------------------------------------


def test_ps03_assignment_makes_the_service_card_due_within_the_configured_days():
    case = open_case()
    case.assign("S0001", ServiceParams(service_card_within_days=5), ctx())
    assigned = last(case)
    assert (assigned.assigned_on, assigned.card_due_on) == (DAY, DAY + timedelta(days=5))
    assert assigned.card_within_days == 5 and assigned.rule_id == "PS-03"


def test_ps03_only_the_assigned_servicer_signs_the_list():
    case = open_case()
    with pytest.raises(RuleViolation, match="PS-03"):
        case.sign_service_list(servicer_code="S0001", list_complete=True, ctx=ctx())  # not assigned yet
    case.assign("S0001", PARAMS, ctx())
    with pytest.raises(RuleViolation, match="PS-03"):
        case.sign_service_list(servicer_code="S0002", list_complete=True, ctx=ctx())
    case.sign_service_list(servicer_code="S0001", list_complete=True, ctx=ctx())
    assert case.status == CaseStatus.IN_SERVICE


def test_ps03_irregular_list_forfeits_the_allowance():
    case = open_case()
    case.assign("S0001", PARAMS, ctx())
    case.sign_service_list(servicer_code="S0001", list_complete=False, ctx=ctx())
    assert last(case).allowance_forfeited and not last(case).list_complete


def test_ps03_card_within_3_days_is_on_time_and_later_is_a_recorded_breach():
    on_time = in_service()
    on_time.create_service_card("K001", DAY + timedelta(days=3), ctx(DAY + timedelta(days=3)))
    assert not last(on_time).late and last(on_time).due_on == DAY + timedelta(days=3)
    late = in_service()
    late.create_service_card("K002", DAY + timedelta(days=4), ctx(DAY + timedelta(days=4)))
    card = last(late)
    assert card.late and card.allowance_forfeited and card.days_taken == 4 and card.rule_id == "PS-03"


def test_ps03_card_needs_the_signed_list_and_is_created_once():
    case = open_case()
    case.assign("S0001", PARAMS, ctx())
    with pytest.raises(RuleViolation, match="PS-03"):
        case.create_service_card("K001", DAY, ctx())
    case.sign_service_list(servicer_code="S0001", list_complete=True, ctx=ctx())
    case.create_service_card("K001", DAY, ctx())
    case.create_service_card("K001", DAY, ctx())  # repeat: no-op
    with pytest.raises(AlreadyExists):
        case.create_service_card("K002", DAY, ctx())
    with pytest.raises(InvalidInput):
        in_service().create_service_card("K003", DAY + timedelta(days=1), ctx())  # future


def test_ps03_refusal_is_recorded_and_disqualifying_without_cause():
    case = open_case()
    case.assign("S0001", PARAMS, ctx())
    case.refuse(servicer_code="S0001", reason="", justified=False, ctx=ctx())
    refused = last(case)
    assert refused.disqualifying and refused.rule_id == "PS-03"
    assert case.status == CaseStatus.UNASSIGNED and case.servicer_code == ""
    case.assign("S0002", PARAMS, ctx())
    case.refuse(servicer_code="S0002", reason="客户为本人亲属，需回避", justified=True, ctx=ctx())
    assert not last(case).disqualifying


def test_ps03_a_signed_case_cannot_be_refused():
    case = in_service()
    with pytest.raises(RuleViolation, match="PS-03"):
        case.refuse(servicer_code="S0001", reason="", justified=False, ctx=ctx())


def test_ps03_contacting_needs_the_signed_list():
    case = open_case()
    case.assign("S0001", PARAMS, ctx())
    with pytest.raises(RuleViolation, match="PS-03"):
        fail_methods(case, [ContactMethod.PHONE])


# ----- PS-02 classes and the 6+1 methods --------------------------------------------------


def test_ps02_methods_are_the_seeds_six_plus_one_in_order():
    assert [m.number for m in ContactMethod] == [1, 2, 3, 4, 5, 6, 7]
    assert ContactMethod.parse("7") == ContactMethod.COMPANY_HELP
    assert ContactMethod.parse("向原业务员了解") == ContactMethod.ORIGINAL_AGENT
    with pytest.raises(InvalidInput, match="PS-02"):
        ContactMethod.parse("8")


def test_ps02_difficult_is_refused_until_all_seven_methods_failed_naming_the_missing():
    case = in_service()
    fail_methods(case, list(ContactMethod)[:5])
    with pytest.raises(RuleViolation) as refused:
        case.classify_difficult(ctx())
    assert refused.value.rule_id == "PS-02"
    assert refused.value.details["missing_method_numbers"] == [6, 7]
    assert refused.value.details["missing_methods"] == [
        ContactMethod.POLICY_DATA.value,
        ContactMethod.COMPANY_HELP.value,
    ]


def test_ps02_all_seven_failed_makes_a_difficult_case_and_ps04_report_due_before_premium_date():
    case = in_service()
    fail_methods(case, list(ContactMethod))
    case.classify_difficult(ctx())
    changed, due = case.pending_events[-2:]
    assert changed.new_class == ServiceClass.DIFFICULT and changed.rule_id == "PS-02"
    assert len(changed.methods_tried) == 7
    assert due.rule_id == "PS-04" and due.premium_due_on == date(2026, 4, 1)
    assert due.due_on == date(2026, 3, 31)  # strictly before the premium due date


def test_ps02_a_successful_contact_restarts_the_search():
    case = in_service()
    fail_methods(case, list(ContactMethod)[:6])
    case.record_contact_attempt(
        method=ContactMethod.PHONE,
        party="投保人",
        party_birthday=date(1980, 1, 1),
        reached=True,
        attempted_on=DAY,
        note="接通",
        ctx=ctx(),
    )
    fail_methods(case, [ContactMethod.COMPANY_HELP])
    with pytest.raises(RuleViolation, match="PS-02"):
        case.classify_difficult(ctx())


def test_ps02_reaching_a_difficult_cases_customer_makes_it_normal_again():
    case = in_service()
    fail_methods(case, list(ContactMethod))
    case.classify_difficult(ctx())
    case.record_contact_attempt(
        method=ContactMethod.VISIT,
        party="投保人",
        party_birthday=date(1980, 1, 1),
        reached=True,
        attempted_on=DAY,
        note="",
        ctx=ctx(),
    )
    assert case.service_class == ServiceClass.NORMAL
    assert last(case).old_class == ServiceClass.DIFFICULT and last(case).rule_id == "PS-02"


def test_ps02_a_lapsed_case_cannot_become_difficult():
    case = in_service(open_case(ServiceSource.LAPSE_TRANSFER, policy_lapsed=True))
    fail_methods(case, list(ContactMethod))
    with pytest.raises(RuleViolation, match="PS-02"):
        case.classify_difficult(ctx())


# ----- PS-04 contacting order and obligations -------------------------------------------------


def test_ps04_only_an_adult_insured_counts_as_reaching_the_customer():
    case = in_service()
    with pytest.raises(RuleViolation) as refused:
        case.record_contact_attempt(
            method=ContactMethod.PHONE,
            party="被保险人",
            party_birthday=date(2010, 6, 1),
            reached=True,
            attempted_on=DAY,
            note="",
            ctx=ctx(),
        )
    assert refused.value.rule_id == "PS-04" and refused.value.details["age"] == 15
    case.record_contact_attempt(
        method=ContactMethod.PHONE,
        party="被保险人",
        party_birthday=date(2000, 6, 1),
        reached=True,
        attempted_on=DAY,
        note="",
        ctx=ctx(),
    )
    assert last(case).party_age == 25 and last(case).rule_ids == ["PS-02", "PS-04"]


def test_ps04_difficult_case_report_filed_after_the_due_day_is_late():
    case = in_service()
    fail_methods(case, list(ContactMethod))
    case.classify_difficult(ctx())
    later = date(2026, 4, 1)
    case.file_difficult_case_report(later, ctx(later))
    filed = last(case)
    assert filed.late and filed.due_on == date(2026, 3, 31) and filed.rule_id == "PS-04"


def test_ps04_difficult_report_only_for_difficult_cases_and_due_moves_with_premium_date():
    case = in_service(open_case(premium_due_on=None))
    with pytest.raises(RuleViolation, match="PS-04"):
        case.file_difficult_case_report(DAY, ctx())
    fail_methods(case, list(ContactMethod))
    case.classify_difficult(ctx())
    assert last(case).due_on is None  # premium due date unknown yet
    case.record_premium_due_date(date(2026, 3, 20), ctx())
    assert last(case).due_on == date(2026, 3, 19)
    case.file_difficult_case_report(DAY, ctx())
    assert not last(case).late


def test_ps04_survival_benefit_notice_is_due_before_the_anniversary():
    case = in_service()
    anniversary = date(2026, 3, 10)
    case.schedule_survival_benefit_notice(anniversary, ctx())
    due = last(case)
    assert due.due_on == date(2026, 3, 9) and due.rule_id == "PS-04"
    on_day = date(2026, 3, 10)
    case.deliver_survival_benefit_notice(anniversary_on=anniversary, delivered_on=on_day, ctx=ctx(on_day))
    delivered = last(case)
    assert delivered.late and delivered.delivered_on == on_day
    with pytest.raises(AlreadyExists):
        case.deliver_survival_benefit_notice(anniversary_on=anniversary, delivered_on=DAY, ctx=ctx(on_day))


def test_ps04_delivery_without_schedule_records_the_obligation_too():
    case = in_service()
    case.deliver_survival_benefit_notice(anniversary_on=date(2026, 5, 1), delivered_on=DAY, ctx=ctx())
    due, delivered = case.pending_events[-2:]
    assert isinstance(due, ServiceCase.SurvivalBenefitNoticeDue)
    assert not delivered.late


# ----- PS-05 service items --------------------------------------------------------------------


def record_item(case: ServiceCase, **overrides) -> None:
    fields = {
        "item": "续期交费提醒",
        "served_on": DAY,
        "content": "提醒 4 月 1 日续期交费",
        "customer_attitude": "配合",
        "result": "客户同意银行转账",
        "ctx": ctx(),
    }
    fields.update(overrides)
    case.record_service_item(**fields)


def test_ps05_service_item_goes_on_the_card_with_date_content_attitude_result():
    case = in_service()
    with pytest.raises(RuleViolation, match="PS-05"):
        record_item(case)  # no service card yet
    case.create_service_card("K001", DAY, ctx())
    record_item(case)
    item = last(case)
    assert (item.item, item.served_on, item.card_number, item.rule_id) == (
        "续期交费提醒",
        DAY,
        "K001",
        "PS-05",
    )
    assert item.customer_attitude == "配合" and item.result == "客户同意银行转账"


def test_ps05_a_record_missing_attitude_or_result_is_refused():
    case = in_service()
    case.create_service_card("K001", DAY, ctx())
    with pytest.raises(RuleViolation) as refused:
        record_item(case, customer_attitude=" ", result="")
    assert refused.value.rule_id == "PS-05" and len(refused.value.details["missing"]) == 2
    with pytest.raises(InvalidInput, match="PS-05"):
        record_item(case, item="代客户签字")


# ----- PS-06 lapsed cases -------------------------------------------------------------------------


def test_ps06_lapse_and_reinstatement_change_the_class():
    case = in_service()
    case.mark_lapsed(date(2026, 3, 1), ctx())
    assert case.service_class == ServiceClass.LAPSED and last(case).rule_id == "PS-06"
    case.mark_reinstated(date(2026, 3, 2), ctx())
    assert case.service_class == ServiceClass.NORMAL


def test_ps06_reinstatement_visit_only_on_lapsed_cases():
    with pytest.raises(RuleViolation, match="PS-06"):
        in_service().record_reinstatement_visit(visited_on=DAY, outcome="已复效", note="", ctx=ctx())


def test_ps06_visit_result_is_confirmed_by_quality_control_not_the_servicer():
    case = in_service(open_case(ServiceSource.LAPSE_TRANSFER, policy_lapsed=True))
    with pytest.raises(RuleViolation, match="PS-06"):
        case.review_reinstatement_result(
            reviewer="QC01", confirmed=True, note="", ctx=ctx()
        )  # nothing to confirm
    case.record_reinstatement_visit(visited_on=DAY, outcome="拒绝复效", note="客户资金紧张", ctx=ctx())
    assert last(case).outcome == "拒绝复效" and last(case).rule_id == "PS-06"
    with pytest.raises(RuleViolation, match="PS-06"):
        case.review_reinstatement_result(reviewer="S0001", confirmed=True, note="", ctx=ctx())
    case.review_reinstatement_result(reviewer="QC01", confirmed=False, note="反馈表不完整，请重访", ctx=ctx())
    case.record_reinstatement_visit(visited_on=DAY, outcome="同意复效待办理", note="", ctx=ctx())
    case.review_reinstatement_result(reviewer="QC01", confirmed=True, note="", ctx=ctx())
    reviewed = last(case)
    assert reviewed.confirmed and reviewed.outcome == "同意复效待办理"
    with pytest.raises(RuleViolation, match="PS-06"):
        case.record_reinstatement_visit(visited_on=DAY, outcome="已复效", note="", ctx=ctx())


def test_closed_case_refuses_further_work():
    case = in_service()
    case.close("保单退保", ctx())
    with pytest.raises(InvalidInput):
        fail_methods(case, [ContactMethod.PHONE])
