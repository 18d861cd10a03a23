"""``ledger verify`` reads position ranges on two connections in one snapshot (and
hashes them here, or lets PostgreSQL hash them). Ranges of 50 events here (heads every 37, so
neither is a power of two nor aligned with the other): tampering at a range's edges is
named, and the smallest logs verify."""

from __future__ import annotations

import psycopg
import pytest

from application.branches import RegisterBranch
from application.ledger import partitions, verify
from application.ledger.service import events_table
from tests import ledger_support as L
from tests.projection_scenarios import issue_many

pytestmark = pytest.mark.timeout(300)
RANGE = 50


@pytest.fixture
def sealed(settings, database, clock, actor, monkeypatch):
    monkeypatch.setattr(verify, "CHUNK", RANGE)
    app = L.ledger_app(settings, database, clock, every=37)
    try:
        issue_many(app, actor, 70)
        L.seal(app)
        yield app
    finally:
        app.close()


def test_ranges_start_every_fifty_positions_and_cover_the_log(sealed):
    taken = L.positions(sealed)
    with psycopg.connect(sealed.database.url) as conn, conn.cursor() as cur:
        count, starts = partitions.bounds(cur, events_table(sealed), RANGE)
    assert (count, starts) == (len(taken), list(range(taken[0] + RANGE, taken[-1] + 1, RANGE)))
    assert taken == list(range(taken[0], taken[0] + len(taken)))  # dense: the edges fall every RANGE events
    report = L.verify(sealed)
    assert report.ok, report.findings
    assert report.events == report.sealed == len(taken) > 4 * RANGE
    assert report.sealed % 37 and report.heads == report.sealed // 37 + 1


@pytest.mark.parametrize("index", [0, RANGE - 1, RANGE, 2 * RANGE - 1, -1], ids=lambda i: f"row{i}")
def test_a_change_at_a_range_edge_is_named(sealed, index):
    target = L.positions(sealed)[index]
    L.sql(
        sealed,
        f"UPDATE {L.events(sealed)} SET state = state || '\\x00'::bytea WHERE notification_id = %s",
        target,
    )
    report = L.verify(sealed)
    first = report.findings[0]
    assert (first.kind, first.position) == ("changed", target), report.findings
    assert any(f.kind == "head root" for f in report.findings)


@pytest.mark.parametrize("index", [RANGE - 1, RANGE], ids=["last-of-first", "first-of-second"])
def test_a_deleted_row_at_a_range_edge_is_named(sealed, index):
    target = L.positions(sealed)[index]
    L.sql(sealed, f"DELETE FROM {L.events(sealed)} WHERE notification_id = %s", target)
    first = L.verify(sealed).findings[0]
    assert (first.kind, first.position) == ("missing", target)


def test_an_event_stored_after_sealing_is_counted_not_sealed(sealed, actor):
    issue_many(sealed, actor, 2, prefix="N", offset=900)
    report = L.verify(sealed)
    assert report.ok, report.findings
    assert report.unsealed == len(L.positions(sealed)) - report.sealed > 0


@pytest.mark.parametrize("client_hash", [None, False, True])
def test_a_one_event_log_and_an_empty_one_verify(settings, database, clock, actor, client_hash):
    app = L.ledger_app(settings, database, clock)
    try:
        L.seal(app)  # nothing to seal: the tables exist, no head
        empty = L.verify(app, client_hash=client_hash)
        assert empty.ok and (empty.events, empty.sealed, empty.heads) == (0, 0, 0), empty.findings
        app.execute(RegisterBranch(name="北京分公司"), actor)
        # it writes two events: keep the first, before anything is sealed
        table = L.events(app)
        L.sql(app, f"DELETE FROM {table} WHERE notification_id > (SELECT min(notification_id) FROM {table})")
        L.seal(app)
        one = L.verify(app, client_hash=client_hash)
        assert one.ok and (one.events, one.sealed, one.heads) == (1, 1, 1), one.findings
        L.sql(app, f"UPDATE {L.events(app)} SET topic = topic || 'x'")
        first = L.verify(app, client_hash=client_hash).findings[0]
        assert (first.kind, first.position) == ("changed", L.positions(app)[0])
    finally:
        app.close()
