"""The event store on PostgreSQL: times, idempotency, concurrency, durability, DP-01/02."""

from __future__ import annotations

import base64
import threading
from datetime import date, datetime, timedelta

import psycopg
import pytest
from pydantic import SecretStr

from application.app import PolicyTrail
from application.errors import CommandIdReused, ConcurrencyConflict
from application.policies import ChangeContact, RegisterReceipt
from domain.contact_point import ContactPoint
from domain.policy import Policy
from domain.shared.actor import Actor
from domain.shared.aggregate import Context
from domain.shared.errors import AlreadyExists, NotFound
from domain.shared.time import SHANGHAI
from domain.shared.values import PhoneKind
from tests import factories


def count_events(app: PolicyTrail) -> int:
    with psycopg.connect(app.database.url) as conn:
        return conn.execute(f"SELECT count(*) FROM {app.events_table}").fetchone()[0]


def all_events(app: PolicyTrail) -> list:
    return [app.mapper.to_domain_event(n) for n in app.notification_log.select(start=1, limit=10_000)]


def test_both_times_survive_a_round_trip(app, actor):
    late = datetime(2026, 1, 15, 9, 30, tzinfo=SHANGHAI)  # a late entry: business time in the past
    app.execute(factories.issue_policy(underwritten_on=date(2026, 1, 10), occurred_at=late), actor)
    event = all_events(app)[0]
    assert isinstance(event, Policy.Issued)
    assert event.occurred_at == late and event.occurred_at.utcoffset() == timedelta(hours=8)
    # the record time is the library's own timestamp: when it was stored, not when it happened
    assert event.timestamp - late > timedelta(days=30)
    assert event.actor == actor and event.command_id


def test_business_time_defaults_to_the_application_clock(app, actor, clock):
    app.execute(factories.issue_policy(), actor)
    assert all_events(app)[0].occurred_at == clock.now()


def test_same_command_id_twice_stores_one_set_of_events(app, actor):
    cmd = factories.issue_policy(command_id="import-line-42")
    first = app.execute(cmd, actor)
    before = count_events(app)
    second = app.execute(cmd, actor)
    assert count_events(app) == before
    assert second.duplicate and second.positions == first.positions
    assert second.result == first.result


def test_same_command_id_concurrently_stores_once(app, actor):
    cmd = factories.issue_policy(command_id="dup-race")
    results, errors = [], []

    def run() -> None:
        try:
            results.append(app.execute(cmd, actor))
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len({tuple(r.positions) for r in results}) == 1
    assert sum(not r.duplicate for r in results) == 1
    assert count_events(app) == len(results[0].positions)


def test_command_id_reused_for_another_command_is_refused(app, actor):
    app.execute(factories.issue_policy(command_id="k1"), actor)
    with pytest.raises(CommandIdReused):
        app.execute(factories.register_agent(command_id="k1"), actor)


def test_issuing_the_same_policy_number_twice_is_refused(app, actor):
    app.execute(factories.issue_policy(), actor)
    with pytest.raises(AlreadyExists, match="P2026000001"):
        app.execute(factories.issue_policy(), actor)


def test_unknown_policy_is_not_found(app, actor):
    with pytest.raises(NotFound):
        app.execute(RegisterReceipt(policy_number="P9999999", registered_on=date(2026, 3, 2)), actor)


def test_sixteen_threads_on_one_policy_lose_nothing(settings, database, clock, actor):
    # Few retries, so that some threads really do end in a clean conflict.
    tight = settings.model_copy(update={"command_retries": 1})
    app = PolicyTrail(settings=tight, database=database, clock=clock)
    try:
        app.execute(factories.issue_policy(), actor)
        outcomes: list[str] = []
        lock = threading.Lock()
        barrier = threading.Barrier(16)

        def change(i: int) -> None:
            barrier.wait()
            try:
                app.execute(ChangeContact(policy_number="P2026000001", phone=f"1391234{i:04d}"), actor)
                result = "ok"
            except ConcurrencyConflict:
                result = "conflict"
            with lock:
                outcomes.append(result)

        threads = [threading.Thread(target=change, args=(i,)) for i in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(outcomes) == 16 and set(outcomes) <= {"ok", "conflict"}
        policy = app.get(Policy, Policy.id_for("P2026000001"))
        changes = [e for e in app.events.get(policy.id) if isinstance(e, Policy.ContactChanged)]
        assert len(changes) == outcomes.count("ok")
        # versions are contiguous and the state follows the last recorded change
        versions = [e.originator_version for e in app.events.get(policy.id)]
        assert versions == list(range(1, len(versions) + 1))
        assert policy.holder_phone == changes[-1].new_phone
        # every accepted change moved the holder between ContactPoints exactly once
        for change_event in changes:
            cp = app.get(ContactPoint, app.contact_point_id(change_event.new_phone.normalized))
            assert any(isinstance(e, ContactPoint.PolicyholderUseRecorded) for e in app.events.get(cp.id))
    finally:
        app.close()


def test_event_read_back_after_restart_equals_the_original(settings, database, clock, actor):
    app = PolicyTrail(settings=settings, database=database, clock=clock)
    cmd = factories.issue_policy()
    ctx = Context(clock.now(), actor, "restart-1")
    from application.policies import issue_policy as handler  # build the aggregate as the app does
    from application.unit_of_work import UnitOfWork

    uow = UnitOfWork(app, ctx)
    handler(cmd, uow)
    originals = [e for agg in uow.aggregates() for e in agg.pending_events]
    app.save(*uow.aggregates())
    app.close()

    reopened = PolicyTrail(settings=settings, database=database, clock=clock)
    try:
        stored = all_events(reopened)
        assert sorted(stored, key=lambda e: (str(e.originator_id), e.originator_version)) == sorted(
            originals, key=lambda e: (str(e.originator_id), e.originator_version)
        )
        policy = reopened.get(Policy, Policy.id_for("P2026000001"))
        assert policy.facts == originals[0].facts
    finally:
        reopened.close()


def test_as_of_version_reconstructs_the_past(app, actor):
    app.execute(factories.issue_policy(), actor)
    app.execute(ChangeContact(policy_number="P2026000001", phone="13911112222"), actor)
    pid = Policy.id_for("P2026000001")
    assert app.get(Policy, pid, version=1).holder_phone.normalized == "13812346138"
    assert app.get(Policy, pid).holder_phone.normalized == "13911112222"


def _issue_concurrently(app: PolicyTrail, actor: Actor, commands: list) -> None:
    barrier = threading.Barrier(len(commands))
    errors: list[Exception] = []

    def run(cmd) -> None:
        barrier.wait()
        try:
            app.execute(cmd, actor)
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(c,)) for c in commands]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors


def test_dp01_decided_consistently_under_concurrent_issues(app, actor):
    shared = "13700001234"
    commands = [
        factories.issue_policy(
            f"P20260001{i:02d}",
            policyholder=factories.person(name=f"客户{i}", id_number=f"11010119900101{i:04d}", phone=shared),
        )
        for i in range(4)
    ]
    _issue_concurrently(app, actor, commands)
    cp = app.get(ContactPoint, app.contact_point_id(shared))
    assert cp.distinct_holders() == 4
    for cmd in commands:
        verdict = cp.verdict_for(cmd.number, 3)
        assert verdict is not None and verdict.rule_id == "DP-01"
    flagged = {
        number
        for e in app.events.get(cp.id)
        if isinstance(e, ContactPoint.DuplicateNumberFlagged)
        for number in e.newly_flagged
    }
    assert flagged == {c.number for c in commands}  # each flagged exactly once overall
    newly = [
        n
        for e in app.events.get(cp.id)
        if isinstance(e, ContactPoint.DuplicateNumberFlagged)
        for n in e.newly_flagged
    ]
    assert len(newly) == len(set(newly))


def test_dp01_two_holders_are_not_duplicates(app, actor):
    shared = "13700005678"
    for i in range(2):
        app.execute(
            factories.issue_policy(
                f"P20260002{i:02d}",
                policyholder=factories.person(id_number=f"11010119900101{i:04d}", phone=shared),
            ),
            actor,
        )
    cp = app.get(ContactPoint, app.contact_point_id(shared))
    assert cp.verdict_for("P2026000200", 3) is None


def test_dp02_agent_phone_hit_decided_under_concurrency(app, actor):
    agent_phone = "13900001111"
    _issue_concurrently(
        app,
        actor,
        [
            factories.register_agent("A0001", phone=agent_phone),
            factories.issue_policy("P2026000301", policyholder=factories.person(phone=agent_phone)),
        ],
    )
    cp = app.get(ContactPoint, app.contact_point_id(agent_phone))
    verdict = cp.verdict_for("P2026000301", 3)
    assert verdict is not None and verdict.rule_id == "DP-02" and verdict.agent_code == "A0001"


def test_dp02_self_insured_agent_is_not_a_hit(app, actor):
    agent_phone = "13900002222"
    app.execute(factories.register_agent("A0002", id_number="110101198501015678", phone=agent_phone), actor)
    app.execute(
        factories.issue_policy(
            "P2026000302",
            agent_code="A0002",
            policyholder=factories.person(id_number="110101198501015678", phone=agent_phone),
        ),
        actor,
    )
    cp = app.get(ContactPoint, app.contact_point_id(agent_phone))
    assert cp.verdict_for("P2026000302", 3) is None


def test_cb06_bad_phone_is_stored_as_unusable_without_contact_point(app, actor):
    app.execute(factories.issue_policy(policyholder=factories.person(phone="1381234")), actor)
    policy = app.get(Policy, Policy.id_for("P2026000001"))
    assert policy.holder_phone.kind == PhoneKind.UNUSABLE and policy.holder_phone.problem
    assert not any(isinstance(e, ContactPoint.Opened) for e in all_events(app))


def test_rc03_personal_data_is_encrypted_at_rest(app, actor):
    app.execute(
        factories.issue_policy(policyholder=factories.person(name="王小明", phone="13812346138")), actor
    )
    with psycopg.connect(app.database.url) as conn:
        states = [row[0] for row in conn.execute(f"SELECT state FROM {app.events_table}")]
    assert states
    for state in states:
        assert "王小明".encode() not in state and b"13812346138" not in state
        assert b"110101199001011234" not in state
    # ...and reads back in clear through the application
    assert app.get(Policy, Policy.id_for("P2026000001")).facts.policyholder.name == "王小明"


def test_rc03_a_different_key_is_refused_before_anything_is_read(settings, database, clock):
    from application.adapters.encryption import CipherKeyError

    PolicyTrail(settings=settings, database=database, clock=clock).close()
    other = settings.model_copy(update={"cipher_key": SecretStr(base64.b64encode(b"k" * 32).decode())})
    with pytest.raises(CipherKeyError, match="encrypted with key"):
        PolicyTrail(settings=other, database=database, clock=clock)


def test_rc01_corrections_are_new_events_and_stored_events_never_change(app, actor):
    """RC-01: events are never updated or deleted; a correction is a new event."""
    app.execute(factories.issue_policy(), actor)
    with psycopg.connect(app.database.url) as conn:
        before = conn.execute(f"SELECT notification_id, state FROM {app.events_table} ORDER BY 1").fetchall()
    app.execute(ChangeContact(policy_number="P2026000001", phone="13911112222", reason="客户更正"), actor)
    app.execute(ChangeContact(policy_number="P2026000001", phone="13811112222", reason="再次更正"), actor)
    with psycopg.connect(app.database.url) as conn:
        after = conn.execute(f"SELECT notification_id, state FROM {app.events_table} ORDER BY 1").fetchall()
    assert after[: len(before)] == before  # nothing already stored was touched
    corrections = [e for e in all_events(app) if isinstance(e, Policy.ContactChanged)]
    assert [c.reason for c in corrections] == ["客户更正", "再次更正"]
    assert all(c.actor == actor and c.command_id for c in corrections)


def test_processes_opening_one_new_store_at_once_all_open(database):
    """serve and `projections run` started together open the same store at the same
    instant: they take turns at its set-up (concurrent CREATE … IF NOT EXISTS of the same
    objects can fail with "tuple concurrently updated" or a duplicate type)."""
    import threading
    import uuid

    from application.app import PolicyTrail
    from application.settings import load_settings
    from tests.factories import STILL_CLOCK_SKEW_SECONDS

    tag = uuid.uuid4().hex[:10]
    settings = load_settings(
        database_url=database.url,
        events_schema=f"t{tag}_events",
        read_schema=f"t{tag}_read",
        pool_size=2,
        max_future_skew_seconds=STILL_CLOCK_SKEW_SECONDS,
    )
    start, opened, failures = threading.Barrier(6), [], []

    def open_store() -> None:
        start.wait()
        try:
            opened.append(PolicyTrail(settings=settings, database=database))
        except Exception as exc:
            failures.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=open_store) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    try:
        assert not failures, failures
        assert len(opened) == 6
    finally:
        for app in opened:
            app.close()
