"""Month coverage (数据完整性): is a month's callback data whole, or only part of it?

A month-over-month comparison against a month the system saw only part of (data that
starts mid-month, or a month not over yet) is not a drop; the dashboard marks it.

Month M is whole when callbacks were already being recorded on its first day (the
first callback registration 回执回销 in the scope lies on or before it) and M has
ended by ``now``; otherwise it is partial, with the reason.
"""

from __future__ import annotations

from calendar import monthrange
from datetime import date, datetime
from typing import Any

from psycopg import Connection
from psycopg.sql import SQL, Composed, Identifier

from domain.shared.time import business_date
from projections.querying import Row, aware


class MonthCoverage(Row):
    month: str
    partial: bool
    data_from: date | None  # first callback registration (回执回销) recorded in the scope
    in_progress: bool  # the month has not ended yet
    note_zh: str
    note_en: str


def month_coverage(
    conn: Connection[Any],
    schema: str,
    month: str,
    *,
    now: datetime,
    branch: str | None = None,
    agent_code: str | None = None,
) -> MonthCoverage:
    year, number = (int(p) for p in month.split("-"))
    first, last = date(year, number, 1), date(year, number, monthrange(year, number)[1])
    where: list[Composed | SQL] = [SQL("true")]
    args: list[Any] = []
    for column, value in (("branch", branch), ("agent_code", agent_code)):
        if value is not None:
            where.append(SQL("{} = %s").format(Identifier(column)))
            args.append(value)
    row = conn.execute(
        SQL("SELECT min(registered_on) FROM {}.scorecard_callbacks WHERE {}").format(
            Identifier(schema), SQL(" AND ").join(where)
        ),
        args,
    ).fetchone()
    data_from: date | None = row[0] if row else None
    in_progress = business_date(aware(now)) <= last
    starts_late = data_from is not None and data_from > first
    if in_progress:
        zh, en = "本月尚未结束，数据不完整", "month not over: partial"
    elif starts_late:
        zh, en = f"数据自 {data_from} 起，本月不完整", f"data only from {data_from}: partial month"
    else:
        zh = en = ""
    return MonthCoverage(
        month=month,
        partial=in_progress or starts_late,
        data_from=data_from,
        in_progress=in_progress,
        note_zh=zh,
        note_en=en,
    )


def latest_month_with_callbacks(conn: Connection[Any], schema: str, up_to: str) -> str | None:
    """The latest month (YYYY-MM) with callbacks due, up to ``up_to``; None before the first."""
    row = conn.execute(
        SQL("SELECT max(month) FROM {}.scorecard_callbacks WHERE month <= %s").format(Identifier(schema)),
        (up_to,),
    ).fetchone()
    return row[0] if row else None
