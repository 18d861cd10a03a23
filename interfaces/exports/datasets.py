"""What each export file holds (导出内容), read from the read models in one snapshot.

Every query runs inside the package's REPEATABLE READ transaction (``Snapshot``), so
all files describe the same log position. Large files stream through server-side
cursors. Timeliness statuses (PC-03) are computed with the domain's function at
``status_at`` (the snapshot's latest business time, capped at the month's end), never
at the wall clock, so that a re-export at the same position gives the same bytes.

Periods: callbacks by the month they became due and work orders by the month of
their deadline (as the scorecards and ``/kpis``); service cases and events by
business time (``occurred_at``) in the month, Asia/Shanghai.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from psycopg import Connection
from psycopg.sql import SQL, Composable, Identifier

from domain.callback import OutcomeClass
from domain.parameters import RuleParameters
from domain.shared.labels import LabelledEnum
from domain.work_order import ObligationStatus, WorkOrderState
from interfaces.exports import masking, prefetch
from interfaces.exports.columns import Column, Kind, cols
from projections.audit_trail.queries import AuditFilters
from projections.audit_trail.queries import _where as audit_where
from projections.event_facts import plain_state, type_info
from projections.querying import MAX_LIMIT
from projections.scorecards.queries import Rate, Scorecard, ScorecardFilters, scorecards
from projections.source import AppEventSource, LogEntry
from projections.timeliness.obligations import ObligationKind
from projections.timeliness.queries import status_of

ITER_SIZE = 10_000  # rows per server-side cursor fetch; up to 3 batches in memory (prefetch)


@dataclass(frozen=True)
class Period:
    month: str  # YYYY-MM
    branch: str | None
    start: datetime  # first instant of the month, Asia/Shanghai
    end: datetime  # first instant of the next month


@dataclass
class Snapshot:
    """One consistent read: the connection (in its transaction), where things live."""

    conn: Connection[Any]
    read_schema: str
    events_table: Composable  # "schema"."table" of the event store
    position: int  # every read model is exactly here
    status_at: datetime
    params: RuleParameters
    source: AppEventSource  # decrypts stored events (events.jsonl)
    masked: bool = True

    def stream(self, name: str, query: Composable, args: dict[str, Any]) -> Iterator[tuple[Any, ...]]:
        """Rows of a server-side cursor, read ahead by a thread (``prefetch``)."""
        return prefetch.stream(self.conn, f"export_{name}", query, args, ITER_SIZE)

    def t(self, table: str) -> Composable:
        return SQL("{}.{}").format(Identifier(self.read_schema), Identifier(table))


@dataclass(frozen=True)
class Dataset:
    name: str
    title_zh: str
    title_en: str
    columns: tuple[Column, ...]
    rows: Callable[[Snapshot, Period], Iterator[Sequence[Any]]]
    formats: tuple[str, ...] | None = None  # None: the formats asked for

    def describe(self) -> dict[str, Any]:
        return {
            "title_zh": self.title_zh,
            "title_en": self.title_en,
            "columns": [c.describe() for c in self.columns],
        }


@lru_cache(maxsize=4096)  # a few labels, millions of rows: look each up once
def _en(enum_cls: type[LabelledEnum], value: str | None) -> str:
    if not value:
        return ""
    try:
        return enum_cls(value).en
    except ValueError:
        return value


def _status(
    due: datetime | None, done: datetime | None, lead: int | None, s: Snapshot, cancelled: bool
) -> str:
    lead_days = lead if lead is not None else s.params.work_order.warning_lead_days
    found = status_of(due, done, lead_days, s.status_at, cancelled)
    return found.value if found is not None else ""


def _branch_sql(column: str, period: Period, args: dict[str, Any]) -> Composable:
    if period.branch is None:
        return SQL("")
    args["branch"] = period.branch
    return SQL(" AND {} = %(branch)s").format(SQL(column))  # type: ignore[arg-type]


# ----- kpi_report 指标报表 (KP-01..04) ---------------------------------------------------------
KPI_COLUMNS = cols(
    ("dimension", "维度", "Dimension"),
    ("key", "取值", "Value"),
    ("key_en", "取值（英文）", "Value (English)"),
    ("month", "月份", "Month"),
    ("callbacks_due", "应回访件数", "Callbacks due", Kind.INT),
    ("callbacks_excluded", "犹豫期撤单", "Cancelled within cooling-off", Kind.INT),
    ("kp01_numerator", "回访成功件数 KP-01", "Successful callbacks KP-01", Kind.INT),
    ("kp01_denominator", "应回访件数 KP-01", "Callbacks due KP-01", Kind.INT),
    ("kp01_rate", "回访成功率 KP-01", "Callback success rate KP-01", Kind.RATE),
    ("kp01c_numerator", "犹豫期内回访成功件数", "Successful within cooling-off", Kind.INT),
    ("kp01c_denominator", "应回访件数（犹豫期内）", "Callbacks due (within cooling-off)", Kind.INT),
    ("kp01c_rate", "犹豫期内回访成功率", "Success rate within cooling-off", Kind.RATE),
    ("kp02_numerator", "成功且产生问题件 KP-02", "Successful with a problem case KP-02", Kind.INT),
    ("kp02_denominator", "回访成功件数 KP-02", "Successful callbacks KP-02", Kind.INT),
    ("kp02_rate", "回访问题件占比 KP-02", "Problem ratio KP-02", Kind.RATE),
    ("kp03_numerator", "按时处理完成工单 KP-03", "Work orders closed on time KP-03", Kind.INT),
    ("kp03_denominator", "应处理工单 KP-03", "Work orders due KP-03", Kind.INT),
    ("kp03_rate", "问题件处理完成率 KP-03", "Problem handling completion KP-03", Kind.RATE),
)
TOTAL = "合计"
DIMENSION_LABELS = {"total": "合计 total", "branch": "机构 branch", "channel": "渠道 channel"}
DIMENSION_LABELS["product_type"] = "产品类型 product type"


def kpi_cards(s: Snapshot, period: Period, dimension: str) -> list[Scorecard]:
    """Exactly what ``GET /kpis?by=<dimension>`` answers for the month and scope."""
    found: list[Scorecard] = []
    offset = 0
    while True:
        page = scorecards(
            s.conn, s.read_schema, dimension=dimension, month_from=period.month,  # type: ignore[arg-type]
            now=s.status_at, filters=ScorecardFilters(branch=period.branch), limit=MAX_LIMIT, offset=offset,
        )  # fmt: skip
        found.extend(page.items)
        if page.next_offset is None:
            return found
        offset = page.next_offset


def _kpi_row(
    dimension: str, key: str, key_en: str, month: str, rates: dict[str, Rate], due: int, excluded: int
) -> tuple[Any, ...]:
    row: list[Any] = [DIMENSION_LABELS[dimension], key, key_en, month, due, excluded]
    for name in ("kp01", "kp01c", "kp02", "kp03"):
        rate = rates[name]
        row += [rate.numerator, rate.denominator, rate.value]
    return tuple(row)


def _rates(card: Scorecard) -> dict[str, Rate]:
    cb, wo = card.callbacks, card.work_orders
    return {
        "kp01": cb.success_rate,
        "kp01c": cb.success_rate_within_cooling_off,
        "kp02": cb.problem_ratio,
        "kp03": wo.handling_rate,
    }


def kpi_rows(s: Snapshot, period: Period) -> Iterator[Sequence[Any]]:
    by_branch = kpi_cards(s, period, "branch")
    sums: dict[str, list[int]] = {k: [0, 0] for k in ("kp01", "kp01c", "kp02", "kp03")}
    due = excluded = 0
    for card in by_branch:  # every callback and work order has exactly one branch: counts add up
        for name, rate in _rates(card).items():
            sums[name][0] += rate.numerator
            sums[name][1] += rate.denominator
        due += card.callbacks.due
        excluded += card.callbacks.excluded
    total_key = period.branch or TOTAL
    yield _kpi_row("total", total_key, "" if period.branch else "total", period.month,
                   {n: Rate.of(a, b) for n, (a, b) in sums.items()}, due, excluded)  # fmt: skip
    for dimension, cards in (
        ("branch", by_branch),
        ("channel", kpi_cards(s, period, "channel")),
        ("product_type", kpi_cards(s, period, "product_type")),
    ):
        for card in cards:
            key_en = card.key_label.en if card.key_label else ""
            yield _kpi_row(dimension, card.key, key_en, card.month, _rates(card),
                           card.callbacks.due, card.callbacks.excluded)  # fmt: skip


# ----- callbacks 回访明细 -----------------------------------------------------------------------
CALLBACK_COLUMNS = cols(
    ("policy_number", "保单号", "Policy number"),
    ("branch", "机构", "Branch"),
    ("channel", "渠道", "Channel"),
    ("product_type", "产品类型", "Product type"),
    ("agent_code", "业务员代码", "Agent code"),
    ("receipt_signed_on", "回执签收日", "Receipt signed on", Kind.DATE),
    ("receipt_registered_on", "回执回销日", "Receipt registered on", Kind.DATE),
    ("cooling_off_end", "犹豫期截止日", "Cooling-off end", Kind.DATE),
    ("due_on", "回访截止日", "Callback due on", Kind.DATE),
    ("attempts", "拨打次数", "Call attempts", Kind.INT),
    ("questionnaire_version", "问卷版本", "Questionnaire version"),
    ("outcome_class", "回访结果", "Outcome class"),
    ("outcome_class_en", "回访结果（英文）", "Outcome class (English)"),
    ("outcome_category", "问题类别", "Outcome category"),
    ("outcome_reason", "原因", "Outcome reason"),
    ("succeeded", "回访成功（监管口径）", "Succeeded (OC-06)", Kind.BOOL),
    ("succeeded_within_cooling_off", "犹豫期内成功", "Succeeded within cooling-off", Kind.BOOL),
    ("completed_on", "完成日", "Completed on", Kind.DATE),
    ("excluded", "犹豫期撤单", "Cancelled within cooling-off", Kind.BOOL),
    ("rule_ids", "决策规则", "Rule ids of the decisions", Kind.LIST),
    ("timeliness", "时效状态 CB-03", "Timeliness CB-03"),
    ("timeliness_en", "时效状态（英文）", "Timeliness (English)"),
)

# The audit-trail columns (attempts, questionnaire, rule ids) come from two set-based
# aggregates over the month's callbacks, hash-joined once, not a lookup per row.
_CALLBACKS_SQL = """
WITH month_callbacks AS NOT MATERIALIZED (
       SELECT c.callback_id FROM {callbacks} AS c WHERE c.month = %(month)s{branch}),
     history AS (
       SELECT a.aggregate_id,
              count(*) FILTER (WHERE a.event_type = 'AttemptRecorded')::int AS attempts,
              max(a.data ->> 'version') FILTER (WHERE a.event_type = 'QuestionnaireStarted') AS questionnaire
         FROM {trail} AS a
        WHERE a.aggregate_id IN (SELECT callback_id FROM month_callbacks) AND a.position <= %(position)s
        GROUP BY a.aggregate_id),
     rules AS (
       SELECT a.aggregate_id, array_agg(DISTINCT x ORDER BY x) AS rule_ids
         FROM {trail} AS a, unnest(a.rule_ids) AS x
        WHERE a.aggregate_id IN (SELECT callback_id FROM month_callbacks) AND a.position <= %(position)s
        GROUP BY a.aggregate_id)
SELECT c.policy_number, c.branch, c.channel, c.product_type, c.agent_code,
       (r.started_at AT TIME ZONE 'Asia/Shanghai')::date, c.registered_on, c.cooling_off_end,
       (d.due_at AT TIME ZONE 'Asia/Shanghai')::date,
       coalesce(h.attempts, 0), h.questionnaire, c.outcome_class, c.outcome_category, c.outcome_subtype,
       c.succeeded, c.succeeded_within_cooling_off, c.completed_on, c.excluded, k.rule_ids,
       d.due_at, d.done_at, d.warning_lead_days, d.cancelled_at
  FROM {callbacks} AS c
  LEFT JOIN {timeliness} AS d ON d.obligation_id = 'CB-03:' || c.callback_id::text
  LEFT JOIN {timeliness} AS r ON r.policy_number = c.policy_number AND r.rule_id = 'CB-05'
  LEFT JOIN history AS h ON h.aggregate_id = c.callback_id
  LEFT JOIN rules AS k ON k.aggregate_id = c.callback_id
 WHERE c.month = %(month)s{branch}
 ORDER BY c.policy_number, c.callback_id
"""


def callback_rows(s: Snapshot, period: Period) -> Iterator[Sequence[Any]]:
    args: dict[str, Any] = {"month": period.month, "position": s.position}
    query = SQL(_CALLBACKS_SQL).format(  # type: ignore[arg-type]
        callbacks=s.t("scorecard_callbacks"), timeliness=s.t("timeliness"), trail=s.t("audit_trail"),
        branch=_branch_sql("c.branch", period, args),
    )  # fmt: skip
    for row in s.stream("callbacks", query, args):
        (*head, outcome, category, subtype, ok, ok_in_time, done_on, excluded, rules) = row[:19]
        due_at, done_at, lead, cancelled_at = row[19:]
        status = _status(due_at, done_at, lead, s, cancelled_at is not None or excluded)
        yield (
            *head, outcome, _en(OutcomeClass, outcome), category, subtype, ok, ok_in_time, done_on,
            excluded, rules or [], status, _en(ObligationStatus, status),
        )  # fmt: skip


# ----- work_orders 问题件工单 -------------------------------------------------------------------
WORK_ORDER_COLUMNS = cols(
    ("work_order_id", "工单号", "Work order id"),
    ("work_order_type", "工单类型", "Work order type"),
    ("policy_number", "保单号", "Policy number"),
    ("branch", "机构", "Branch"),
    ("channel", "渠道", "Channel"),
    ("product_type", "产品类型", "Product type"),
    ("agent_code", "业务员代码", "Agent code"),
    ("created_at", "创建时间", "Created at", Kind.DATETIME),
    ("deadline_at", "处理时限", "Deadline", Kind.DATETIME),
    ("handler_id", "处理人", "Assigned to"),
    ("state", "状态", "State"),
    ("overdue_statement", "逾期情况说明 PC-04", "Overdue statement PC-04", Kind.BOOL),
    ("overdue_reason", "逾期原因", "Overdue reason"),
    ("resolution", "处理结果", "Resolution"),
    ("resolved_by", "处理完成人", "Resolved by"),
    ("closed_at", "完成时间", "Closed at", Kind.DATETIME),
    ("recheck_passed", "复核通过", "Re-check passed", Kind.BOOL),
    ("callback_outcome_now", "回访当前结果（含二次回访）", "Callback outcome now (incl. re-callback)"),
    ("rule_ids", "规则", "Rule ids", Kind.LIST),
    ("timeliness", "时效状态 PC-03", "Timeliness PC-03"),
    ("timeliness_en", "时效状态（英文）", "Timeliness (English)"),
)

# Like callbacks: the audit-trail columns from set-based aggregates over the month's
# work orders, joined once (no lookup per row).
_WORK_ORDERS_SQL = """
WITH month_work_orders AS NOT MATERIALIZED (
       SELECT w.work_order_id FROM {work_orders} AS w WHERE w.month = %(month)s{branch}),
     history AS (
       SELECT a.aggregate_id,
              (array_agg(a.data ->> 'handler_id' ORDER BY a.position DESC)
                 FILTER (WHERE a.event_type IN ('Assigned', 'Resolved')))[1] AS handler_id,
              (array_agg(a.data ->> 'reason' ORDER BY a.position DESC)
                 FILTER (WHERE a.event_type = 'OverdueStatementFiled'))[1] AS overdue_reason,
              (array_agg(a.data ->> 'kind' ORDER BY a.position DESC)
                 FILTER (WHERE a.event_type = 'Resolved'))[1] AS resolution,
              (array_agg(a.actor_id ORDER BY a.position DESC)
                 FILTER (WHERE a.event_type = 'Resolved'))[1] AS resolved_by,
              (array_agg((a.data ->> 'passed')::boolean ORDER BY a.position DESC)
                 FILTER (WHERE a.event_type = 'RecheckRecorded'))[1] AS recheck_passed,
              (array_agg(a.data ->> 'callback_id') FILTER (WHERE a.aggregate_version = 1))[1] AS callback_id
         FROM {trail} AS a
        WHERE a.aggregate_id IN (SELECT work_order_id FROM month_work_orders) AND a.position <= %(position)s
        GROUP BY a.aggregate_id),
     rules AS (
       SELECT a.aggregate_id, array_agg(DISTINCT x ORDER BY x) AS rule_ids
         FROM {trail} AS a, unnest(a.rule_ids) AS x
        WHERE a.aggregate_id IN (SELECT work_order_id FROM month_work_orders) AND a.position <= %(position)s
        GROUP BY a.aggregate_id)
SELECT w.work_order_id::text, w.work_order_type, w.policy_number, w.branch, w.channel, w.product_type,
       w.agent_code, w.created_at, w.deadline_at, h.handler_id, w.state, w.overdue_statement,
       h.overdue_reason, h.resolution, h.resolved_by, w.closed_at, h.recheck_passed,
       cb.outcome_class, coalesce(k.rule_ids, '{{}}'), w.warning_lead_days
  FROM {work_orders} AS w
  LEFT JOIN history AS h ON h.aggregate_id = w.work_order_id
  LEFT JOIN rules AS k ON k.aggregate_id = w.work_order_id
  LEFT JOIN {callbacks} AS cb ON cb.callback_id::text = h.callback_id
 WHERE w.month = %(month)s{branch}
 ORDER BY w.deadline_at, w.work_order_id
"""


def work_order_rows(s: Snapshot, period: Period) -> Iterator[Sequence[Any]]:
    args: dict[str, Any] = {"month": period.month, "position": s.position}
    query = SQL(_WORK_ORDERS_SQL).format(  # type: ignore[arg-type]
        work_orders=s.t("scorecard_work_orders"), trail=s.t("audit_trail"),
        callbacks=s.t("scorecard_callbacks"),
        branch=_branch_sql("w.branch", period, args),
    )  # fmt: skip
    for row in s.stream("work_orders", query, args):
        *values, lead = row
        deadline, state, closed = values[8], values[10], values[15]
        status = _status(deadline, closed, lead, s, state == WorkOrderState.WITHDRAWN)
        yield (*values, status, _en(ObligationStatus, status))


# ----- service_cases 保单服务件 -----------------------------------------------------------------
SERVICE_CASE_COLUMNS = cols(
    ("case_id", "服务件号", "Service case id"),
    ("policy_number", "保单号", "Policy number"),
    ("branch", "机构", "Branch"),
    ("source", "来源 PS-01", "Source PS-01"),
    ("previous_agent_code", "原业务员", "Previous agent"),
    ("servicer_code", "收展员", "Servicer"),
    ("service_class", "类别 PS-02", "Class PS-02"),
    ("methods_tried", "已尝试联系方式 PS-02", "Contact methods tried PS-02", Kind.LIST),
    ("contact_attempts", "联系次数", "Contact attempts", Kind.INT),
    ("items_delivered", "已提供服务项目 PS-05", "Service items delivered PS-05", Kind.LIST),
    ("closed", "已结案", "Closed", Kind.BOOL),
    ("timeliness", "时效状态 PS-03/PS-04", "Timeliness PS-03/PS-04", Kind.LIST),
)

_SERVICE_CASES_SQL = """
WITH cases AS (
  SELECT DISTINCT a.aggregate_id FROM {trail} AS a
   WHERE a.aggregate_type = 'ServiceCase' AND a.position <= %(position)s
     AND a.occurred_at >= %(start)s AND a.occurred_at < %(end)s
)
SELECT k.aggregate_id::text, o.data ->> 'policy_number', o.data ->> 'branch', o.data ->> 'source',
       o.data ->> 'previous_agent_code', h.servicer_code,
       coalesce(h.service_class, o.data ->> 'service_class'),
       h.methods, h.attempts, h.items, h.closed,
       ARRAY(SELECT json_build_array(t.rule_id, t.due_at, t.done_at, t.warning_lead_days,
                                     t.cancelled_at IS NOT NULL)::text
               FROM {timeliness} AS t WHERE t.subject_id = k.aggregate_id ORDER BY t.obligation_id)
  FROM cases AS k
  JOIN {trail} AS o ON o.aggregate_id = k.aggregate_id AND o.aggregate_version = 1
  CROSS JOIN LATERAL (
       SELECT (array_agg(a.data ->> 'servicer_code' ORDER BY a.position DESC)
                 FILTER (WHERE a.event_type = 'Assigned'))[1] AS servicer_code,
              (array_agg(a.data ->> 'new_class' ORDER BY a.position DESC)
                 FILTER (WHERE a.event_type = 'ClassChanged'))[1] AS service_class,
              ARRAY(SELECT DISTINCT b.data ->> 'method' FROM {trail} AS b
                     WHERE b.aggregate_id = k.aggregate_id AND b.event_type = 'ContactAttempted'
                       AND b.position <= %(position)s ORDER BY 1) AS methods,
              count(*) FILTER (WHERE a.event_type = 'ContactAttempted')::int AS attempts,
              ARRAY(SELECT b.data ->> 'item' FROM {trail} AS b
                     WHERE b.aggregate_id = k.aggregate_id AND b.event_type = 'ServiceItemRecorded'
                       AND b.position <= %(position)s ORDER BY b.position) AS items,
              bool_or(a.event_type IN ('Closed', 'Superseded')) AS closed
         FROM {trail} AS a
        WHERE a.aggregate_id = k.aggregate_id AND a.position <= %(position)s) AS h
 WHERE true{branch}
 ORDER BY 2, 1
"""


def service_case_rows(s: Snapshot, period: Period) -> Iterator[Sequence[Any]]:
    args: dict[str, Any] = {"position": s.position, "start": period.start, "end": period.end}
    query = SQL(_SERVICE_CASES_SQL).format(  # type: ignore[arg-type]
        trail=s.t("audit_trail"), timeliness=s.t("timeliness"),
        branch=_branch_sql("o.data ->> 'branch'", period, args),
    )  # fmt: skip
    for row in s.stream("service_cases", query, args):
        *values, obligations = row
        statuses = []
        for text in obligations or []:
            rule_id, due, done, lead, cancelled = json.loads(text)
            due_at = datetime.fromisoformat(due) if due else None
            done_at = datetime.fromisoformat(done) if done else None
            status = _status(due_at, done_at, lead, s, cancelled)
            if status:
                statuses.append(f"{rule_id} {status}")
        yield (*values, statuses)


# ----- complaints_and_slas 投诉与服务时效 (SL-01..SL-04) ------------------------------------------
#: the timeliness kinds of the service standards (projections/timeliness/service_standards.py)
SL_KINDS = (
    ObligationKind.COMPLAINT_ACK,
    ObligationKind.COMPLAINT_DECISION,
    ObligationKind.RENEWAL_REMINDER,
    ObligationKind.CLAIM_STEP,
    ObligationKind.CARE_CALLBACK,
)

SL_COLUMNS = cols(
    ("obligation_id", "时效事项号", "Obligation id"),
    ("rule_id", "规则", "Rule id"),
    ("kind", "事项", "Obligation"),
    ("kind_en", "事项（英文）", "Obligation (English)"),
    ("detail", "说明", "Detail"),
    ("subject_type", "对象类型", "Subject type"),
    ("subject_id", "对象标识", "Subject id"),
    ("policy_number", "保单号", "Policy number"),
    ("branch", "机构", "Branch"),
    ("agent_code", "业务员代码", "Agent code"),
    ("started_at", "起算时间", "Started at", Kind.DATETIME),
    ("due_at", "期限", "Due at", Kind.DATETIME),
    ("done_at", "完成时间", "Done at", Kind.DATETIME),
    ("cancelled_at", "取消/除外时间", "Cancelled or excluded at", Kind.DATETIME),
    ("cancel_reason", "取消/除外原因", "Cancel or exclusion reason"),
    ("status", "时效状态", "Timeliness status"),
)

_SL_SQL = """
SELECT t.obligation_id, t.rule_id, t.kind, t.detail, t.subject_type, t.subject_id::text, t.policy_number,
       t.branch, t.agent_code, t.started_at, t.due_at, t.done_at, t.cancelled_at, t.cancel_reason,
       t.warning_lead_days
  FROM {timeliness} AS t
 WHERE t.kind = ANY(%(kinds)s) AND t.due_at >= %(start)s AND t.due_at < %(end)s{branch}
 ORDER BY t.due_at, t.obligation_id
"""


def sl_rows(s: Snapshot, period: Period) -> Iterator[Sequence[Any]]:
    """Every service-standard obligation due in the month, with its status at ``status_at``."""
    args: dict[str, Any] = {"kinds": [k.value for k in SL_KINDS], "start": period.start, "end": period.end}
    query = SQL(_SL_SQL).format(  # type: ignore[arg-type]
        timeliness=s.t("timeliness"), branch=_branch_sql("t.branch", period, args)
    )
    for row in s.stream("complaints_and_slas", query, args):
        *values, lead = row
        (ob_id, rule_id, kind, detail, subject_type, subject_id, policy, branch, agent) = values[:9]
        started, due, done, cancelled, reason = values[9:]
        status = _status(due, done, lead, s, cancelled is not None)
        yield (
            ob_id, rule_id, kind, _en(ObligationKind, kind), detail, subject_type, subject_id, policy,
            branch, agent, started, due, done, cancelled, reason, status,
        )  # fmt: skip


# ----- events.jsonl 审计轨迹 --------------------------------------------------------------------
EVENT_COLUMNS = cols(
    ("position", "日志位置", "Log position", Kind.INT),
    ("aggregate_type", "聚合类型", "Aggregate type"),
    ("aggregate_id", "聚合标识", "Aggregate id"),
    ("aggregate_version", "聚合版本", "Aggregate version", Kind.INT),
    ("business_key", "业务键", "Business key"),
    ("event_type", "事件类型", "Event type"),
    ("topic", "事件主题", "Event topic"),
    ("occurred_at", "业务时间", "Business time", Kind.DATETIME),
    ("recorded_at", "记录时间", "Record time", Kind.DATETIME),
    ("late_entry", "补录", "Late entry", Kind.BOOL),
    ("actor_id", "操作人", "Actor id"),
    ("actor_role", "操作人角色", "Actor role"),
    ("command_id", "命令标识", "Command id"),
    ("rule_ids", "规则", "Rule ids", Kind.LIST),
    ("policy_numbers", "保单号", "Policy numbers", Kind.LIST),
    ("agent_codes", "业务员代码", "Agent codes", Kind.LIST),
    ("summary_zh", "摘要", "Summary (Chinese)"),
    ("summary_en", "摘要（英文）", "Summary (English)"),
    ("data", "事件数据", "Event data", Kind.OBJECT),
)


def event_rows(s: Snapshot, period: Period) -> Iterator[Sequence[Any]]:
    args: dict[str, Any] = {}
    where = audit_where(
        AuditFilters(branch=period.branch), s.read_schema, args
    )  # the audit trail's own branch scope
    args |= {"start": period.start, "end": period.end, "position": s.position}
    query = SQL(
        "SELECT a.position, a.aggregate_type, a.aggregate_id::text, a.aggregate_version, a.business_key,"
        " a.event_type, a.topic, a.occurred_at, a.recorded_at, a.late_entry, a.actor_id, a.actor_role,"
        " a.command_id, a.rule_ids, a.policy_numbers, a.agent_codes, a.summary_zh, a.summary_en,"
        " e.originator_id, e.originator_version, e.topic, e.state"
        " FROM {trail} AS a JOIN {events} AS e ON e.notification_id = a.position"
        " WHERE a.position <= %(position)s"
        " AND a.occurred_at >= %(start)s AND a.occurred_at < %(end)s AND {where}"  # every event has one
        " ORDER BY a.position"
    ).format(trail=s.t("audit_trail"), events=s.events_table, where=where)
    for row in s.stream("events", query, args):
        entry = LogEntry(row[0], *row[18:])
        info = type_info(entry.topic)
        state = plain_state(info, s.source.plaintext(entry), lambda e=entry: s.source.decode_personal(e))  # type: ignore[misc]
        yield (*row[:18], masking.event_data(state, masked=s.masked))


DATASETS: tuple[Dataset, ...] = (
    Dataset(
        "kpi_report", "回访指标报表 KP-01..KP-04", "Callback KPI report KP-01..KP-04", KPI_COLUMNS, kpi_rows
    ),
    Dataset("callbacks", "新契约回访明细", "New-contract callbacks", CALLBACK_COLUMNS, callback_rows),
    Dataset("work_orders", "回访问题件工单", "Problem-case work orders", WORK_ORDER_COLUMNS, work_order_rows),
    Dataset("service_cases", "保单服务件", "Policy service cases", SERVICE_CASE_COLUMNS, service_case_rows),
    Dataset(
        "complaints_and_slas",
        "投诉与服务时效 SL-01..SL-04",
        "Complaints and service-standard obligations SL-01..SL-04",
        SL_COLUMNS,
        sl_rows,
    ),
    Dataset("events", "审计轨迹", "Audit trail", EVENT_COLUMNS, event_rows, formats=("jsonl",)),
)

#: what the issue lists but this build cannot export yet, said so in the manifest (nothing now)
OMITTED: tuple[dict[str, str], ...] = ()
