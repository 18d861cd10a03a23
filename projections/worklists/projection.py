"""Worklists (工作队列): what is waiting for someone, one row per open item.

- ``worklist_callbacks``: callbacks still to be completed, with their call cycle
  (CA-02: start, end, attempts allowed and made) — the call-centre queue, and what
  ``policytrail tick`` reads to find cycles that ran out;
- ``worklist_work_orders``: open work orders — the branch queue (OC-05);
- ``worklist_service_cases``: open service cases — the servicer queue (PS-04).

A row leaves when its item is done (callback succeeded or excluded, work order
resolved or withdrawn, case closed or superseded). Queue order, attempts left,
the next allowed call window and PC-03 statuses depend on "now" and are computed
when read (``projections.worklists.queries``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from psycopg import Cursor

from domain.callback import Callback, CallbackStatus, CallResult, SpecialStatus
from domain.service_case import CaseStatus, ServiceCase, ServiceClass
from domain.work_order import WorkOrder
from projections.base import Envelope
from projections.dispatch import handler_table
from projections.registry import register
from projections.rows import EventTableProjection, Row, RowCache, TableSpec, later_event_ids

CALLBACKS = TableSpec(
    "worklist_callbacks",
    key="callback_id",
    columns=(
        "callback_id",
        "policy_number",
        "branch",
        "channel",
        "product_type",
        "agent_code",
        "status",
        "cooling_off_end",
        "cycle",
        "cycle_started_at",
        "cycle_ends_at",
        "attempts_allowed",
        "attempts_in_cycle",
        "last_attempt_at",
        "last_result",
        "agreed_call_at",
        "sent_to_branch",
        "special_status",
    ),
)
WORK_ORDERS = TableSpec(
    "worklist_work_orders",
    key="work_order_id",
    columns=(
        "work_order_id",
        "work_order_type",
        "policy_number",
        "branch",
        "channel",
        "product_type",
        "agent_code",
        "handler_id",
        "source_class",
        "source_subtype",
        "created_at",
        "sent_on",
        "deadline_at",
        "warning_lead_days",
        "overdue_statement",
        "escalated_from",
    ),
)
CASES = TableSpec(
    "worklist_service_cases",
    key="case_id",
    columns=(
        "case_id",
        "policy_number",
        "branch",
        "source",
        "service_class",
        "status",
        "servicer_code",
        "premium_due_on",
        "assigned_on",
        "card_due_on",
        "card_number",
        "report_due_on",
        "report_filed_on",
        "notices_due",
        "contact_attempts",
        "last_contact_on",
    ),
    json_columns=frozenset({"notices_due"}),
)


class Caches:
    def __init__(self, cur: Cursor[Any], schema: str) -> None:
        self.callbacks = RowCache(cur, schema, CALLBACKS)
        self.work_orders = RowCache(cur, schema, WORK_ORDERS)
        self.cases = RowCache(cur, schema, CASES)

    def flush(self) -> None:
        self.callbacks.flush()
        self.work_orders.flush()
        self.cases.flush()


Handler = Callable[[Caches, Any], None]


def _change(cache: Callable[[Caches], RowCache], fn: Callable[[Row, Any], Row | None]) -> Handler:
    """A handler changing the item's row: ``fn`` returns the new row, or None to remove
    it. Events of an item no longer listed (already done) change nothing."""

    def handle(c: Caches, e: Any) -> None:
        rows = cache(c)
        row = rows.get(e.originator_id)
        if row is None:
            return
        changed = fn(row, e)
        if changed is None:
            rows.delete(e.originator_id)
        else:
            rows.put(changed)

    return handle


def _callbacks(c: Caches) -> RowCache:
    return c.callbacks


def _work_orders(c: Caches) -> RowCache:
    return c.work_orders


def _cases(c: Caches) -> RowCache:
    return c.cases


# ----- callbacks: the call-centre queue (CA-01, CA-02) ----------------------------------------
def _callback_opened(c: Caches, e: Callback.Opened) -> None:
    c.callbacks.put(
        {
            "callback_id": e.originator_id,
            "policy_number": e.policy_number,
            "branch": e.branch,
            "channel": e.channel,
            "product_type": e.product_type,
            "agent_code": e.agent_code,
            "status": CallbackStatus.AWAITING_CALL.value,
            "cooling_off_end": e.cooling_off_end,
            "cycle": 0,
            "cycle_started_at": e.occurred_at,
            "cycle_ends_at": e.occurred_at,
            "attempts_allowed": 0,
            "attempts_in_cycle": 0,
            "last_attempt_at": None,
            "last_result": "",
            "agreed_call_at": None,
            "sent_to_branch": False,
            "special_status": "",
        }
    )


def _cycle_started(row: Row, e: Callback.CycleStarted) -> Row:
    return {
        **row,
        "status": CallbackStatus.AWAITING_CALL.value,
        "cycle": e.cycle,
        "cycle_started_at": e.starts_at,
        "cycle_ends_at": e.ends_at,
        "attempts_allowed": e.attempts_allowed,
        "attempts_in_cycle": 0,
        "agreed_call_at": e.agreed_call_at,
    }


def _attempt(row: Row, e: Callback.AttemptRecorded) -> Row:
    reached = e.result == CallResult.REACHED
    return {
        **row,
        "status": CallbackStatus.IN_CALL.value if reached else row["status"],
        "attempts_in_cycle": e.attempt_no,
        "last_attempt_at": e.occurred_at,
        "last_result": e.result,
    }


def _outcome(row: Row, e: Callback.OutcomeDecided) -> Row | None:
    if e.success:
        return None  # completed (OC-06): nothing left to do
    return {**row, "status": CallbackStatus.SENT_TO_BRANCH.value, "sent_to_branch": True}


def _special_decided(row: Row, e: Callback.SpecialCallbackDecided) -> Row:
    if e.approved:  # SP-02: completed by the unit, not queued for central calls
        return {**row, "status": CallbackStatus.SPECIAL.value, "special_status": SpecialStatus.APPROVED.value}
    return {**row, "special_status": SpecialStatus.REJECTED.value}


# ----- work orders: the branch queue (OC-05) --------------------------------------------------
def _work_order_created(c: Caches, e: WorkOrder.Created) -> None:
    c.work_orders.put(
        {
            "work_order_id": e.originator_id,
            "work_order_type": e.work_order_type,
            "policy_number": e.policy_number,
            "branch": e.branch,
            "channel": e.channel,
            "product_type": e.product_type,
            "agent_code": e.agent_code,
            "handler_id": "",
            "source_class": e.source_class,
            "source_subtype": e.source_subtype,
            "created_at": e.occurred_at,
            "sent_on": e.created_on,
            "deadline_at": e.deadline_at,
            "warning_lead_days": e.warning_lead_days,
            "overdue_statement": False,
            "escalated_from": e.escalated_from,
        }
    )


# ----- service cases: the servicer queue (PS-04) ----------------------------------------------
def _case_opened(c: Caches, e: ServiceCase.Opened) -> None:
    c.cases.put(
        {
            "case_id": e.originator_id,
            "policy_number": e.policy_number,
            "branch": e.branch,
            "source": e.source,
            "service_class": e.service_class,
            "status": CaseStatus.UNASSIGNED.value,
            "servicer_code": "",
            "premium_due_on": e.premium_due_on,
            "assigned_on": None,
            "card_due_on": None,
            "card_number": "",
            "report_due_on": None,
            "report_filed_on": None,
            "notices_due": {},
            "contact_attempts": 0,
            "last_contact_on": None,
        }
    )


def _notices(row: Row, anniversary: str, due_on: str | None) -> dict[str, str]:
    """Survival-benefit notices not delivered yet: anniversary → due day (ISO dates)."""
    notices = dict(row["notices_due"] or {})
    if due_on is None:
        notices.pop(anniversary, None)
    else:
        notices[anniversary] = due_on
    return notices


HANDLERS: dict[type, Handler] = {
    Callback.Opened: _callback_opened,
    Callback.CycleStarted: _change(_callbacks, _cycle_started),
    Callback.AttemptRecorded: _change(_callbacks, _attempt),
    Callback.CallAbandoned: _change(
        _callbacks, lambda r, e: {**r, "status": CallbackStatus.AWAITING_CALL.value}
    ),
    Callback.OutcomeDecided: _change(_callbacks, _outcome),
    Callback.SpecialCallbackApplied: _change(
        _callbacks, lambda r, e: {**r, "special_status": SpecialStatus.APPLIED.value}
    ),
    Callback.SpecialCallbackDecided: _change(_callbacks, _special_decided),
    Callback.Excluded: _change(_callbacks, lambda r, e: None),
    WorkOrder.Created: _work_order_created,
    WorkOrder.Assigned: _change(
        _work_orders, lambda r, e: {**r, "branch": e.branch, "handler_id": e.handler_id}
    ),
    WorkOrder.OverdueStatementFiled: _change(_work_orders, lambda r, e: {**r, "overdue_statement": True}),
    WorkOrder.Resolved: _change(_work_orders, lambda r, e: None),
    WorkOrder.Withdrawn: _change(_work_orders, lambda r, e: None),
    ServiceCase.Opened: _case_opened,
    ServiceCase.Assigned: _change(
        _cases,
        lambda r, e: {
            **r,
            "status": CaseStatus.ASSIGNED.value,
            "servicer_code": e.servicer_code,
            "assigned_on": e.assigned_on,
            "card_due_on": e.card_due_on,
        },
    ),
    ServiceCase.ServiceListSigned: _change(_cases, lambda r, e: {**r, "status": CaseStatus.IN_SERVICE.value}),
    ServiceCase.AssignmentRefused: _change(
        _cases,
        lambda r, e: {
            **r,
            "status": CaseStatus.UNASSIGNED.value,
            "servicer_code": "",
            "assigned_on": None,
            "card_due_on": None,
        },
    ),
    ServiceCase.ServiceCardCreated: _change(_cases, lambda r, e: {**r, "card_number": e.card_number}),
    ServiceCase.ContactAttempted: _change(
        _cases,
        lambda r, e: {
            **r,
            "contact_attempts": r["contact_attempts"] + 1,
            "last_contact_on": max(filter(None, (r["last_contact_on"], e.attempted_on))),
        },
    ),
    ServiceCase.ClassChanged: _change(
        _cases,
        lambda r, e: {
            **r,
            "service_class": e.new_class,
            "report_due_on": r["report_due_on"] if e.new_class == ServiceClass.DIFFICULT else None,
        },
    ),
    ServiceCase.PremiumDueDateRecorded: _change(
        _cases, lambda r, e: {**r, "premium_due_on": e.premium_due_on}
    ),
    ServiceCase.DifficultCaseReportDue: _change(_cases, lambda r, e: {**r, "report_due_on": e.due_on}),
    ServiceCase.DifficultCaseReportFiled: _change(_cases, lambda r, e: {**r, "report_filed_on": e.filed_on}),
    ServiceCase.SurvivalBenefitNoticeDue: _change(
        _cases,
        lambda r, e: {
            **r,
            "notices_due": _notices(r, e.anniversary_on.isoformat(), e.due_on.isoformat()),
        },
    ),
    ServiceCase.SurvivalBenefitNoticeDelivered: _change(
        _cases, lambda r, e: {**r, "notices_due": _notices(r, e.anniversary_on.isoformat(), None)}
    ),
    ServiceCase.Superseded: _change(_cases, lambda r, e: None),
    ServiceCase.Closed: _change(_cases, lambda r, e: None),
}


#: the call queue's order (CA-02: earliest cooling-off end first), unique with the id
QUEUE_ORDER = "cooling_off_end, cycle_ends_at, policy_number, callback_id"
#: callbacks awaiting a call or in one (待回访, 通话中): the queue; a literal, so that the
#: planner matches the queries to the partial indexes
CALLABLE_SQL = f"('{CallbackStatus.AWAITING_CALL.value}', '{CallbackStatus.IN_CALL.value}')"


@register
class Worklists(EventTableProjection):
    name = "worklists"
    handlers = handler_table(HANDLERS)
    version = 2  # v2: the call queue's keyset indexes (callable callbacks only)
    title = "工作队列 worklists"
    tables = ("worklist_callbacks", "worklist_work_orders", "worklist_service_cases")
    ddl = (
        "CREATE TABLE {schema}.worklist_callbacks ("
        " callback_id uuid PRIMARY KEY,"
        " policy_number text NOT NULL,"
        " branch text NOT NULL,"
        " channel text NOT NULL,"
        " product_type text NOT NULL,"
        " agent_code text NOT NULL,"
        " status text NOT NULL,"
        " cooling_off_end date NOT NULL,"
        " cycle int NOT NULL,"
        " cycle_started_at timestamptz NOT NULL,"
        " cycle_ends_at timestamptz NOT NULL,"
        " attempts_allowed int NOT NULL,"
        " attempts_in_cycle int NOT NULL,"
        " last_attempt_at timestamptz,"
        " last_result text NOT NULL,"
        " agreed_call_at timestamptz,"
        " sent_to_branch boolean NOT NULL,"
        " special_status text NOT NULL)",
        "CREATE TABLE {schema}.worklist_work_orders ("
        " work_order_id uuid PRIMARY KEY,"
        " work_order_type text NOT NULL,"
        " policy_number text NOT NULL,"
        " branch text NOT NULL,"
        " channel text NOT NULL,"
        " product_type text NOT NULL,"
        " agent_code text NOT NULL,"
        " handler_id text NOT NULL,"
        " source_class text NOT NULL,"
        " source_subtype text NOT NULL,"
        " created_at timestamptz NOT NULL,"
        " sent_on date NOT NULL,"
        " deadline_at timestamptz NOT NULL,"
        " warning_lead_days int NOT NULL,"
        " overdue_statement boolean NOT NULL,"
        " escalated_from uuid)",
        "CREATE TABLE {schema}.worklist_service_cases ("
        " case_id uuid PRIMARY KEY,"
        " policy_number text NOT NULL,"
        " branch text NOT NULL,"
        " source text NOT NULL,"
        " service_class text NOT NULL,"
        " status text NOT NULL,"
        " servicer_code text NOT NULL,"
        " premium_due_on date,"
        " assigned_on date,"
        " card_due_on date,"
        " card_number text NOT NULL,"
        " report_due_on date,"
        " report_filed_on date,"
        " notices_due jsonb NOT NULL,"
        " contact_attempts int NOT NULL,"
        " last_contact_on date)",
    )
    deferred_ddl = (
        # the call queue (callable callbacks in queue order) and its keyset, by each filter
        "CREATE INDEX worklist_callbacks_due ON {schema}.worklist_callbacks"
        f" ({QUEUE_ORDER}) WHERE status IN {CALLABLE_SQL}",
        "CREATE INDEX worklist_callbacks_queue_branch ON {schema}.worklist_callbacks"
        f" (branch, {QUEUE_ORDER}) WHERE status IN {CALLABLE_SQL}",
        "CREATE INDEX worklist_callbacks_queue_agent ON {schema}.worklist_callbacks"
        f" (agent_code, {QUEUE_ORDER}) WHERE status IN {CALLABLE_SQL}",
        "CREATE INDEX worklist_callbacks_queue_channel ON {schema}.worklist_callbacks"
        f" (channel, {QUEUE_ORDER}) WHERE status IN {CALLABLE_SQL}",
        "CREATE INDEX worklist_callbacks_policy ON {schema}.worklist_callbacks (policy_number)",
        # policytrail tick: cycles that ran out
        "CREATE INDEX worklist_callbacks_cycle_end ON {schema}.worklist_callbacks (cycle_ends_at)"
        " WHERE status IN ('待回访', '通话中')",
        "CREATE INDEX worklist_callbacks_branch ON {schema}.worklist_callbacks (branch)",
        "CREATE INDEX worklist_work_orders_branch ON {schema}.worklist_work_orders (branch, deadline_at)",
        "CREATE INDEX worklist_cases_servicer"
        " ON {schema}.worklist_service_cases (servicer_code, premium_due_on)",
        "CREATE INDEX worklist_cases_branch ON {schema}.worklist_service_cases (branch)",
    )

    def apply(self, cur: Cursor[Any], schema: str, batch: Sequence[Envelope]) -> None:
        c = Caches(cur, schema)
        later = later_event_ids(batch, ("Callback", "WorkOrder", "ServiceCase"))
        c.callbacks.prefetch(later["Callback"])
        c.work_orders.prefetch(later["WorkOrder"])
        c.cases.prefetch(later["ServiceCase"])
        for env in batch:
            self.handler(env)(c, env.event)
        c.flush()
