"""Timeliness queries (时效查询): obligations with their status as of "now".

The status is ``domain.work_order.obligation_status`` (PC-03) of each row's due,
done and warning lead at the ``now`` the caller passes, so it is always current.
Filtering and counting by status happen in SQL (so that paging works); the SQL
conditions mirror that function term by term (``status_sql``), and every row
returned carries the domain function's own answer.

The rows store their effective due time and the start of their warning period
(``due_eff``, ``warn_at``: ``projections.timeliness.projection``), so a status is a range of
stored columns and a page is a range scan of an index on ``(…, due_eff,
obligation_id)``, continued after ``next_cursor``. If those were computed with other
*(config)* parameters than the caller's (settings changed, rebuild pending), the
same conditions run over the due time computed from the settings (``COMPUTED``):
always the right answer, fast once rebuilt.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from psycopg import Connection
from psycopg.rows import dict_row
from psycopg.sql import SQL, Composed, Identifier

from domain.parameters import RuleParameters
from domain.shared.time import end_of_day, start_of_day
from domain.work_order import ObligationStatus, obligation_status, warning_lead
from projections.querying import (
    DEFAULT_LIMIT,
    Label,
    ResultPage,
    Row,
    aware,
    cached_count,
    decode_cursor,
    encode_cursor,
    in_snapshot,
    keyset_paging,
    position_after,
    query_fingerprint,
)
from projections.timeliness.obligations import ObligationKind
from projections.timeliness.projection import DueParameters, stored_parameters


@dataclass(frozen=True)
class DueSql:
    """SQL of an obligation's effective due time and of the start of its warning period."""

    due: str
    warn: str


#: the stored columns (indexed)
STORED = DueSql("t.due_eff", "t.warn_at")
#: computed from the settings: stored, or for a receipt not registered yet (CB-05) the
#: signing day + the configured lag, to the end of that Shanghai day (``end_of_day``)
_DUE = (
    "coalesce(t.due_at, CASE WHEN t.rule_id = 'CB-05' THEN"
    " (((t.started_at AT TIME ZONE 'Asia/Shanghai')::date + %(lag)s + 1)::timestamp"
    " AT TIME ZONE 'Asia/Shanghai') - interval '1 microsecond' END)"
)
COMPUTED = DueSql(_DUE, f"({_DUE} - make_interval(days => coalesce(t.warning_lead_days, %(lead)s)))")

_OPEN = frozenset({ObligationStatus.OVERDUE, ObligationStatus.WARNING, ObligationStatus.NORMAL})


def status_sql(status: ObligationStatus, d: DueSql) -> str:
    """PC-03 in SQL, the same cases as ``obligation_status`` (rows without a due have none).

    正常 needs ``warn > now``, which implies ``due > now`` (the lead is not negative):
    stated too, so that it is a range of the due-time index."""
    return {
        ObligationStatus.CLOSED_ON_TIME: f"(t.done_at IS NOT NULL AND t.done_at <= {d.due})",
        ObligationStatus.CLOSED_LATE: f"(t.done_at IS NOT NULL AND t.done_at > {d.due})",
        ObligationStatus.OVERDUE: f"(t.done_at IS NULL AND {d.due} < %(now)s)",
        ObligationStatus.WARNING: f"(t.done_at IS NULL AND {d.due} >= %(now)s AND {d.warn} <= %(now)s)",
        ObligationStatus.NORMAL: f"(t.done_at IS NULL AND {d.due} > %(now)s AND {d.warn} > %(now)s)",
    }[status]


GroupBy = Literal["branch", "channel", "agent_code", "product_type", "rule_id", "kind"]


class ObligationRow(Row):
    """One obligation (时效事项) and its status at ``now``."""

    obligation_id: str
    rule_id: str
    kind: Label
    detail: str  # work-order type, anniversary, premium due date…
    subject_type: str  # callback / policy / work_order / service_case
    subject_id: uuid.UUID
    policy_number: str | None
    branch: str | None
    channel: str | None
    product_type: str | None
    agent_code: str | None  # the agent charged (the servicer for service cases)
    started_at: datetime
    due_at: datetime | None
    done_at: datetime | None
    status: Label | None  # None: no due date yet, or cancelled
    warning_lead_days: int
    overdue_statement: bool  # PC-04: breach explained in writing
    overdue_reason: str
    cancelled_at: datetime | None
    cancel_reason: str


class StatusCounts(Row):
    """Obligations of one group by status at ``now`` (dashboard tiles)."""

    key: str | None
    total: int
    normal: int
    warning: int
    overdue: int
    closed_on_time: int
    closed_late: int
    no_due: int
    overdue_statements: int


@dataclass(frozen=True)
class Filters:
    """What to select; None means any."""

    branch: str | None = None
    channel: str | None = None
    agent_code: str | None = None
    product_type: str | None = None
    policy_number: str | None = None
    rule_ids: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    due_from: date | datetime | None = None  # inclusive
    due_to: date | datetime | None = None  # inclusive (a date: the whole day)
    open_only: bool = False  # not done (any status 正常/警告/超时)
    include_cancelled: bool = False


def _where(f: Filters, d: DueSql) -> tuple[Composed, dict[str, Any]]:
    parts: list[Composed | SQL] = []
    args: dict[str, Any] = {}
    for column in ("branch", "channel", "agent_code", "product_type", "policy_number"):
        value = getattr(f, column)
        if value is not None:
            parts.append(SQL("t.{} = %({})s").format(Identifier(column), SQL(column)))
            args[column] = value
    if f.rule_ids:
        parts.append(SQL("t.rule_id = ANY(%(rule_ids)s)"))
        args["rule_ids"] = list(f.rule_ids)
    if f.kinds:
        parts.append(SQL("t.kind = ANY(%(kinds)s)"))
        args["kinds"] = [ObligationKind(k).value for k in f.kinds]
    if f.statuses:
        chosen = [ObligationStatus(s) for s in dict.fromkeys(f.statuses)]
        # a cancelled obligation has no status (see ``status_of``)
        conditions = " OR ".join(status_sql(s, d) for s in chosen)
        parts.append(SQL("(t.cancelled_at IS NULL AND (" + conditions + "))"))  # type: ignore[arg-type]
        if set(chosen) <= _OPEN:  # lets the planner use the index of open items
            parts.append(SQL("t.done_at IS NULL"))
    if f.due_from is not None:
        args["due_from"] = f.due_from if isinstance(f.due_from, datetime) else start_of_day(f.due_from)
        parts.append(SQL(f"{d.due} >= %(due_from)s"))  # type: ignore[arg-type]
    if f.due_to is not None:
        args["due_to"] = f.due_to if isinstance(f.due_to, datetime) else end_of_day(f.due_to)
        parts.append(SQL(f"{d.due} <= %(due_to)s"))  # type: ignore[arg-type]
    if f.open_only:
        parts.append(SQL("t.done_at IS NULL"))
    if not f.include_cancelled:
        parts.append(SQL("t.cancelled_at IS NULL"))
    where = SQL(" AND ").join(parts) if parts else SQL("true")
    return SQL("WHERE {}").format(where), args


def _params(now: datetime, params: RuleParameters) -> dict[str, Any]:
    return {
        "now": aware(now),
        "lag": params.callback.receipt_registration_lag_days,
        "lead": params.work_order.warning_lead_days,
    }


def due_sql(conn: Connection[Any], schema: str, params: RuleParameters) -> DueSql:
    """The stored columns when they were computed with ``params``, else the computed ones."""
    return _due_sql_for(stored_parameters(conn, schema), params)


def _due_sql_for(stored: DueParameters | None, params: RuleParameters) -> DueSql:
    return STORED if stored is None or stored == DueParameters.of(params) else COMPUTED


def _bookkeeping(conn: Connection[Any], schema: str, params: RuleParameters) -> tuple[DueSql, int]:
    """``due_sql`` and the read model's tracking position: inside a ``snapshot`` (pipeline
    mode) both statements travel in one round trip."""
    position = position_after(conn, schema, "timeliness")
    return due_sql(conn, schema, params), position()


def status_of(
    due_at: datetime | None,
    done_at: datetime | None,
    lead_days: int,
    now: datetime,
    cancelled: bool = False,
) -> ObligationStatus | None:
    """PC-03 via the write side's function; None without a due date or once cancelled."""
    if due_at is None or cancelled:
        return None
    return obligation_status(due_at, warning_lead(lead_days), now, done_at)


@in_snapshot
def query_obligations(
    conn: Connection[Any],
    schema: str,
    *,
    now: datetime,
    params: RuleParameters,
    filters: Filters | None = None,
    limit: int = DEFAULT_LIMIT,
    offset: int = 0,
    cursor: str | None = None,
) -> ResultPage[ObligationRow]:
    """Obligations matching ``filters``, earliest due first (no due last), then by id.

    Keyset paging: ``cursor`` (a page's ``next_cursor``, same filters) continues after
    the last row with ``(due_eff, obligation_id) > (…)``, an index range; a small
    ``offset`` still works. The total is counted once per filter and cached
    (``cached_count``), never with a window over the table."""
    limit, offset = keyset_paging(limit, offset, cursor)
    filters = filters or Filters()
    d, position = _bookkeeping(conn, schema, params)
    where, args = _where(filters, d)
    args |= _params(now, params) | {"limit": limit, "offset": offset}
    bound = query_fingerprint("timeliness", filters)
    after = decode_cursor(cursor, bound, (datetime, str)) if cursor is not None else None
    table = SQL("{}.timeliness AS t").format(Identifier(schema))
    select = SQL(
        "SELECT t.*, {due} AS due, coalesce(t.warning_lead_days, %(lead)s) AS lead FROM {table} {where}"
    )
    select = select.format(due=SQL(d.due), table=table, where=where)  # type: ignore[arg-type]
    order = SQL(" ORDER BY {due}, t.obligation_id LIMIT %(limit)s").format(due=SQL(d.due))  # type: ignore[arg-type]
    records: list[dict[str, Any]] = []
    with conn.cursor(row_factory=dict_row) as cur:
        # rows with a due time, then (NULLS LAST) those without: two ranges of one index
        if after is None or after[0] is not None:
            keyset = SQL("")
            if after is not None:
                keyset = SQL(" AND ({due}, t.obligation_id) > (%(after_due)s, %(after_id)s)").format(
                    due=SQL(d.due)
                )  # type: ignore[arg-type]
                args |= {"after_due": after[0], "after_id": after[1]}
            dated = SQL("{} AND {} IS NOT NULL{}{} OFFSET %(offset)s").format(
                select, SQL(d.due), keyset, order
            )  # type: ignore[arg-type]
            records = cur.execute(dated, args).fetchall()
        if len(records) < limit:
            undated_after = after[1] if after is not None and after[0] is None else ""
            skip = 0
            if after is None and not records and offset:  # the offset went past the dated rows
                skip = max(0, offset - _count_dated(conn, schema, where, d, args))
            undated = SQL(
                "{} AND {} IS NULL AND t.obligation_id > %(undated_after)s{} OFFSET %(undated_skip)s"
            ).format(
                select,
                SQL(d.due),
                order,  # type: ignore[arg-type]
            )
            more = cur.execute(
                undated,
                args | {"limit": limit - len(records), "undated_after": undated_after, "undated_skip": skip},
            ).fetchall()
            records += more
    total = cached_count(
        # a status filter's rows change with "now": its count is reused at the same now only
        ("timeliness", schema, bound, d, args["now"] if filters.statuses else None),
        position,
        lambda: _count(conn, schema, where, args),
    )
    items = [_row(r, now) for r in records]
    last = records[-1] if records else None
    next_cursor = (
        encode_cursor(bound, (last["due"], last["obligation_id"])) if last and len(records) == limit else None
    )
    return ResultPage[ObligationRow].of(
        items, total, limit, offset, next_cursor, by_cursor=cursor is not None
    )


def _count_dated(conn: Connection[Any], schema: str, where: Composed, d: DueSql, args: dict[str, Any]) -> int:
    """Rows with a due time (only for an offset past them: small offsets only)."""
    query = SQL("SELECT count(*) FROM {}.timeliness AS t {} AND {} IS NOT NULL").format(
        Identifier(schema),
        where,
        SQL(d.due),  # type: ignore[arg-type]
    )
    row = conn.execute(query, args).fetchone()
    return int(row[0]) if row else 0


def _count(conn: Connection[Any], schema: str, where: Composed, args: dict[str, Any]) -> int:
    query = SQL("SELECT count(*) FROM {}.timeliness AS t {}").format(Identifier(schema), where)
    row = conn.execute(query, args).fetchone()
    return int(row[0]) if row else 0


def _row(r: dict[str, Any], now: datetime) -> ObligationRow:
    status = status_of(r["due"], r["done_at"], r["lead"], now, r["cancelled_at"] is not None)
    return ObligationRow(
        obligation_id=r["obligation_id"],
        rule_id=r["rule_id"],
        kind=Label.of(ObligationKind, r["kind"]),
        detail=r["detail"],
        subject_type=r["subject_type"],
        subject_id=r["subject_id"],
        policy_number=r["policy_number"],
        branch=r["branch"],
        channel=r["channel"],
        product_type=r["product_type"],
        agent_code=r["agent_code"],
        started_at=r["started_at"],
        due_at=r["due"],
        done_at=r["done_at"],
        status=Label.of(ObligationStatus, status.value) if status is not None else None,
        warning_lead_days=r["lead"],
        overdue_statement=r["overdue_statement"],
        overdue_reason=r["overdue_reason"],
        cancelled_at=r["cancelled_at"],
        cancel_reason=r["cancel_reason"],
    )


def count_by_status(
    conn: Connection[Any],
    schema: str,
    *,
    now: datetime,
    params: RuleParameters,
    group_by: GroupBy | None = "branch",
    filters: Filters | None = None,
) -> list[StatusCounts]:
    """Obligations per group (branch, channel, agent…) and status at ``now``, by key.

    ``group_by=None``: one row for everything selected.
    """
    if group_by is not None and group_by not in GroupBy.__args__:  # type: ignore[attr-defined]
        raise ValueError(f"cannot group by {group_by!r}")
    d = due_sql(conn, schema, params)
    where, args = _where(filters or Filters(), d)
    args |= _params(now, params)
    key = SQL("t.{}").format(Identifier(group_by)) if group_by else SQL("NULL::text")
    counts = SQL(", ").join(
        SQL("count(*) FILTER (WHERE t.cancelled_at IS NULL AND {}) AS {}").format(
            SQL(status_sql(s, d)),  # type: ignore[arg-type]
            Identifier(_COUNT_NAMES[s]),
        )
        for s in ObligationStatus
    )
    query = SQL(
        "SELECT {key} AS key, count(*) AS total, {counts},"
        " count(*) FILTER (WHERE {due} IS NULL) AS no_due,"
        " count(*) FILTER (WHERE t.overdue_statement) AS overdue_statements"
        " FROM {schema}.timeliness AS t {where} GROUP BY 1 ORDER BY 1 NULLS LAST"
    ).format(
        key=key,
        counts=counts,
        due=SQL(d.due),  # type: ignore[arg-type]
        schema=Identifier(schema),
        where=where,
    )
    with conn.cursor(row_factory=dict_row) as cur:
        return [StatusCounts(**r) for r in cur.execute(query, args).fetchall()]


_COUNT_NAMES = {
    ObligationStatus.NORMAL: "normal",
    ObligationStatus.WARNING: "warning",
    ObligationStatus.OVERDUE: "overdue",
    ObligationStatus.CLOSED_ON_TIME: "closed_on_time",
    ObligationStatus.CLOSED_LATE: "closed_late",
}
