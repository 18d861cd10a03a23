"""Scorecard queries (考核指标查询): KP-01..04, PC-07 and SC-01, computed when read.

Callback counts are sums of the counters the projection maintains per agent,
branch, channel, product type, month and outcome (``projections.scorecards.counts``),
never an aggregate over a month of callbacks; work-order counts come from the work
orders of the page's keys and month (their status depends on "now"). The
KPIs are ratios of those counts (exact numerator and denominator, plus the rate
rounded to 4 places); work-order statuses use PC-03's ``obligation_status`` at the
caller's ``now``; the PC-07 warning and investigation flag are ``assess_agent``
over the agent's monthly history; the SC-01 score is ``planner_score`` of the
recorded inputs and SC-02 penalties with the current tables.

Periods (see ``projections.scorecards.projection``): callbacks by the month they became due,
work orders by the month of their deadline. Callbacks cancelled within cooling-off
(OC-06) leave every callback count; they are reported as ``excluded``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

from psycopg import Connection
from psycopg.rows import dict_row
from psycopg.sql import SQL, Composed, Identifier

from domain.agent import Rank
from domain.callback import OutcomeClass, ProblemCategory
from domain.callback.agent_quality import AgentMonth, assess_agent
from domain.parameters import RuleParameters
from domain.planner_score import PlannerMonthlyInputs, WorkLogPenalty, month_key, planner_score
from domain.policy import Channel, ProductType
from domain.work_order import ObligationStatus, WorkOrderState, obligation_status, warning_lead
from projections.querying import (
    DEFAULT_LIMIT,
    Label,
    ResultPage,
    Row,
    aware,
    cached_page,
    paging,
    read_position,
    subtype_label,
)
from projections.scorecards.complaint_queries import AgentComplaints, agent_complaints

Dimension = Literal["agent_code", "branch", "channel", "product_type"]
DIMENSIONS: tuple[str, ...] = ("agent_code", "branch", "channel", "product_type")
_PLACES = Decimal("0.0001")


# ----- rows ---------------------------------------------------------------------------------
class Rate(Row):
    """A KPI ratio: exact counts and the rate rounded half-up to 4 places (None: 0/0)."""

    numerator: int
    denominator: int
    value: Decimal | None

    @classmethod
    def of(cls, numerator: int, denominator: int) -> Rate:
        value = (
            (Decimal(numerator) / Decimal(denominator)).quantize(_PLACES, ROUND_HALF_UP)
            if denominator
            else None
        )
        return cls(numerator=numerator, denominator=denominator, value=value)


class OutcomeCount(Row):
    """Callbacks whose current outcome is of this class / category / subtype (OC-01..04)."""

    outcome_class: Label
    category: Label | None
    subtype: Label | None
    count: int


class CallbackKpis(Row):
    due: int  # became due in the month, not cancelled within cooling-off
    excluded: int  # 犹豫期撤单: out of every count below (OC-06)
    successful: int  # OC-06 (监管口径)
    successful_within_cooling_off: int
    success_rate: Rate  # KP-01
    success_rate_within_cooling_off: Rate  # KP-01 "within cooling-off"
    problem_ratio: Rate  # KP-02: successful with a 问题件 / successful
    standard: int
    sub_standard: int
    problem: int
    verification: int  # 核实件, still with the branch
    pending: int  # no outcome yet
    outcomes: list[OutcomeCount]
    misleading: int  # 疑似误导类 findings
    proxy_signature: int  # 代签字类 findings
    duplicate_phone_hits: int  # DP-01/02 重复号码 at some point


class WorkOrderKpis(Row):
    due: int  # deadline in the month, not withdrawn
    open: int
    closed: int
    overdue: int  # open and past the deadline at ``now`` (PC-03 超时)
    warning: int  # open inside the warning period at ``now`` (PC-03 警告)
    closed_on_time: int
    closed_late: int
    withdrawn: int
    overdue_statements: int  # PC-04
    handling_rate: Rate  # KP-03: closed on or before the deadline / due


class Scorecard(Row):
    dimension: str  # agent_code / branch / channel / product_type
    key: str
    key_label: Label | None  # for channel and product type
    month: str
    callbacks: CallbackKpis
    work_orders: WorkOrderKpis


class AgentQuality(Row):
    """PC-07 for one agent-month: warning below the rate, investigation after N warned months."""

    month: str
    success_rate: Decimal | None
    warning_rate: Decimal
    warned: bool
    warned_run: int
    investigation: bool
    rule_id: str = "PC-07"


class PlannerScore(Row):
    """SC-01 score of a performance month with its breakdown (SC-02 deductions applied)."""

    month: str
    rank: str
    rank_points: int
    rank_zeroed_by_probation: bool
    premium_task_rate: Decimal
    premium_task_points: int
    attendance_rate: Decimal
    attendance_points: int
    work_log_pass_rate: Decimal
    work_log_step_points: int
    work_log_deductions: int
    work_log_zeroed: bool
    work_log_points: int
    discretion_points: int
    total: int
    rule_ids: list[str]


class AgentScorecard(Scorecard):
    quality: AgentQuality
    planner_score: PlannerScore | None
    complaints: AgentComplaints  # SL-01f: complaints naming the agent, received in the month


class BranchScorecard(Scorecard):
    agents: int  # agents with callbacks due in the branch and month
    agents_warned: int  # PC-07
    agents_under_investigation: int  # PC-07 契约调查


@dataclass(frozen=True)
class ScorecardFilters:
    branch: str | None = None
    channel: str | None = None
    product_type: str | None = None
    agent_code: str | None = None


# ----- the generic scorecard ----------------------------------------------------------------
def scorecards(
    conn: Connection[Any],
    schema: str,
    *,
    dimension: Dimension,
    month_from: str,
    month_to: str | None = None,
    now: datetime,
    filters: ScorecardFilters | None = None,
    limit: int = DEFAULT_LIMIT,
    offset: int = 0,
) -> ResultPage[Scorecard]:
    """KPIs per ``dimension`` value and month (KP-04), ordered by key then month."""
    return cached_page(
        ("scorecards", schema, dimension, month_from, month_to, filters, limit, offset),
        read_position(conn, schema, "scorecards"),
        aware(now),
        lambda: _scorecards(conn, schema, dimension, month_from, month_to, now, filters, limit, offset),
    )


def _scorecards(
    conn: Connection[Any],
    schema: str,
    dimension: Dimension,
    month_from: str,
    month_to: str | None,
    now: datetime,
    filters: ScorecardFilters | None,
    limit: int,
    offset: int,
) -> ResultPage[Scorecard]:
    page, total = _keys(conn, schema, dimension, month_from, month_to, filters, limit, offset)
    cards = _cards(conn, schema, dimension, page, now, filters)
    limit, offset = paging(limit, offset)
    return ResultPage[Scorecard].of(cards, total, limit, offset)


_params_keys: dict[int, tuple[RuleParameters, str]] = {}


def _params_key(params: RuleParameters) -> str:
    """The parameters as a cache key (they hold dicts: not hashable), computed once per
    settings object (kept here, so that its id is not reused by another)."""
    found = _params_keys.get(id(params))
    if found is None or found[0] is not params:
        if len(_params_keys) > 100:
            _params_keys.clear()
        found = _params_keys[id(params)] = (params, params.model_dump_json())
    return found[1]


def agent_scorecards(
    conn: Connection[Any],
    schema: str,
    *,
    month: str,
    now: datetime,
    params: RuleParameters,
    branch: str | None = None,
    agent_code: str | None = None,
    limit: int = DEFAULT_LIMIT,
    offset: int = 0,
) -> ResultPage[AgentScorecard]:
    """Per agent for one month: KPIs, PC-07 warning / investigation, SC-01 score."""
    return cached_page(
        ("agent_scorecards", schema, month, _params_key(params), branch, agent_code, limit, offset),
        read_position(conn, schema, "scorecards"),
        aware(now),
        lambda: _agent_scorecards(conn, schema, month, now, params, branch, agent_code, limit, offset),
    )


def _agent_scorecards(
    conn: Connection[Any],
    schema: str,
    month: str,
    now: datetime,
    params: RuleParameters,
    branch: str | None,
    agent_code: str | None,
    limit: int,
    offset: int,
) -> ResultPage[AgentScorecard]:
    filters = ScorecardFilters(branch=branch, agent_code=agent_code)
    page, total = _keys(conn, schema, "agent_code", month, month, filters, limit, offset, planners=True)
    cards = _cards(conn, schema, "agent_code", page, now, filters)
    agents = [key for key, _ in page]
    quality = _quality(conn, schema, agents, month, params)
    scores = _planner_scores(conn, schema, agents, month, params)
    complaints = agent_complaints(conn, schema, agents=agents, months=[month], now=now, branch=branch)
    items = [
        AgentScorecard(
            **dict(card),  # its fields as they are: a model_dump would have them validated again
            quality=quality.get(card.key, {}).get(month) or _no_quality(month, params),
            planner_score=scores.get(card.key),
            complaints=complaints.get((card.key, month)) or AgentComplaints(),
        )
        for card in cards
    ]
    limit, offset = paging(limit, offset)
    return ResultPage[AgentScorecard].of(items, total, limit, offset)


def branch_scorecards(
    conn: Connection[Any],
    schema: str,
    *,
    month: str,
    now: datetime,
    params: RuleParameters,
    branch: str | None = None,
    limit: int = DEFAULT_LIMIT,
    offset: int = 0,
) -> ResultPage[BranchScorecard]:
    """Per branch for one month: KPIs and how many of its agents PC-07 warns / flags."""
    return cached_page(
        ("branch_scorecards", schema, month, _params_key(params), branch, limit, offset),
        read_position(conn, schema, "scorecards"),
        aware(now),
        lambda: _branch_scorecards(conn, schema, month, now, params, branch, limit, offset),
    )


def _branch_scorecards(
    conn: Connection[Any],
    schema: str,
    month: str,
    now: datetime,
    params: RuleParameters,
    branch: str | None,
    limit: int,
    offset: int,
) -> ResultPage[BranchScorecard]:
    filters = ScorecardFilters(branch=branch)
    page, total = _keys(conn, schema, "branch", month, month, filters, limit, offset)
    cards = _cards(conn, schema, "branch", page, now, filters)
    branches = [key for key, _ in page]
    members = conn.execute(
        SQL(
            "SELECT branch, agent_code FROM {}.scorecard_callback_counts"
            " WHERE month = %s AND branch = ANY(%s) GROUP BY 1, 2 HAVING sum(n) > 0"
        ).format(Identifier(schema)),
        (month, branches),
    ).fetchall()
    quality = _quality(conn, schema, sorted({a for _, a in members}), month, params)
    by_branch: dict[str, list[AgentQuality]] = defaultdict(list)
    for b, agent in members:
        found = quality.get(agent, {}).get(month)
        if found is not None:
            by_branch[b].append(found)
    items = [
        BranchScorecard(
            **dict(card),
            agents=sum(1 for b, _ in members if b == card.key),
            agents_warned=sum(q.warned for q in by_branch[card.key]),
            agents_under_investigation=sum(q.investigation for q in by_branch[card.key]),
        )
        for card in cards
    ]
    limit, offset = paging(limit, offset)
    return ResultPage[BranchScorecard].of(items, total, limit, offset)


def agent_quality_history(
    conn: Connection[Any],
    schema: str,
    *,
    agent_code: str,
    month_to: str,
    params: RuleParameters,
) -> list[AgentQuality]:
    """PC-07 month by month for one agent up to ``month_to`` (months with callbacks due)."""
    found = _quality(conn, schema, [agent_code], month_to, params).get(agent_code, {})
    return [found[m] for m in sorted(found)]


# ----- building blocks ----------------------------------------------------------------------
def _filter_sql(filters: ScorecardFilters | None, args: dict[str, Any]) -> Composed:
    parts: list[Composed] = []
    for column in DIMENSIONS:
        value = getattr(filters, column) if filters else None
        if value is not None:
            parts.append(SQL(" AND {} = %({})s").format(Identifier(column), SQL(column)))
            args[column] = value
    return SQL("").join(parts)


def _keys(
    conn: Connection[Any],
    schema: str,
    dimension: str,
    month_from: str,
    month_to: str | None,
    filters: ScorecardFilters | None,
    limit: int,
    offset: int,
    planners: bool = False,
) -> tuple[list[tuple[str, str]], int]:
    """The (key, month) pairs with any callback or work order (or planner inputs), paged."""
    if dimension not in DIMENSIONS:
        raise ValueError(f"unknown scorecard dimension {dimension!r}")
    limit, offset = paging(limit, offset)
    args: dict[str, Any] = {"first": month_key(month_from), "last": month_key(month_to or month_from)}
    where = SQL("month BETWEEN %(first)s AND %(last)s{}").format(_filter_sql(filters, args))
    dim = Identifier(dimension)
    sources = [
        # the callback counters: a few rows per agent and month, not the callbacks
        SQL("SELECT {dim} AS key, month FROM {s}.scorecard_callback_counts WHERE {w} AND n + excluded > 0"),
        SQL("SELECT {dim} AS key, month FROM {s}.scorecard_work_orders WHERE {w}"),
    ]
    if planners and not (filters and (filters.branch or filters.channel or filters.product_type)):
        # an agent with SC-01 inputs but no callbacks still has a scorecard
        sources.append(SQL("SELECT agent_code AS key, month FROM {s}.scorecard_planner_inputs WHERE {w}"))
    if planners and not (filters and (filters.channel or filters.product_type)):
        # an agent named by complaints (SL-01f) has a scorecard too
        sources.append(
            SQL(
                "SELECT agent_code AS key, month FROM {s}.scorecard_complaints WHERE agent_code <> '' AND {w}"
            )
        )
    union = SQL(" UNION ").join(s.format(dim=dim, s=Identifier(schema), w=where) for s in sources)
    # the keys are few (agents or branches × months, from the counters): counted as a set,
    # and the list keeps offset paging (at most a few thousand keys a month)
    query = SQL(
        "WITH k AS MATERIALIZED ({}) SELECT key, month, (SELECT count(*) FROM k) AS total FROM k"
        " ORDER BY key, month LIMIT %(limit)s OFFSET %(offset)s"
    ).format(union)
    rows = conn.execute(query, args | {"limit": limit, "offset": offset}).fetchall()
    if rows:
        return [(r[0], r[1]) for r in rows], int(rows[0][2])
    counted = conn.execute(SQL("SELECT count(*) FROM ({}) AS k").format(union), args).fetchone()
    return [], int(counted[0]) if counted else 0


def _cards(
    conn: Connection[Any],
    schema: str,
    dimension: str,
    page: list[tuple[str, str]],
    now: datetime,
    filters: ScorecardFilters | None,
) -> list[Scorecard]:
    if not page:
        return []
    keys = sorted({k for k, _ in page})
    months = sorted({m for _, m in page})
    args: dict[str, Any] = {"keys": keys, "months": months}
    where = SQL("{} = ANY(%(keys)s) AND month = ANY(%(months)s){}").format(
        Identifier(dimension), _filter_sql(filters, args)
    )
    callbacks = _callback_counts(conn, schema, dimension, where, args)
    outcomes = _outcome_counts(conn, schema, dimension, where, args)
    work_orders = _work_order_counts(conn, schema, dimension, where, args, aware(now))
    return [
        Scorecard(
            dimension=dimension,
            key=key,
            key_label=_key_label(dimension, key),
            month=month,
            callbacks=_callback_kpis(callbacks.get((key, month), {}), outcomes.get((key, month), [])),
            work_orders=_work_order_kpis(work_orders.get((key, month), {})),
        )
        for key, month in page
    ]


_CALLBACK_COUNTS = {
    "due": "n",
    "successful": "succeeded",
    "successful_within_cooling_off": "succeeded_within_cooling_off",
    "problem_successful": "problem",
    "standard": f"n) FILTER (WHERE outcome_class = '{OutcomeClass.STANDARD.value}'",
    "sub_standard": f"n) FILTER (WHERE outcome_class = '{OutcomeClass.SUB_STANDARD.value}'",
    "problem": f"n) FILTER (WHERE outcome_class = '{OutcomeClass.PROBLEM.value}'",
    "verification": f"n) FILTER (WHERE outcome_class = '{OutcomeClass.VERIFICATION.value}'",
    "pending": "n) FILTER (WHERE outcome_class = ''",
    "misleading": "misleading",
    "proxy_signature": "proxy_signature",
    "duplicate_phone_hits": "duplicate_phone_hit",
    "excluded": "excluded",
}


def _callback_counts(
    conn: Connection[Any], schema: str, dimension: str, where: Composed, args: dict[str, Any]
) -> dict[tuple[str, str], dict[str, int]]:
    """Per (key, month): the sums of the callback counters (``projections.scorecards.counts``)."""
    counts = SQL(", ").join(
        SQL("coalesce(sum({}), 0)::bigint AS {}").format(SQL(expr), Identifier(name))  # type: ignore[arg-type]
        for name, expr in _CALLBACK_COUNTS.items()
    )
    query = SQL(
        "SELECT {dim} AS key, month, {counts} FROM {s}.scorecard_callback_counts WHERE {w} GROUP BY 1, 2"
    ).format(dim=Identifier(dimension), counts=counts, s=Identifier(schema), w=where)
    with conn.cursor(row_factory=dict_row) as cur:
        return {(r.pop("key"), r.pop("month")): r for r in cur.execute(query, args).fetchall()}


def _outcome_counts(
    conn: Connection[Any], schema: str, dimension: str, where: Composed, args: dict[str, Any]
) -> dict[tuple[str, str], list[OutcomeCount]]:
    query = SQL(
        "SELECT {dim}, month, outcome_class, outcome_category, outcome_subtype, sum(n)::bigint"
        " FROM {s}.scorecard_callback_counts WHERE {w} AND outcome_class <> ''"
        " GROUP BY 1, 2, 3, 4, 5 HAVING sum(n) > 0 ORDER BY 1, 2, 3, 4, 5"
    ).format(dim=Identifier(dimension), s=Identifier(schema), w=where)
    found: dict[tuple[str, str], list[OutcomeCount]] = defaultdict(list)
    for key, month, cls, category, subtype, n in conn.execute(query, args).fetchall():
        found[(key, month)].append(
            OutcomeCount(
                outcome_class=Label.of(OutcomeClass, cls),
                category=Label.maybe(ProblemCategory, category),
                subtype=subtype_label(subtype),
                count=n,
            )
        )
    return found


def _callback_kpis(c: dict[str, int], outcomes: list[OutcomeCount]) -> CallbackKpis:
    n = defaultdict(int, c)
    return CallbackKpis(
        due=n["due"],
        excluded=n["excluded"],
        successful=n["successful"],
        successful_within_cooling_off=n["successful_within_cooling_off"],
        success_rate=Rate.of(n["successful"], n["due"]),
        success_rate_within_cooling_off=Rate.of(n["successful_within_cooling_off"], n["due"]),
        problem_ratio=Rate.of(n["problem_successful"], n["successful"]),
        standard=n["standard"],
        sub_standard=n["sub_standard"],
        problem=n["problem"],
        verification=n["verification"],
        pending=n["pending"],
        outcomes=outcomes,
        misleading=n["misleading"],
        proxy_signature=n["proxy_signature"],
        duplicate_phone_hits=n["duplicate_phone_hits"],
    )


def _work_order_counts(
    conn: Connection[Any],
    schema: str,
    dimension: str,
    where: Composed,
    args: dict[str, Any],
    now: datetime,
) -> dict[tuple[str, str], dict[str, int]]:
    """Per (key, month): work orders by PC-03 status at ``now`` (the domain function)."""
    query = SQL(
        "SELECT {dim}, month, state, deadline_at, closed_at, warning_lead_days, overdue_statement"
        " FROM {s}.scorecard_work_orders WHERE {w}"
    ).format(dim=Identifier(dimension), s=Identifier(schema), w=where)
    found: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for key, month, state, deadline, closed_at, lead, statement in conn.execute(query, args).fetchall():
        counts = found[(key, month)]
        if state == WorkOrderState.WITHDRAWN:
            counts["withdrawn"] += 1
            continue
        counts["due"] += 1
        counts["overdue_statements"] += int(statement)
        counts["open" if state == WorkOrderState.OPEN else "closed"] += 1
        counts[obligation_status(deadline, warning_lead(lead), now, closed_at).value] += 1
    return found


def _work_order_kpis(c: dict[str, int]) -> WorkOrderKpis:
    n = defaultdict(int, c)
    return WorkOrderKpis(
        due=n["due"],
        open=n["open"],
        closed=n["closed"],
        overdue=n[ObligationStatus.OVERDUE.value],
        warning=n[ObligationStatus.WARNING.value],
        closed_on_time=n[ObligationStatus.CLOSED_ON_TIME.value],
        closed_late=n[ObligationStatus.CLOSED_LATE.value],
        withdrawn=n["withdrawn"],
        overdue_statements=n["overdue_statements"],
        handling_rate=Rate.of(n[ObligationStatus.CLOSED_ON_TIME.value], n["due"]),
    )


def _key_label(dimension: str, key: str) -> Label | None:
    if dimension == "channel":
        return Label.of(Channel, key)
    if dimension == "product_type":
        return Label.of(ProductType, key)
    return None


# ----- PC-07 and SC-01 ----------------------------------------------------------------------
def _quality(
    conn: Connection[Any], schema: str, agents: list[str], month: str, params: RuleParameters
) -> dict[str, dict[str, AgentQuality]]:
    """agent → month → PC-07 assessment, over every month up to ``month``."""
    if not agents:
        return {}
    rows = conn.execute(
        SQL(
            "SELECT agent_code, month, sum(n)::bigint, sum(succeeded)::bigint"
            " FROM {}.scorecard_callback_counts WHERE agent_code = ANY(%s) AND month <= %s"
            " GROUP BY 1, 2 HAVING sum(n) > 0"
        ).format(Identifier(schema)),
        (agents, month_key(month)),
    ).fetchall()
    history: dict[str, list[AgentMonth]] = defaultdict(list)
    for agent, m, due, succeeded in rows:
        history[agent].append(AgentMonth(m, due, succeeded))
    threshold = params.work_order.agent_warning_rate
    return {
        agent: {
            a.month: AgentQuality(
                month=a.month,
                success_rate=a.success_rate,
                warning_rate=threshold,
                warned=a.warned,
                warned_run=a.warned_run,
                investigation=a.investigation,
            )
            for a in assess_agent(months, params.work_order)
        }
        for agent, months in history.items()
    }


def _no_quality(month: str, params: RuleParameters) -> AgentQuality:
    """PC-07 for a month without callbacks due: no rate, not warned (breaks a run)."""
    return AgentQuality(
        month=month,
        success_rate=None,
        warning_rate=params.work_order.agent_warning_rate,
        warned=False,
        warned_run=0,
        investigation=False,
    )


def planner_scores(
    conn: Connection[Any], schema: str, agents: list[str], month: str, params: RuleParameters
) -> dict[str, PlannerScore]:
    """SC-01 scores of ``agents`` for performance ``month``; agents without inputs are absent."""
    return _planner_scores(conn, schema, agents, month, params)


def _planner_scores(
    conn: Connection[Any], schema: str, agents: list[str], month: str, params: RuleParameters
) -> dict[str, PlannerScore]:
    if not agents:
        return {}
    s = Identifier(schema)
    with conn.cursor(row_factory=dict_row) as cur:
        inputs = cur.execute(
            SQL("SELECT * FROM {}.scorecard_planner_inputs WHERE agent_code = ANY(%s) AND month = %s").format(
                s
            ),
            (agents, month),
        ).fetchall()
        penalties = cur.execute(
            SQL(
                "SELECT * FROM {}.scorecard_planner_penalties"
                " WHERE agent_code = ANY(%s) AND month = %s ORDER BY position"
            ).format(s),
            (agents, month),
        ).fetchall()
    by_agent: dict[str, list[WorkLogPenalty]] = defaultdict(list)
    for p in penalties:
        by_agent[p["agent_code"]].append(
            WorkLogPenalty(
                p["month"],
                p["log_date"],
                p["role"],
                p["deduction"],
                p["zeroed"],
                p["rule_id"],
                p["reason"],
                p["reference"],
            )
        )
    scores = {}
    for i in inputs:
        score = planner_score(
            PlannerMonthlyInputs(
                month=i["month"],
                rank=Rank(i["rank_series"], i["rank_level"]),
                premium_task_rate=i["premium_task_rate"],
                attendance_rate=i["attendance_rate"],
                work_log_pass_rate=i["work_log_pass_rate"],
                discretion_points=i["discretion_points"],
                extended_probation_month=i["extended_probation_month"],
            ),
            by_agent[i["agent_code"]],
            params.planner_score,
        )
        scores[i["agent_code"]] = PlannerScore(
            month=score.month,
            rank=score.rank,
            rank_points=score.rank_points,
            rank_zeroed_by_probation=score.rank_zeroed_by_probation,
            premium_task_rate=score.premium_task_rate,
            premium_task_points=score.premium_task_points,
            attendance_rate=score.attendance_rate,
            attendance_points=score.attendance_points,
            work_log_pass_rate=score.work_log_pass_rate,
            work_log_step_points=score.work_log_step_points,
            work_log_deductions=score.work_log_deductions,
            work_log_zeroed=score.work_log_zeroed,
            work_log_points=score.work_log_points,
            discretion_points=score.discretion_points,
            total=score.total,
            rule_ids=score.rule_ids,
        )
    return scores
