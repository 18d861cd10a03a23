"""Scorecard facts of the service standards, handlers of ``projections.scorecards.projection``.

- one row per complaint (SL-01): the month it was received, the agent it names (SL-01f:
  a 销售误导 complaint names the selling agent and counts against that agent), whether it
  is 销售误导, its decision deadline and when it was decided;
- one row per timed claim step (SL-03a/b/d/e): branch, handler (the surveyor the claim was
  dispatched to), the month of its deadline (like a work order: "due in the period"),
  when done, and whether an exclusion (SL-03c/g) stopped it. A 核赔 restart after a stop
  (SL-03g) replaces the row: new start and deadline, no longer excluded.

Handlers only copy event data into rows; counting happens when read
(``projections.scorecards.claim_queries``, ``complaint_queries``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from domain.claim import ClaimCase, ClaimStep
from domain.complaint import Complaint
from domain.complaint.vocabulary import ComplaintCategory
from domain.planner_score import month_of
from domain.shared.time import business_date
from projections.base import Envelope
from projections.rows import TableSpec

COMPLAINTS = TableSpec(
    "scorecard_complaints",
    key="complaint_id",
    columns=(
        "complaint_id",
        "branch",
        "agent_code",
        "category",
        "misleading",
        "month",
        "received_at",
        "decision_due_at",
        "decided_at",
    ),
)
CLAIMS = TableSpec("scorecard_claims", key="claim_id", columns=("claim_id", "branch", "line", "handler_id"))
CLAIM_STEPS = TableSpec(
    "scorecard_claim_steps",
    key="step_key",
    columns=(
        "step_key",
        "claim_id",
        "branch",
        "line",
        "handler_id",
        "step",
        "rule_id",
        "month",
        "started_at",
        "due_at",
        "done_at",
        "excluded",
        "exclusion",
    ),
)
TABLES = ("scorecard_complaints", "scorecard_claims", "scorecard_claim_steps")
AGGREGATES = ("Complaint", "ClaimCase")

DDL = (
    "CREATE TABLE {schema}.scorecard_complaints ("
    " complaint_id uuid PRIMARY KEY,"
    " branch text NOT NULL,"
    " agent_code text NOT NULL,"  # '' when the complaint names no agent
    " category text NOT NULL,"
    " misleading boolean NOT NULL,"
    " month text NOT NULL,"
    " received_at timestamptz NOT NULL,"
    " decision_due_at timestamptz NOT NULL,"
    " decided_at timestamptz)",
    "CREATE TABLE {schema}.scorecard_claims ("
    " claim_id uuid PRIMARY KEY, branch text NOT NULL, line text NOT NULL, handler_id text)",
    "CREATE TABLE {schema}.scorecard_claim_steps ("
    " step_key text PRIMARY KEY,"
    " claim_id uuid NOT NULL,"
    " branch text NOT NULL,"
    " line text NOT NULL,"
    " handler_id text,"
    " step text NOT NULL,"
    " rule_id text NOT NULL,"
    " month text NOT NULL,"
    " started_at timestamptz NOT NULL,"
    " due_at timestamptz NOT NULL,"
    " done_at timestamptz,"
    " excluded boolean NOT NULL,"
    " exclusion text NOT NULL)",
)
DEFERRED_DDL = (
    "CREATE INDEX scorecard_complaints_agent ON {schema}.scorecard_complaints (agent_code, month)",
    "CREATE INDEX scorecard_claim_steps_month ON {schema}.scorecard_claim_steps (month, branch)",
)

#: the SL-03 steps a claim scorecard counts (care callbacks are SL-04: the call centre's)
STEP_RULES = {
    ClaimStep.CONTACT.value: "SL-03a",
    ClaimStep.ON_SITE.value: "SL-03b",
    ClaimStep.ASSESSMENT.value: "SL-03d",
    ClaimStep.APPROVAL.value: "SL-03e",
}


def _month(at: datetime) -> str:
    return month_of(business_date(at))


# ----- SL-01 complaints ---------------------------------------------------------------------
def _complaint_received(c: Any, env: Envelope) -> None:
    e: Complaint.Received = env.event
    c.complaints.put(
        {
            "complaint_id": e.originator_id,
            "branch": e.branch,
            "agent_code": e.agent_code or "",
            "category": e.category,
            "misleading": e.category == ComplaintCategory.MISLEADING_SALES.value,
            "month": month_of(e.received_on),
            "received_at": e.occurred_at,
            "decision_due_at": e.decision_due_at,
            "decided_at": None,
        }
    )


def _complaint_change(**fields: Callable[[Any], Any]) -> Callable[[Any, Envelope], None]:
    def handle(c: Any, env: Envelope) -> None:
        row = c.complaints.get(env.event.originator_id)
        if row is None:
            raise LookupError(f"scorecards: complaint {env.event.originator_id} was never received")
        c.complaints.put({**row, **{name: fn(env.event) for name, fn in fields.items()}})

    return handle


# ----- SL-03 claim steps --------------------------------------------------------------------
def _claim(c: Any, claim_id: uuid.UUID) -> dict[str, Any]:
    row = c.claims.get(claim_id)
    if row is None:
        raise LookupError(f"scorecards: claim {claim_id} was never reported")
    return dict(row)


def _key(claim_id: uuid.UUID, step: str) -> str:
    return f"{claim_id}|{step}"


def _put_step(c: Any, claim_id: uuid.UUID, step: str, started: datetime, due: datetime) -> None:
    claim = _claim(c, claim_id)
    c.claim_steps.put(
        {
            "step_key": _key(claim_id, step),
            "claim_id": claim_id,
            "branch": claim["branch"],
            "line": claim["line"],
            "handler_id": claim["handler_id"],
            "step": step,
            "rule_id": STEP_RULES[step],
            "month": _month(due),
            "started_at": started,
            "due_at": due,
            "done_at": None,
            "excluded": False,
            "exclusion": "",
        }
    )


def _change_step(c: Any, claim_id: uuid.UUID, step: str, **fields: Any) -> None:
    row = c.claim_steps.get(_key(claim_id, step))
    if row is not None:  # a step without a deadline (财产险 on site before agreement) has no row
        c.claim_steps.put({**row, **fields})


def _claim_reported(c: Any, env: Envelope) -> None:
    e: ClaimCase.Reported = env.event
    c.claims.put({"claim_id": e.originator_id, "branch": e.branch, "line": e.line, "handler_id": None})


def _claim_dispatched(c: Any, env: Envelope) -> None:
    e: ClaimCase.Dispatched = env.event
    c.claims.put({**_claim(c, e.originator_id), "handler_id": e.handler_id})
    _put_step(c, e.originator_id, ClaimStep.CONTACT.value, e.occurred_at, e.contact_due_at)
    if e.onsite_due_at is not None:
        _put_step(c, e.originator_id, ClaimStep.ON_SITE.value, e.occurred_at, e.onsite_due_at)


def _arrival_agreed(c: Any, env: Envelope) -> None:
    e: ClaimCase.ArrivalAgreed = env.event
    step = ClaimStep.ON_SITE.value
    if c.claim_steps.get(_key(e.originator_id, step)) is None:  # 财产险: the agreed time is the rule
        _put_step(c, e.originator_id, step, e.occurred_at, e.agreed_at)
    _change_step(c, e.originator_id, step, due_at=e.agreed_at, month=_month(e.agreed_at))


def _step_done(c: Any, env: Envelope) -> None:
    e: ClaimCase.StepDone = env.event
    if e.step in STEP_RULES:
        _change_step(c, e.originator_id, e.step, done_at=e.occurred_at)


def _step_excluded(c: Any, env: Envelope) -> None:
    e: ClaimCase.StepExcluded = env.event
    if e.step in STEP_RULES:
        _change_step(c, e.originator_id, e.step, excluded=True, exclusion=f"{e.reason} ({e.rule_id})")


def _assessment_settled(c: Any, env: Envelope) -> None:
    e: ClaimCase.AssessmentPlanSettled = env.event
    _put_step(c, e.originator_id, ClaimStep.ASSESSMENT.value, e.occurred_at, e.due_at)


def _documents_completed(c: Any, env: Envelope) -> None:
    e: ClaimCase.DocumentsCompleted = env.event  # SL-03g: a restart replaces the stopped row
    _put_step(c, e.originator_id, ClaimStep.APPROVAL.value, e.occurred_at, e.due_at)


def _difficult_case(c: Any, env: Envelope) -> None:
    e: ClaimCase.DifficultCaseAgreed = env.event
    step = ClaimStep.APPROVAL.value
    _change_step(c, e.originator_id, step, due_at=e.agreed_due_at, month=_month(e.agreed_due_at))


HANDLERS: dict[type, Callable[[Any, Envelope], None]] = {
    Complaint.Received: _complaint_received,
    Complaint.ClassedComplex: _complaint_change(decision_due_at=lambda e: e.decision_due_at),
    Complaint.Decided: _complaint_change(decided_at=lambda e: e.occurred_at),
    ClaimCase.Reported: _claim_reported,
    ClaimCase.Dispatched: _claim_dispatched,
    ClaimCase.ArrivalAgreed: _arrival_agreed,
    ClaimCase.StepDone: _step_done,
    ClaimCase.StepExcluded: _step_excluded,
    ClaimCase.AssessmentPlanSettled: _assessment_settled,
    ClaimCase.DocumentsCompleted: _documents_completed,
    ClaimCase.DifficultCaseAgreed: _difficult_case,
}
