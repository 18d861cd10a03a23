"""Test fixtures: a real PostgreSQL, isolated per test.

The server is the one named by ``POLICYTRAIL_DATABASE_URL`` when set, else the
embedded one (pgserver). Each test session creates its own database, and each
test its own pair of schemas (events + read models), dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import datetime

import psycopg
import pytest

from application.adapters.database import Database, resolve_database
from application.app import PolicyTrail
from application.clock import FixedClock
from application.settings import Settings, load_settings
from domain.shared.actor import Actor
from domain.shared.time import SHANGHAI
from tests.factories import STILL_CLOCK_SKEW_SECONDS
from tests.support import serving


@pytest.fixture(scope="session")
def database() -> Iterator[Database]:
    server = resolve_database(load_settings())
    name = f"pt_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with server.connect(autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    db = server.with_dbname(name)
    yield db
    with server.connect(autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def settings(database: Database) -> Iterator[Settings]:
    tag = uuid.uuid4().hex[:10]
    s = load_settings(
        database_url=database.url,
        events_schema=f"t{tag}_events",
        read_schema=f"t{tag}_read",
        pool_size=4,
        max_future_skew_seconds=STILL_CLOCK_SKEW_SECONDS,  # see tests/factories.py
    )
    yield s
    with psycopg.connect(database.url, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{s.events_schema}" CASCADE')
        conn.execute(f'DROP SCHEMA IF EXISTS "{s.read_schema}" CASCADE')


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI))


@pytest.fixture
def app(settings: Settings, database: Database, clock: FixedClock) -> Iterator[PolicyTrail]:
    application = PolicyTrail(settings=settings, database=database, clock=clock)
    yield application
    application.close()


@pytest.fixture
def actor() -> Actor:
    return Actor(id="tester", role="admin")


@pytest.fixture
def env(settings: Settings) -> dict[str, str]:
    """The environment of a command-line run on this test's schemas (a module needing more
    defines its own ``env``)."""
    return {
        "POLICYTRAIL_DATABASE_URL": settings.database_url,
        "POLICYTRAIL_EVENTS_SCHEMA": settings.events_schema,
        "POLICYTRAIL_READ_SCHEMA": settings.read_schema,
    }


@pytest.fixture
def served(world: PolicyTrail) -> Iterator[str]:
    """The API of the module's ``world`` fixture on a free local port, for a browser; its base URL."""
    with serving(world) as url:
        yield url
