"""Histories and helpers shared by the projection tests (test_projection_*.py)."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from datetime import date
from typing import Any

import psycopg

from application.agents import RecordAgentDeparture
from application.policies import ChangeContact, LapsePolicy, ReassignAgent, RegisterReceipt
from projections import registry
from projections.base import Projection
from projections.checksum import checksum
from projections.live import ProjectionService
from projections.source import ReadSide
from tests import factories


def read_side(app: Any, **changes: Any) -> ReadSide:
    """The app's read side, optionally with other batch bounds (e.g. batch_size=3; a
    rebuild then cuts its batches the same, unless ``rebuild_batch_size`` is given)."""
    if "batch_size" in changes:
        changes.setdefault("rebuild_batch_size", changes["batch_size"])
    return dataclasses.replace(ReadSide.from_app(app), **changes)


def policy_history(app: Any, actor: Any, policies: int = 3) -> None:
    """Agents, policies and the life events of a policy: a mix of event types."""
    app.execute(factories.register_agent("A0001"), actor)
    app.execute(factories.register_agent("A0002", phone="13900002222", id_number="1101011985X"), actor)
    for i in range(1, policies + 1):
        holder = factories.person(id_number=f"11010119900101{i:04d}", phone=f"1381234{i:04d}")
        app.execute(factories.issue_policy(f"P20260000{i:02d}", policyholder=holder), actor)
    app.execute(
        RegisterReceipt(
            policy_number="P2026000001", signed_on=date(2026, 3, 1), registered_on=date(2026, 3, 2)
        ),
        actor,
    )
    app.execute(ChangeContact(policy_number="P2026000001", phone="13700001234"), actor)
    app.execute(LapsePolicy(policy_number="P2026000003", lapsed_on=date(2026, 3, 2)), actor)
    app.execute(RecordAgentDeparture(code="A0001", departed_on=date(2026, 3, 2)), actor)
    app.execute(ReassignAgent(policy_number="P2026000002", new_agent_code="A0002"), actor)


def issue_many(app: Any, actor: Any, count: int, prefix: str = "Q", offset: int = 0) -> list[int]:
    """``count`` policies with distinct holders and phones; returns the positions written."""
    positions: list[int] = []
    for i in range(count):
        holder = factories.person(id_number=f"{prefix}1010119900{i:06d}", phone=f"136{offset + i:08d}")
        number = f"{prefix}{i:09d}"
        result = app.execute(factories.issue_policy(number, policyholder=holder), actor)
        positions.extend(result.positions)
    return positions


def log_positions(app: Any) -> list[int]:
    with psycopg.connect(app.database.url) as conn:
        rows = conn.execute(f"SELECT notification_id FROM {app.events_table} ORDER BY 1").fetchall()
    return [r[0] for r in rows]


def audit_positions(app: Any, schema: str | None = None) -> list[int]:
    schema = schema or app.settings.read_schema
    with psycopg.connect(app.database.url) as conn:
        rows = conn.execute(f'SELECT position FROM "{schema}".audit_trail ORDER BY 1').fetchall()
    return [r[0] for r in rows]


def table_checksum(app: Any, projection: Projection | None = None) -> str:
    projection = projection or registry.get("audit_trail")
    with psycopg.connect(app.database.url, autocommit=True) as conn:
        return checksum(conn, app.settings.read_schema, projection)


def live_service(side: ReadSide, names: list[str] | None = None) -> ProjectionService:
    """A service to use in ``with``: started on entry, stopped on exit."""
    return ProjectionService(side, names or ["audit_trail"])


def run_threads(count: int, target: Callable[[int], None]) -> None:
    """Run ``target(i)`` in ``count`` threads at once; re-raise the first failure."""
    errors: list[BaseException] = []
    start = threading.Barrier(count)

    def body(i: int) -> None:
        try:
            start.wait()
            target(i)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=body, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
