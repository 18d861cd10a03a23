"""Many commands per transaction (``PolicyTrail.execute_many``, the import's batches).

The promise: every command gets the answer ``execute`` would give it alone and in
order, and the store ends up with the same events in the same order — only fewer
transactions. Checked against the one-by-one path on a second schema.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import psycopg
import pytest

from application.adapters.database import Database
from application.app import PolicyTrail
from application.clock import FixedClock
from application.policies import SignReceipt
from application.settings import Settings, load_settings
from domain.contact_point import ContactPoint
from domain.shared.actor import Actor
from domain.shared.errors import DomainError
from interfaces.importer import command_types, import_lines, parse_line
from tests.factories import STILL_CLOCK_SKEW_SECONDS
from tests.support import IMPORT_SAMPLE, STATISTICS_SECONDS, sample_lines, wait_until

ACTOR = Actor.system("importer:test")


@pytest.fixture
def other_app(database: Database, clock: FixedClock) -> Iterator[PolicyTrail]:
    """A second, empty store on the same server: the one-by-one reference."""
    tag = uuid.uuid4().hex[:10]
    settings: Settings = load_settings(
        database_url=database.url,
        events_schema=f"t{tag}_events",
        read_schema=f"t{tag}_read",
        pool_size=2,
        max_future_skew_seconds=STILL_CLOCK_SKEW_SECONDS,
    )
    application = PolicyTrail(settings=settings, database=database, clock=clock)
    yield application
    application.close()
    with psycopg.connect(database.url, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{settings.events_schema}" CASCADE')
        conn.execute(f'DROP SCHEMA IF EXISTS "{settings.read_schema}" CASCADE')


def stored_history(app: PolicyTrail) -> list[tuple[str, dict[str, object]]]:
    """Every event, decrypted and decoded, in notification order — without the
    library's ``timestamp`` (the moment of recording, not a business fact). A
    ContactPoint's id is keyed with a secret of its store: shown as ``contact``."""
    notifications = app.recorder.select_notifications(start=1, limit=100_000)
    events = [app.mapper.to_domain_event(n) for n in notifications]
    contact_ids = {e.originator_id for e in events if isinstance(e, ContactPoint.Opened)}

    def fields(e: object) -> dict[str, object]:
        out = {k: v for k, v in vars(e).items() if k != "timestamp"}
        if out["originator_id"] in contact_ids:
            out["originator_id"] = "contact"
        return out

    return [(type(e).__qualname__, fields(e)) for e in events]


def command_log(app: PolicyTrail) -> list[tuple]:
    with app.database.connect() as conn:
        return conn.execute(
            "SELECT command_id, command_type, result, first_position, last_position "
            f'FROM "{app.settings.events_schema}".{app.trail_recorder.commands_table_name} '
            "ORDER BY first_position"
        ).fetchall()


def line(line_id: str, type_: str, occurred_at: str, **data: object) -> bytes:
    envelope = {"line_id": line_id, "type": type_, "occurred_at": occurred_at, "data": data}
    return json.dumps(envelope, ensure_ascii=False).encode()


def issue(number: str, phone: str) -> bytes:
    issued = json.loads(sample_lines()[4])
    assert issued["type"] == "IssuePolicy"
    data = issued["data"]
    data["number"] = number
    data["policyholder"]["phone"] = data["insured"]["phone"] = phone
    return line(f"ISSUE-{number}", "IssuePolicy", issued["occurred_at"], **data)


def test_a_batched_import_stores_what_one_by_one_stores(app, other_app):
    lines = [text.encode() for text in sample_lines()]
    batched = import_lines(app, lines, ACTOR, batch_size=500)
    alone = import_lines(other_app, lines, ACTOR, batch_size=1)
    assert (batched.applied, batched.duplicate, batched.rejected) == (
        alone.applied,
        alone.duplicate,
        alone.rejected,
    )
    assert batched.applied == len(lines)
    assert stored_history(app) == stored_history(other_app)
    # every command keeps its own command-log row with its own positions
    assert command_log(app) == command_log(other_app)
    assert len(command_log(app)) == len(lines)


def test_a_refused_line_in_a_batch_leaves_no_half_change_and_takes_no_other_line_with_it(app, other_app):
    lines = [
        issue("P2024011599", "13601239999"),
        # signs on 01-20, then refuses: registered before it was signed. The signature
        # was already applied in memory; it must not survive into the next lines.
        line(
            "RCPT-BAD",
            "RegisterReceipt",
            "2024-01-22T10:00:00+08:00",
            policy_number="P2024011599",
            signed_on="2024-01-20",
            registered_on="2024-01-18",
        ),
        # refused alone (CB-03: not signed yet); on a leaked signature it would pass
        line(
            "RCPT-REG-EARLY",
            "RegisterReceipt",
            "2024-01-22T10:00:00+08:00",
            policy_number="P2024011599",
            registered_on="2024-01-22",
        ),
        line(
            "RCPT-SIGN",
            "SignReceipt",
            "2024-01-21T10:00:00+08:00",
            policy_number="P2024011599",
            signed_on="2024-01-21",
        ),
        line(
            "RCPT-REG",
            "RegisterReceipt",
            "2024-01-22T10:00:00+08:00",
            policy_number="P2024011599",
            registered_on="2024-01-22",
        ),
    ]
    refused_batched, refused_alone = [], []
    batched = import_lines(app, lines, ACTOR, batch_size=100, on_rejected=refused_batched.append)
    alone = import_lines(other_app, lines, ACTOR, batch_size=1, on_rejected=refused_alone.append)
    assert (batched.applied, batched.rejected) == (alone.applied, alone.rejected) == (3, 2)
    assert [(r.line_no, r.reason) for r in refused_batched] == [(r.line_no, r.reason) for r in refused_alone]
    assert [r.line_no for r in refused_batched] == [2, 3]
    assert "registered_on 2024-01-18 lies before the earlier fact" in refused_batched[0].reason
    assert "CB-03" in refused_batched[1].reason
    assert stored_history(app) == stored_history(other_app)
    signed = [e for name, e in stored_history(app) if name.endswith("ReceiptSigned")]
    assert [str(e["signed_on"]) for e in signed] == ["2024-01-21"]


def test_a_command_id_twice_in_one_batch_is_stored_once(app):
    twice = issue("P2024011598", "13601238888")
    summary = import_lines(app, [twice, twice], ACTOR, batch_size=10)
    assert (summary.applied, summary.duplicate, summary.rejected) == (1, 1, 0)
    again = import_lines(app, [twice], ACTOR, batch_size=10)
    assert (again.applied, again.duplicate) == (0, 1)


def test_a_batch_answers_like_execute_including_repeats_and_refusals(app):
    types = command_types(app)
    commands = [parse_line(text, types) for text in sample_lines()[:8]]
    first = app.execute_many(commands, ACTOR)
    assert all(not isinstance(a, Exception) and not a.duplicate for a in first)
    positions = [p for a in first for p in a.positions]
    assert positions == list(range(1, app.max_position() + 1))  # consecutive, in order
    again = app.execute_many(commands, ACTOR)
    assert [a.positions for a in again] == [a.positions for a in first]
    assert all(a.duplicate for a in again)
    for batch_answer, command in zip(again, commands, strict=True):
        assert batch_answer == app.execute(command, ACTOR)
    bad = SignReceipt(command_id="x-1", policy_number="P9999999999", signed_on="2026-01-01")
    (refusal,) = app.execute_many([bad], ACTOR)
    assert isinstance(refusal, DomainError)
    with pytest.raises(type(refusal), match=str(refusal)):
        app.execute(bad, ACTOR)


def test_when_another_writer_changes_an_aggregate_first_the_batch_runs_one_by_one(
    app, database, settings, clock
):
    """Optimistic concurrency still holds: the batch's transaction fails as a whole,
    nothing of it is stored, and its lines run again alone (as execute would)."""
    types = command_types(app)
    sample = IMPORT_SAMPLE.read_text(encoding="utf-8").splitlines()
    setup = [parse_line(text, types) for text in sample[:5]]  # agents, one policy issued
    assert all(not isinstance(a, Exception) for a in app.execute_many(setup, ACTOR))
    policy_number = json.loads(sample[4])["data"]["number"]
    writer = PolicyTrail(settings=settings, database=database, clock=clock)
    original = app.record_batch

    def meanwhile_another_writer_signs_the_receipt(processing):  # type: ignore[no-untyped-def]
        writer.execute(
            SignReceipt(command_id="other-writer", policy_number=policy_number, signed_on="2024-01-16"),
            ACTOR,
        )
        app.record_batch = original  # only once
        return original(processing)

    app.record_batch = meanwhile_another_writer_signs_the_receipt
    sign_again = SignReceipt(command_id="batch-sign", policy_number=policy_number, signed_on="2024-01-16")
    try:
        answers = app.execute_many([sign_again], ACTOR)
    finally:
        writer.close()
    assert app.stats["batch_fallbacks"] == 1
    # one by one, the repeat of an identical signature changes nothing (no second event)
    (answer,) = answers
    assert not isinstance(answer, Exception)
    signed = [e for name, e in stored_history(app) if name.endswith("ReceiptSigned")]
    assert len(signed) == 1


def test_write_side_connections_never_plan_point_lookups_with_jit_or_parallel_workers(app):
    with app.recorder.datastore.get_connection() as conn:
        assert conn.execute("SHOW jit").fetchone()["jit"] == "off"
        workers = conn.execute("SHOW max_parallel_workers_per_gather").fetchone()
        assert workers["max_parallel_workers_per_gather"] == "0"
        assert conn.prepare_threshold is None


def test_batches_refresh_the_planner_statistics_of_a_fast_growing_store(app):
    """Autovacuum may be off (or keep yielding to the writers' lock): bulk paths ANALYZE."""
    lines = [text.encode() for text in sample_lines()]
    import_lines(app, lines, ACTOR, batch_size=500)
    schema = app.settings.events_schema

    def last_analyze() -> object:
        with app.database.connect() as conn:
            return conn.execute(
                "SELECT last_analyze FROM pg_stat_user_tables WHERE schemaname = %s AND relname = %s",
                (schema, app.trail_recorder.events_table_name),
            ).fetchone()[0]

    # the store grew by far less than the default threshold: nothing analysed yet
    assert app.trail_recorder.keep_statistics_fresh() == []
    assert last_analyze() is None
    # the server publishes table statistics within about a second
    analysed = wait_until(
        lambda: app.trail_recorder.keep_statistics_fresh(min_changes=10, fraction=0.1),
        timeout=STATISTICS_SECONDS,
        what="keep_statistics_fresh to ANALYZE the grown store",
    )
    assert app.trail_recorder.events_table_name in analysed
    assert last_analyze() is not None
