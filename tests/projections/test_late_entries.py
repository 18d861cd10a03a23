"""Late entries (补录): flagged only when the record time exceeds the business time by more
than the configured threshold (``late_entry_hours``, default 24 h); the demo month records
its events near their business times, except the imported history.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from application.app import PolicyTrail
from application.policies import RegisterReceipt
from domain.shared.aggregate import recording_at
from domain.shared.time import SHANGHAI
from interfaces.api import create_api
from interfaces.demo.runner import IMPORT_LEAD
from projections.audit_trail.queries import AuditFilters, query_audit_trail
from tests import factories
from tests.api_support import auth, token
from tests.read_api_support import MONTH, demo_world
from tests.read_model_steps import catch_up, reading

HAPPENED = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)


def at_delay(app: PolicyTrail, actor: Any, number: str, delay: timedelta, n: int) -> None:
    """Issue a policy and register its receipt, both happening at HAPPENED, recorded ``delay`` later."""
    holder = factories.person(id_number=f"11010119900101{n:04d}", phone=f"1381234{n:04d}")
    with recording_at(HAPPENED + delay):
        app.execute(factories.issue_policy(number, policyholder=holder, occurred_at=HAPPENED), actor)
        app.execute(
            RegisterReceipt(
                policy_number=number,
                signed_on=date(2026, 3, 2),
                registered_on=date(2026, 3, 2),
                occurred_at=HAPPENED,
            ),
            actor,
        )


def flags(app: PolicyTrail, late_after: timedelta | None = None) -> dict[str, set[bool]]:
    with reading(app) as conn:
        kwargs = {"late_after": late_after} if late_after is not None else {}
        page = query_audit_trail(conn, app.settings.read_schema, filters=AuditFilters(), limit=500, **kwargs)
    found: dict[str, set[bool]] = {}
    for e in page.items:
        for number in e.policy_numbers:
            found.setdefault(number, set()).add(e.late_entry)
    return found


@pytest.fixture
def delays(app, actor) -> PolicyTrail:
    app.execute(factories.register_agent("A0001"), actor)
    at_delay(app, actor, "PLATE00001", timedelta(minutes=5), 1)  # entered as it happened
    at_delay(app, actor, "PLATE00002", timedelta(hours=3), 2)  # a few hours later
    at_delay(app, actor, "PLATE00003", timedelta(hours=24), 3)  # exactly the threshold: not more
    at_delay(app, actor, "PLATE00004", timedelta(hours=30), 4)  # the next day and more
    catch_up(app, "audit_trail")
    return app


def test_only_events_recorded_more_than_the_threshold_after_they_happened_are_late(delays):
    assert flags(delays) == {
        "PLATE00001": {False},
        "PLATE00002": {False},
        "PLATE00003": {False},
        "PLATE00004": {True},
    }
    assert flags(delays, timedelta(hours=2)) == {
        "PLATE00001": {False},
        "PLATE00002": {True},
        "PLATE00003": {True},
        "PLATE00004": {True},
    }


def test_the_threshold_is_a_setting_used_by_the_api_and_the_audit_page(delays, settings, database, clock):
    strict = PolicyTrail(
        settings=settings.model_copy(update={"late_entry_hours": 2}), database=database, clock=clock
    )
    try:
        for app, late in ((delays, {"PLATE00004"}), (strict, {"PLATE00002", "PLATE00003", "PLATE00004"})):
            secret = token(app, "auditor")
            c = TestClient(create_api(app))
            items = c.get("/audit-trail?limit=500", headers=auth(secret)).json()["items"]
            assert {n for e in items if e["late_entry"] for n in e["policy_numbers"]} == late
            c.get("/", params={"token": secret})
            html = c.get("/ui/audit-trail", params={"policy_number": "PLATE00002"}).text
            assert ('class="late"' in html) == ("PLATE00002" in late)
    finally:
        strict.close()


def test_the_setting_refuses_nonsense(monkeypatch):
    from application.settings import SettingsError, load_settings

    monkeypatch.setenv("POLICYTRAIL_LATE_ENTRY_HOURS", "0")
    with pytest.raises(SettingsError, match="late_entry_hours"):
        load_settings()


@pytest.fixture(scope="module")
def demo(database) -> Iterator[PolicyTrail]:
    with demo_world(database) as app:
        yield app


def test_the_demo_month_is_recorded_near_its_business_times_except_the_imported_history(demo):
    year, month = (int(p) for p in MONTH.split("-"))
    first_day = date(year, month, 1)
    history_before = datetime.combine(first_day - timedelta(days=20), datetime.min.time(), SHANGHAI)
    imported_at = datetime.combine(first_day - IMPORT_LEAD, datetime.min.time(), SHANGHAI).replace(hour=7)
    with reading(demo) as conn:
        rows = conn.execute(
            f"SELECT occurred_at, recorded_at FROM {demo.settings.read_schema}.audit_trail"
        ).fetchall()
        page = query_audit_trail(conn, demo.settings.read_schema, filters=AuditFilters(), limit=1)
    assert page.total == len(rows) > 1000
    history = [(o, r) for o, r in rows if o < history_before]
    month = [(o, r) for o, r in rows if o >= history_before]
    assert history and month
    # the month: each event recorded within two minutes after it happened (never before)
    assert all(timedelta(0) <= r - o <= timedelta(minutes=2) for o, r in month)
    # the history (agents joining, old books) was imported when the system went live: late entries
    assert {r for _, r in history} == {imported_at}
    with reading(demo) as conn:
        late = query_audit_trail(
            conn, demo.settings.read_schema, filters=AuditFilters(recorded_to=imported_at), limit=500
        )
        on_time = query_audit_trail(
            conn,
            demo.settings.read_schema,
            filters=AuditFilters(recorded_from=imported_at + timedelta(seconds=1)),
            limit=500,
        )
    assert late.total == len(history) and all(e.late_entry for e in late.items)
    assert on_time.total == len(month) and not any(e.late_entry for e in on_time.items)
