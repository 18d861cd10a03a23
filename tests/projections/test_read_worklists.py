"""The worklists read model (工作队列): call-centre queue, branch queue (OC-05), servicer
queue (PS-04), expired call cycles."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta

import pytest

from application.app import PolicyTrail
from application.callbacks import ApplySpecialCallback, DecideSpecialCallback
from application.policies import CancelInCoolingOff
from application.service_cases import (
    CreateServiceCard,
    OpenServiceCase,
    ScheduleSurvivalBenefitNotice,
    SignServiceList,
)
from application.work_orders import AssignWorkOrder, work_orders_for_policy
from domain.callback.questionnaire import QuestionItem as Q
from domain.callback.windows import next_call_window
from domain.parameters import RuleParameters
from domain.shared.actor import Actor
from projections.worklists.queries import (
    CallFilters,
    CaseFilters,
    branch_work_queue,
    call_centre_queue,
    expired_cycles,
    servicer_queue,
)
from tests import factories
from tests.callback_steps import BRANCH, MANAGER, answer_all, at, attempt, open_callback, reach
from tests.read_model_steps import ACTOR, catch_up, private_app, reading, rebuild_equals_live, row_count

PARAMS = RuleParameters()


def person(n: int, phone: str | None = None) -> factories.PersonIn:
    return factories.person(
        id_number=f"11010119900101{n:04d}", phone=phone if phone is not None else f"1381234{n:04d}"
    )


def number(n: int) -> str:
    return f"P20260000{n:02d}"


def proxy_signature_case(app: PolicyTrail, actor: Actor, n: int, when: datetime) -> None:
    """A callback due and answered at ``when``: 问题件/代签字 → a 代签字 work order."""
    open_callback(
        app,
        actor,
        number(n),
        signed_on=when.date(),
        registered_on=when.date(),
        registered_at=when,
        underwritten_on=when.date() - timedelta(days=1),
        policyholder=person(n),
    )
    reach(app, when, number(n))
    answer_all(app, when.replace(minute=10), number(n), **{Q.SIGNED_PERSONALLY: "否"})


def history(app: PolicyTrail, actor: Actor) -> None:
    app.execute(factories.register_agent("A0001"), actor)
    for code, n in (("S0001", 1), ("S0002", 2)):
        app.execute(
            factories.register_agent(code, id_number=f"11010119880101{n:04d}", phone=f"1390000{n:04d}"), actor
        )
    # call-centre queue: W1 (due 03-12) one failed attempt; W2 (due 03-11) due a day later
    open_callback(app, actor, number(1), policyholder=person(1))
    attempt(app, at(2, 10, 30), number=number(1))
    open_callback(
        app,
        actor,
        number(2),
        signed_on=date(2026, 3, 1),
        registered_on=date(2026, 3, 3),
        registered_at=at(3, 10),
        policyholder=person(2),
    )
    # leave the call queue: W3 succeeded, W6 approved special, W7 cancelled within cooling-off
    open_callback(app, actor, number(3), policyholder=person(3))
    reach(app, at(2, 11), number(3))
    answer_all(app, at(2, 11, 10), number(3))
    open_callback(app, actor, number(6), policyholder=person(6))
    app.execute(
        ApplySpecialCallback(
            policy_number=number(6),
            reason="单位统一投保",
            method="上门亲访",
            agreed_at=at(6, 10),
            agent_code="A0001",
            customer_signed=True,
            agent_signed=True,
            application_ref="SP-6",
        ),
        actor,
    )
    app.execute(DecideSpecialCallback(policy_number=number(6), approve=True, unit="北京分公司"), MANAGER)
    open_callback(app, actor, number(7), policyholder=person(7))
    app.execute(CancelInCoolingOff(policy_number=number(7), cancelled_on=date(2026, 3, 4)), actor)
    # branch queue (北京): W4 unreachable → 核实件 (03-04, due 03-11); W12 no phone → 核实件
    # (03-02, due 03-09); W5 代签字 (03-03); W8 代签字 in January; W9 in December 2025
    open_callback(app, actor, number(4), policyholder=person(4))
    for when, result in ((at(2, 10, 30), "无人接听"), (at(3, 15), "占线"), (at(4, 19, 30), "关机")):
        attempt(app, when, result, number=number(4))
    open_callback(app, actor, number(12), policyholder=person(12, phone=""))
    proxy_signature_case(app, actor, 5, at(3, 10))
    proxy_signature_case(app, actor, 8, at(6, 10, month=1))
    proxy_signature_case(app, actor, 9, at(9, 10, month=12, year=2025))
    # 上海: not in 北京's queue
    app.execute(factories.issue_policy(number(10), policyholder=person(10), branch="上海分公司"), actor)
    open_callback(app, actor, number(11), policyholder=person(11), branch="上海分公司")
    for when in (at(2, 10, 30), at(3, 15), at(4, 19, 30)):
        attempt(app, when, number=number(11))
    # servicer queue: S0001 has three cases (premium due 03-20, 03-15, unknown), S0002 one
    cases = {}
    for n, servicer, premium_due in (
        (13, "S0001", date(2026, 3, 20)),
        (14, "S0001", date(2026, 3, 15)),
        (15, "S0001", None),
        (16, "S0002", date(2026, 3, 1)),
    ):
        app.execute(factories.issue_policy(number(n), policyholder=person(n)), actor)
        cases[n] = app.execute(
            OpenServiceCase(
                policy_number=number(n), source="外地转入", servicer_code=servicer, premium_due_on=premium_due
            ),
            actor,
        ).result["case_id"]
    app.execute(SignServiceList(case_id=cases[14], servicer_code="S0001"), actor)
    app.execute(CreateServiceCard(case_id=cases[14], card_number="K-14"), actor)
    app.execute(ScheduleSurvivalBenefitNotice(case_id=cases[13], anniversary_on=date(2026, 4, 1)), actor)
    (w5_order,) = work_orders_for_policy(app, number(5))
    app.execute(AssignWorkOrder(work_order_id=w5_order.id, handler_id="BR-H1", occurred_at=at(3, 11)), BRANCH)


@pytest.fixture(scope="module")
def built(database) -> Iterator[PolicyTrail]:
    """The history, caught up once for the read-only tests of this module."""
    with private_app(database) as app:
        history(app, ACTOR)
        catch_up(app, "worklists")
        yield app


def test_call_centre_queue_attempts_left_and_next_window(built):
    app = built
    with reading(app) as conn:
        now = at(3, 10, 45)  # a Tuesday, inside 09:30-12:00
        page = call_centre_queue(
            conn, app.settings.read_schema, now=now, params=PARAMS, calendar=app.calendar
        )
        lunch = call_centre_queue(
            conn, app.settings.read_schema, now=at(3, 12, 30), params=PARAMS, calendar=app.calendar
        )
        shanghai = call_centre_queue(
            conn,
            app.settings.read_schema,
            now=now,
            params=PARAMS,
            calendar=app.calendar,
            filters=CallFilters(branch="上海分公司"),
        )
    assert [r.policy_number for r in page.items] == [number(2), number(1)]  # earliest due first
    w2, w1 = page.items
    assert (w2.due_on, w2.days_left, w2.attempts_left, w2.status.zh) == (date(2026, 3, 11), 8, 3, "待回访")
    assert (w1.due_on, w1.attempts_made, w1.attempts_left, w1.last_result.zh) == (
        date(2026, 3, 12),
        1,
        2,
        "无人接听",
    )
    assert w1.last_result.en == "no answer" and w1.status.en == "awaiting call"
    assert (w1.cycle, w1.second_cycle, w1.cycle_ends_at) == (1, False, at(9, 10))
    assert w1.next_window is not None and (w1.next_window.start, w1.next_window.end) == (now, at(3, 12))
    assert w1.callable_now and w1.channel.en == "agency"
    assert [r.next_window.start for r in lunch.items] == [at(3, 14, 30)] * 2
    assert not any(r.callable_now for r in lunch.items)
    assert shanghai.items == [] and shanghai.total == 0  # W11 is with the branch


def test_next_call_window_follows_the_calendar(app):
    saturday = next_call_window(at(7, 9), PARAMS.callback, app.calendar)
    assert saturday is not None
    assert (saturday.start, saturday.end, saturday.day_kind) == (at(7, 10, 30), at(7, 12, 30), "休息日")
    evening = next_call_window(at(2, 17, 45), PARAMS.callback, app.calendar)
    assert evening is not None and (evening.start, evening.end) == (at(2, 19), at(2, 21))
    night = next_call_window(at(2, 21, 0), PARAMS.callback, app.calendar)  # REG-05
    assert night is not None and night.start == at(3, 9, 30)


def test_a_cycle_that_ran_out_stays_in_the_queue_until_the_tick_decides_it(built):
    app = built
    schema = app.settings.read_schema
    with reading(app) as conn:
        before = expired_cycles(conn, schema, at=at(9, 9, 59))
        after = expired_cycles(conn, schema, at=at(9, 10))
        queue = call_centre_queue(conn, schema, now=at(9, 10), params=PARAMS, calendar=app.calendar)
    assert before == []
    assert [(e.policy_number, e.cycle, e.cycle_ends_at, e.attempts_made) for e in after] == [
        (number(1), 1, at(9, 10), 1)
    ]
    # CA-02: still undecided, so still listed, marked and not callable (never in neither)
    assert [(r.policy_number, r.cycle_expired, r.callable_now) for r in queue.items] == [
        (number(2), False, True),
        (number(1), True, False),
    ]
    assert queue.items[1].next_window is None


def test_branch_queue_in_oc05_order(built):
    app = built
    schema = app.settings.read_schema
    with reading(app) as conn:
        page = branch_work_queue(conn, schema, branch="北京分公司", now=at(10, 12))
        mine = branch_work_queue(conn, schema, branch="北京分公司", now=at(10, 12), handler_id="BR-H1")
        second = branch_work_queue(conn, schema, branch="北京分公司", now=at(10, 12), limit=2, offset=2)
    assert [(r.rank, r.queue_group, r.policy_number, r.work_order_type.zh) for r in page.items] == [
        (1, 0, number(12), "核实件"),  # 核实件 first, earliest deadline first (03-09)
        (2, 0, number(4), "核实件"),  # (03-11)
        (3, 1, number(5), "代签字"),  # this month's problem cases go with last month's
        (4, 2, number(8), "代签字"),  # January
        (5, 3, number(9), "代签字"),  # December 2025
    ]
    statuses = [(r.status.zh, r.queue_group_label.en) for r in page.items]
    assert statuses == [
        ("超时", "verifications"),
        ("警告", "verifications"),
        ("警告", "last month's problem cases"),
        ("超时", "problem cases of the month before"),
        ("超时", "older problem cases"),
    ]
    first = page.items[0]
    assert (first.source_class.zh, first.source_subtype.zh, first.source_subtype.en) == (
        "核实件",
        "电话有误",
        "wrong phone",
    )
    assert [r.policy_number for r in mine.items] == [number(5)] and mine.items[0].handler_id == "BR-H1"
    assert [r.rank for r in second.items] == [3, 4] and second.total == 5 and second.next_offset == 4


def test_servicer_queue_in_ps04_order(built):
    app = built
    with reading(app) as conn:
        page = servicer_queue(
            conn,
            app.settings.read_schema,
            now=at(10, 12),
            params=PARAMS,
            filters=CaseFilters(servicer_code="S0001"),
        )
        everyone = servicer_queue(conn, app.settings.read_schema, now=at(10, 12), params=PARAMS)
    rows = page.items
    assert [r.policy_number for r in rows] == [number(14), number(13), number(15)]  # 03-15, 03-20, unknown
    assert [r.days_to_premium_due for r in rows] == [5, 10, None]
    assert (rows[0].status.zh, rows[0].card_number, rows[0].card_status) == ("服务中", "K-14", None)
    assert (rows[1].status.en, rows[1].card_due_on, rows[1].card_status.zh) == (
        "assigned, list not signed",
        date(2026, 3, 5),
        "超时",
    )
    assert rows[1].next_notice_due_on == date(2026, 3, 31) and rows[1].source.en.startswith("transferred")
    assert everyone.items[0].policy_number == number(16)  # S0002's 03-01 comes first
    assert everyone.total == 4


def test_done_items_leave_the_lists(built):
    app = built
    assert row_count(app, "worklist_callbacks") == 6  # W1, W2, W4, W6, W11, W12 still open
    assert row_count(app, "worklist_work_orders") == 6  # W4, W5, W8, W9, W11, W12
    assert row_count(app, "worklist_service_cases") == 4


def test_rebuild_equals_live(app, actor):
    history(app, actor)
    rebuild_equals_live(app, "worklists")
