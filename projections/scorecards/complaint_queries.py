"""Complaints per agent and month (SL-01f), the complaint column group of an agent scorecard.

A complaint counts in the month it was received against the agent it names; a 销售误导
complaint names the selling agent (SL-01f), so it is charged to that agent. Late and
overdue use the decision deadline (SL-01c, 15 / 30 days) at the reader's "now".
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from psycopg import Connection
from psycopg.sql import SQL, Identifier

from projections.querying import Row, aware


class AgentComplaints(Row):
    """投诉 of one agent-month: received, 销售误导, still open, overdue now, decided late."""

    received: int = 0
    misleading: int = 0
    open: int = 0
    overdue: int = 0  # open past the decision deadline at "now"
    decided_late: int = 0
    rule_id: str = "SL-01f"


def agent_complaints(
    conn: Connection[Any],
    schema: str,
    *,
    agents: list[str],
    months: list[str],
    now: datetime,
    branch: str | None = None,
) -> dict[tuple[str, str], AgentComplaints]:
    """(agent, month) -> counts, for the given agents and months (pairs without any: absent)."""
    if not agents or not months:
        return {}
    query = SQL(
        "SELECT agent_code, month, count(*),"
        " count(*) FILTER (WHERE misleading),"
        " count(*) FILTER (WHERE decided_at IS NULL),"
        " count(*) FILTER (WHERE decided_at IS NULL AND decision_due_at < %(now)s),"
        " count(*) FILTER (WHERE decided_at > decision_due_at)"
        " FROM {}.scorecard_complaints"
        " WHERE agent_code = ANY(%(agents)s) AND month = ANY(%(months)s)"
        " AND (%(branch)s::text IS NULL OR branch = %(branch)s)"
        " GROUP BY agent_code, month"
    ).format(Identifier(schema))
    args = {"agents": agents, "months": months, "now": aware(now), "branch": branch}
    return {
        (r[0], r[1]): AgentComplaints(
            received=r[2], misleading=r[3], open=r[4], overdue=r[5], decided_late=r[6]
        )
        for r in conn.execute(query, args).fetchall()
    }
