"""Helpers of the read-model tests (test_read_*.py, test_tick.py): run projections, read, tick."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg

from application.adapters.database import Database
from application.app import PolicyTrail
from application.clock import FixedClock
from application.settings import load_settings
from application.tick import TickAction, close_expired_cycles
from domain.shared.actor import Actor
from domain.shared.time import SHANGHAI
from projections import registry
from projections.live import LiveRunner
from projections.rebuild import rebuild
from projections.worklists.queries import expired_cycles
from tests.factories import STILL_CLOCK_SKEW_SECONDS
from tests.projection_scenarios import read_side, table_checksum

ACTOR = Actor(id="tester", role="admin")


@contextmanager
def private_app(database: Database) -> Iterator[PolicyTrail]:
    """An app on schemas of its own, like the ``app`` fixture but for a module-scoped
    history that several read-only tests share (building it once keeps the files fast)."""
    tag = uuid.uuid4().hex[:10]
    settings = load_settings(
        database_url=database.url,
        events_schema=f"t{tag}_events",
        read_schema=f"t{tag}_read",
        pool_size=4,
        max_future_skew_seconds=STILL_CLOCK_SKEW_SECONDS,
    )
    app = PolicyTrail(
        settings=settings, database=database, clock=FixedClock(datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI))
    )
    try:
        yield app
    finally:
        app.close()
        with psycopg.connect(database.url, autocommit=True) as conn:
            for schema in (settings.events_schema, settings.read_schema):
                conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def catch_up(app: PolicyTrail, *names: str, **side_changes: Any) -> None:
    """Bring the named projections up to the head of the log (in this thread)."""
    side = read_side(app, **side_changes)
    for name in names:
        LiveRunner(side, registry.get(name)).run(catch_up_only=True)


@contextmanager
def reading(app: PolicyTrail) -> Iterator[psycopg.Connection[Any]]:
    """A read-side connection, as the API would use."""
    with psycopg.connect(app.database.url, autocommit=True) as conn:
        yield conn


@dataclass(frozen=True)
class Due:
    """What a finder reports (``application.tick.DueCycle``), for ticks with a finder of the test's own."""

    policy_number: str
    cycle: int


def tick(app: PolicyTrail, when: datetime, refresh: bool = True) -> list[TickAction]:
    """The scheduler's tick at ``when`` as ``policytrail tick`` and ``serve`` compose it: the
    worklists read model (caught up first unless ``refresh`` is False) finds the expired cycles
    and ``close_expired_cycles`` sends their idempotent ``CloseExpiredCycle`` commands (CA-02)."""
    if refresh:
        catch_up(app, "worklists")
    with reading(app) as conn:
        return close_expired_cycles(app, when, lambda t: expired_cycles(conn, app.settings.read_schema, at=t))


def rebuild_equals_live(app: PolicyTrail, name: str) -> str:
    """Live tables (caught up in batches of 3, so handlers cross batch boundaries), then a
    blue-green rebuild from zero in one go: the checksums must match. Returns it."""
    catch_up(app, name, batch_size=3)
    projection = registry.get(name)
    empty = [t for t in projection.tables if row_count(app, t) == 0]
    assert not empty, f"the history leaves {empty} empty: the comparison would prove little"
    live = table_checksum(app, projection)
    rebuild(read_side(app, batch_size=5000), projection)
    rebuilt = table_checksum(app, projection)
    assert rebuilt == live, f"{name}: rebuild differs from the live run"
    return rebuilt


def row_count(app: PolicyTrail, table: str) -> int:
    with reading(app) as conn:
        found = conn.execute(f'SELECT count(*) FROM "{app.settings.read_schema}"."{table}"').fetchone()
    return int(found[0]) if found else 0
