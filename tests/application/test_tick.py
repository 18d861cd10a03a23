"""``policytrail tick``: expired call cycles closed by explicit, idempotent commands (CA-02)."""

from __future__ import annotations

from datetime import date

from typer.testing import CliRunner

from application.app import PolicyTrail
from application.tick import close_cycle_command_id, close_expired_cycles
from application.work_orders import work_orders_for_policy
from domain.callback import CallbackStatus
from domain.shared.actor import Actor
from interfaces.cli import cli
from tests import factories
from tests.callback_steps import answer_all, at, attempt, callback, open_callback, reach, topics
from tests.read_model_steps import Due, tick


def person(n: int) -> factories.PersonIn:
    return factories.person(id_number=f"11010119900101{n:04d}", phone=f"1381234{n:04d}")


def history(app: PolicyTrail, actor: Actor) -> None:
    """TICK001 (cycle ends 03-09 10:00, one failed attempt), TICK002 (ends 03-10 10:00), TICK003 in a call
    when its cycle ends (03-09 10:00), TICK004 succeeded, TICK005 already with the branch."""
    app.execute(factories.register_agent("A0001"), actor)
    open_callback(app, actor, "TICK001", policyholder=person(1))
    attempt(app, at(2, 10, 30), number="TICK001")
    open_callback(
        app, actor, "TICK002", registered_on=date(2026, 3, 3), registered_at=at(3, 10), policyholder=person(2)
    )
    open_callback(app, actor, "TICK003", policyholder=person(3))
    attempt(app, at(2, 11), "接通本人", number="TICK003")
    open_callback(app, actor, "TICK004", policyholder=person(4))
    reach(app, at(2, 11), "TICK004")
    answer_all(app, at(2, 11, 10), "TICK004")
    open_callback(app, actor, "TICK005", policyholder=person(5))
    for when in (at(2, 10, 30), at(3, 15), at(4, 19, 30)):
        attempt(app, when, number="TICK005")


def test_tick_closes_exactly_the_expired_cycles(app, actor):
    history(app, actor)
    actions = tick(app, at(9, 12))
    assert [(a.policy_number, a.cycle, a.closed, a.repeated, a.outcome) for a in actions] == [
        ("TICK001", 1, True, False, "核实件/联系不上"),
        ("TICK003", 1, True, False, "核实件/联系不上"),
    ]
    assert actions[0].command_id == close_cycle_command_id("TICK001", 1) == "tick:close-cycle:TICK001:1"
    for number in ("TICK001", "TICK003"):
        cb = callback(app, number)
        assert (cb.status, cb.outcome_class, cb.outcome_subtype) == (
            CallbackStatus.SENT_TO_BRANCH,
            "核实件",
            "联系不上",
        )
        (wo,) = work_orders_for_policy(app, number)
        assert wo.work_order_type == "核实件"
    tick003_events = topics(app, actions[1].positions[0])
    assert tick003_events[:3] == ["Callback.CallAbandoned", "Callback.OutcomeDecided", "WorkOrder.Created"]
    assert callback(app, "TICK002").status == CallbackStatus.AWAITING_CALL  # its cycle runs until 03-10 10:00
    assert callback(app, "TICK004").status == CallbackStatus.COMPLETED

    later = tick(app, at(10, 12))
    assert [(a.policy_number, a.closed) for a in later] == [("TICK002", True)]


def test_tick_is_idempotent(app, actor):
    history(app, actor)
    first = tick(app, at(9, 12))
    head = app.max_position()
    # the read model has not seen the closures yet: the same commands again, same answers
    stale = tick(app, at(9, 13), refresh=False)
    assert [(a.policy_number, a.repeated, a.closed) for a in stale] == [
        ("TICK001", True, True),
        ("TICK003", True, True),
    ]
    assert [a.positions for a in stale] == [a.positions for a in first]
    assert app.max_position() == head  # nothing written twice
    assert tick(app, at(9, 14)) == []  # caught up: nothing left to close
    assert app.max_position() == head


def test_a_cycle_not_yet_expired_is_left_alone_and_a_refusal_does_not_stop_the_tick(app, actor):
    history(app, actor)
    head = app.max_position()
    actions = close_expired_cycles(
        app, at(9, 12), lambda t: [Due("TICK002", 1), Due("NOPE0001", 1), Due("TICK001", 1)]
    )
    t2, nope, t1 = actions
    assert (t2.closed, t2.repeated, t2.positions, t2.error) == (False, False, (), None)
    assert nope.error is not None and "NOPE0001" in nope.error
    assert t1.closed and app.max_position() > head
    # nothing was recorded for T2, so its expiry is still closed later by the same command id
    (again,) = close_expired_cycles(app, at(10, 12), lambda t: [Due("TICK002", 1)])
    assert again.closed and not again.repeated and again.command_id == t2.command_id


def test_policytrail_tick_on_the_command_line(app, actor, env):
    history(app, actor)
    runner = CliRunner()
    first = runner.invoke(cli, ["tick", "--at", "2026-03-09T12:00:00+08:00"], env=env)
    assert first.exit_code == 0, first.output
    assert "2 expired call cycle(s) closed" in first.stdout and "TICK001" in first.stdout
    assert callback(app, "TICK001").status == CallbackStatus.SENT_TO_BRANCH
    again = runner.invoke(cli, ["tick", "--at", "2026-03-09T12:00:00"], env=env)  # Shanghai time
    assert again.exit_code == 0, again.output
    assert "0 expired call cycle(s) closed" in again.stdout
    bad = runner.invoke(cli, ["tick", "--at", "next tuesday"], env=env)
    assert bad.exit_code == 2 and "not an ISO time" in bad.output
