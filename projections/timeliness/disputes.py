"""Complaints as disputes for retention (RC-02: records kept 2 more years after a dispute ends).

A complaint (SL-01) about a policy is a dispute; it ends when it is decided (SL-01e). The
retention calculation asks, per policy, for every complaint's start and end: an open
complaint (``ended_on`` None) holds the records indefinitely; the latest end + 2 years
is the earliest the dispute clause lets them go.
"""

from __future__ import annotations

import uuid
from datetime import date

from psycopg import Connection
from psycopg.rows import dict_row
from psycopg.sql import SQL, Identifier

from domain.shared.time import business_date
from projections.querying import Row

#: RC-02: years kept after a dispute ends (REG-04, 保险法 Art 87)
DISPUTE_RETENTION_YEARS = 2


class DisputeSpan(Row):
    complaint_id: uuid.UUID
    received_on: date
    ended_on: date | None  # None: still open


def _plus_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February → 28 February
        return day.replace(year=day.year + years, day=28)


def complaint_disputes(conn: Connection[object], schema: str, policy_number: str) -> list[DisputeSpan]:
    """Every complaint about the policy (SL-01c decision rows of the timeliness model)."""
    query = SQL(
        "SELECT subject_id, started_at, done_at FROM {}.timeliness"
        " WHERE rule_id = 'SL-01c' AND policy_number = %s ORDER BY started_at, subject_id"
    ).format(Identifier(schema))
    with conn.cursor(row_factory=dict_row) as cur:
        found = cur.execute(query, (policy_number,)).fetchall()
    return [
        DisputeSpan(
            complaint_id=r["subject_id"],
            received_on=business_date(r["started_at"]),
            ended_on=business_date(r["done_at"]) if r["done_at"] else None,
        )
        for r in found
    ]


def dispute_hold_until(spans: list[DisputeSpan]) -> date | None:
    """RC-02: the last day the dispute clause holds the records; None when no complaint.

    ``date.max`` while a complaint is open (held until it ends)."""
    if not spans:
        return None
    if any(s.ended_on is None for s in spans):
        return date.max
    return max(_plus_years(s.ended_on, DISPUTE_RETENTION_YEARS) for s in spans if s.ended_on)
