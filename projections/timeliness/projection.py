"""Timeliness (时效): one row per obligation with a deadline, and its rule id.

Obligations: callback before the cooling-off end (CB-03), receipt registered
within the lag (CB-05), each work order's deadline (PC-02), the customer service
card (PS-03), the difficult-case report and the survival-benefit notice (PS-04).
Later obligation types add a handler to ``HANDLERS`` (event class → ``Handler``),
or to ``service_standards.HANDLERS`` for SL-01..SL-04.

Rows store facts: started, due, done (and cancelled); the status
正常/警告/超时/按时完成/逾期完成 depends on "now" and is computed when read
(``projections.timeliness.queries``) with the write side's ``obligation_status``.
Where the due time depends on configuration not yet fixed by an event (CB-05
before the receipt is registered) ``due_at`` is NULL.

So that a page is an index range scan, every row also stores its *effective* due
time ``due_eff`` (``due_at``, or for CB-05 the signing day + the configured lag) and
``warn_at`` (``due_eff`` less the warning lead, the row's own or the configured
one): PC-03's cases become ranges on these two columns. They are derived from
*(config)* numbers, so the parameters they were computed with are stored too
(``timeliness_parameters``); when the settings differ, the projection service
rebuilds the read model at start (``configured_for``) and the queries compute the
due time from the settings meanwhile (correct, not fast).

A small subjects table remembers what policy and service-case events do not
repeat (branch, channel, agent): events of a policy or case look it up.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from psycopg import Cursor
from psycopg.sql import SQL, Identifier

from domain.callback import Callback
from domain.parameters import RuleParameters
from domain.policy import Policy
from domain.service_case import ServiceCase, ServiceClass
from domain.shared.time import business_date, end_of_day, start_of_day
from domain.work_order import WorkOrder, warning_lead
from projections.base import Envelope
from projections.dispatch import handler_table
from projections.registry import register
from projections.rows import EventTableProjection, Row, RowCache, TableSpec
from projections.timeliness import service_standards
from projections.timeliness.obligations import (
    Handler,
    ObligationKind,
    Tables,
    cancel,
    complete,
    done_at,
    new_obligation,
    obligation_id,
    own,
    subject_row,
    update,
)

SUBJECTS = TableSpec(
    "timeliness_subjects",
    key="subject_id",
    columns=("subject_id", "kind", "policy_number", "branch", "channel", "product_type", "agent_code"),
)
OBLIGATIONS = TableSpec(
    "timeliness",
    key="obligation_id",
    columns=(
        "obligation_id",
        "rule_id",
        "kind",
        "detail",
        "subject_type",
        "subject_id",
        "policy_number",
        "branch",
        "channel",
        "product_type",
        "agent_code",
        "started_at",
        "due_at",
        "done_at",
        "warning_lead_days",
        "overdue_statement",
        "overdue_reason",
        "cancelled_at",
        "cancel_reason",
        "due_eff",
        "warn_at",
    ),
)


@dataclass(frozen=True)
class DueParameters:
    """The *(config)* numbers the stored effective due times derive from."""

    receipt_lag_days: int  # CB-05, until the registration fixes the lag
    warning_lead_days: int  # PC-03, for obligations without their own lead

    @classmethod
    def of(cls, rules: RuleParameters | None) -> DueParameters:
        rules = rules or RuleParameters()
        return cls(rules.callback.receipt_registration_lag_days, rules.work_order.warning_lead_days)


def effective_due(row: Row, p: DueParameters) -> tuple[datetime | None, datetime | None]:
    """(due_eff, warn_at) of an obligation row: its due time, or for a receipt not
    registered yet (CB-05) the signing day + the lag to the end of that day; and the
    moment the warning period starts (PC-03, ``warning_lead``)."""
    due = row["due_at"]
    if due is None and row["rule_id"] == "CB-05":
        due = end_of_day(business_date(row["started_at"]) + timedelta(days=p.receipt_lag_days))
    if due is None:
        return None, None
    lead = row["warning_lead_days"]
    return due, due - warning_lead(p.warning_lead_days if lead is None else lead)


class ObligationCache(RowCache):
    """The obligations of a batch: every row written carries its effective due time."""

    def __init__(self, cur: Cursor[Any], schema: str, parameters: DueParameters) -> None:
        super().__init__(cur, schema, OBLIGATIONS)
        self.parameters = parameters

    def put(self, row: Row) -> None:
        due_eff, warn_at = effective_due(row, self.parameters)
        super().put({**row, "due_eff": due_eff, "warn_at": warn_at})


# ----- the handlers ------------------------------------------------------------------------
# ----- policies: CB-05 -------------------------------------------------------------------
def _policy_issued(t: Tables, e: Policy.Issued) -> None:
    f = e.facts
    t.subjects.put(
        {
            "subject_id": e.originator_id,
            "kind": "policy",
            "policy_number": f.number,
            "branch": f.branch,
            "channel": f.channel,
            "product_type": f.product_type,
            "agent_code": f.agent_code,
        }
    )


def _policy_reassigned(t: Tables, e: Policy.AgentReassigned) -> None:
    # Later obligations are charged to the new agent; recorded ones keep theirs.
    t.subjects.put({**subject_row(t, e.originator_id, "policy"), "agent_code": e.new_agent_code})


def _cb05(e: Any) -> tuple[str]:
    return (obligation_id("CB-05", e.originator_id),)


def _receipt_signed(t: Tables, e: Policy.ReceiptSigned) -> None:
    (ob_id,) = _cb05(e)
    if t.obligations.get(ob_id) is None:
        subject = subject_row(t, e.originator_id, "policy")
        # due_at stays NULL: the lag is configuration until registration fixes it.
        t.obligations.put(
            new_obligation(
                ob_id,
                "CB-05",
                ObligationKind.RECEIPT_REGISTRATION,
                "policy",
                e.originator_id,
                subject,
                start_of_day(e.signed_on),
                None,
            )
        )


def _receipt_registered(t: Tables, e: Policy.ReceiptRegistered) -> None:
    (ob_id,) = _cb05(e)
    row = t.obligations.get(ob_id)
    if row is None:  # registered with its signature in one go, signature not seen first
        subject = subject_row(t, e.originator_id, "policy")
        row = new_obligation(
            ob_id,
            "CB-05",
            ObligationKind.RECEIPT_REGISTRATION,
            "policy",
            e.originator_id,
            subject,
            start_of_day(e.signed_on),
            None,
        )
    due = end_of_day(e.signed_on + timedelta(days=e.allowed_lag_days))
    t.obligations.put({**row, "due_at": due, "done_at": done_at(e.occurred_at, e.registered_on)})


def _policy_cancelled(t: Tables, e: Policy.CancelledInCoolingOff) -> None:
    cancel(t, _cb05(e)[0], e.occurred_at, "犹豫期撤单 cancelled within cooling-off")


# ----- callbacks: CB-03 -------------------------------------------------------------------
def _policy_subject(e: Any) -> Row:
    """The reporting dimensions that callback and work-order events carry themselves."""
    return {
        "policy_number": e.policy_number,
        "branch": e.branch,
        "channel": e.channel,
        "product_type": e.product_type,
        "agent_code": e.agent_code,
    }


def _cb03(e: Any) -> tuple[str]:
    return (obligation_id("CB-03", e.originator_id),)


def _callback_opened(t: Tables, e: Callback.Opened) -> None:
    subject = _policy_subject(e)
    t.obligations.put(
        new_obligation(
            _cb03(e)[0],
            "CB-03",
            ObligationKind.CALLBACK,
            "callback",
            e.originator_id,
            subject,
            e.occurred_at,
            end_of_day(e.due_on),
        )
    )


def _callback_outcome(t: Tables, e: Callback.OutcomeDecided) -> None:
    if e.success:  # OC-06: reached and questionnaire completed
        complete(t, _cb03(e)[0], e.occurred_at)


def _callback_excluded(t: Tables, e: Callback.Excluded) -> None:
    cancel(t, _cb03(e)[0], e.occurred_at, "犹豫期撤单 cancelled within cooling-off")


# ----- work orders: PC-02 (PC-03 status, PC-04 statement) -------------------------------------
def _pc02(e: Any) -> tuple[str]:
    return (obligation_id("PC-02", e.originator_id),)


def _work_order_created(t: Tables, e: WorkOrder.Created) -> None:
    subject = _policy_subject(e)
    t.obligations.put(
        new_obligation(
            _pc02(e)[0],
            "PC-02",
            ObligationKind.WORK_ORDER,
            "work_order",
            e.originator_id,
            subject,
            e.occurred_at,
            e.deadline_at,
            detail=e.work_order_type,
            warning_lead_days=e.warning_lead_days,
        )
    )


def _work_order_assigned(t: Tables, e: WorkOrder.Assigned) -> None:
    update(t, _pc02(e)[0], branch=e.branch)


def _overdue_statement(t: Tables, e: WorkOrder.OverdueStatementFiled) -> None:
    update(t, _pc02(e)[0], overdue_statement=True, overdue_reason=e.reason)


def _work_order_resolved(t: Tables, e: WorkOrder.Resolved) -> None:
    complete(t, _pc02(e)[0], e.occurred_at)


def _work_order_withdrawn(t: Tables, e: WorkOrder.Withdrawn) -> None:
    cancel(t, _pc02(e)[0], e.occurred_at, e.reason or "工单撤销 withdrawn")


# ----- service cases: PS-03, PS-04 ----------------------------------------------------------
def _ps03(e: Any) -> tuple[str]:
    return (obligation_id("PS-03", e.originator_id),)


def _report(e: Any) -> tuple[str]:
    return (obligation_id("PS-04", e.originator_id, "report"),)


def _notice(e: Any) -> tuple[str]:
    return (obligation_id("PS-04", e.originator_id, f"notice:{e.anniversary_on.isoformat()}"),)


def _policy_of_case(e: Any) -> tuple[uuid.UUID]:
    return (Policy.id_for(e.policy_number),)


def _case_opened(t: Tables, e: ServiceCase.Opened) -> None:
    policy = t.subjects.get(Policy.id_for(e.policy_number)) or {}
    t.subjects.put(
        {
            "subject_id": e.originator_id,
            "kind": "service_case",
            "policy_number": e.policy_number,
            "branch": e.branch,
            "channel": policy.get("channel"),
            "product_type": policy.get("product_type"),
            "agent_code": None,  # the servicer, once assigned
        }
    )


def _case_assigned(t: Tables, e: ServiceCase.Assigned) -> None:
    subject = {**subject_row(t, e.originator_id, "service case"), "agent_code": e.servicer_code}
    t.subjects.put(subject)
    (ob_id,) = _ps03(e)
    row = t.obligations.get(ob_id)
    if row is not None and row["done_at"] is not None:
        return
    # A new assignment (after a refusal) restarts the card obligation for the new servicer.
    t.obligations.put(
        new_obligation(
            ob_id,
            "PS-03",
            ObligationKind.SERVICE_CARD,
            "service_case",
            e.originator_id,
            subject,
            e.occurred_at,
            end_of_day(e.card_due_on),
        )
    )


def _case_refused(t: Tables, e: ServiceCase.AssignmentRefused) -> None:
    cancel(t, _ps03(e)[0], e.occurred_at, "拒绝接收 assignment refused")


def _card_created(t: Tables, e: ServiceCase.ServiceCardCreated) -> None:
    complete(t, _ps03(e)[0], done_at(e.occurred_at, e.created_on))


def _report_due(t: Tables, e: ServiceCase.DifficultCaseReportDue) -> None:
    (ob_id,) = _report(e)
    due = end_of_day(e.due_on) if e.due_on is not None else None
    detail = e.premium_due_on.isoformat() if e.premium_due_on else ""
    row = t.obligations.get(ob_id)
    if row is not None and row["done_at"] is not None:
        return
    if row is None or row["cancelled_at"] is not None:
        subject = subject_row(t, e.originator_id, "service case")
        row = new_obligation(
            ob_id,
            "PS-04",
            ObligationKind.DIFFICULT_CASE_REPORT,
            "service_case",
            e.originator_id,
            subject,
            e.occurred_at,
            due,
        )
    t.obligations.put({**row, "due_at": due, "detail": detail})


def _report_filed(t: Tables, e: ServiceCase.DifficultCaseReportFiled) -> None:
    complete(t, _report(e)[0], done_at(e.occurred_at, e.filed_on))


def _class_changed(t: Tables, e: ServiceCase.ClassChanged) -> None:
    if e.old_class == ServiceClass.DIFFICULT:  # no longer difficult: no report due
        cancel(t, _report(e)[0], e.occurred_at, f"不再是困难件 now {e.new_class}")


def _notice_due(t: Tables, e: ServiceCase.SurvivalBenefitNoticeDue) -> None:
    (ob_id,) = _notice(e)
    if t.obligations.get(ob_id) is None:
        t.obligations.put(
            new_obligation(
                ob_id,
                "PS-04",
                ObligationKind.SURVIVAL_BENEFIT_NOTICE,
                "service_case",
                e.originator_id,
                subject_row(t, e.originator_id, "service case"),
                e.occurred_at,
                end_of_day(e.due_on),
                detail=e.anniversary_on.isoformat(),
            )
        )


def _notice_delivered(t: Tables, e: ServiceCase.SurvivalBenefitNoticeDelivered) -> None:
    complete(t, _notice(e)[0], done_at(e.occurred_at, e.delivered_on))


def _case_ended(t: Tables, e: Any) -> None:
    reason = "服务件移交 superseded" if isinstance(e, ServiceCase.Superseded) else "服务件关闭 closed"
    for row in list(t.obligations.rows()):
        if row["subject_id"] == e.originator_id:
            cancel(t, row["obligation_id"], e.occurred_at, reason)


HANDLERS: dict[type, Handler] = {
    Policy.Issued: Handler(_policy_issued),
    Policy.AgentReassigned: Handler(_policy_reassigned, subjects=own),
    Policy.ReceiptSigned: Handler(_receipt_signed, subjects=own, obligations=_cb05),
    Policy.ReceiptRegistered: Handler(_receipt_registered, subjects=own, obligations=_cb05),
    Policy.CancelledInCoolingOff: Handler(_policy_cancelled, obligations=_cb05),
    Callback.Opened: Handler(_callback_opened),
    Callback.OutcomeDecided: Handler(_callback_outcome, obligations=_cb03),
    Callback.Excluded: Handler(_callback_excluded, obligations=_cb03),
    WorkOrder.Created: Handler(_work_order_created),
    WorkOrder.Assigned: Handler(_work_order_assigned, obligations=_pc02),
    WorkOrder.OverdueStatementFiled: Handler(_overdue_statement, obligations=_pc02),
    WorkOrder.Resolved: Handler(_work_order_resolved, obligations=_pc02),
    WorkOrder.Withdrawn: Handler(_work_order_withdrawn, obligations=_pc02),
    ServiceCase.Opened: Handler(_case_opened, subjects=_policy_of_case),
    ServiceCase.Assigned: Handler(_case_assigned, subjects=own, obligations=_ps03),
    ServiceCase.AssignmentRefused: Handler(_case_refused, obligations=_ps03),
    ServiceCase.ServiceCardCreated: Handler(_card_created, obligations=_ps03),
    ServiceCase.DifficultCaseReportDue: Handler(_report_due, subjects=own, obligations=_report),
    ServiceCase.DifficultCaseReportFiled: Handler(_report_filed, obligations=_report),
    ServiceCase.ClassChanged: Handler(_class_changed, obligations=_report),
    ServiceCase.SurvivalBenefitNoticeDue: Handler(_notice_due, subjects=own, obligations=_notice),
    ServiceCase.SurvivalBenefitNoticeDelivered: Handler(_notice_delivered, obligations=_notice),
    ServiceCase.Superseded: Handler(_case_ended, subject_obligations=own),
    ServiceCase.Closed: Handler(_case_ended, subject_obligations=own),
}


# ----- the projection ---------------------------------------------------------------------
@register
class Timeliness(EventTableProjection):
    name = "timeliness"
    handlers = handler_table(HANDLERS, service_standards.HANDLERS)  # SL-01..SL-04
    version = 2  # v2: stored effective due time (due_eff, warn_at) and its parameters
    title = "时效 timeliness"
    tables = ("timeliness", "timeliness_subjects", "timeliness_parameters")
    ddl = (
        "CREATE TABLE {schema}.timeliness ("
        " obligation_id text PRIMARY KEY,"
        " rule_id text NOT NULL,"
        " kind text NOT NULL,"
        " detail text NOT NULL,"
        " subject_type text NOT NULL,"
        " subject_id uuid NOT NULL,"
        " policy_number text,"
        " branch text,"
        " channel text,"
        " product_type text,"
        " agent_code text,"
        " started_at timestamptz NOT NULL,"
        " due_at timestamptz,"
        " done_at timestamptz,"
        " warning_lead_days int,"
        " overdue_statement boolean NOT NULL,"
        " overdue_reason text NOT NULL,"
        " cancelled_at timestamptz,"
        " cancel_reason text NOT NULL,"
        " due_eff timestamptz,"
        " warn_at timestamptz)",
        # the parameters due_eff and warn_at were computed with (one row)
        "CREATE TABLE {schema}.timeliness_parameters ("
        " id boolean PRIMARY KEY DEFAULT true CHECK (id),"
        " receipt_lag_days int NOT NULL,"
        " warning_lead_days int NOT NULL)",
        # apply reads a case's obligations by subject (closing a case)
        "CREATE INDEX timeliness_subject ON {schema}.timeliness (subject_id)",
        "CREATE TABLE {schema}.timeliness_subjects ("
        " subject_id uuid PRIMARY KEY,"
        " kind text NOT NULL,"
        " policy_number text,"
        " branch text,"
        " channel text,"
        " product_type text,"
        " agent_code text)",
    )
    # Every page orders by (due_eff, obligation_id) and continues after a cursor with a
    # row comparison on them: each filter a page can have leads an index on those.
    deferred_ddl = (
        "CREATE INDEX timeliness_due ON {schema}.timeliness (due_eff, obligation_id)",
        # status filters on open items (超时/警告/正常): ranges of due_eff
        "CREATE INDEX timeliness_open ON {schema}.timeliness (due_eff, obligation_id)"
        " WHERE done_at IS NULL AND cancelled_at IS NULL",
        "CREATE INDEX timeliness_branch ON {schema}.timeliness (branch, due_eff, obligation_id)",
        "CREATE INDEX timeliness_channel ON {schema}.timeliness (channel, due_eff, obligation_id)",
        "CREATE INDEX timeliness_agent ON {schema}.timeliness (agent_code, due_eff, obligation_id)",
        "CREATE INDEX timeliness_product ON {schema}.timeliness (product_type, due_eff, obligation_id)",
        "CREATE INDEX timeliness_rule ON {schema}.timeliness (rule_id, due_eff, obligation_id)",
        "CREATE INDEX timeliness_policy ON {schema}.timeliness (policy_number, due_eff, obligation_id)",
    )

    def __init__(self) -> None:
        self.parameters = DueParameters.of(None)
        self._parameters_written: set[str] = set()

    def configure(self, rules: Any) -> None:
        self.parameters = DueParameters.of(rules)
        self._parameters_written.clear()

    def configured_for(self, conn: Any, schema: str) -> bool:
        stored = stored_parameters(conn, schema)
        return stored is None or stored == self.parameters

    def apply(self, cur: Cursor[Any], schema: str, batch: Sequence[Envelope]) -> None:
        if schema not in self._parameters_written:
            p = self.parameters
            cur.execute(
                SQL(
                    "INSERT INTO {}.timeliness_parameters (receipt_lag_days, warning_lead_days)"
                    " VALUES (%s, %s) ON CONFLICT (id) DO UPDATE SET"
                    " receipt_lag_days = EXCLUDED.receipt_lag_days,"
                    " warning_lead_days = EXCLUDED.warning_lead_days"
                ).format(Identifier(schema)),
                (p.receipt_lag_days, p.warning_lead_days),
            )
            self._parameters_written.add(schema)
        t = Tables(RowCache(cur, schema, SUBJECTS), ObligationCache(cur, schema, self.parameters))
        steps = [(self.handler(env), env.event) for env in batch]
        t.subjects.prefetch(k for h, e in steps for k in h.subjects(e))
        t.obligations.prefetch(k for h, e in steps for k in h.obligations(e))
        t.obligations.prefetch_by("subject_id", (k for h, e in steps for k in h.subject_obligations(e)))
        for handler, event in steps:
            handler.apply(t, event)
        t.subjects.flush()
        t.obligations.flush()


def stored_parameters(conn: Any, schema: str) -> DueParameters | None:
    """The parameters the stored effective due times were computed with (None: no rows yet)."""
    row = conn.execute(
        SQL("SELECT receipt_lag_days, warning_lead_days FROM {}.timeliness_parameters").format(
            Identifier(schema)
        )
    ).fetchone()
    return DueParameters(*row) if row else None
