"""SL-01..SL-04 rules in the domain (no database): boundaries of every deadline and table.

Working days use the PRC calendar (chinesecalendar) as PC-02 does; the 2026 Spring
Festival has a make-up working Saturday (02-14, 调休) before nine rest days (02-15..02-23)
and another after (02-28), so a start on Friday 02-13 crosses both.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from application.adapters.calendar import ChineseWorkingDayCalendar
from domain.claim import ClaimCase, ClaimStep, closure_care_window
from domain.complaint import Complaint
from domain.parameters import CallbackParams
from domain.renewal import RenewalReminderSeries, reminder_due_days
from domain.service_standard.parameters import ServiceStandardParams
from domain.shared.actor import Actor
from domain.shared.aggregate import Context
from domain.shared.errors import InvalidInput, RuleViolation
from domain.shared.time import SHANGHAI, end_of_day
from domain.work_order.types import ObligationStatus

CAL = ChineseWorkingDayCalendar()
P = ServiceStandardParams()
CB = CallbackParams()
_n = iter(range(1_000_000))


def ctx(moment: datetime) -> Context:
    return Context(moment, Actor("tester", "admin"), f"c{next(_n)}")


def at(y: int, m: int, d: int, hh: int = 0, mm: int = 0, ss: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, ss, tzinfo=SHANGHAI)


# ----- SL-01 complaints -------------------------------------------------------------------
RECEIVED = at(2026, 3, 2, 10, 0)


def complaint(category: str = "服务", **kw: str) -> Complaint:
    fields = {"policy_number": "", "agent_code": ""} | kw
    return Complaint.receive(
        complaint_no="TS-001",
        channel="电话",
        category=category,
        customer="张三",
        branch="BR-SH",
        policy_number=fields["policy_number"],
        agent_code=fields["agent_code"],
        summary="服务态度差",
        params=P,
        ctx=ctx(RECEIVED),
    )


@pytest.mark.parametrize(
    ("after", "on_time"),
    [
        (timedelta(hours=24), True),
        (timedelta(hours=24, minutes=1), False),
        (timedelta(hours=24, seconds=1), False),
    ],
)
def test_sl01b_acknowledged_within_24_hours_exactly(after, on_time):
    c = complaint()
    c.acknowledge("已电话回复", ctx(RECEIVED + after))
    event = c.collect_events()[-1]
    assert isinstance(event, Complaint.Acknowledged)
    assert (event.on_time, event.due_at, event.rule_id) == (on_time, RECEIVED + timedelta(hours=24), "SL-01b")
    status = c.acknowledgement_status(RECEIVED + timedelta(days=3))
    assert status == (ObligationStatus.CLOSED_ON_TIME if on_time else ObligationStatus.CLOSED_LATE)


def test_sl01b_open_acknowledgement_status_warns_then_overdue():
    c = complaint()
    assert c.acknowledgement_status(RECEIVED + timedelta(hours=21, minutes=59)) == ObligationStatus.NORMAL
    assert c.acknowledgement_status(RECEIVED + timedelta(hours=22)) == ObligationStatus.WARNING
    assert c.acknowledgement_status(RECEIVED + timedelta(hours=24, minutes=1)) == ObligationStatus.OVERDUE


@pytest.mark.parametrize(("day", "on_time"), [(17, True), (18, False)])
def test_sl01c_decided_by_day_15_on_time_day_16_late(day, on_time):
    """Received 03-02: day 15 is 03-17 (whole day), day 16 (03-18) is late."""
    c = complaint()
    c.acknowledge("", ctx(RECEIVED + timedelta(hours=1)))
    c.decide("部分支持", "已致歉并补偿", ctx(at(2026, 3, day, 23, 59) if on_time else at(2026, 3, day, 0, 0)))
    event = c.collect_events()[-1]
    assert (event.on_time, event.due_at, event.ended_on) == (
        on_time,
        end_of_day(date(2026, 3, 17)),
        date(2026, 3, day),
    )
    assert event.rule_ids == ["SL-01c", "SL-01e"] and event.complex is False


@pytest.mark.parametrize(("day", "on_time"), [(1, True), (2, False)])
def test_sl01c_complex_gets_30_days_day_30_on_time_day_31_late(day, on_time):
    """Received 03-02, complex: day 30 is 04-01, day 31 (04-02) is late."""
    c = complaint()
    c.acknowledge("", ctx(RECEIVED + timedelta(hours=1)))
    c.class_complex("需调取双录资料并与销售机构核实", P, ctx(at(2026, 3, 10, 9)))
    classed = c.collect_events()[-1]
    assert (classed.previous_due_on, classed.decision_due_on, classed.decision_days, classed.rule_id) == (
        date(2026, 3, 17), date(2026, 4, 1), 30, "SL-01c",
    )  # fmt: skip
    c.decide("支持", "退还保费", ctx(at(2026, 4, day, 18)))
    decided = c.collect_events()[-1]
    assert (decided.on_time, decided.complex) == (on_time, True)


def test_sl01c_complex_needs_a_reason_and_the_15_days_still_running():
    c = complaint()
    with pytest.raises(InvalidInput):
        c.class_complex("  ", P, ctx(at(2026, 3, 5)))
    c.class_complex("涉及多方", P, ctx(at(2026, 3, 17, 23, 59)))  # the last minute of day 15
    late = complaint()
    with pytest.raises(RuleViolation) as refused:
        late.class_complex("涉及多方", P, ctx(at(2026, 3, 18, 0, 0)))
    assert refused.value.rule_id == "SL-01c"


def test_sl01d_escalation_keeps_the_deadline_and_sl01e_decision_needs_an_acknowledgement():
    c = complaint()
    with pytest.raises(RuleViolation) as refused:
        c.decide("不支持", "不属实", ctx(at(2026, 3, 3)))
    assert refused.value.rule_id == "SL-01b"
    c.acknowledge("", ctx(at(2026, 3, 2, 11)))
    c.escalate("分公司客服主管", "客户要求主管介入", ctx(at(2026, 3, 3)))
    assert c.decision_due_on == date(2026, 3, 17)
    c.decide("不支持", "不属实", ctx(at(2026, 3, 4)))
    with pytest.raises(InvalidInput):
        c.escalate("总公司", "再次投诉", ctx(at(2026, 3, 5)))


def test_sl01f_misleading_sales_complaint_names_policy_and_agent():
    with pytest.raises(RuleViolation) as refused:
        complaint("销售误导", policy_number="P2026000001")
    assert refused.value.rule_id == "SL-01f"
    c = complaint("销售误导", policy_number="P2026000001", agent_code="A0001")
    received = c.collect_events()[0]
    assert (received.policy_number, received.agent_code) == ("P2026000001", "A0001")
    assert "SL-01f" in received.rule_ids


# ----- SL-02 renewal reminders ------------------------------------------------------------
EXPIRY = date(2026, 6, 30)


def series() -> RenewalReminderSeries:
    return RenewalReminderSeries.open("P2026000001", EXPIRY, "A0001", "BR-SH", "车险", P, ctx(at(2026, 5, 1)))


def test_sl02ab_due_days_30_before_then_every_10_until_the_expiry_day():
    assert reminder_due_days(EXPIRY, P) == [date(2026, 5, 31), date(2026, 6, 10), date(2026, 6, 20), EXPIRY]
    assert series().due_days[0] == EXPIRY - timedelta(days=30)


def test_sl02a_the_30th_day_before_expiry_is_the_first_day_a_reminder_counts():
    s = series()
    with pytest.raises(RuleViolation) as refused:
        s.make_reminder("电话", "", ctx(at(2026, 5, 30, 23, 59)))  # the 31st day before
    assert refused.value.rule_id == "SL-02a"
    assert s.make_reminder("电话", "", ctx(at(2026, 5, 31, 9, 30))) == 1
    made = s.collect_events()[-1]
    assert (made.reminder_no, made.due_on, made.on_time, made.rule_id) == (
        1,
        date(2026, 5, 31),
        True,
        "SL-02b",
    )


def test_sl02b_a_late_reminder_is_closed_late_and_a_missed_one_stays_overdue():
    s = series()
    assert s.make_reminder("电话", "", ctx(at(2026, 6, 1, 10))) == 1  # a day late
    assert s.collect_events()[-1].on_time is False
    with pytest.raises(RuleViolation) as refused:
        s.make_reminder("电话", "", ctx(at(2026, 6, 9, 10)))
    assert refused.value.rule_id == "SL-02b"
    assert s.make_reminder("短信", "", ctx(at(2026, 6, 21, 10))) == 3  # reminder 2 never made
    statuses = {no: st for no, _, st in s.reminder_statuses(at(2026, 6, 22))}
    assert statuses == {
        1: ObligationStatus.CLOSED_LATE,
        2: ObligationStatus.OVERDUE,
        3: ObligationStatus.CLOSED_LATE,
        4: None,
    }


def test_sl02c_renewal_ends_the_series_and_cancels_reminders_not_yet_due():
    s = series()
    s.make_reminder("电话", "", ctx(at(2026, 5, 31, 10)))
    s.end("已续保", ctx(at(2026, 6, 12, 10)))
    ended = s.collect_events()[-1]
    assert (ended.reason, ended.cancelled, ended.missed, ended.rule_id) == ("已续保", [3, 4], [2], "SL-02c")
    with pytest.raises(InvalidInput):
        s.make_reminder("电话", "", ctx(at(2026, 6, 20, 10)))
    with pytest.raises(InvalidInput):
        series().end("已到期", ctx(at(2026, 6, 30, 23)))  # still in force on the expiry day


# ----- SL-03 claims -----------------------------------------------------------------------
DISPATCH = at(2026, 3, 2, 10, 0, 0)


def claim(line: str = "车险", area: str = "市内", tier: str = "普通", scene: bool = True) -> ClaimCase:
    c = ClaimCase.report(
        claim_no="CL-1",
        line=line,
        area=area,
        tier=tier,
        branch="BR-SH",
        policy_number="P1",
        customer="李四",
        scene_report=scene,
        params=P,
        ctx=ctx(DISPATCH - timedelta(minutes=3)),
    )
    c.dispatch("SV-01", P, ctx(DISPATCH))
    return c


@pytest.mark.parametrize(
    ("after", "on_time"), [(timedelta(minutes=5), True), (timedelta(minutes=5, seconds=1), False)]
)
def test_sl03a_contact_within_5_minutes_of_dispatch(after, on_time):
    c = claim()
    c.contact_customer(ctx(DISPATCH + after))
    done = c.collect_events()[-1]
    assert (done.step, done.on_time, done.due_at, done.rule_id) == (
        "联系客户", on_time, DISPATCH + timedelta(minutes=5), "SL-03a",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("area", "minutes", "on_time"),
    [("市内", 30, True), ("市内", 31, False), ("市郊", 90, True), ("市郊", 91, False)],
)
def test_sl03b_on_site_30_minutes_city_90_suburb(area, minutes, on_time):
    c = claim(area=area)
    c.arrive_on_site(ctx(DISPATCH + timedelta(minutes=minutes)))
    assert c.collect_events()[-1].on_time is on_time


def test_sl03b_agreed_arrival_time_with_reason_replaces_the_deadline_only_before_it_passes():
    c = claim()
    c.agree_arrival(
        DISPATCH + timedelta(minutes=75), "事故地点在高架上，客户同意", ctx(DISPATCH + timedelta(minutes=4))
    )
    agreed = c.collect_events()[-1]
    assert (agreed.previous_due_at, agreed.rule_id) == (DISPATCH + timedelta(minutes=30), "SL-03b")
    c.arrive_on_site(ctx(DISPATCH + timedelta(minutes=70)))
    assert c.collect_events()[-1].on_time is True
    late = claim()
    with pytest.raises(RuleViolation) as refused:
        late.agree_arrival(DISPATCH + timedelta(hours=2), "堵车", ctx(DISPATCH + timedelta(minutes=31)))
    assert refused.value.rule_id == "SL-03b"
    prop = claim(line="财产险")
    with pytest.raises(RuleViolation):
        prop.arrive_on_site(ctx(DISPATCH + timedelta(minutes=20)))  # 财产险: agreed time only


def test_sl03c_exclusion_stops_the_clock_with_its_reason_never_silently():
    c = claim()
    with pytest.raises(InvalidInput):
        c.exclude("到达现场", "客户不在", "", ctx(DISPATCH + timedelta(minutes=10)))
    c.exclude("到达现场", "交通环境", "暴雨封路", ctx(DISPATCH + timedelta(minutes=25)))
    excluded = c.collect_events()[-1]
    assert (excluded.step, excluded.reason, excluded.rule_id) == ("到达现场", "交通环境", "SL-03c")
    c.arrive_on_site(ctx(DISPATCH + timedelta(minutes=120)))
    assert c.collect_events()[-1].on_time is None
    assert c.step_status(ClaimStep.ON_SITE, DISPATCH + timedelta(hours=3)) == "交通环境"


# Start Friday 2026-02-13: 02-14 is a 调休 working Saturday, 02-15..02-23 rest, 02-28 a working Saturday.
DOCS = at(2026, 2, 13, 10)
DUE = {
    "0": end_of_day(date(2026, 2, 13)),
    "1": end_of_day(date(2026, 2, 14)),
    "1.5": at(2026, 2, 24, 12),
    "2": end_of_day(date(2026, 2, 24)),
    "3": end_of_day(date(2026, 2, 25)),
    "4": end_of_day(date(2026, 2, 26)),
    "5": end_of_day(date(2026, 2, 27)),
    "6": end_of_day(date(2026, 2, 28)),
    "9": end_of_day(date(2026, 3, 4)),
    "10": end_of_day(date(2026, 3, 5)),
}


def claim_for_tables(line: str, tier: str) -> ClaimCase:
    c = ClaimCase.report(
        claim_no="CL-2",
        line=line,
        area="市内",
        tier=tier,
        branch="BR-SH",
        policy_number="P1",
        customer="李四",
        scene_report=False,
        params=P,
        ctx=ctx(DOCS - timedelta(hours=5)),
    )
    c.dispatch("SV-01", P, ctx(DOCS - timedelta(hours=4)))
    return c


@pytest.mark.parametrize(
    ("line", "tier", "amount", "days"),
    [
        ("车险", "VIP", "5000", "0"), ("车险", "VIP", "5000.01", "2"),
        ("车险", "VIP", "30000", "2"), ("车险", "VIP", "30000.01", "4"),
        ("车险", "VIP", "100000", "4"), ("车险", "VIP", "100000.01", "9"),
        ("车险", "普通", "5000", "0"), ("车险", "普通", "5000.01", "3"),
        ("车险", "普通", "30000", "3"), ("车险", "普通", "30000.01", "5"),
        ("车险", "普通", "100000", "5"), ("车险", "普通", "100000.01", "10"),
        ("财产险", "VIP", "100000", "1"), ("财产险", "VIP", "100000.01", "3"),
        ("财产险", "VIP", "500000", "3"), ("财产险", "VIP", "500000.01", "5"),
        ("财产险", "普通", "10000", "1"), ("财产险", "普通", "10000.01", "3"),
        ("财产险", "普通", "200000", "3"), ("财产险", "普通", "200000.01", "6"),
        ("意健险", "VIP", "30000", "2"),
    ],
)  # fmt: skip
def test_sl03e_approval_deadline_every_band_edge_and_tier_over_spring_festival(line, tier, amount, days):
    c = claim_for_tables(line, tier)
    c.complete_documents(Decimal(amount), P, CAL, ctx(DOCS))
    event = c.collect_events()[-1]
    assert (event.days, event.due_at) == (Decimal(days), DUE[days])
    assert event.rule_ids == ["SL-03e", "SL-03f"] and event.claim_amount == Decimal(amount)


@pytest.mark.parametrize(
    ("tier", "amount", "days"),
    [
        ("VIP", "5000", "1"), ("VIP", "5000.01", "1.5"), ("VIP", "30000", "1.5"), ("VIP", "30000.01", "3"),
        ("VIP", "100000", "3"), ("普通", "5000", "1"), ("普通", "5000.01", "2"), ("普通", "30000", "2"),
        ("普通", "30000.01", "4"), ("普通", "100000", "4"),
    ],
)  # fmt: skip
def test_sl03d_assessment_deadline_every_band_edge_and_tier_over_spring_festival(tier, amount, days):
    c = claim_for_tables("车险", tier)
    c.settle_assessment_plan(Decimal(amount), None, "", P, CAL, ctx(DOCS))
    event = c.collect_events()[-1]
    assert (event.days, event.due_at, event.negotiated_reason) == (Decimal(days), DUE[days], "")


@pytest.mark.parametrize("tier", ["VIP", "普通"])
def test_sl03d_above_100000_is_negotiated_with_date_and_reason(tier):
    c = claim_for_tables("车险", tier)
    with pytest.raises(RuleViolation) as refused:
        c.settle_assessment_plan(Decimal("100000.01"), None, "", P, CAL, ctx(DOCS))
    assert refused.value.rule_id == "SL-03d"
    agreed = at(2026, 3, 10, 18)
    c.settle_assessment_plan(Decimal("100000.01"), agreed, "大额损失需公估", P, CAL, ctx(DOCS))
    event = c.collect_events()[-1]
    assert (event.band, event.days, event.due_at, event.negotiated_reason) == (
        ">100000", None, agreed, "大额损失需公估",
    )  # fmt: skip


def test_sl03g_abnormal_case_stops_and_complete_documents_restart_the_clock():
    c = claim_for_tables("车险", "普通")
    c.complete_documents(Decimal("20000"), P, CAL, ctx(DOCS))
    c.exclude("核赔", "单证不齐全", "缺驾驶证复印件", ctx(at(2026, 2, 14, 10)))
    stopped = c.collect_events()[-1]
    assert (stopped.rule_id, stopped.due_at) == ("SL-03g", DUE["3"])
    with pytest.raises(RuleViolation) as refused:
        c.approve(ctx(at(2026, 2, 24, 10)))
    assert refused.value.rule_id == "SL-03g"
    c.complete_documents(Decimal("20000"), P, CAL, ctx(at(2026, 2, 25, 9)))
    restarted = c.collect_events()[-1]
    # 02-26, 02-27 and the make-up Saturday 02-28 (调休)
    assert (restarted.restarted, restarted.due_at) == (True, end_of_day(date(2026, 2, 28)))
    assert "SL-03g" in restarted.rule_ids
    c.agree_difficult_case(at(2026, 3, 20, 18), "疑难案件：责任比例与客户协商", ctx(at(2026, 2, 26, 9)))
    assert c.collect_events()[-1].previous_due_at == end_of_day(date(2026, 2, 28))
    c.approve(ctx(at(2026, 3, 19, 9)))
    assert c.collect_events()[-1].on_time is True


def test_sl03_tables_are_config():
    params = ServiceStandardParams(
        claim_approval_days={"车险": {"VIP": [{"upto": 1000, "days": 1}, {"upto": None, "days": 2}]}},
        claim_contact_minutes=10,
    )
    assert params.claim_approval_days["车险"]["VIP"][0].days == 1
    with pytest.raises(ValueError, match="half days"):
        ServiceStandardParams(claim_approval_days={"车险": {"VIP": [{"upto": None, "days": "1.3"}]}})


# ----- SL-04 care callbacks ---------------------------------------------------------------
def test_sl04a_incident_care_from_30_minutes_after_the_report_three_attempts_then_unreachable():
    reported = DISPATCH - timedelta(minutes=3)
    c = claim()
    with pytest.raises(RuleViolation) as refused:
        c.attempt_care_call("出险关怀回访", False, "", CB, None, ctx(reported + timedelta(minutes=29)))
    assert refused.value.rule_id == "SL-04a"
    for minute in (30, 40):
        c.attempt_care_call(
            "出险关怀回访", False, f"R{minute}", CB, None, ctx(reported + timedelta(minutes=minute))
        )
        assert c.collect_events()[-1].unreachable is False
    c.attempt_care_call("出险关怀回访", False, "R3", CB, None, ctx(reported + timedelta(minutes=61)))
    third = c.collect_events()[-1]
    assert (third.attempt_no, third.unreachable, third.on_time, third.due_at) == (
        3, True, False, reported + timedelta(minutes=60),
    )  # fmt: skip
    assert c.step_status(ClaimStep.INCIDENT_CARE, reported + timedelta(hours=2)) == "无法联系客户"
    with pytest.raises(InvalidInput):
        c.attempt_care_call("出险关怀回访", True, "R4", CB, None, ctx(reported + timedelta(minutes=70)))


@pytest.mark.parametrize(
    ("closed", "extract"),
    [
        (date(2026, 3, 3), date(2026, 3, 17)),  # closed on a Tuesday: 14 days later
        (date(2026, 3, 4), date(2026, 3, 24)),  # a Wednesday: 20 days later
        (date(2026, 3, 9), date(2026, 3, 24)),  # a Monday: 15 days later
    ],
)
def test_sl04b_closure_care_extracted_on_the_tuesday_14_to_20_days_after(closed, extract):
    start, due = closure_care_window(closed, P)
    assert (start.date(), due) == (extract, end_of_day(extract + timedelta(days=6)))
    assert 14 <= (extract - closed).days <= 20


def test_sl04b_closure_care_callback_scheduled_at_closure_and_reached():
    c = claim_for_tables("车险", "VIP")
    c.complete_documents(Decimal("3000"), P, CAL, ctx(at(2026, 3, 2, 9)))
    c.approve(ctx(at(2026, 3, 2, 11)))
    c.close(Decimal("3000"), P, ctx(at(2026, 3, 4, 15)))
    closed = c.collect_events()[-1]
    assert (closed.care_from, closed.care_due_at) == (at(2026, 3, 24), end_of_day(date(2026, 3, 30)))
    with pytest.raises(RuleViolation):
        c.attempt_care_call("结案关怀回访", True, "R1", CB, "09:30-12:00", ctx(at(2026, 3, 23, 10)))
    c.attempt_care_call("结案关怀回访", True, "R1", CB, "09:30-12:00", ctx(at(2026, 3, 24, 10)))
    assert c.step_status(ClaimStep.CLOSURE_CARE, at(2026, 4, 1)) == ObligationStatus.CLOSED_ON_TIME


@pytest.mark.parametrize(
    ("reported", "start"),
    [
        (at(2026, 3, 2, 20, 29), at(2026, 3, 2, 20, 59)),  # starts before 21:00: as is
        (at(2026, 3, 2, 20, 30), at(2026, 3, 3, 9, 0)),  # would start at 21:00: next morning
        (at(2026, 3, 3, 2, 0), at(2026, 3, 3, 9, 0)),  # after midnight: the same morning
        (at(2026, 3, 3, 8, 30), at(2026, 3, 3, 9, 0)),  # 09:00 exactly is day
    ],
)
def test_sl04a_incident_care_never_in_the_night_reg05(reported, start):
    c = ClaimCase.report(
        claim_no="CL-N",
        line="车险",
        area="市内",
        tier="普通",
        branch="BR-SH",
        policy_number="P1",
        customer="李四",
        scene_report=True,
        params=P,
        ctx=ctx(reported),
    )
    created = c.collect_events()[0]
    assert (created.incident_care_from, created.incident_care_due_at) == (
        start,
        start + timedelta(minutes=30),
    )
    if start.hour == 20:
        with pytest.raises(RuleViolation) as refused:
            c.attempt_care_call("出险关怀回访", True, "", CB, None, ctx(at(2026, 3, 2, 21, 0)))
        assert refused.value.rule_id == "CA-01"
    c.attempt_care_call("出险关怀回访", True, "R", CB, None, ctx(start))
    assert c.collect_events()[-1].on_time is True
