"""SL-01..SL-04 end to end through the application on PostgreSQL: one scenario per seed
(S3 complaint; S4 renewal series, claim and its care callbacks), the exact events stored
and the timeliness rows the read model builds from them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from application.claims import (
    CloseClaim,
    CompleteClaimDocuments,
    DispatchClaim,
    ExcludeClaimStep,
    RecordCareCall,
    RecordClaimStep,
    ReportClaim,
    SettleAssessmentPlan,
)
from application.complaints import (
    AcknowledgeComplaint,
    ClassComplaintComplex,
    DecideComplaint,
    EscalateComplaint,
    ReceiveComplaint,
)
from application.renewals import EndRenewalReminders, OpenRenewalReminders, RecordRenewalReminder
from domain.claim import ClaimCase
from domain.complaint import Complaint
from domain.parameters import RuleParameters
from domain.renewal import RenewalReminderSeries
from domain.shared.errors import RuleViolation
from domain.shared.time import SHANGHAI, end_of_day
from projections.timeliness.disputes import complaint_disputes, dispute_hold_until
from projections.timeliness.queries import Filters, query_obligations
from tests import factories
from tests.read_model_steps import catch_up, reading, rebuild_equals_live

PARAMS = RuleParameters()


def at(month: int, day: int, hh: int = 10, mm: int = 0, ss: int = 0) -> datetime:
    return datetime(2026, month, day, hh, mm, ss, tzinfo=SHANGHAI)


def stored(app, aggregate_id) -> list[tuple[str, dict]]:
    """(event class, the fields a test names) of every stored event of an aggregate."""
    return [(type(e).__name__, e.__dict__) for e in app.repository.event_store.get(aggregate_id)]


def rows(app, now: datetime, **filters) -> list[tuple]:
    with reading(app) as conn:
        page = query_obligations(
            conn,
            app.settings.read_schema,
            now=now,
            params=PARAMS,
            filters=Filters(include_cancelled=True, **filters),
            limit=100,
        )
    return [
        (r.rule_id, r.detail, r.due_at, r.status.zh if r.status else None, r.cancel_reason, r.agent_code)
        for r in page.items
    ]


def test_sl01_s3_scenario_misleading_sales_complaint_end_to_end(app, actor):
    """S3 §1.5: received → acknowledged in 24 h → complex (REG-08) → escalated → decided late."""
    app.execute(factories.register_agent("A0001"), actor)
    app.execute(factories.issue_policy("P2026000001"), actor)
    app.execute(
        ReceiveComplaint(
            complaint_no="TS-1", channel="电话", category="销售误导", customer="张三", branch="北京分公司",
            policy_number="p2026000001", summary="业务员称分红保证", occurred_at=at(3, 2, 9),
        ),
        actor,
    )  # fmt: skip
    with pytest.raises(RuleViolation) as refused:
        app.execute(
            ReceiveComplaint(
                complaint_no="TS-2", channel="电话", category="销售误导", customer="张三",
                branch="北京分公司",
                policy_number="P2026000001", agent_code="A9999", summary="x", occurred_at=at(3, 2, 9),
            ),
            actor,
        )  # fmt: skip
    assert refused.value.rule_id == "SL-01f"
    app.execute(AcknowledgeComplaint(complaint_no="TS-1", note="已致电", occurred_at=at(3, 3, 9, 1)), actor)
    app.execute(ClassComplaintComplex(complaint_no="TS-1", reason="需调取双录", occurred_at=at(3, 10)), actor)
    app.execute(
        EscalateComplaint(
            complaint_no="TS-1", level="分公司总经理室", reason="客户要求", occurred_at=at(3, 12)
        ),
        actor,
    )
    app.execute(
        DecideComplaint(complaint_no="TS-1", outcome="支持", summary="全额退保", occurred_at=at(4, 2, 9)),
        actor,
    )

    events = stored(app, Complaint.id_for("TS-1"))
    assert [name for name, _ in events] == [
        "Received",
        "Acknowledged",
        "ClassedComplex",
        "Escalated",
        "Decided",
    ]
    received, ack, complex_, _, decided = (fields for _, fields in events)
    assert (received["policy_number"], received["agent_code"], received["rule_ids"]) == (
        "P2026000001", "A0001", ["SL-01a", "SL-01b", "SL-01c", "SL-01f"],
    )  # fmt: skip
    assert (ack["on_time"], ack["due_at"]) == (False, at(3, 3, 9))  # 24 h + 1 min
    assert (complex_["previous_due_on"], complex_["decision_due_on"]) == (date(2026, 3, 17), date(2026, 4, 1))
    assert (decided["on_time"], decided["ended_on"], decided["complex"]) == (False, date(2026, 4, 2), True)

    catch_up(app, "timeliness")
    assert rows(app, at(4, 3), rule_ids=("SL-01b", "SL-01c")) == [
        ("SL-01b", "销售误导", at(3, 3, 9), "逾期完成", "", "A0001"),
        ("SL-01c", "销售误导", end_of_day(date(2026, 4, 1)), "逾期完成", "", "A0001"),
    ]
    # RC-02: the complaint is a dispute of the policy; records held 2 years after it ends
    with reading(app) as conn:
        spans = complaint_disputes(conn, app.settings.read_schema, "P2026000001")
    assert [(s.received_on, s.ended_on) for s in spans] == [(date(2026, 3, 2), date(2026, 4, 2))]
    assert dispute_hold_until(spans) == date(2028, 4, 2)


def test_sl02_s4_scenario_renewal_series_end_to_end(app, actor):
    """S4 第十一条: reminders at −30 / −20 (missed) / −10, renewal cancels the expiry-day one."""
    app.execute(
        OpenRenewalReminders(
            policy_number="P2026000009", expiry_on=date(2026, 6, 30), agent_code="A0001", branch="北京分公司",
            occurred_at=at(5, 1),
        ),
        actor,
    )  # fmt: skip
    key = dict(policy_number="P2026000009", expiry_on=date(2026, 6, 30))
    app.execute(RecordRenewalReminder(**key, occurred_at=at(5, 31, 9, 30)), actor)
    app.execute(RecordRenewalReminder(**key, method="短信", occurred_at=at(6, 21)), actor)
    app.execute(EndRenewalReminders(**key, reason="已续保", occurred_at=at(6, 25)), actor)

    sid = RenewalReminderSeries.id_for(RenewalReminderSeries.key("P2026000009", date(2026, 6, 30)))
    events = stored(app, sid)
    assert [name for name, _ in events] == ["Opened", "ReminderMade", "ReminderMade", "Ended"]
    assert events[0][1]["due_days"] == [
        date(2026, 5, 31),
        date(2026, 6, 10),
        date(2026, 6, 20),
        date(2026, 6, 30),
    ]
    assert [(f["reminder_no"], f["on_time"]) for _, f in events[1:3]] == [(1, True), (3, False)]
    assert (events[3][1]["cancelled"], events[3][1]["missed"]) == ([4], [2])

    catch_up(app, "timeliness")
    assert rows(app, at(7, 1), rule_ids=("SL-02b",)) == [
        ("SL-02b", "第1次", end_of_day(date(2026, 5, 31)), "按时完成", "", "A0001"),
        ("SL-02b", "第2次", end_of_day(date(2026, 6, 10)), "超时", "", "A0001"),
        ("SL-02b", "第3次", end_of_day(date(2026, 6, 20)), "逾期完成", "", "A0001"),
        ("SL-02b", "第4次", end_of_day(date(2026, 6, 30)), None, "SL-02c 已续保", "A0001"),
    ]


def test_sl03_sl04_s4_scenario_claim_and_care_callbacks_end_to_end(app, actor):
    """S4 第十条: a motor claim over the 2026 Spring Festival, a traffic exclusion, an
    abnormal-case stop and restart, closure, and both care callbacks (one unreachable)."""
    claim = dict(claim_no="CL-1")
    app.execute(
        ReportClaim(**claim, line="车险", area="市郊", tier="VIP", branch="北京分公司", customer="李四",
                    occurred_at=at(2, 12, 21, 50)),
        actor,
    )  # fmt: skip
    app.execute(DispatchClaim(**claim, handler_id="SV-01", occurred_at=at(2, 12, 22, 0)), actor)
    app.execute(RecordClaimStep(**claim, step="联系客户", occurred_at=at(2, 12, 22, 5)), actor)
    app.execute(
        ExcludeClaimStep(
            **claim, step="到达现场", reason="交通环境", note="大雪封路", occurred_at=at(2, 12, 23)
        ),
        actor,
    )
    app.execute(RecordClaimStep(**claim, step="到达现场", occurred_at=at(2, 13, 0, 10)), actor)
    # SL-04a: 22:20 is night (REG-05): the care call opens at 09:00 next morning, due 09:30
    with pytest.raises(RuleViolation) as night:
        app.execute(
            RecordCareCall(**claim, step="出险关怀回访", reached=False, occurred_at=at(2, 12, 22, 20)), actor
        )
    assert night.value.rule_id == "SL-04a"
    for minute in (0, 10, 31):
        app.execute(
            RecordCareCall(**claim, step="出险关怀回访", reached=False, occurred_at=at(2, 13, 9, minute)),
            actor,
        )
    app.execute(
        SettleAssessmentPlan(**claim, estimated_loss=Decimal("20000"), occurred_at=at(2, 13, 9)), actor
    )
    app.execute(RecordClaimStep(**claim, step="定损", occurred_at=at(2, 24, 11, 59)), actor)  # 1.5 days: noon
    app.execute(
        CompleteClaimDocuments(**claim, claim_amount=Decimal("20000"), occurred_at=at(2, 24, 14)), actor
    )
    app.execute(ExcludeClaimStep(**claim, step="核赔", reason="单证不齐全", occurred_at=at(2, 25, 9)), actor)
    app.execute(
        CompleteClaimDocuments(**claim, claim_amount=Decimal("20000"), occurred_at=at(2, 27, 9)), actor
    )
    app.execute(RecordClaimStep(**claim, step="核赔", occurred_at=at(3, 2, 17)), actor)
    app.execute(CloseClaim(**claim, amount_paid=Decimal("19800"), occurred_at=at(3, 3, 15)), actor)
    with pytest.raises(RuleViolation) as refused:  # CA-01 window reused (SL-04b)
        app.execute(
            RecordCareCall(**claim, step="结案关怀回访", reached=True, occurred_at=at(3, 17, 13)), actor
        )
    assert refused.value.rule_id == "CA-01"
    app.execute(RecordCareCall(**claim, step="结案关怀回访", reached=True, occurred_at=at(3, 17, 10)), actor)

    events = stored(app, ClaimCase.id_for("CL-1"))
    assert [name for name, _ in events] == [
        "Reported", "Dispatched", "StepDone", "StepExcluded", "StepDone",
        "CareCallAttempted", "CareCallAttempted", "CareCallAttempted",
        "AssessmentPlanSettled", "StepDone", "DocumentsCompleted", "StepExcluded", "DocumentsCompleted",
        "StepDone", "Closed", "CareCallAttempted",
    ]  # fmt: skip
    f = [fields for _, fields in events]
    assert (f[1]["contact_due_at"], f[1]["onsite_due_at"]) == (at(2, 12, 22, 5), at(2, 12, 23, 30))
    assert f[2]["on_time"] is True and f[4]["on_time"] is None  # contact at exactly 5 min; on site excluded
    assert [(x["attempt_no"], x["unreachable"], x["on_time"]) for x in f[5:8]] == [
        (1, False, True), (2, False, True), (3, True, False),
    ]  # fmt: skip
    assert (f[0]["incident_care_from"], f[0]["incident_care_due_at"]) == (at(2, 13, 9), at(2, 13, 9, 30))
    assert (f[8]["band"], f[8]["days"], f[8]["due_at"]) == ("5000<x≤30000", Decimal("1.5"), at(2, 24, 12))
    assert (f[10]["days"], f[10]["due_at"]) == (Decimal("2"), end_of_day(date(2026, 2, 26)))
    assert (f[12]["restarted"], f[12]["due_at"]) == (True, end_of_day(date(2026, 3, 2)))  # 02-28 调休, 03-02
    assert f[13]["on_time"] is True
    assert (f[14]["closed_on"], f[14]["care_from"]) == (
        date(2026, 3, 3),
        datetime(2026, 3, 17, tzinfo=SHANGHAI),
    )
    assert (f[15]["window"], f[15]["on_time"]) == ("09:30-12:00", True)

    catch_up(app, "timeliness")
    assert rows(app, at(3, 30)) == [
        ("SL-03a", "联系客户", at(2, 12, 22, 5), "按时完成", "", "SV-01"),
        ("SL-03b", "到达现场", at(2, 12, 23, 30), None, "除外 交通环境 (SL-03c)", "SV-01"),
        # the call centre's care call: opened at the report, before a surveyor was named
        ("SL-04a", "出险关怀回访", at(2, 13, 9, 30), None, "无法联系客户 (3 次, SL-04c)", None),
        ("SL-03d", "定损", at(2, 24, 12), "按时完成", "", "SV-01"),
        ("SL-03e", "核赔", end_of_day(date(2026, 3, 2)), "按时完成", "", "SV-01"),
        ("SL-04b", "结案关怀回访", end_of_day(date(2026, 3, 23)), "按时完成", "", "SV-01"),
    ]
    rebuild_equals_live(app, "timeliness")


def test_rc02_an_open_complaint_holds_the_records_and_the_latest_end_counts():
    """RC-02 with SL-01e: held while any complaint is open; else the latest end + 2 years."""
    import uuid

    from projections.timeliness.disputes import DisputeSpan

    ended = DisputeSpan(complaint_id=uuid.uuid4(), received_on=date(2028, 2, 1), ended_on=date(2028, 2, 29))
    earlier = DisputeSpan(complaint_id=uuid.uuid4(), received_on=date(2027, 1, 1), ended_on=date(2027, 1, 5))
    still_open = DisputeSpan(complaint_id=uuid.uuid4(), received_on=date(2028, 3, 1), ended_on=None)
    assert dispute_hold_until([]) is None
    assert dispute_hold_until([earlier, ended]) == date(2030, 2, 28)
    assert dispute_hold_until([earlier, ended, still_open]) == date.max
