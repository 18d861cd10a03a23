"""Scorecards (考核指标): the facts behind the callback and work-order KPIs and SC-01.

One fact row per callback and per work order, carrying every dimension a report
breaks down by (KP-04: branch, channel, product type, agent, month), plus the
planners' SC-01 monthly inputs and SC-02 penalties. The KPIs (KP-01..03), the
PC-07 warning and investigation flag and the SC-01 score are computed from these
facts when read (``projections.scorecards.queries``) with the domain's own
functions and the current rule parameters; "now"-dependent counts (overdue work
orders) use the reader's "now".

Periods: a callback counts in the month it became due (CB-03: the receipt was
registered, ``month``); a work order in the month of its deadline (KP-03 "work
orders due in the period"). A callback cancelled within cooling-off (OC-06) keeps
its row with ``excluded`` set: it leaves every callback count.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Any

from psycopg import Cursor

from domain.callback import Callback, OutcomeClass, ProblemCategory, VerificationSubtype
from domain.planner import Planner
from domain.planner_score import month_of
from domain.shared.time import business_date
from domain.work_order import WorkOrder, WorkOrderState
from projections.base import Envelope
from projections.dispatch import handler_table
from projections.registry import register
from projections.rows import EventTableProjection, RowCache, TableSpec, later_event_ids
from projections.scorecards import counts
from projections.scorecards import service_standards as sl

CALLBACKS = TableSpec(
    "scorecard_callbacks",
    key="callback_id",
    columns=(
        "callback_id",
        "policy_number",
        "branch",
        "channel",
        "product_type",
        "agent_code",
        "month",
        "registered_on",
        "cooling_off_end",
        "excluded",
        "outcomes",
        "outcome_class",
        "outcome_category",
        "outcome_subtype",
        "succeeded",
        "succeeded_within_cooling_off",
        "completed_on",
        "problem",
        "misleading",
        "proxy_signature",
        "duplicate_phone_hit",
    ),
)
WORK_ORDERS = TableSpec(
    "scorecard_work_orders",
    key="work_order_id",
    columns=(
        "work_order_id",
        "work_order_type",
        "policy_number",
        "branch",
        "channel",
        "product_type",
        "agent_code",
        "created_at",
        "deadline_at",
        "month",
        "warning_lead_days",
        "state",
        "closed_at",
        "overdue_statement",
    ),
)
PLANNERS = TableSpec("scorecard_planners", key="planner_id", columns=("planner_id", "agent_code", "branch"))
INPUTS = TableSpec(
    "scorecard_planner_inputs",
    key="input_key",
    columns=(
        "input_key",
        "agent_code",
        "month",
        "rank_series",
        "rank_level",
        "premium_task_rate",
        "attendance_rate",
        "work_log_pass_rate",
        "discretion_points",
        "extended_probation_month",
    ),
)
PENALTIES = TableSpec(
    "scorecard_planner_penalties",
    key="position",
    columns=(
        "position",
        "agent_code",
        "month",
        "log_date",
        "role",
        "deduction",
        "zeroed",
        "rule_id",
        "reason",
        "reference",
    ),
)


class Caches:
    def __init__(self, cur: Cursor[Any], schema: str) -> None:
        self.callbacks = counts.CountedCallbacks(cur, schema, CALLBACKS)  # and their counters
        self.work_orders = RowCache(cur, schema, WORK_ORDERS)
        self.planners = RowCache(cur, schema, PLANNERS)
        self.inputs = RowCache(cur, schema, INPUTS)
        self.penalties = RowCache(cur, schema, PENALTIES)
        # service standards (SL-01, SL-03): projections.scorecards.service_standards
        self.complaints = RowCache(cur, schema, sl.COMPLAINTS)
        self.claims = RowCache(cur, schema, sl.CLAIMS)
        self.claim_steps = RowCache(cur, schema, sl.CLAIM_STEPS)

    def flush(self) -> None:
        for cache in (self.callbacks, self.work_orders, self.planners, self.inputs, self.penalties):
            cache.flush()
        for cache in (self.complaints, self.claims, self.claim_steps):
            cache.flush()


Handler = Callable[[Caches, Envelope], None]


# ----- callbacks (KP-01, KP-02, OC-06, DP hits) ---------------------------------------------
def _callback_opened(c: Caches, env: Envelope) -> None:
    e: Callback.Opened = env.event
    c.callbacks.put(
        {
            "callback_id": e.originator_id,
            "policy_number": e.policy_number,
            "branch": e.branch,
            "channel": e.channel,
            "product_type": e.product_type,
            "agent_code": e.agent_code,
            "month": month_of(e.receipt_registered_on),
            "registered_on": e.receipt_registered_on,
            "cooling_off_end": e.cooling_off_end,
            "excluded": False,
            "outcomes": 0,
            "outcome_class": "",
            "outcome_category": "",
            "outcome_subtype": "",
            "succeeded": False,
            "succeeded_within_cooling_off": False,
            "completed_on": None,
            "problem": False,
            "misleading": False,
            "proxy_signature": False,
            "duplicate_phone_hit": False,
        }
    )


def _callback_row(c: Caches, callback_id: uuid.UUID) -> dict[str, Any]:
    row = c.callbacks.get(callback_id)
    if row is None:
        raise LookupError(f"scorecards: callback {callback_id} was never opened")
    return row


def _outcome_decided(c: Caches, env: Envelope) -> None:
    e: Callback.OutcomeDecided = env.event
    row = _callback_row(c, e.originator_id)
    categories = {f.category for f in e.findings}
    row.update(
        outcomes=row["outcomes"] + 1,
        # the callback's current outcome: counts by class reconcile with due
        outcome_class=e.outcome_class,
        outcome_category=e.category,
        outcome_subtype=e.subtype,
        problem=e.success and e.outcome_class == OutcomeClass.PROBLEM,  # KP-02
        misleading=ProblemCategory.SUSPECTED_MISLEADING.value in categories,
        proxy_signature=ProblemCategory.PROXY_SIGNATURE.value in categories,
        duplicate_phone_hit=row["duplicate_phone_hit"]
        or (
            e.outcome_class == OutcomeClass.VERIFICATION and e.subtype == VerificationSubtype.DUPLICATE_PHONE
        ),
    )
    if e.success:  # OC-06 (监管口径)
        row.update(
            succeeded=True,
            succeeded_within_cooling_off=e.success_within_cooling_off,
            completed_on=e.completed_on,
        )
    c.callbacks.put(row)


def _callback_excluded(c: Caches, env: Envelope) -> None:
    row = _callback_row(c, env.event.originator_id)
    c.callbacks.put({**row, "excluded": True})  # OC-06: leaves the denominator


# ----- work orders (KP-03, open/closed/overdue) ---------------------------------------------
def _work_order_created(c: Caches, env: Envelope) -> None:
    e: WorkOrder.Created = env.event
    c.work_orders.put(
        {
            "work_order_id": e.originator_id,
            "work_order_type": e.work_order_type,
            "policy_number": e.policy_number,
            "branch": e.branch,
            "channel": e.channel,
            "product_type": e.product_type,
            "agent_code": e.agent_code,
            "created_at": e.occurred_at,
            "deadline_at": e.deadline_at,
            "month": month_of(business_date(e.deadline_at)),
            "warning_lead_days": e.warning_lead_days,
            "state": WorkOrderState.OPEN.value,
            "closed_at": None,
            "overdue_statement": False,
        }
    )


def _work_order_change(**fields: Callable[[Any], Any]) -> Handler:
    def handle(c: Caches, env: Envelope) -> None:
        row = c.work_orders.get(env.event.originator_id)
        if row is None:
            raise LookupError(f"scorecards: work order {env.event.originator_id} was never created")
        c.work_orders.put({**row, **{name: fn(env.event) for name, fn in fields.items()}})

    return handle


# ----- planners (SC-01 inputs, SC-02 penalties) ---------------------------------------------
def _planner_enrolled(c: Caches, env: Envelope) -> None:
    e: Planner.Enrolled = env.event
    c.planners.put({"planner_id": e.originator_id, "agent_code": e.agent_code, "branch": e.branch})


def _planner_code(c: Caches, planner_id: uuid.UUID) -> str:
    row = c.planners.get(planner_id)
    if row is None:
        raise LookupError(f"scorecards: planner {planner_id} was never enrolled")
    return str(row["agent_code"])


def _inputs_recorded(c: Caches, env: Envelope) -> None:
    i = env.event.inputs
    code = _planner_code(c, env.event.originator_id)
    c.inputs.put(  # a later record of the same month corrects the earlier one
        {
            "input_key": f"{code}|{i.month}",
            "agent_code": code,
            "month": i.month,
            "rank_series": i.rank.series,
            "rank_level": i.rank.level,
            "premium_task_rate": i.premium_task_rate,
            "attendance_rate": i.attendance_rate,
            "work_log_pass_rate": i.work_log_pass_rate,
            "discretion_points": i.discretion_points,
            "extended_probation_month": i.extended_probation_month,
        }
    )


def _penalty(c: Caches, env: Envelope, penalty: Any) -> None:
    c.penalties.put(
        {
            "position": env.position,
            "agent_code": _planner_code(c, env.event.originator_id),
            "month": penalty.month,
            "log_date": penalty.log_date,
            "role": penalty.role,
            "deduction": penalty.deduction,
            "zeroed": penalty.zeroed,
            "rule_id": penalty.rule_id,
            "reason": penalty.reason,
            "reference": penalty.reference,
        }
    )


def _log_audited(c: Caches, env: Envelope) -> None:
    if env.event.owner_penalty is not None:  # the supervisors' come as WorkLogPenalised
        _penalty(c, env, env.event.owner_penalty)


HANDLERS: dict[type, Handler] = {
    Callback.Opened: _callback_opened,
    Callback.OutcomeDecided: _outcome_decided,
    Callback.Excluded: _callback_excluded,
    WorkOrder.Created: _work_order_created,
    WorkOrder.Assigned: _work_order_change(branch=lambda e: e.branch),
    WorkOrder.OverdueStatementFiled: _work_order_change(overdue_statement=lambda e: True),
    WorkOrder.Resolved: _work_order_change(
        state=lambda e: WorkOrderState.RESOLVED.value, closed_at=lambda e: e.occurred_at
    ),
    WorkOrder.Withdrawn: _work_order_change(
        state=lambda e: WorkOrderState.WITHDRAWN.value, closed_at=lambda e: e.occurred_at
    ),
    Planner.Enrolled: _planner_enrolled,
    Planner.MonthlyInputsRecorded: _inputs_recorded,
    Planner.WorkLogAudited: _log_audited,
    Planner.WorkLogPenalised: lambda c, env: _penalty(c, env, env.event.penalty),
    Planner.WorkLogMissed: lambda c, env: _penalty(c, env, env.event.penalty),
}


@register
class Scorecards(EventTableProjection):
    name = "scorecards"
    handlers = handler_table(HANDLERS, sl.HANDLERS)  # SL-01, SL-03: scorecards.service_standards
    version = 3  # 2: complaints and claim steps (SL-01, SL-03); 3: callback counters
    title = "考核指标 scorecards"
    tables = (
        "scorecard_callbacks",
        "scorecard_work_orders",
        "scorecard_planners",
        "scorecard_planner_inputs",
        "scorecard_planner_penalties",
        counts.TABLE,
        *sl.TABLES,
    )
    ddl = (
        "CREATE TABLE {schema}.scorecard_callbacks ("
        " callback_id uuid PRIMARY KEY,"
        " policy_number text NOT NULL,"
        " branch text NOT NULL,"
        " channel text NOT NULL,"
        " product_type text NOT NULL,"
        " agent_code text NOT NULL,"
        " month text NOT NULL,"
        " registered_on date NOT NULL,"
        " cooling_off_end date NOT NULL,"
        " excluded boolean NOT NULL,"
        " outcomes int NOT NULL,"
        " outcome_class text NOT NULL,"
        " outcome_category text NOT NULL,"
        " outcome_subtype text NOT NULL,"
        " succeeded boolean NOT NULL,"
        " succeeded_within_cooling_off boolean NOT NULL,"
        " completed_on date,"
        " problem boolean NOT NULL,"
        " misleading boolean NOT NULL,"
        " proxy_signature boolean NOT NULL,"
        " duplicate_phone_hit boolean NOT NULL)",
        "CREATE TABLE {schema}.scorecard_work_orders ("
        " work_order_id uuid PRIMARY KEY,"
        " work_order_type text NOT NULL,"
        " policy_number text NOT NULL,"
        " branch text NOT NULL,"
        " channel text NOT NULL,"
        " product_type text NOT NULL,"
        " agent_code text NOT NULL,"
        " created_at timestamptz NOT NULL,"
        " deadline_at timestamptz NOT NULL,"
        " month text NOT NULL,"
        " warning_lead_days int NOT NULL,"
        " state text NOT NULL,"
        " closed_at timestamptz,"
        " overdue_statement boolean NOT NULL)",
        "CREATE TABLE {schema}.scorecard_planners ("
        " planner_id uuid PRIMARY KEY, agent_code text NOT NULL, branch text NOT NULL)",
        "CREATE TABLE {schema}.scorecard_planner_inputs ("
        " input_key text PRIMARY KEY,"
        " agent_code text NOT NULL,"
        " month text NOT NULL,"
        " rank_series text NOT NULL,"
        " rank_level text NOT NULL,"
        " premium_task_rate numeric NOT NULL,"
        " attendance_rate numeric NOT NULL,"
        " work_log_pass_rate numeric NOT NULL,"
        " discretion_points int NOT NULL,"
        " extended_probation_month int NOT NULL)",
        "CREATE TABLE {schema}.scorecard_planner_penalties ("
        " position bigint PRIMARY KEY,"
        " agent_code text NOT NULL,"
        " month text NOT NULL,"
        " log_date date NOT NULL,"
        " role text NOT NULL,"
        " deduction int NOT NULL,"
        " zeroed boolean NOT NULL,"
        " rule_id text NOT NULL,"
        " reason text NOT NULL,"
        " reference text NOT NULL)",
        *counts.DDL,
        *sl.DDL,
    )
    deferred_ddl = (
        "CREATE INDEX scorecard_callbacks_agent ON {schema}.scorecard_callbacks (agent_code, month)",
        "CREATE INDEX scorecard_callbacks_month ON {schema}.scorecard_callbacks (month, branch)",
        "CREATE INDEX scorecard_work_orders_agent ON {schema}.scorecard_work_orders (agent_code, month)",
        "CREATE INDEX scorecard_work_orders_month ON {schema}.scorecard_work_orders (month, branch)",
        "CREATE INDEX scorecard_inputs_month ON {schema}.scorecard_planner_inputs (month, agent_code)",
        "CREATE INDEX scorecard_penalties_agent ON {schema}.scorecard_planner_penalties (agent_code, month)",
        *counts.DEFERRED_DDL,
        *sl.DEFERRED_DDL,
    )

    def apply(self, cur: Cursor[Any], schema: str, batch: Sequence[Envelope]) -> None:
        c = Caches(cur, schema)
        ids = later_event_ids(batch, ("Callback", "WorkOrder", "Planner", *sl.AGGREGATES))
        c.complaints.prefetch(ids["Complaint"])
        c.claims.prefetch(ids["ClaimCase"])
        c.claim_steps.prefetch_by("claim_id", ids["ClaimCase"])
        c.callbacks.prefetch(ids["Callback"])
        c.work_orders.prefetch(ids["WorkOrder"])
        c.planners.prefetch(ids["Planner"])
        for env in batch:
            self.handler(env)(c, env)
        c.flush()
