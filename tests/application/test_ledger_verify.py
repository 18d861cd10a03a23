"""``ledger verify`` against raw-SQL tampering of the event table and of the heads."""

from __future__ import annotations

import itertools

import pytest

from application.ledger.keys import resolve_signing_key
from application.ledger.store import sign_head
from tests import ledger_support as L
from tests.projection_scenarios import issue_many, policy_history


@pytest.fixture
def sealed(settings, database, clock, actor):
    """~400 events sealed (heads every 50), with a sequence gap inside the sealed range."""
    app = L.ledger_app(settings, database, clock, every=50)
    try:
        policy_history(app, actor)
        issue_many(app, actor, 60)
        # Rolled-back appends leave gaps in notification ids: an inserted row can sit there.
        L.sql(app, f"SELECT nextval(pg_get_serial_sequence('{L.events(app)}', 'notification_id'))")
        issue_many(app, actor, 60, prefix="R", offset=500)
        L.seal(app)
        yield app
    finally:
        app.close()


@pytest.fixture(params=[None, False, True], ids=["mixed", "server-hash", "client-hash"])
def client_hash(request) -> bool | None:
    """Tampering with the rows is looked for in every mode: PostgreSQL hashes the ranges
    one connection reads and this process those of the other (default), PostgreSQL hashes
    all, or this process does."""
    return request.param


def positions(app) -> list[int]:
    return [r[0] for r in L.sql(app, f"SELECT notification_id FROM {L.events(app)} ORDER BY 1")]


def test_untouched_ledger_verifies(sealed, client_hash):
    report = L.verify(sealed, client_hash=client_hash)
    assert report.ok, report.findings
    assert report.events == report.sealed == len(positions(sealed)) > 350
    assert report.heads == report.sealed // 50 + (report.sealed % 50 > 0)


def test_one_byte_of_one_state_changed_is_named(sealed, client_hash):
    target = positions(sealed)[310]
    L.sql(
        sealed,
        f"UPDATE {L.events(sealed)} SET state = overlay(state placing "
        "set_byte(substring(state from 20 for 1), 0, get_byte(state, 19) # 1) from 20 for 1) "
        "WHERE notification_id = %s",
        target,
    )
    report = L.verify(sealed, client_hash=client_hash)
    assert not report.ok
    first = report.findings[0]
    assert (first.kind, first.position) == ("changed", target), report.findings
    assert any(f.kind == "head root" for f in report.findings)


def test_deleted_row_is_named(sealed, client_hash):
    target = positions(sealed)[300]
    L.sql(sealed, f"DELETE FROM {L.events(sealed)} WHERE notification_id = %s", target)
    first = L.verify(sealed, client_hash=client_hash).findings[0]
    assert (first.kind, first.position) == ("missing", target)
    assert f"position {target}" in first.message


def test_deleted_last_row_is_named(sealed, client_hash):
    target = positions(sealed)[-1]
    L.sql(sealed, f"DELETE FROM {L.events(sealed)} WHERE notification_id = %s", target)
    first = L.verify(sealed, client_hash=client_hash).findings[0]
    assert (first.kind, first.position) == ("missing", target)


def test_forged_row_in_a_gap_is_named(sealed, client_hash):
    taken = positions(sealed)
    gap = next(p for p, q in itertools.pairwise(taken) if q - p > 1) + 1
    L.sql(
        sealed,
        f"INSERT INTO {L.events(sealed)} (originator_id, originator_version, topic, state, notification_id) "
        "SELECT gen_random_uuid(), 1, topic, state, %s FROM "
        f"{L.events(sealed)} WHERE notification_id = %s",
        gap,
        taken[10],
    )
    first = L.verify(sealed, client_hash=client_hash).findings[0]
    assert (first.kind, first.position) == ("extra", gap), first


def test_swapped_rows_are_named_out_of_order(sealed, client_hash):
    a, b = positions(sealed)[200], positions(sealed)[260]
    t = L.events(sealed)
    L.sql(sealed, f"UPDATE {t} SET notification_id = -1 WHERE notification_id = %s", a)
    L.sql(sealed, f"UPDATE {t} SET notification_id = %s WHERE notification_id = %s", a, b)
    L.sql(sealed, f"UPDATE {t} SET notification_id = %s WHERE notification_id = -1", b)
    first = L.verify(sealed, client_hash=client_hash).findings[0]
    assert (first.kind, first.position) == ("out of order", a), first
    assert f"sealed at position {b}" in first.message


def test_altered_head_root_is_named(sealed, client_hash):
    L.sql(
        sealed,
        f"UPDATE {L.heads_table(sealed)} SET root_hash = sha256(root_hash) WHERE tree_size = 200",
    )
    findings = L.verify(sealed, client_hash=client_hash).findings
    assert {(f.kind, f.tree_size) for f in findings} >= {("head signature", 200), ("head root", 200)}
    assert all(f.tree_size == 200 for f in findings if f.kind.startswith("head")), findings


def test_altered_head_signature_is_named(sealed):
    L.sql(
        sealed,
        f"UPDATE {L.heads_table(sealed)} SET signature = "
        "set_byte(signature, 0, get_byte(signature, 0) # 1) WHERE tree_size = 250",
    )
    findings = L.verify(sealed).findings
    assert [(f.kind, f.tree_size) for f in findings] == [("head signature", 250)]


def test_a_head_signed_with_an_untrusted_key_fails(sealed, settings, database, clock):
    other = L.ledger_app(settings, database, clock, every=50, key="attacker")
    try:
        forged = L.public_key(other)
        # The attacker re-signs a head with their own key and stores their public key too.
        sth = L.ledger(sealed).head(300)
        fake = sign_head(resolve_signing_key(other.settings), sth.tree_size, sth.root_hash, sth.timestamp_ms)
        L.sql(
            sealed,
            f"UPDATE {L.heads_table(sealed)} SET key_id = %s, signature = %s WHERE tree_size = 300",
            fake.key_id,
            fake.signature,
        )
        findings = L.verify(sealed).findings
        assert [(f.kind, f.tree_size) for f in findings] == [("head signature", 300)]
        assert "not trusted" in findings[0].message
        assert L.verify(sealed, forged).ok  # trusted explicitly: it verifies
    finally:
        other.close()
