"""Issue #17: every big list page is an index range scan, checked on its EXPLAIN.

50,000 generated rows go straight into each read-model table (timeliness, the call
queue, the audit trail, the scorecard counters), ANALYZE, and the page functions run
on a connection that asks PostgreSQL for ``EXPLAIN (FORMAT JSON)`` of each SELECT
they send before running it. The plan of each page's query must read the big table
through the intended index: no Seq Scan of it, no window over it. Counting queries
(``SELECT count(*)``, the cached totals) are the one exception: they run once per
filter and read model position, not per page.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import psycopg
import pytest
from psycopg import ClientCursor
from psycopg.sql import SQL, Composable

from application.adapters.database import Database
from application.app import PolicyTrail
from domain.parameters import RuleParameters
from domain.shared.time import SHANGHAI
from domain.work_order import ObligationStatus
from projections.audit_trail.queries import AuditFilters, query_audit_trail
from projections.scorecards.queries import agent_scorecards, scorecards
from projections.timeliness.queries import Filters, query_obligations
from projections.worklists.queries import CallFilters, call_centre_queue
from tests.read_model_steps import catch_up, private_app

ROWS = 50_000
NOW = datetime(2026, 6, 1, 9, 0, tzinfo=SHANGHAI)
PARAMS = RuleParameters()

FILL = {
    "timeliness": """
        INSERT INTO {s}.timeliness
        SELECT 'PC-02:' || i, 'PC-02', '问题件处理时效', '', 'work_order', gen_random_uuid(),
               'P' || lpad(i::text, 9, '0'), 'B' || (i % 20), 'C' || (i % 3), 'T' || (i % 4),
               'A' || lpad((i % 500)::text, 4, '0'),
               d - interval '10 days', d, CASE WHEN i % 3 = 0 THEN d - interval '1 day' END, 2, false, '',
               NULL, '', d, d - interval '2 days'
          FROM generate_series(1, {n}) AS i,
               LATERAL (SELECT timestamptz '2026-01-01 00:00+08' + i * interval '7 minutes' AS d) AS due
    """,
    "worklist_callbacks": """
        INSERT INTO {s}.worklist_callbacks
        SELECT gen_random_uuid(), 'P' || lpad(i::text, 9, '0'),
               'B' || (i % 20), 'C' || (i % 3), 'T' || (i % 4),
               'A' || lpad((i % 500)::text, 4, '0'),
               CASE WHEN i % 10 = 0 THEN '已回访' ELSE '待回访' END,
               date '2026-01-01' + (i / 300), 1, now(), now() + (i % 7) * interval '1 day',
               3, 0, NULL, '', NULL, false, ''
          FROM generate_series(1, {n}) AS i
    """,
    "audit_trail": """
        INSERT INTO {s}.audit_trail (position, aggregate_type, aggregate_id, aggregate_version, business_key,
               event_type, topic, occurred_at, recorded_at, rule_ids, policy_numbers, agent_codes,
               summary_zh, summary_en, data)
        SELECT i, 'Policy', gen_random_uuid(), 1, 'P' || lpad((i / 5)::text, 9, '0'), 'Issued',
               'domain.policy:Policy.Issued', now(), now(), ARRAY['CB-01'],
               ARRAY['P' || lpad((i / 5)::text, 9, '0')], ARRAY['A' || lpad((i % 500)::text, 4, '0')],
               '', '', '{{}}'::jsonb
          FROM generate_series(1, {n}) AS i
    """,
    "scorecard_callback_counts": """
        INSERT INTO {s}.scorecard_callback_counts
        SELECT to_char(date '2022-01-01' + (i / 1000) * interval '1 month', 'YYYY-MM'),
               'A' || lpad((i % 500)::text, 4, '0'), 'B' || (i % 20), 'C' || (i % 3), 'T' || (i % 4),
               '标准件', '', '', 0, 10, 8, 7, 1, 0, 0, 0
          FROM generate_series(1, {n}) AS i
    """,
}


@pytest.fixture(scope="module")
def big(database: Database) -> Iterator[PolicyTrail]:
    with private_app(database) as app:
        catch_up(app, "timeliness", "worklists", "audit_trail", "scorecards")  # the tables, empty
        schema = '"{}"'.format(app.settings.read_schema)  # noqa: UP032 (an identifier)
        with psycopg.connect(app.database.url, autocommit=True) as conn:
            for table, fill in FILL.items():
                conn.execute(fill.format(s=schema, n=ROWS))
                conn.execute(f"ANALYZE {schema}.{table}")
        yield app


class Explaining(ClientCursor[Any]):
    """Sends ``EXPLAIN (FORMAT JSON)`` of every SELECT before the SELECT itself."""

    plans: list[tuple[str, dict[str, Any]]]

    def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
        text = query.as_string(self.connection) if isinstance(query, Composable) else str(query)
        if text.lstrip().upper().startswith(("SELECT", "WITH")):
            super().execute(SQL("EXPLAIN (FORMAT JSON) ") + SQL(text), params)  # type: ignore[arg-type]
            row = self.fetchone()
            plan = next(iter(row.values())) if isinstance(row, dict) else row[0]  # type: ignore[index]
            plan = json.loads(plan) if isinstance(plan, str) else plan
            self.connection.plans.append((text, plan[0]["Plan"]))  # type: ignore[attr-defined]
        return super().execute(query, params, **kwargs)


@pytest.fixture
def explained(big: PolicyTrail) -> Iterator[tuple[Any, str]]:
    with psycopg.connect(big.database.url, autocommit=True, cursor_factory=Explaining) as conn:
        conn.plans = []  # type: ignore[attr-defined]
        yield conn, big.settings.read_schema


def nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from nodes(child)


def page_plans(conn: Any, table: str) -> list[tuple[str, list[dict[str, Any]]]]:
    """The plans of the queries that read ``table`` for rows (not the counts)."""
    return [
        (text, list(nodes(plan)))
        for text, plan in conn.plans
        if f".{table} " in text.replace('"', "") and not text.lstrip().upper().startswith("SELECT COUNT(*)")
    ]


def assert_index_range(conn: Any, table: str, indexes: set[str]) -> None:
    found = page_plans(conn, table)
    assert found, f"no page query on {table} was sent"
    for text, plan in found:
        kinds = {n["Node Type"] for n in plan}
        scanned = [n for n in plan if n.get("Relation Name") == table]
        assert not [n for n in scanned if n["Node Type"] == "Seq Scan"], f"Seq Scan of {table}: {text}"
        assert "WindowAgg" not in kinds, f"window over {table}: {text}"
        used = {n.get("Index Name") for n in plan if "Index" in n["Node Type"]}
        assert used & indexes, f"{table} read through {used or 'no index'}, not {indexes}: {text}"
    conn.plans.clear()


def test_timeliness_pages_are_index_ranges(explained: tuple[Any, str]) -> None:
    conn, schema = explained
    first = query_obligations(conn, schema, now=NOW, params=PARAMS, limit=50)
    assert len(first.items) == 50 and first.next_cursor
    assert_index_range(conn, "timeliness", {"timeliness_due"})
    query_obligations(conn, schema, now=NOW, params=PARAMS, limit=50, cursor=first.next_cursor)
    assert_index_range(conn, "timeliness", {"timeliness_due"})
    for status in (ObligationStatus.OVERDUE, ObligationStatus.WARNING, ObligationStatus.NORMAL):
        only = Filters(statuses=(status.value,))
        query_obligations(conn, schema, now=NOW, params=PARAMS, filters=only, limit=50)
        assert_index_range(conn, "timeliness", {"timeliness_open", "timeliness_due"})
    query_obligations(conn, schema, now=NOW, params=PARAMS, filters=Filters(branch="B7"), limit=50)
    # 1 row in 20: walking the due index and filtering is as good (the planner's choice)
    assert_index_range(conn, "timeliness", {"timeliness_branch", "timeliness_due"})
    query_obligations(conn, schema, now=NOW, params=PARAMS, filters=Filters(agent_code="A0042"), limit=50)
    assert_index_range(conn, "timeliness", {"timeliness_agent", "timeliness_due"})


def test_call_queue_pages_are_index_ranges(explained: tuple[Any, str], big: PolicyTrail) -> None:
    conn, schema = explained
    calendar = big.calendar
    first = call_centre_queue(conn, schema, now=NOW, params=PARAMS, calendar=calendar, limit=50)
    assert len(first.items) == 50 and first.next_cursor
    assert_index_range(conn, "worklist_callbacks", {"worklist_callbacks_due"})
    call_centre_queue(
        conn, schema, now=NOW, params=PARAMS, calendar=calendar, limit=50, cursor=first.next_cursor
    )
    assert_index_range(conn, "worklist_callbacks", {"worklist_callbacks_due"})
    call_centre_queue(
        conn, schema, now=NOW, params=PARAMS, calendar=calendar, filters=CallFilters(branch="B3")
    )
    assert_index_range(
        conn, "worklist_callbacks", {"worklist_callbacks_queue_branch", "worklist_callbacks_due"}
    )


def test_audit_trail_pages_are_index_ranges(explained: tuple[Any, str]) -> None:
    conn, schema = explained
    first = query_audit_trail(conn, schema, limit=50)
    assert len(first.items) == 50 and first.next_cursor
    assert_index_range(conn, "audit_trail", {"audit_trail_pkey"})
    query_audit_trail(conn, schema, limit=50, cursor=first.next_cursor)
    assert_index_range(conn, "audit_trail", {"audit_trail_pkey"})
    query_audit_trail(conn, schema, filters=AuditFilters(policy_number="P000004000"))
    assert_index_range(conn, "audit_trail", {"audit_trail_policy"})


def test_scorecards_read_the_counters_by_index(explained: tuple[Any, str]) -> None:
    conn, schema = explained
    agent_scorecards(conn, schema, month="2024-01", now=NOW, params=PARAMS, limit=50)
    assert_index_range(
        conn, "scorecard_callback_counts", {"scorecard_callback_counts_pkey", "scorecard_counts_agent"}
    )
    scorecards(conn, schema, dimension="branch", month_from="2024-01", now=NOW)
    assert_index_range(
        conn, "scorecard_callback_counts", {"scorecard_callback_counts_pkey", "scorecard_counts_branch"}
    )
