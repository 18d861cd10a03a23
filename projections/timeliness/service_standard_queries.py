"""Service-standard reads (SL-01..SL-04) over the timeliness rows.

- scorecard: complaints per agent (SL-01f: 销售误导 charged to the selling agent);
- scorecard: claim timeliness per branch or handler (SL-03), exclusions counted apart;
- worklist: renewal reminders an agent must make by today (SL-02), care callbacks open.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from psycopg import Connection
from psycopg.rows import dict_row
from psycopg.sql import SQL, Identifier

from domain.parameters import RuleParameters
from domain.shared.time import business_date
from projections.querying import Row
from projections.timeliness.obligations import ObligationKind
from projections.timeliness.queries import (
    Filters,
    ObligationRow,
    StatusCounts,
    count_by_status,
    query_obligations,
)

CLAIM_RULES = ("SL-03a", "SL-03b", "SL-03d", "SL-03e")


class AgentComplaints(Row):
    """投诉 per agent (SL-01): all, 销售误导, still open, decided late."""

    agent_code: str
    complaints: int
    misleading: int
    open: int
    decided_late: int


def complaints_per_agent(
    conn: Connection[Any],
    schema: str,
    *,
    received_from: datetime,
    received_to: datetime,
    branch: str | None = None,
) -> list[AgentComplaints]:
    """Complaints received in [from, to) that name an agent, most complaints first."""
    where = SQL(
        "rule_id = 'SL-01c' AND agent_code IS NOT NULL AND started_at >= %(f)s AND started_at < %(t)s"
    )
    args: dict[str, Any] = {"f": received_from, "t": received_to}
    if branch is not None:
        where = SQL("{} AND branch = %(branch)s").format(where)
        args["branch"] = branch
    query = SQL(
        "SELECT agent_code, count(*) AS complaints,"
        " count(*) FILTER (WHERE detail = '销售误导') AS misleading,"
        " count(*) FILTER (WHERE done_at IS NULL) AS open,"
        " count(*) FILTER (WHERE done_at > due_at) AS decided_late"
        " FROM {}.timeliness WHERE {} GROUP BY agent_code ORDER BY complaints DESC, agent_code"
    ).format(Identifier(schema), where)
    with conn.cursor(row_factory=dict_row) as cur:
        return [AgentComplaints(**r) for r in cur.execute(query, args).fetchall()]


class ClaimTimeliness(Row):
    key: str | None
    counts: StatusCounts
    excluded: int  # SL-03c / SL-03g: stopped with a reason, neither on time nor late


def claim_timeliness(
    conn: Connection[Any],
    schema: str,
    *,
    now: datetime,
    params: RuleParameters,
    group_by: Literal["branch", "agent_code"] = "branch",
    branch: str | None = None,
) -> list[ClaimTimeliness]:
    """SL-03 steps per branch or handler (agent_code holds a claim's surveyor / handler)."""
    filters = Filters(branch=branch, rule_ids=CLAIM_RULES)
    counts = count_by_status(conn, schema, now=now, params=params, group_by=group_by, filters=filters)
    query = SQL(
        "SELECT {g} AS key, count(*) AS n FROM {s}.timeliness WHERE rule_id = ANY(%(r)s)"
        " AND cancelled_at IS NOT NULL AND (%(b)s::text IS NULL OR branch = %(b)s) GROUP BY 1"
    ).format(g=Identifier(group_by), s=Identifier(schema))
    excluded = {r[0]: r[1] for r in conn.execute(query, {"r": list(CLAIM_RULES), "b": branch}).fetchall()}
    keys = {c.key for c in counts} | set(excluded)
    by_key = {c.key: c for c in counts}
    empty = dict.fromkeys(StatusCounts.model_fields, 0)
    return [
        ClaimTimeliness(
            key=k,
            counts=by_key.get(k) or StatusCounts(**{**empty, "key": k}),
            excluded=excluded.get(k, 0),
        )
        for k in sorted(keys, key=lambda k: (k is None, k or ""))
    ]


def renewal_reminders_due(
    conn: Connection[Any],
    schema: str,
    *,
    now: datetime,
    params: RuleParameters,
    agent_code: str,
    limit: int = 100,
) -> list[ObligationRow]:
    """SL-02 worklist: the agent's reminders due by today and not made, oldest first."""
    filters = Filters(
        agent_code=agent_code,
        kinds=(ObligationKind.RENEWAL_REMINDER.value,),
        open_only=True,
        due_to=business_date(now),
    )
    return query_obligations(conn, schema, now=now, params=params, filters=filters, limit=limit).items
