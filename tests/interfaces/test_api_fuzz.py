"""schemathesis against /openapi.json: generated requests (valid and invalid) never get a 5xx.

Every operation gets its documented example, schemathesis's coverage cases (boundary
and invalid values, unsupported methods) and ``EXAMPLES_PER_OPERATION`` random cases
(valid and invalid): about 5,000 requests in all (the module's tally checks > 1,000 once
the run is over),
against a seeded database, as an admin (deepest reach) and, one in four, as a branch.
Derandomized, so a CI run is repeatable. Schemathesis runs as a pytest plugin.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

import psycopg
import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from application.app import PolicyTrail
from application.clock import FixedClock
from application.settings import load_settings
from domain.shared.time import SHANGHAI
from interfaces.api import create_api
from projections import registry
from projections.ledger import seal_now
from projections.source import ReadSide
from tests.api_support import BJ, auth, seed_two_branches, token
from tests.factories import STILL_CLOCK_SKEW_SECONDS
from tests.read_model_steps import catch_up

EXAMPLES_PER_OPERATION = 10
#: what a whole run (every operation) must at least send
MIN_REQUESTS = 1000


@dataclass
class Tally:
    """Requests sent per operation and answers per status code, over the module's fuzz run."""

    sent: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)


@pytest.fixture(scope="module")
def fuzzed_app(database) -> Iterator[PolicyTrail]:
    tag = uuid.uuid4().hex[:10]
    s = load_settings(
        database_url=database.url,
        events_schema=f"f{tag}_events",
        read_schema=f"f{tag}_read",
        pool_size=4,
        max_future_skew_seconds=STILL_CLOCK_SKEW_SECONDS,
    )
    app = PolicyTrail(
        settings=s, database=database, clock=FixedClock(datetime(2026, 3, 2, 10, tzinfo=SHANGHAI))
    )
    seed_two_branches(app)
    catch_up(app, *registry.names())  # the read-model GETs have tables to read
    side = ReadSide.from_app(app)
    seal_now(side, side.ledger)  # and the ledger GETs a signed tree
    yield app
    app.close()
    with psycopg.connect(database.url, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{s.events_schema}" CASCADE')


@pytest.fixture(scope="module")
def tokens(fuzzed_app) -> dict[str, str]:
    return {"admin": token(fuzzed_app, "admin"), "branch": token(fuzzed_app, "branch", f"branch:{BJ}")}


@pytest.fixture(scope="module")
def api_schema(fuzzed_app):
    return schemathesis.openapi.from_asgi("/openapi.json", create_api(fuzzed_app))


@pytest.fixture(scope="module")
def tally(api_schema) -> Iterator[Tally]:
    """Counts the fuzz test's requests; when the run covered every operation (not a ``-k``
    subset), it must have been big enough. Checked at teardown, so no other test's order matters."""
    counts = Tally()
    yield counts
    print(dict(counts.statuses))
    operations = {result.ok().label for result in api_schema.get_all_operations()}
    if operations <= set(counts.sent):
        assert sum(counts.sent.values()) >= MIN_REQUESTS, counts.sent


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
)
def test_generated_requests_never_get_a_server_error(case, tokens, tally):
    who = "branch" if tally.sent[case.operation.label] % 4 == 3 else "admin"
    tally.sent[case.operation.label] += 1
    response = case.call(headers=auth(tokens[who]))
    assert response.status_code < 500, f"{case.operation.label}: {response.status_code} {response.text}"
    tally.statuses[response.status_code] += 1
    if response.status_code >= 400:
        content_type = response.headers.get("content-type")
        if isinstance(content_type, list):
            content_type = content_type[0]
        assert content_type == "application/problem+json", response.text
