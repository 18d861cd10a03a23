"""``ledger verify`` reads the event table in position ranges and the sealed leaves in
keyset pages: tampering is named exactly as before across range and page boundaries
(ranges of 64 here, so ~400 events span seven of them)."""

from __future__ import annotations

import pytest

from application.ledger import verify
from tests import ledger_support as L
from tests.projection_scenarios import issue_many, policy_history

pytestmark = pytest.mark.timeout(300)


@pytest.fixture
def sealed(settings, database, clock, actor, monkeypatch):
    monkeypatch.setattr(verify, "CHUNK", 64)
    app = L.ledger_app(settings, database, clock, every=50)
    try:
        policy_history(app, actor)
        issue_many(app, actor, 120)
        L.seal(app)
        yield app
    finally:
        app.close()


def leaves(app) -> str:
    return f'"{app.settings.read_schema}".ledger_leaves'


@pytest.mark.parametrize("client_hash", [None, False, True])
def test_many_batches_verify_and_count_every_event(sealed, client_hash):
    report = L.verify(sealed, client_hash=client_hash)
    assert report.ok, report.findings
    assert report.events == report.sealed == len(L.positions(sealed)) > 5 * verify.CHUNK
    assert report.heads == report.sealed // 50 + (report.sealed % 50 > 0)


@pytest.mark.parametrize("client_hash", [None, False, True])
def test_a_change_in_a_later_batch_is_named(sealed, client_hash):
    target = L.positions(sealed)[5 * 64 + 3]
    L.sql(
        sealed,
        f"UPDATE {L.events(sealed)} SET topic = topic || 'x' WHERE notification_id = %s",
        target,
    )
    report = L.verify(sealed, client_hash=client_hash)
    first = report.findings[0]
    assert (first.kind, first.position) == ("changed", target), report.findings


def test_a_stored_leaf_hash_of_the_wrong_length_is_named(sealed):
    """The sealed hash with one byte appended: its first 32 bytes still match the event."""
    target = L.positions(sealed)[2 * 64 + 10]
    L.sql(sealed, f"UPDATE {leaves(sealed)} SET hash = hash || '\\x00'::bytea WHERE position = %s", target)
    first = L.verify(sealed).findings[0]
    assert (first.kind, first.position) == ("changed", target), first


def test_a_deleted_sealed_leaf_at_a_page_boundary_is_named(sealed):
    """Pages are keyset pages: a hole in leaf_index neither ends the leaves nor skips any."""
    taken = L.positions(sealed)
    target = taken[64]
    L.sql(sealed, f"DELETE FROM {leaves(sealed)} WHERE position = %s", target)
    report = L.verify(sealed)
    first = report.findings[0]
    assert (first.kind, first.position) == ("extra", target), report.findings
