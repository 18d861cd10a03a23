"""The dashboard's service-standards section (服务标准, SL-01..SL-04).

Same reads as the API and ``projections.timeliness.service_standard_queries``, scoped like the rest
of the dashboard: timeliness of what falls due in the month by obligation kind (the
GET /timeliness/summary?group_by=kind&rule=SL-… answer), complaints per agent received
in the month, and claim timeliness per branch with exclusions counted apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from domain.shared.time import start_of_day
from interfaces.api.read_models.access import ReadContext
from interfaces.api.read_models.timeliness import TimelinessSummary, summarise
from projections.timeliness.queries import Filters, count_by_status
from projections.timeliness.service_standard_queries import (
    AgentComplaints,
    ClaimTimeliness,
    claim_timeliness,
    complaints_per_agent,
)

SL_RULES = ("SL-01b", "SL-01c", "SL-02b", "SL-03a", "SL-03b", "SL-03d", "SL-03e", "SL-04a", "SL-04b")
TOP_AGENTS = 10


@dataclass(frozen=True)
class ServiceStandardsSection:
    by_kind: TimelinessSummary
    complaints: list[AgentComplaints]
    claims: list[ClaimTimeliness]


def build_section(
    r: ReadContext, branch: str | None, agent_code: str | None, due_from: date, due_to: date
) -> ServiceStandardsSection:
    window = Filters(
        branch=branch, agent_code=agent_code, rule_ids=SL_RULES, due_from=due_from, due_to=due_to
    )
    groups = count_by_status(
        r.conn, r.schema, now=r.now, params=r.app.settings.rules, group_by="kind", filters=window
    )
    complaints = complaints_per_agent(
        r.conn, r.schema, received_from=start_of_day(due_from),
        received_to=start_of_day(due_to + timedelta(days=1)), branch=branch,
    )  # fmt: skip
    if agent_code is not None:  # an agent sees its own line only
        complaints = [c for c in complaints if c.agent_code == agent_code]
    claims = [] if agent_code is not None else claim_timeliness(
        r.conn, r.schema, now=r.now, params=r.app.settings.rules, branch=branch
    )  # fmt: skip
    return ServiceStandardsSection(
        by_kind=summarise([g for g in groups if g.total], "kind"),
        complaints=complaints[:TOP_AGENTS],
        claims=claims,
    )
