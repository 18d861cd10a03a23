"""The in-process scheduler (serve / projections run): time-driven work never stalls.

CA-02: a call cycle is 7 days; when it runs out without an outcome the callback
becomes 核实件/联系不上. With the scheduler running, nobody has to run
``policytrail tick``; and at every instant a callback is either in the call queue
or decided, never in neither. One leader across processes (advisory lock).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import date, datetime, timedelta

import httpx
import pytest

from application.app import PolicyTrail
from application.scheduler import TickScheduler, last_tick
from domain.callback import CallbackStatus
from interfaces.scheduling import scheduler_for
from projections.live import ProjectionService
from projections.source import ReadSide
from projections.worklists.queries import branch_work_queue, call_centre_queue
from tests import factories
from tests.api_support import client
from tests.callback_steps import at, attempt, callback, open_callback
from tests.read_model_steps import reading
from tests.support import free_port

pytestmark = pytest.mark.timeout(180)

CALLBACKS = 40  # cycles that run out together (registered 03-02 10:00 → cycle ends 03-09 10:00)


def person(n: int) -> factories.PersonIn:
    return factories.person(id_number=f"11010119900101{n:04d}", phone=f"1391234{n:04d}")


def number(n: int) -> str:
    return f"SCHED{n:05d}"


def queue_numbers(app: PolicyTrail, now: datetime) -> dict[str, bool]:
    """Policy → cycle_expired, over the whole call queue at ``now``."""
    with reading(app) as conn:
        page = call_centre_queue(
            conn,
            app.settings.read_schema,
            now=now,
            params=app.settings.rules,
            calendar=app.calendar,
            limit=500,
        )
    assert page.total == len(page.items)
    return {r.policy_number: r.cycle_expired for r in page.items}


def wait_until(condition, seconds: float = 60.0, step: float = 0.05) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return False


def test_a_cycle_that_runs_out_is_decided_without_a_manual_tick(app, actor, clock):
    app.execute(factories.register_agent("A0001"), actor)
    for n in range(CALLBACKS):
        open_callback(app, actor, number(n), policyholder=person(n))
    attempt(app, at(2, 10, 30), number=number(0))  # one failed attempt: still undecided
    # a later registration: its cycle runs until 03-10 10:00 and must be left alone
    open_callback(
        app,
        actor,
        "SCHEDLATE",
        registered_on=date(2026, 3, 3),
        registered_at=at(3, 10),
        policyholder=person(999),
    )
    service = ProjectionService(ReadSide.from_app(app), ["worklists"]).start()
    scheduler = scheduler_for(app, interval=0.2)
    assert scheduler is not None
    try:
        with scheduler:
            assert wait_until(lambda: scheduler.ticks >= 1)
            assert wait_until(lambda: len(queue_numbers(app, clock.now())) == CALLBACKS + 1)
            assert not any(queue_numbers(app, clock.now()).values())

            clock.set(at(9, 10, 1))  # one minute past the end of the cycle; nobody runs a tick
            seen_expired_in_queue = False

            def all_decided() -> bool:
                nonlocal seen_expired_in_queue
                queued = queue_numbers(app, clock.now())  # read model first, aggregates after
                seen_expired_in_queue |= any(queued.values())
                decided = 0
                for n in range(CALLBACKS):
                    cb = callback(app, number(n))
                    if cb.status == CallbackStatus.SENT_TO_BRANCH:
                        decided += 1
                    else:  # never in neither: undecided means listed in the call queue
                        assert number(n) in queued, f"{number(n)} is neither queued nor decided"
                assert "SCHEDLATE" in queued and not queued["SCHEDLATE"]
                return decided == CALLBACKS

            assert wait_until(all_decided, seconds=120, step=0.1)
            ticks_at_end = scheduler.ticks
    finally:
        service.stop()
    assert ticks_at_end >= 2
    for n in range(CALLBACKS):
        cb = callback(app, number(n))
        assert (cb.outcome_class, cb.outcome_subtype) == ("核实件", "联系不上")  # CA-02
    assert callback(app, "SCHEDLATE").status == CallbackStatus.AWAITING_CALL
    # the 核实件 work orders are in the branch's queue, first (OC-05)
    with reading(app) as conn:
        branch = factories.register_agent("A0001").branch
        page = branch_work_queue(conn, app.settings.read_schema, branch=branch, now=clock.now(), limit=500)
    assert {r.policy_number for r in page.items} == {number(n) for n in range(CALLBACKS)}
    assert {r.work_order_type.zh for r in page.items} == {"核实件"}
    # /health shows the last tick: its business "now" and lag (0 with a clock that stands still)
    body = client(app).get("/health").json()
    assert body["scheduler"]["last_tick_at"] == clock.now().isoformat()
    assert body["scheduler"]["lag_seconds"] == 0 and body["scheduler"]["stale"] is False
    assert body["scheduler"]["interval_seconds"] == app.settings.tick_interval_seconds
    clock.advance(timedelta(minutes=4))  # nobody ticks any more: 240 s > 3 × 60 s
    stale = client(app).get("/health").json()
    assert stale["scheduler"]["lag_seconds"] == 240 and stale["scheduler"]["stale"] is True
    assert stale["status"] == "degraded"


def test_health_without_any_tick_yet(app):
    body = client(app).get("/health").json()
    assert body["scheduler"] == {
        "interval_seconds": 60.0,
        "last_tick_at": None,
        "lag_seconds": None,
        "closed": None,
        "errors": None,
        "stale": False,
    }


def test_two_schedulers_only_one_leads(app, clock):
    calls: dict[str, list[datetime]] = {"one": [], "two": []}

    def counting(name: str):
        def tick(at: datetime):
            calls[name].append(at)
            return []

        return tick

    schema = app.settings.events_schema
    one = TickScheduler(app.database, schema, clock, counting("one"), interval=0.05, identity="one")
    two = TickScheduler(app.database, schema, clock, counting("two"), interval=0.05, identity="two")
    with one, two:
        assert wait_until(lambda: one.is_leader or two.is_leader, seconds=30)
        leader, follower = (one, two) if one.is_leader else (two, one)
        assert wait_until(lambda: leader.ticks >= 10, seconds=30)
        assert not follower.is_leader and calls[follower.identity] == []
        assert len(calls[leader.identity]) == leader.ticks
        recorded = last_tick(app.database, schema)
        assert recorded is not None and recorded.leader == leader.identity
        # the leader stops (a server shut down): the other takes over
        leader.stop()
        assert wait_until(lambda: follower.is_leader and follower.ticks >= 3, seconds=30)
        recorded = last_tick(app.database, schema)
        assert recorded is not None and recorded.leader == follower.identity


def test_another_event_store_has_its_own_leader(app, clock, database):
    """The lock is per event-store schema: a second store on the same server is not blocked."""
    from tests.read_model_steps import private_app

    with private_app(database) as other:
        mine = TickScheduler(app.database, app.settings.events_schema, clock, lambda at: [], interval=0.05)
        theirs = TickScheduler(
            other.database, other.settings.events_schema, clock, lambda at: [], interval=0.05
        )
        with mine, theirs:
            assert wait_until(lambda: mine.is_leader and theirs.is_leader, seconds=30)


def test_a_failing_tick_is_recorded_and_the_scheduler_keeps_going(app, clock):
    def failing(at: datetime):
        raise RuntimeError("worklists read model is not there yet")

    with TickScheduler(app.database, app.settings.events_schema, clock, failing, interval=0.05) as s:
        assert wait_until(lambda: s.ticks >= 3, seconds=30)
        assert s.is_leader
    recorded = last_tick(app.database, app.settings.events_schema)
    assert recorded is not None and recorded.errors == 1
    assert recorded.error == "RuntimeError: worklists read model is not there yet"
    body = client(app).get("/health").json()
    assert body["scheduler"]["errors"] == 1 and "not there yet" not in str(body)  # counts only


def test_scheduler_off_with_interval_zero(settings, database, clock):
    off = PolicyTrail(
        settings=settings.model_copy(update={"tick_interval_seconds": 0}), database=database, clock=clock
    )
    try:
        assert scheduler_for(off) is None
    finally:
        off.close()


def test_settings_refuse_a_negative_interval(monkeypatch):
    from application.settings import SettingsError, load_settings

    monkeypatch.setenv("POLICYTRAIL_TICK_INTERVAL_SECONDS", "-1")
    with pytest.raises(SettingsError, match="tick_interval_seconds"):
        load_settings()


# ----- real processes: `serve` and `projections run` ---------------------------------------------
def _process(settings, *args: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "POLICYTRAIL_DATABASE_URL": settings.database_url,
        "POLICYTRAIL_EVENTS_SCHEMA": settings.events_schema,
        "POLICYTRAIL_READ_SCHEMA": settings.read_schema,
        "POLICYTRAIL_TICK_INTERVAL_SECONDS": "0.3",
    }
    command = [sys.executable, "-c", "from interfaces.cli import main; main()", *args]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _exited(process: subprocess.Popen[bytes]) -> str:
    """What a helper process said if it has ended (its stderr), for a failure message."""
    if process.poll() is None:
        return f"pid {process.pid} still running"
    err = process.stderr.read().decode(errors="replace")[-2000:] if process.stderr else ""
    return f"pid {process.pid} exited {process.returncode}: {err}"


@pytest.mark.slow
def test_serve_and_projections_run_tick_with_one_leader_between_them(app, actor, settings):
    """Both processes run a scheduler; one leads (its pid in the record), the other takes over
    when it stops. The wall clock is long past March 2026, so the cycle has run out."""
    app.execute(factories.register_agent("A0001"), actor)
    open_callback(app, actor, "SCHEDPROC1", policyholder=person(1))
    port = free_port()
    processes = {
        "serve": _process(settings, "serve", "--port", str(port), "--log-level", "warning"),
        "run": _process(settings, "projections", "run"),
    }
    try:
        decided = wait_until(
            lambda: callback(app, "SCHEDPROC1").status == CallbackStatus.SENT_TO_BRANCH, seconds=120, step=0.3
        )
        assert decided, "no process closed the expired cycle"
        cb = callback(app, "SCHEDPROC1")
        assert (cb.outcome_class, cb.outcome_subtype) == ("核实件", "联系不上")
        leaders = set()
        for _ in range(10):
            recorded = last_tick(app.database, settings.events_schema)
            assert recorded is not None
            leaders.add(recorded.leader)
            time.sleep(0.2)
        (leader,) = leaders  # one leader while both run
        pid = int(leader.rsplit(":", 1)[1])
        (name,) = [n for n, p in processes.items() if p.pid == pid]
        other = processes["run" if name == "serve" else "serve"]
        processes[name].terminate()
        processes[name].wait(timeout=30)
        taken_over = wait_until(
            lambda: (
                (t := last_tick(app.database, settings.events_schema)) is not None
                and t.leader.endswith(f":{other.pid}")
            ),
            seconds=60,
        )
        assert taken_over, f"the other process did not take over; {_exited(other)}"
        health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=5) if name == "run" else None
        if health is not None:
            assert health.json()["scheduler"]["last_tick_at"] is not None
    finally:
        for p in processes.values():
            if p.poll() is None:
                p.terminate()
        for p in processes.values():
            p.wait(timeout=30)
