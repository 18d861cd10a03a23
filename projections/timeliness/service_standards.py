"""Timeliness rows of the service standards (SL-01..SL-04), handlers of ``projections.timeliness.projection``.

- complaints: SL-01b acknowledgement (24 h) and SL-01c decision (15 / 30 days);
- renewal reminders: one row per reminder of a series (SL-02b), cancelled when the
  series ends before it is due (SL-02c);
- claims: SL-03a contact, SL-03b on site, SL-03d 定损, SL-03e 核赔 (detail: the step);
- care callbacks: SL-04a incident, SL-04b closure.

A claim's rows carry the line (险种) in ``product_type`` and the surveyor / handler in
``agent_code`` (the person who must act). An exclusion (SL-03c/g) or 无法联系客户 (SL-04c)
closes a row as cancelled with the reason — visible, never counted on time or late.
A 核赔 clock restarted after a stop (SL-03g) resets the row's due time and clears it.
"""

from __future__ import annotations

import uuid
from typing import Any

from domain.claim import ClaimCase, ClaimStep
from domain.complaint import Complaint
from domain.renewal import RenewalReminderSeries
from domain.shared.time import end_of_day, start_of_day
from projections.rows import Row
from projections.timeliness.obligations import (
    Handler,
    ObligationKind,
    Tables,
    cancel,
    complete,
    new_obligation,
    obligation_id,
    own,
    subject_row,
    update,
)

# ----- SL-01 complaints -------------------------------------------------------------------


def _ack(e: Any) -> tuple[str]:
    return (obligation_id("SL-01b", e.originator_id),)


def _decision(e: Any) -> tuple[str]:
    return (obligation_id("SL-01c", e.originator_id),)


def _complaint_received(t: Tables, e: Complaint.Received) -> None:
    subject: Row = {
        "subject_id": e.originator_id,
        "kind": "complaint",
        "policy_number": e.policy_number or None,
        "branch": e.branch,
        "channel": None,  # the column is the sales channel (个险, 银保…), not 电话/邮件
        "product_type": None,
        "agent_code": e.agent_code or None,
    }
    t.subjects.put(subject)
    for ob_id, rule, kind, due, lead in (
        (_ack(e)[0], "SL-01b", ObligationKind.COMPLAINT_ACK, e.ack_due_at, 0),
        (
            _decision(e)[0],
            "SL-01c",
            ObligationKind.COMPLAINT_DECISION,
            e.decision_due_at,
            e.warning_lead_days,
        ),
    ):
        t.obligations.put(
            new_obligation(
                ob_id,
                rule,
                kind,
                "complaint",
                e.originator_id,
                subject,
                e.occurred_at,
                due,
                detail=e.category,
                warning_lead_days=lead,
            )
        )


def _complaint_acknowledged(t: Tables, e: Complaint.Acknowledged) -> None:
    complete(t, _ack(e)[0], e.occurred_at)


def _complaint_complex(t: Tables, e: Complaint.ClassedComplex) -> None:
    update(t, _decision(e)[0], due_at=e.decision_due_at, overdue_reason=f"复杂投诉: {e.reason}")


def _complaint_escalated(t: Tables, e: Complaint.Escalated) -> None:
    """SL-01d: the deadline stays; nothing to change here (the audit trail shows it)."""


def _complaint_decided(t: Tables, e: Complaint.Decided) -> None:
    complete(t, _decision(e)[0], e.occurred_at)


# ----- SL-02 renewal reminders ------------------------------------------------------------
def _reminder(series_id: uuid.UUID, no: int) -> str:
    return obligation_id("SL-02b", series_id, str(no))


def _made(e: Any) -> tuple[str]:
    return (_reminder(e.originator_id, e.reminder_no),)


def _cancelled(e: Any) -> tuple[str, ...]:
    return tuple(_reminder(e.originator_id, no) for no in e.cancelled)


def _series_opened(t: Tables, e: RenewalReminderSeries.Opened) -> None:
    subject: Row = {
        "subject_id": e.originator_id,
        "kind": "renewal",
        "policy_number": e.policy_number,
        "branch": e.branch,
        "channel": None,
        "product_type": e.line,
        "agent_code": e.agent_code,
    }
    t.subjects.put(subject)
    for no, day in enumerate(e.due_days, start=1):
        t.obligations.put(
            new_obligation(
                _reminder(e.originator_id, no),
                "SL-02b",
                ObligationKind.RENEWAL_REMINDER,
                "renewal_series",
                e.originator_id,
                subject,
                start_of_day(day),
                end_of_day(day),
                detail=f"第{no}次",
                warning_lead_days=0,
            )
        )


def _reminder_made(t: Tables, e: RenewalReminderSeries.ReminderMade) -> None:
    complete(t, _reminder(e.originator_id, e.reminder_no), e.occurred_at)


def _series_ended(t: Tables, e: RenewalReminderSeries.Ended) -> None:
    for no in e.cancelled:
        cancel(t, _reminder(e.originator_id, no), e.occurred_at, f"SL-02c {e.reason}")


# ----- SL-03 claims and SL-04 care callbacks ------------------------------------------------
_RULE = {
    ClaimStep.CONTACT.value: "SL-03a",
    ClaimStep.ON_SITE.value: "SL-03b",
    ClaimStep.ASSESSMENT.value: "SL-03d",
    ClaimStep.APPROVAL.value: "SL-03e",
    ClaimStep.INCIDENT_CARE.value: "SL-04a",
    ClaimStep.CLOSURE_CARE.value: "SL-04b",
}
_CARE = {ClaimStep.INCIDENT_CARE.value, ClaimStep.CLOSURE_CARE.value}


def _step(claim_id: uuid.UUID, step: str) -> str:
    return obligation_id(_RULE[step], claim_id, step)


def _step_of(e: Any) -> tuple[str]:
    return (_step(e.originator_id, e.step),)


def _on_site(e: Any) -> tuple[str]:
    return (_step(e.originator_id, ClaimStep.ON_SITE.value),)


def _approval(e: Any) -> tuple[str]:
    return (_step(e.originator_id, ClaimStep.APPROVAL.value),)


def _claim_obligation(t: Tables, e: Any, step: str, started: Any, due: Any) -> None:
    subject = subject_row(t, e.originator_id, "claim")
    kind = ObligationKind.CARE_CALLBACK if step in _CARE else ObligationKind.CLAIM_STEP
    t.obligations.put(
        new_obligation(
            _step(e.originator_id, step),
            _RULE[step],
            kind,
            "claim",
            e.originator_id,
            subject,
            started,
            due,
            detail=step,
            warning_lead_days=0,
        )
    )


def _claim_reported(t: Tables, e: ClaimCase.Reported) -> None:
    t.subjects.put(
        {
            "subject_id": e.originator_id,
            "kind": "claim",
            "policy_number": e.policy_number or None,
            "branch": e.branch,
            "channel": None,
            "product_type": e.line,
            "agent_code": None,
        }
    )
    if e.incident_care_due_at is not None:
        _claim_obligation(t, e, ClaimStep.INCIDENT_CARE.value, e.incident_care_from, e.incident_care_due_at)


def _claim_dispatched(t: Tables, e: ClaimCase.Dispatched) -> None:
    subject = subject_row(t, e.originator_id, "claim")
    t.subjects.put({**subject, "agent_code": e.handler_id})
    _claim_obligation(t, e, ClaimStep.CONTACT.value, e.occurred_at, e.contact_due_at)
    if e.onsite_due_at is not None:
        _claim_obligation(t, e, ClaimStep.ON_SITE.value, e.occurred_at, e.onsite_due_at)


def _arrival_agreed(t: Tables, e: ClaimCase.ArrivalAgreed) -> None:
    ob_id = _step(e.originator_id, ClaimStep.ON_SITE.value)
    if t.obligations.get(ob_id) is None:  # 财产险: the agreed time is the deadline
        _claim_obligation(t, e, ClaimStep.ON_SITE.value, e.occurred_at, e.agreed_at)
    update(t, ob_id, due_at=e.agreed_at, overdue_reason=f"约定到达时间: {e.reason}")


def _step_done(t: Tables, e: ClaimCase.StepDone) -> None:
    complete(t, _step_of(e)[0], e.occurred_at)


def _step_excluded(t: Tables, e: ClaimCase.StepExcluded) -> None:
    cancel(t, _step_of(e)[0], e.occurred_at, f"除外 {e.reason} ({e.rule_id})")


def _assessment_settled(t: Tables, e: ClaimCase.AssessmentPlanSettled) -> None:
    _claim_obligation(t, e, ClaimStep.ASSESSMENT.value, e.occurred_at, e.due_at)
    if e.negotiated_reason:
        update(
            t,
            _step(e.originator_id, ClaimStep.ASSESSMENT.value),
            overdue_reason=f"协商: {e.negotiated_reason}",
        )


def _documents_completed(t: Tables, e: ClaimCase.DocumentsCompleted) -> None:
    # SL-03g: a restart replaces the stopped row (new start, new due, no longer cancelled).
    _claim_obligation(t, e, ClaimStep.APPROVAL.value, e.occurred_at, e.due_at)


def _difficult_case(t: Tables, e: ClaimCase.DifficultCaseAgreed) -> None:
    update(
        t,
        _step(e.originator_id, ClaimStep.APPROVAL.value),
        due_at=e.agreed_due_at,
        overdue_reason=f"疑难案件: {e.reason}",
    )


def _claim_closed(t: Tables, e: ClaimCase.Closed) -> None:
    if e.care_due_at is not None:
        _claim_obligation(t, e, ClaimStep.CLOSURE_CARE.value, e.care_from, e.care_due_at)


def _care_call(t: Tables, e: ClaimCase.CareCallAttempted) -> None:
    if e.reached:
        complete(t, _step_of(e)[0], e.occurred_at)
    elif e.unreachable:
        cancel(t, _step_of(e)[0], e.occurred_at, f"无法联系客户 ({e.attempt_no} 次, SL-04c)")


HANDLERS: dict[type, Handler] = {
    Complaint.Received: Handler(_complaint_received),
    Complaint.Acknowledged: Handler(_complaint_acknowledged, obligations=_ack),
    Complaint.ClassedComplex: Handler(_complaint_complex, obligations=_decision),
    Complaint.Escalated: Handler(_complaint_escalated),
    Complaint.Decided: Handler(_complaint_decided, obligations=_decision),
    RenewalReminderSeries.Opened: Handler(_series_opened),
    RenewalReminderSeries.ReminderMade: Handler(_reminder_made, obligations=_made),
    RenewalReminderSeries.Ended: Handler(_series_ended, obligations=_cancelled),
    ClaimCase.Reported: Handler(_claim_reported),
    ClaimCase.Dispatched: Handler(_claim_dispatched, subjects=own),
    ClaimCase.ArrivalAgreed: Handler(_arrival_agreed, subjects=own, obligations=_on_site),
    ClaimCase.StepDone: Handler(_step_done, obligations=_step_of),
    ClaimCase.StepExcluded: Handler(_step_excluded, obligations=_step_of),
    ClaimCase.AssessmentPlanSettled: Handler(_assessment_settled, subjects=own),
    ClaimCase.DocumentsCompleted: Handler(_documents_completed, subjects=own),
    ClaimCase.DifficultCaseAgreed: Handler(_difficult_case, obligations=_approval),
    ClaimCase.Closed: Handler(_claim_closed, subjects=own),
    ClaimCase.CareCallAttempted: Handler(_care_call, obligations=_step_of),
}
