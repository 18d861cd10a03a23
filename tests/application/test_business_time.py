"""RC-01a / RC-01b: business times that cannot be true are refused (422, rule, field,
earlier fact); history keeps importing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from application.agents import ChangeAgentPhone
from application.app import PolicyTrail
from application.callbacks import RecordCallAttempt
from application.policies import (
    ChangeContact,
    LapsePolicy,
    RegisterReceipt,
    ReinstatePolicy,
    SignReceipt,
)
from domain.shared.errors import RuleViolation
from domain.shared.time import SHANGHAI
from interfaces.importer import import_lines
from tests import factories
from tests.api_support import auth, client, token

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def strict(settings, database, clock) -> Iterator[PolicyTrail]:
    """The application with the default skew (the shared fixture relaxes it)."""
    application = PolicyTrail(
        settings=settings.model_copy(update={"max_future_skew_seconds": 300}), database=database, clock=clock
    )
    yield application
    application.close()


def refusal(exc: pytest.ExceptionInfo[RuleViolation]) -> tuple[str, dict[str, Any]]:
    return exc.value.rule_id, exc.value.details


# ----- RC-01a: not in the future of the application clock -------------------------------------
def test_rc01a_a_business_time_beyond_the_skew_is_refused_and_nothing_is_stored(strict, actor):
    strict.execute(factories.register_agent(occurred_at=NOW), actor)
    before = strict.max_position()
    with pytest.raises(RuleViolation) as exc:
        strict.execute(factories.issue_policy(occurred_at=NOW + timedelta(minutes=5, seconds=1)), actor)
    rule, details = refusal(exc)
    assert rule == "RC-01a" and details["field"] == "occurred_at"
    assert details["max_future_skew_seconds"] == 300
    assert strict.max_position() == before


def test_rc01a_within_the_skew_and_far_in_the_past_are_accepted(strict, actor):
    strict.execute(factories.register_agent(occurred_at=NOW - timedelta(days=3650)), actor)
    result = strict.execute(factories.issue_policy(occurred_at=NOW + timedelta(minutes=5)), actor)
    assert result.positions


def test_rc01a_the_skew_is_a_setting(settings, database, clock, actor):
    lenient = PolicyTrail(
        settings=settings.model_copy(update={"max_future_skew_seconds": 7200}), database=database, clock=clock
    )
    try:
        assert lenient.execute(
            factories.register_agent(occurred_at=NOW + timedelta(hours=1)), actor
        ).positions
    finally:
        lenient.close()


def test_rc01a_over_http_is_422_problem_naming_the_field(strict):
    c, h = client(strict), auth(token(strict, "admin"))
    body = factories.register_agent().model_dump(mode="json", exclude={"command_id", "occurred_at"})
    body["occurred_at"] = (NOW + timedelta(days=1)).isoformat()
    r = c.post("/agents", json=body, headers=h)
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    problem = r.json()
    assert problem["rule"] == "RC-01a" and problem["details"]["field"] == "occurred_at"
    assert "occurred_at" in problem["detail"] and "occurred_at" in problem["detail_zh"]


# ----- RC-01b: nothing before the fact that created the object ---------------------------------
@pytest.fixture
def issued(app, actor) -> PolicyTrail:
    """Agent registered and policy issued at 2026-03-02 10:00 (underwritten 03-01)."""
    app.execute(factories.register_agent(occurred_at=NOW), actor)
    app.execute(factories.issue_policy(occurred_at=NOW), actor)
    return app


EARLIER = NOW - timedelta(hours=1)


@pytest.mark.parametrize(
    ("command", "earlier_fact"),
    [
        (ChangeContact(policy_number="P2026000001", phone="13911112222", occurred_at=EARLIER), "保单承保"),
        (
            LapsePolicy(policy_number="P2026000001", lapsed_on=date(2026, 3, 1), occurred_at=EARLIER),
            "保单承保",
        ),
        (
            SignReceipt(policy_number="P2026000001", signed_on=date(2026, 3, 1), occurred_at=EARLIER),
            "保单承保",
        ),
        (ChangeAgentPhone(code="A0001", phone="13900009999", occurred_at=EARLIER), "业务员登记"),
    ],
    ids=["contact-change", "lapse", "receipt-signature", "agent-phone"],
)
def test_rc01b_an_event_before_its_object_existed_is_refused(issued, actor, command, earlier_fact):
    before = issued.max_position()
    with pytest.raises(RuleViolation) as exc:
        issued.execute(command, actor)
    rule, details = refusal(exc)
    assert rule == "RC-01b" and details["field"] == "occurred_at"
    assert earlier_fact in details["earlier_fact"] and details["earlier_at"] == NOW.isoformat()
    assert issued.max_position() == before
    # the same command at a later time is fine
    assert issued.execute(
        command.model_copy(update={"occurred_at": NOW + timedelta(hours=1)}), actor
    ).positions


@pytest.mark.parametrize(
    ("command", "field", "earlier_fact"),
    [
        (SignReceipt(policy_number="P2026000001", signed_on=date(2026, 2, 28)), "signed_on", "承保"),
        (LapsePolicy(policy_number="P2026000001", lapsed_on=date(2026, 2, 1)), "lapsed_on", "承保"),
    ],
)
def test_rc01b_a_business_date_before_the_earlier_fact_is_refused(
    issued, actor, command, field, earlier_fact
):
    with pytest.raises(RuleViolation) as exc:
        issued.execute(command.model_copy(update={"occurred_at": NOW + timedelta(hours=1)}), actor)
    rule, details = refusal(exc)
    assert (rule, details["field"], details["earlier_at"]) == ("RC-01b", field, "2026-03-01")
    assert earlier_fact in details["earlier_fact"]


def test_rc01b_registration_before_signature_and_reinstatement_before_lapse(issued, actor):
    later = NOW + timedelta(hours=1)
    issued.execute(
        SignReceipt(policy_number="P2026000001", signed_on=date(2026, 3, 2), occurred_at=later), actor
    )
    with pytest.raises(RuleViolation) as exc:
        issued.execute(
            RegisterReceipt(policy_number="P2026000001", registered_on=date(2026, 3, 1), occurred_at=later),
            actor,
        )
    assert refusal(exc)[1]["field"] == "registered_on" and "回执签收" in refusal(exc)[1]["earlier_fact"]
    issued.execute(
        LapsePolicy(policy_number="P2026000001", lapsed_on=date(2026, 3, 2), occurred_at=later), actor
    )
    with pytest.raises(RuleViolation) as exc:
        issued.execute(
            ReinstatePolicy(policy_number="P2026000001", reinstated_on=date(2026, 3, 1), occurred_at=later),
            actor,
        )
    assert refusal(exc)[:1] == ("RC-01b",) and refusal(exc)[1]["field"] == "reinstated_on"


def test_rc01b_a_call_attempt_before_the_receipt_made_the_callback_due(issued, actor):
    registered_at = datetime(2026, 3, 3, 10, 0, tzinfo=SHANGHAI)  # a Tuesday
    issued.execute(
        RegisterReceipt(
            policy_number="P2026000001",
            signed_on=date(2026, 3, 2),
            registered_on=date(2026, 3, 3),
            occurred_at=registered_at,
        ),
        actor,
    )
    attempt = RecordCallAttempt(
        policy_number="P2026000001",
        result="无人接听",
        recording_ref="REC-1",
        occurred_at=datetime(2026, 3, 2, 15, 0, tzinfo=SHANGHAI),  # in a call window, before 03-03
    )
    with pytest.raises(RuleViolation) as exc:
        issued.execute(attempt, actor)
    rule, details = refusal(exc)
    assert rule == "RC-01b" and details["field"] == "occurred_at"
    assert "回访任务生成" in details["earlier_fact"] and details["earlier_at"] == registered_at.isoformat()


def test_rc01b_over_http_names_the_field_and_the_earlier_fact(issued):
    c, h = client(issued), auth(token(issued, "admin"))
    r = c.post(
        "/policies/P2026000001/contact-changes",
        json={"phone": "13911112222", "occurred_at": EARLIER.isoformat()},
        headers=h,
    )
    assert r.status_code == 422, r.text
    problem = r.json()
    assert problem["rule"] == "RC-01b"
    assert "occurred_at" in problem["detail"] and "Policy issued" in problem["detail"]
    assert "保单承保" in problem["detail_zh"]


def test_history_still_imports_in_order_of_business_time(app, actor):
    """Years-old facts, in their order, import as before (RC-01 applies to their order only)."""
    old = datetime(2019, 5, 6, 10, 0, tzinfo=SHANGHAI)

    def line(i: str, kind: str, at: datetime, **data: Any) -> bytes:
        return json.dumps({"line_id": i, "type": kind, "occurred_at": at.isoformat(), "data": data}).encode()

    agent = factories.register_agent(joined_on=date(2018, 1, 1)).model_dump(
        mode="json", exclude={"command_id", "occurred_at"}
    )
    policy = factories.issue_policy(number="P2019000001", underwritten_on=date(2019, 5, 5)).model_dump(
        mode="json", exclude={"command_id", "occurred_at"}
    )
    lines = [
        line("a", "RegisterAgent", old, **agent),
        line("p", "IssuePolicy", old, **policy),
        line(
            "s", "SignReceipt", old + timedelta(days=2), policy_number="P2019000001", signed_on="2019-05-08"
        ),
        line("c", "ChangeContact", old - timedelta(days=1), policy_number="P2019000001", phone="13911112222"),
    ]
    rejected: list[Any] = []
    outcome = import_lines(app, lines, actor, on_rejected=rejected.append)
    assert (outcome.applied, outcome.rejected) == (3, 1)
    assert rejected[0].line_id == "c" and "RC-01b" in rejected[0].reason
