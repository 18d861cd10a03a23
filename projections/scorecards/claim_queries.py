"""Claim timeliness scorecard (理赔时效考核, SL-03) per branch or handler and month.

Facts: ``scorecard_claim_steps`` (``projections.scorecards.service_standards``), one row
per timed step (联系客户 SL-03a, 到达现场 SL-03b, 定损 SL-03d, 核赔 SL-03e), in the month of
its deadline. A step stopped by an exclusion (SL-03c / SL-03g) is counted apart
(``excluded``), never on time or late. "Now" decides whether an open step is overdue.
On-time rate as PC-03: on time / (on time + done late + overdue open).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from psycopg import Connection
from psycopg.sql import SQL, Identifier

from domain.planner_score import month_key
from projections.querying import DEFAULT_LIMIT, ResultPage, Row, aware, paging
from projections.scorecards.queries import Rate

ClaimDimension = Literal["branch", "handler_id"]


class ClaimScorecard(Row):
    """SL-03 steps of one branch or handler due in one month."""

    dimension: str  # branch / handler_id
    key: str
    month: str
    steps: int  # every step due in the month, excluded ones included
    done_on_time: int
    done_late: int
    open: int  # not done, deadline not passed at now
    overdue: int  # not done, deadline passed at now (超时)
    excluded: int  # 除外 (SL-03c / SL-03g), neither on time nor late
    on_time_rate: Rate
    rule_ids: list[str]


def claim_scorecards(
    conn: Connection[Any],
    schema: str,
    *,
    by: ClaimDimension,
    month: str,
    now: datetime,
    branch: str | None = None,
    handler_id: str | None = None,
    limit: int = DEFAULT_LIMIT,
    offset: int = 0,
) -> ResultPage[ClaimScorecard]:
    """Per ``by`` value for ``month``, ordered by key; a handler is the surveyor dispatched."""
    if by not in ("branch", "handler_id"):
        raise ValueError(f"unknown claim scorecard dimension {by!r}")
    limit, offset = paging(limit, offset)
    query = SQL(
        "SELECT {dim} AS key, count(*),"
        " count(*) FILTER (WHERE NOT excluded AND done_at <= due_at),"
        " count(*) FILTER (WHERE NOT excluded AND done_at > due_at),"
        " count(*) FILTER (WHERE NOT excluded AND done_at IS NULL AND due_at >= %(now)s),"
        " count(*) FILTER (WHERE NOT excluded AND done_at IS NULL AND due_at < %(now)s),"
        " count(*) FILTER (WHERE excluded),"
        " array_agg(DISTINCT rule_id ORDER BY rule_id),"
        " count(*) OVER () AS total"
        " FROM {s}.scorecard_claim_steps"
        " WHERE month = %(month)s AND {dim} IS NOT NULL"
        " AND (%(branch)s::text IS NULL OR branch = %(branch)s)"
        " AND (%(handler)s::text IS NULL OR handler_id = %(handler)s)"
        " GROUP BY {dim} ORDER BY {dim} LIMIT %(limit)s OFFSET %(offset)s"
    ).format(dim=Identifier(by), s=Identifier(schema))
    args = {
        "now": aware(now),
        "month": month_key(month),
        "branch": branch,
        "handler": handler_id,
        "limit": limit,
        "offset": offset,
    }
    rows = conn.execute(query, args).fetchall()
    items = [
        ClaimScorecard(
            dimension=by, key=r[0], month=month_key(month), steps=r[1], done_on_time=r[2],
            done_late=r[3], open=r[4], overdue=r[5], excluded=r[6],
            on_time_rate=Rate.of(r[2], r[2] + r[3] + r[5]), rule_ids=list(r[7]),
        )
        for r in rows
    ]  # fmt: skip
    total = int(rows[0][8]) if rows else _count(conn, schema, by, args)
    return ResultPage[ClaimScorecard].of(items, total, limit, offset)


def _count(conn: Connection[Any], schema: str, by: str, args: dict[str, Any]) -> int:
    query = SQL(
        "SELECT count(DISTINCT {dim}) FROM {s}.scorecard_claim_steps WHERE month = %(month)s"
        " AND (%(branch)s::text IS NULL OR branch = %(branch)s)"
        " AND (%(handler)s::text IS NULL OR handler_id = %(handler)s)"
    ).format(dim=Identifier(by), s=Identifier(schema))
    found = conn.execute(query, args).fetchone()
    return int(found[0]) if found else 0
