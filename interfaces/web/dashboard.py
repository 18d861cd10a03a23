"""What the managers' dashboard shows (看板数据), from the same queries as the API.

Every figure here is what a GET of the API answers for the same caller, month and
moment (``/kpis?by=branch``, ``/timeliness/summary``, ``/timeliness``,
``/scorecards/agents``); the browser test holds the page to that.
"""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from domain.planner_score import month_key, previous_month
from domain.work_order import ObligationStatus
from interfaces.api.owners import find_agent
from interfaces.api.permissions import Principal
from interfaces.api.read_models.access import ReadContext, narrow
from interfaces.api.read_models.common import this_month
from interfaces.api.read_models.timeliness import TimelinessSummary, summarise
from interfaces.web.service_standards import ServiceStandardsSection, build_section
from projections.querying import MAX_LIMIT
from projections.scorecards.coverage import MonthCoverage, latest_month_with_callbacks, month_coverage
from projections.scorecards.queries import (
    AgentScorecard,
    PlannerScore,
    Rate,
    Scorecard,
    ScorecardFilters,
    agent_scorecards,
    planner_scores,
    scorecards,
)
from projections.timeliness.obligations import ObligationKind
from projections.timeliness.queries import Filters, ObligationRow, count_by_status, query_obligations

AT_RISK_SHOWN = 100
MAX_AGENTS = 5 * MAX_LIMIT


@dataclass(frozen=True)
class KpiTile:
    code: str  # KP-01 …
    slug: str  # for the page's data attributes
    zh: str
    en: str
    current: Rate
    previous: Rate
    previous_partial: bool = False  # no trend against a month seen only in part

    @property
    def delta(self) -> Decimal | None:
        if self.current.value is None or self.previous.value is None or self.previous_partial:
            return None
        return self.current.value - self.previous.value


@dataclass(frozen=True)
class BranchKpis:
    branch: str
    current: Scorecard | None
    previous: Scorecard | None


@dataclass(frozen=True)
class Dashboard:
    month: str
    previous: str
    now: datetime
    due_from: date
    due_to: date
    tiles: list[KpiTile]
    branches: list[BranchKpis]
    by_branch: TimelinessSummary
    by_channel: TimelinessSummary
    at_risk: list[ObligationRow]
    at_risk_total: int
    agents: list[AgentScorecard]
    coverage: MonthCoverage  # this month whole or partial
    previous_coverage: MonthCoverage  # the month compared with
    names: dict[str, str]  # agent code → name (staff data, shown to managers)
    score_month: str  # SC-01 performance month whose score this month's allocation uses
    scores: dict[str, PlannerScore]  # agent code → SC-01 score of ``score_month`` (absent: no inputs)
    service_standards: ServiceStandardsSection | None = None  # SL-01..SL-04


def default_month(r: ReadContext) -> str:
    """The latest month with callbacks due, up to this month (else this month)."""
    current = this_month(r.now)
    return latest_month_with_callbacks(r.conn, r.schema, current) or current


def build(r: ReadContext, principal: Principal, month: str | None) -> Dashboard:
    scope = narrow(principal)
    rules = r.app.settings.rules
    month = month_key(month) if month else default_month(r)
    previous = previous_month(month)
    # KP-01..03 per branch for both months: GET /kpis?by=branch&month_from=<prev>&month_to=<month>
    cards = scorecards(
        r.conn, r.schema, dimension="branch", month_from=previous, month_to=month, now=r.now,
        filters=ScorecardFilters(branch=scope.branch, agent_code=scope.agent_code), limit=MAX_LIMIT,
    ).items  # fmt: skip
    by_key = {(c.key, c.month): c for c in cards}
    branches = sorted({c.key for c in cards})
    # timeliness of what falls due in the month: GET /timeliness/summary?due_from=…&due_to=…
    year, number = (int(p) for p in month.split("-"))
    due_from, due_to = date(year, number, 1), date(year, number, monthrange(year, number)[1])
    window = Filters(branch=scope.branch, agent_code=scope.agent_code, due_from=due_from, due_to=due_to)

    def summary(group_by: Any) -> TimelinessSummary:
        groups = count_by_status(r.conn, r.schema, now=r.now, params=rules, group_by=group_by, filters=window)
        return summarise([g for g in groups if g.total], group_by)

    # at-risk work orders now: GET /timeliness?kind=work_order&status=warning&status=overdue
    risky = query_obligations(
        r.conn, r.schema, now=r.now, params=rules, limit=AT_RISK_SHOWN,
        filters=Filters(
            branch=scope.branch, agent_code=scope.agent_code, kinds=(ObligationKind.WORK_ORDER.value,),
            statuses=(ObligationStatus.WARNING.value, ObligationStatus.OVERDUE.value),
        ),
    )  # fmt: skip
    coverage = [
        month_coverage(
            r.conn,
            r.schema,
            m,
            now=r.now,
            branch=scope.branch,
            agent_code=scope.agent_code,
        )
        for m in (month, previous)
    ]
    agents = _agents(r, month, scope.branch, scope.agent_code)
    codes = [a.key for a in agents]
    return Dashboard(
        month=month,
        previous=previous,
        now=r.now,
        due_from=due_from,
        due_to=due_to,
        tiles=_tiles(
            [c for c in cards if c.month == month],
            [c for c in cards if c.month == previous],
            previous_partial=coverage[1].partial,
        ),
        branches=[BranchKpis(b, by_key.get((b, month)), by_key.get((b, previous))) for b in branches],
        by_branch=summary("branch"),
        by_channel=summary("channel"),
        at_risk=risky.items,
        at_risk_total=risky.total,
        agents=agents,
        coverage=coverage[0],
        previous_coverage=coverage[1],
        names=agent_names(r, codes),
        score_month=previous,
        # SC-01: this month's allocation ranks planners by last month's inputs (application.allocation)
        scores=planner_scores(r.conn, r.schema, codes, previous, rules),
        service_standards=build_section(r, scope.branch, scope.agent_code, due_from, due_to),
    )


def agent_names(r: ReadContext, codes: list[str]) -> dict[str, str]:
    """Agents' names from their records: staff data (业务员姓名), not customer data (RC-03)."""
    names = {}
    for code in codes:
        agent = find_agent(r.app, code)
        if agent is not None:
            names[code] = agent.name
    return names


def _agents(r: ReadContext, month: str, branch: str | None, agent_code: str | None) -> list[AgentScorecard]:
    found: list[AgentScorecard] = []
    while len(found) < MAX_AGENTS:
        page = agent_scorecards(
            r.conn, r.schema, month=month, now=r.now, params=r.app.settings.rules, branch=branch,
            agent_code=agent_code, limit=MAX_LIMIT, offset=len(found),
        )  # fmt: skip
        found += page.items
        if page.next_offset is None:
            break
    return found


def _sum_rate(cards: list[Scorecard], pick: Any) -> Rate:
    """A rate over several cards: the summed numerators over the summed denominators."""
    rates = [pick(c) for c in cards]
    return Rate.of(sum(x.numerator for x in rates), sum(x.denominator for x in rates))


def _tiles(current: list[Scorecard], previous: list[Scorecard], previous_partial: bool) -> list[KpiTile]:
    specs = [
        ("KP-01", "success_rate", "回访成功率", "callback success rate", lambda c: c.callbacks.success_rate),
        (
            "KP-01",
            "success_rate_within_cooling_off",
            "犹豫期内回访成功率",
            "success within cooling-off",
            lambda c: c.callbacks.success_rate_within_cooling_off,
        ),
        ("KP-02", "problem_ratio", "回访问题件占比", "problem ratio", lambda c: c.callbacks.problem_ratio),
        (
            "KP-03",
            "handling_rate",
            "问题件处理完成率",
            "handled by deadline",
            lambda c: c.work_orders.handling_rate,
        ),
    ]
    return [
        KpiTile(code, slug, zh, en, _sum_rate(current, pick), _sum_rate(previous, pick), previous_partial)
        for code, slug, zh, en, pick in specs
    ]


#: sortable columns of the agents' table: key → value of a card (None sorts last)
AGENT_SORTS: dict[str, Any] = {
    "agent": lambda a: a.key,
    "due": lambda a: a.callbacks.due,
    "successful": lambda a: a.callbacks.successful,
    "success_rate": lambda a: a.callbacks.success_rate.value,
    "problem_ratio": lambda a: a.callbacks.problem_ratio.value,
    "misleading": lambda a: a.callbacks.misleading,
    "work_orders": lambda a: a.work_orders.due,
    "overdue": lambda a: a.work_orders.overdue,
    "handling_rate": lambda a: a.work_orders.handling_rate.value,
    "warned": lambda a: a.quality.warned_run,
    "score": None,  # from ``Dashboard.scores`` (the SC-01 performance month differs)
}


def sort_agents(
    agents: list[AgentScorecard], key: str, descending: bool, scores: dict[str, PlannerScore] | None = None
) -> list[AgentScorecard]:
    if key == "score":
        known = scores or {}

        def pick(a: AgentScorecard) -> Any:
            return known[a.key].total if a.key in known else None
    else:
        pick = AGENT_SORTS.get(key) or AGENT_SORTS["agent"]
    present = [a for a in agents if pick(a) is not None]
    missing = [a for a in agents if pick(a) is None]
    return sorted(present, key=lambda a: (pick(a), a.key), reverse=descending) + missing
