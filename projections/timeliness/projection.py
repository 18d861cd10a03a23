"""Timeliness (时效): one row per obligation with a deadline, and its rule id.

Obligations: callback before the cooling-off end (CB-03), receipt registered
within the lag (CB-05), each work order's deadline (PC-02), the customer service
card (PS-03), the difficult-case report and the survival-benefit notice (PS-04).
Later obligation types add a handler with ``@on("Aggregate.Event", ...)``.

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
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from psycopg import Cursor
from psycopg.sql import SQL, Identifier

from domain.callback import Callback
from domain.parameters import RuleParameters
from domain.policy import Policy
from domain.service_case import ServiceCase, ServiceClass
from domain.shared.labels import LabelledEnum
from domain.shared.time import business_date, end_of_day, start_of_day
from domain.work_order import WorkOrder, warning_lead
from projections.base import Envelope
from projections.registry import register
from projections.rows import EventTableProjection, Row, RowCache, TableSpec, event_name


class ObligationKind(LabelledEnum):
    """What an obligation is (时效事项)."""

    CALLBACK = "犹豫期内回访成功", "callback succeeded before cooling-off end"  # CB-03
    RECEIPT_REGISTRATION = "回执回销时效", "receipt registered within the lag"  # CB-05
    WORK_ORDER = "问题件处理时效", "work order handled by its deadline"  # PC-02
    SERVICE_CARD = "客户服务卡建立", "customer service card created"  # PS-03
    DIFFICULT_CASE_REPORT = "疑难件报告书递交", "difficult-case report filed"  # PS-04
    SURVIVAL_BENEFIT_NOTICE = "生存金返还通知书送达", "survival-benefit notice delivered"  # PS-04
    COMPLAINT_ACK = "投诉24小时响应", "complaint acknowledged within 24 h"  # SL-01b
    COMPLAINT_DECISION = "投诉处理时效", "complaint decided in time"  # SL-01c
    RENEWAL_REMINDER = "续保提醒", "renewal reminder made"  # SL-02b
    CLAIM_STEP = "理赔时效", "claim step in time"  # SL-03a/b/d/e (detail: the step)
    CARE_CALLBACK = "理赔关怀回访", "claim care callback"  # SL-04a/b (detail: which)


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
@dataclass
class Tables:
    """The two tables, cached for one batch."""

    subjects: RowCache
    obligations: RowCache


Apply = Callable[[Tables, Any], None]
Keys = Callable[[Any], Iterable[Any]]


@dataclass(frozen=True)
class Handler:
    apply: Apply
    subjects: Keys  # subject ids the handler reads (prefetched)
    obligations: Keys  # obligation ids it reads
    subject_obligations: Keys  # subjects whose every obligation it reads


#: "Aggregate.Event" → handler; extend with ``@on``
HANDLERS: dict[str, Handler] = {}


def _none(_: Any) -> tuple[()]:
    return ()


def on(
    name: str,
    *,
    subjects: Keys = _none,
    obligations: Keys = _none,
    subject_obligations: Keys = _none,
) -> Callable[[Apply], Apply]:
    """Register the handler of one event type, with the keys it reads (for prefetching)."""

    def decorate(fn: Apply) -> Apply:
        HANDLERS[name] = Handler(fn, subjects, obligations, subject_obligations)
        return fn

    return decorate


def obligation_id(rule_id: str, subject_id: uuid.UUID, detail: str = "") -> str:
    return f"{rule_id}:{subject_id}" + (f":{detail}" if detail else "")


def done_at(occurred_at: datetime, day: date) -> datetime:
    """When a date-stamped completion happened: the event's time if it was recorded that
    day, else the start of that day (a backdated record; on time iff day ≤ due day)."""
    return occurred_at if business_date(occurred_at) == day else start_of_day(day)


def new_obligation(
    ob_id: str,
    rule_id: str,
    kind: ObligationKind,
    subject_type: str,
    subject_id: uuid.UUID,
    subject: Row,
    started_at: datetime,
    due_at: datetime | None,
    detail: str = "",
    warning_lead_days: int | None = None,
) -> Row:
    return {
        "obligation_id": ob_id,
        "rule_id": rule_id,
        "kind": kind.value,
        "detail": detail,
        "subject_type": subject_type,
        "subject_id": subject_id,
        "policy_number": subject.get("policy_number"),
        "branch": subject.get("branch"),
        "channel": subject.get("channel"),
        "product_type": subject.get("product_type"),
        "agent_code": subject.get("agent_code"),
        "started_at": started_at,
        "due_at": due_at,
        "done_at": None,
        "warning_lead_days": warning_lead_days,
        "overdue_statement": False,
        "overdue_reason": "",
        "cancelled_at": None,
        "cancel_reason": "",
        "due_eff": None,  # derived on put (ObligationCache)
        "warn_at": None,
    }


def _update(t: Tables, ob_id: str, **changes: Any) -> None:
    row = t.obligations.get(ob_id)
    if row is not None:
        t.obligations.put({**row, **changes})


def _complete(t: Tables, ob_id: str, when: datetime) -> None:
    row = t.obligations.get(ob_id)
    if row is not None and row["done_at"] is None:
        t.obligations.put({**row, "done_at": when})


def _cancel(t: Tables, ob_id: str, when: datetime, reason: str) -> None:
    """An obligation that no longer applies (cancelled policy, withdrawn order…)."""
    row = t.obligations.get(ob_id)
    if row is not None and row["done_at"] is None and row["cancelled_at"] is None:
        t.obligations.put({**row, "cancelled_at": when, "cancel_reason": reason})


def _subject(t: Tables, subject_id: uuid.UUID, what: str) -> Row:
    row = t.subjects.get(subject_id)
    if row is None:
        raise LookupError(f"timeliness: {what} {subject_id} was never opened")
    return row


def _own(e: Any) -> tuple[uuid.UUID]:
    return (e.originator_id,)


# ----- policies: CB-05 -------------------------------------------------------------------
@on("Policy.Issued")
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


@on("Policy.AgentReassigned", subjects=_own)
def _policy_reassigned(t: Tables, e: Policy.AgentReassigned) -> None:
    # Later obligations are charged to the new agent; recorded ones keep theirs.
    t.subjects.put({**_subject(t, e.originator_id, "policy"), "agent_code": e.new_agent_code})


def _cb05(e: Any) -> tuple[str]:
    return (obligation_id("CB-05", e.originator_id),)


@on("Policy.ReceiptSigned", subjects=_own, obligations=_cb05)
def _receipt_signed(t: Tables, e: Policy.ReceiptSigned) -> None:
    (ob_id,) = _cb05(e)
    if t.obligations.get(ob_id) is None:
        subject = _subject(t, e.originator_id, "policy")
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


@on("Policy.ReceiptRegistered", subjects=_own, obligations=_cb05)
def _receipt_registered(t: Tables, e: Policy.ReceiptRegistered) -> None:
    (ob_id,) = _cb05(e)
    row = t.obligations.get(ob_id)
    if row is None:  # registered with its signature in one go, signature not seen first
        subject = _subject(t, e.originator_id, "policy")
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


@on("Policy.CancelledInCoolingOff", obligations=_cb05)
def _policy_cancelled(t: Tables, e: Policy.CancelledInCoolingOff) -> None:
    _cancel(t, _cb05(e)[0], e.occurred_at, "犹豫期撤单 cancelled within cooling-off")


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


@on("Callback.Opened")
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


@on("Callback.OutcomeDecided", obligations=_cb03)
def _callback_outcome(t: Tables, e: Callback.OutcomeDecided) -> None:
    if e.success:  # OC-06: reached and questionnaire completed
        _complete(t, _cb03(e)[0], e.occurred_at)


@on("Callback.Excluded", obligations=_cb03)
def _callback_excluded(t: Tables, e: Callback.Excluded) -> None:
    _cancel(t, _cb03(e)[0], e.occurred_at, "犹豫期撤单 cancelled within cooling-off")


# ----- work orders: PC-02 (PC-03 status, PC-04 statement) -------------------------------------
def _pc02(e: Any) -> tuple[str]:
    return (obligation_id("PC-02", e.originator_id),)


@on("WorkOrder.Created")
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


@on("WorkOrder.Assigned", obligations=_pc02)
def _work_order_assigned(t: Tables, e: WorkOrder.Assigned) -> None:
    _update(t, _pc02(e)[0], branch=e.branch)


@on("WorkOrder.OverdueStatementFiled", obligations=_pc02)
def _overdue_statement(t: Tables, e: WorkOrder.OverdueStatementFiled) -> None:
    _update(t, _pc02(e)[0], overdue_statement=True, overdue_reason=e.reason)


@on("WorkOrder.Resolved", obligations=_pc02)
def _work_order_resolved(t: Tables, e: WorkOrder.Resolved) -> None:
    _complete(t, _pc02(e)[0], e.occurred_at)


@on("WorkOrder.Withdrawn", obligations=_pc02)
def _work_order_withdrawn(t: Tables, e: WorkOrder.Withdrawn) -> None:
    _cancel(t, _pc02(e)[0], e.occurred_at, e.reason or "工单撤销 withdrawn")


# ----- service cases: PS-03, PS-04 ----------------------------------------------------------
def _ps03(e: Any) -> tuple[str]:
    return (obligation_id("PS-03", e.originator_id),)


def _report(e: Any) -> tuple[str]:
    return (obligation_id("PS-04", e.originator_id, "report"),)


def _notice(e: Any) -> tuple[str]:
    return (obligation_id("PS-04", e.originator_id, f"notice:{e.anniversary_on.isoformat()}"),)


def _policy_of_case(e: Any) -> tuple[uuid.UUID]:
    return (Policy.id_for(e.policy_number),)


@on("ServiceCase.Opened", subjects=_policy_of_case)
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


@on("ServiceCase.Assigned", subjects=_own, obligations=_ps03)
def _case_assigned(t: Tables, e: ServiceCase.Assigned) -> None:
    subject = {**_subject(t, e.originator_id, "service case"), "agent_code": e.servicer_code}
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


@on("ServiceCase.AssignmentRefused", obligations=_ps03)
def _case_refused(t: Tables, e: ServiceCase.AssignmentRefused) -> None:
    _cancel(t, _ps03(e)[0], e.occurred_at, "拒绝接收 assignment refused")


@on("ServiceCase.ServiceCardCreated", obligations=_ps03)
def _card_created(t: Tables, e: ServiceCase.ServiceCardCreated) -> None:
    _complete(t, _ps03(e)[0], done_at(e.occurred_at, e.created_on))


@on("ServiceCase.DifficultCaseReportDue", subjects=_own, obligations=_report)
def _report_due(t: Tables, e: ServiceCase.DifficultCaseReportDue) -> None:
    (ob_id,) = _report(e)
    due = end_of_day(e.due_on) if e.due_on is not None else None
    detail = e.premium_due_on.isoformat() if e.premium_due_on else ""
    row = t.obligations.get(ob_id)
    if row is not None and row["done_at"] is not None:
        return
    if row is None or row["cancelled_at"] is not None:
        subject = _subject(t, e.originator_id, "service case")
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


@on("ServiceCase.DifficultCaseReportFiled", obligations=_report)
def _report_filed(t: Tables, e: ServiceCase.DifficultCaseReportFiled) -> None:
    _complete(t, _report(e)[0], done_at(e.occurred_at, e.filed_on))


@on("ServiceCase.ClassChanged", obligations=_report)
def _class_changed(t: Tables, e: ServiceCase.ClassChanged) -> None:
    if e.old_class == ServiceClass.DIFFICULT:  # no longer difficult: no report due
        _cancel(t, _report(e)[0], e.occurred_at, f"不再是困难件 now {e.new_class}")


@on("ServiceCase.SurvivalBenefitNoticeDue", subjects=_own, obligations=_notice)
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
                _subject(t, e.originator_id, "service case"),
                e.occurred_at,
                end_of_day(e.due_on),
                detail=e.anniversary_on.isoformat(),
            )
        )


@on("ServiceCase.SurvivalBenefitNoticeDelivered", obligations=_notice)
def _notice_delivered(t: Tables, e: ServiceCase.SurvivalBenefitNoticeDelivered) -> None:
    _complete(t, _notice(e)[0], done_at(e.occurred_at, e.delivered_on))


def _case_ended(t: Tables, e: Any) -> None:
    reason = "服务件移交 superseded" if isinstance(e, ServiceCase.Superseded) else "服务件关闭 closed"
    for row in list(t.obligations.rows()):
        if row["subject_id"] == e.originator_id:
            _cancel(t, row["obligation_id"], e.occurred_at, reason)


on("ServiceCase.Superseded", subject_obligations=_own)(_case_ended)
on("ServiceCase.Closed", subject_obligations=_own)(_case_ended)


# ----- the projection ---------------------------------------------------------------------
@register
class Timeliness(EventTableProjection):
    name = "timeliness"
    handlers = HANDLERS
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
        steps = [(HANDLERS[event_name(env.topic)], env.event) for env in batch]
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


# SL-01..SL-04 handlers register themselves into HANDLERS (service standards, issue #16).
import projections.timeliness.service_standards  # noqa: E402, F401
