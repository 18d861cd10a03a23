"""Audit-trail queries (审计轨迹查询): events of a policy, agent, aggregate, rule or period.

Rows come in log order (``position``, unique), so pages never overlap. Personal data
is already masked in the table (``projections.event_facts``).

A branch scope is answered from the trail itself: the policies and agents whose
creation event names the branch, and every event referring to one of them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from psycopg import Connection
from psycopg.rows import dict_row
from psycopg.sql import SQL, Composed, Identifier

from projections.querying import (
    DEFAULT_LIMIT,
    ResultPage,
    Row,
    cached_count,
    decode_cursor,
    encode_cursor,
    in_snapshot,
    keyset_paging,
    position_after,
    query_fingerprint,
)

#: the default threshold of a late entry (``Settings.late_entry_hours``)
DEFAULT_LATE_AFTER = timedelta(hours=24)


class AuditEntry(Row):
    """One event as the auditors read it: both times, the actor, rules, a bilingual summary."""

    position: int
    aggregate_type: str
    aggregate_id: uuid.UUID
    aggregate_version: int
    business_key: str | None
    event_type: str
    occurred_at: datetime | None  # business time 业务时间
    recorded_at: datetime | None  # record time 记录时间
    entry_delay_seconds: float | None
    late_entry: bool  # 补录: recorded more than the configured threshold after it happened
    actor_id: str | None
    actor_role: str | None
    command_id: str | None
    rule_ids: list[str]
    policy_numbers: list[str]
    agent_codes: list[str]
    summary_zh: str
    summary_en: str
    data: dict[str, Any]


@dataclass(frozen=True)
class AuditFilters:
    """What to select (None: any); times are inclusive bounds."""

    policy_number: str | None = None
    agent_code: str | None = None
    aggregate_id: uuid.UUID | None = None
    business_key: str | None = None
    rule_id: str | None = None
    occurred_from: datetime | None = None
    occurred_to: datetime | None = None
    recorded_from: datetime | None = None
    recorded_to: datetime | None = None
    branch: str | None = None  # events about the branch's policies or agents


def _where(f: AuditFilters, schema: str, args: dict[str, Any]) -> Composed:
    parts: list[SQL | Composed] = [SQL("true")]
    simple = {
        "policy_number": "a.policy_numbers @> ARRAY[%(policy_number)s]::text[]",
        "agent_code": "a.agent_codes @> ARRAY[%(agent_code)s]::text[]",
        "rule_id": "a.rule_ids @> ARRAY[%(rule_id)s]::text[]",
        "aggregate_id": "a.aggregate_id = %(aggregate_id)s",
        "business_key": "a.business_key = %(business_key)s",
        "occurred_from": "a.occurred_at >= %(occurred_from)s",
        "occurred_to": "a.occurred_at <= %(occurred_to)s",
        "recorded_from": "a.recorded_at >= %(recorded_from)s",
        "recorded_to": "a.recorded_at <= %(recorded_to)s",
    }
    for name, condition in simple.items():
        value = getattr(f, name)
        if value is not None:
            parts.append(SQL(condition))  # type: ignore[arg-type]
            args[name] = value
    if f.branch is not None:
        # the branch's policies (Policy.Issued names it under facts) and agents
        parts.append(
            SQL(
                "(a.policy_numbers && ARRAY(SELECT o.business_key FROM {t} AS o WHERE o.aggregate_version = 1"
                " AND o.aggregate_type = 'Policy' AND o.data #>> '{{facts,branch}}' = %(branch)s)"
                " OR a.agent_codes && ARRAY(SELECT o.business_key FROM {t} AS o WHERE o.aggregate_version = 1"
                " AND o.aggregate_type = 'Agent' AND o.data ->> 'branch' = %(branch)s))"
            ).format(t=SQL("{}.audit_trail").format(Identifier(schema)))
        )
        args["branch"] = f.branch
    return SQL(" AND ").join(parts)


@in_snapshot
def query_audit_trail(
    conn: Connection[Any],
    schema: str,
    *,
    filters: AuditFilters | None = None,
    limit: int = DEFAULT_LIMIT,
    offset: int = 0,
    late_after: timedelta = DEFAULT_LATE_AFTER,
    cursor: str | None = None,
) -> ResultPage[AuditEntry]:
    """Events matching ``filters`` in log order (position); ``late_entry`` marks those
    recorded more than ``late_after`` after their business time (补录).

    Keyset paging: ``cursor`` continues with ``position > …`` (the primary key, or the
    filter's index then a sort of its few rows); the total is a cached count."""
    limit, offset = keyset_paging(limit, offset, cursor)
    filters = filters or AuditFilters()
    args: dict[str, Any] = {"limit": limit, "offset": offset, "late_after": late_after}
    where = _where(filters, schema, args)
    bound = query_fingerprint("audit_trail", filters)
    keyset = SQL("")
    if cursor is not None:
        (args["after"],) = decode_cursor(cursor, bound, (int,))
        keyset = SQL(" AND a.position > %(after)s")
    query = SQL(
        "SELECT a.*, coalesce(a.entry_delay > %(late_after)s, false) AS late"
        " FROM {}.audit_trail AS a WHERE {}{} ORDER BY a.position LIMIT %(limit)s OFFSET %(offset)s"
    ).format(Identifier(schema), where, keyset)
    counting = SQL("SELECT count(*) FROM {}.audit_trail AS a WHERE {}").format(Identifier(schema), where)
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(query, args)
        position = position_after(conn, schema, "audit_trail")  # with the rows, one round trip
        records = cur.fetchall()
    total = cached_count(
        ("audit_trail", schema, bound),
        position(),
        lambda: int(conn.execute(counting, args).fetchone()[0]),  # type: ignore[index]
    )
    last = records[-1] if len(records) == limit else None
    next_cursor = encode_cursor(bound, (last["position"],)) if last else None
    return ResultPage[AuditEntry].of(
        [_entry(r) for r in records], total, limit, offset, next_cursor, by_cursor=cursor is not None
    )


def _entry(r: dict[str, Any]) -> AuditEntry:
    delay: timedelta | None = r["entry_delay"]
    return AuditEntry(
        position=r["position"],
        aggregate_type=r["aggregate_type"],
        aggregate_id=r["aggregate_id"],
        aggregate_version=r["aggregate_version"],
        business_key=r["business_key"],
        event_type=r["event_type"],
        occurred_at=r["occurred_at"],
        recorded_at=r["recorded_at"],
        entry_delay_seconds=delay.total_seconds() if delay is not None else None,
        late_entry=r["late"],
        actor_id=r["actor_id"],
        actor_role=r["actor_role"],
        command_id=r["command_id"],
        rule_ids=list(r["rule_ids"]),
        policy_numbers=list(r["policy_numbers"]),
        agent_codes=list(r["agent_codes"]),
        summary_zh=r["summary_zh"],
        summary_en=r["summary_en"],
        data=r["data"],
    )
