"""The timeliness read model (时效): one row per obligation, status computed at query time."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

import pytest

from application.app import PolicyTrail
from application.policies import CancelInCoolingOff, SignReceipt
from application.service_cases import (
    ClassifyDifficultCase,
    CreateServiceCard,
    DeliverSurvivalBenefitNotice,
    OpenServiceCase,
    RecordContactAttempt,
    ScheduleSurvivalBenefitNotice,
    SignServiceList,
)
from application.work_orders import FileOverdueStatement, work_orders_for_policy
from domain.parameters import RuleParameters
from domain.shared.actor import Actor
from domain.shared.time import end_of_day, start_of_day
from domain.work_order import ObligationStatus, obligation_status, warning_lead
from projections.timeliness.projection import DueParameters, stored_parameters
from projections.timeliness.queries import (
    COMPUTED,
    STORED,
    Filters,
    count_by_status,
    due_sql,
    query_obligations,
)
from tests import factories
from tests.callback_steps import answer_all, at, attempt, open_callback, reach
from tests.read_model_steps import ACTOR, catch_up, private_app, reading, rebuild_equals_live

PARAMS = RuleParameters()


def person(n: int) -> factories.PersonIn:
    return factories.person(id_number=f"11010119900101{n:04d}", phone=f"1381234{n:04d}")


def three_failed_attempts(app: PolicyTrail, number: str) -> list[str]:
    attempt(app, at(2, 10, 30), number=number)
    attempt(app, at(3, 15, 0), "占线", number=number)
    return attempt(app, at(4, 19, 30), "关机", number=number).result["work_order_ids"]


def history(app: PolicyTrail, actor: Actor) -> None:
    """Every obligation type, on time, late, open, cancelled."""
    app.execute(factories.register_agent("A0001"), actor)
    app.execute(
        factories.register_agent("S0001", name="王五", id_number="110101198801019999", phone="13900002222"),
        actor,
    )
    # P1: receipt on time (CB-05); unreachable → 核实件 (PC-02) with an overdue statement (PC-04)
    open_callback(app, actor, "P2026000001", policyholder=person(1))
    (wo1,) = three_failed_attempts(app, "P2026000001")
    app.execute(FileOverdueStatement(work_order_id=wo1, reason="客户出差", occurred_at=at(10, 9)), actor)
    # P2 (银保): receipt registered 4 days after signing (late); callback succeeded on day 3
    open_callback(
        app,
        actor,
        "P2026000002",
        signed_on=date(2026, 2, 26),
        policyholder=person(2),
        channel="银保",
        underwritten_on=date(2026, 2, 25),
    )
    reach(app, at(3, 10), "P2026000002")
    answer_all(app, at(3, 10, 10), "P2026000002")
    # P3 (agent A0002): receipt signed, not registered yet: CB-05 due by configuration
    app.execute(factories.issue_policy("P2026000003", policyholder=person(3), agent_code="A0002"), actor)
    app.execute(SignReceipt(policy_number="P2026000003", signed_on=date(2026, 3, 1)), actor)
    # P4: unreachable, then cancelled within cooling-off: callback and 核实件 leave
    open_callback(app, actor, "P2026000004", policyholder=person(4))
    three_failed_attempts(app, "P2026000004")
    app.execute(
        CancelInCoolingOff(policy_number="P2026000004", cancelled_on=date(2026, 3, 5), occurred_at=at(5, 9)),
        actor,
    )
    # P5 (上海): a service case; card late (PS-03), difficult → report due (PS-04), notice on time
    app.execute(factories.issue_policy("P2026000005", policyholder=person(5), branch="上海分公司"), actor)
    case_id = app.execute(
        OpenServiceCase(
            policy_number="P2026000005",
            source="外地转入",
            servicer_code="S0001",
            premium_due_on=date(2026, 3, 20),
        ),
        actor,
    ).result["case_id"]
    app.execute(SignServiceList(case_id=case_id, servicer_code="S0001"), actor)
    app.execute(CreateServiceCard(case_id=case_id, card_number="K-1", occurred_at=at(6, 9)), actor)
    for method in "1234567":
        app.execute(RecordContactAttempt(case_id=case_id, method=method, reached=False), actor)
    app.execute(ClassifyDifficultCase(case_id=case_id), actor)
    anniversary = date(2026, 4, 1)
    app.execute(ScheduleSurvivalBenefitNotice(case_id=case_id, anniversary_on=anniversary), actor)
    app.execute(
        DeliverSurvivalBenefitNotice(case_id=case_id, anniversary_on=anniversary, occurred_at=at(25, 9)),
        actor,
    )


@pytest.fixture(scope="module")
def built(database) -> Iterator[PolicyTrail]:
    """The history, caught up once for the read-only tests of this module."""
    with private_app(database) as app:
        history(app, ACTOR)
        catch_up(app, "timeliness")
        yield app


def obligations(app: PolicyTrail, now: datetime, **filters: object) -> dict[tuple[str, str, str], object]:
    """(rule id, policy number, detail) → row."""
    with reading(app) as conn:
        page = query_obligations(
            conn, app.settings.read_schema, now=now, params=PARAMS, filters=Filters(**filters), limit=500
        )
    assert page.total == len(page.items)
    return {(r.rule_id, r.policy_number or "", r.detail): r for r in page.items}


def status(row: object) -> str | None:
    label = row.status  # type: ignore[attr-defined]
    return label.zh if label else None


def test_one_row_per_obligation_with_facts_and_status_at_query_time(built):
    app = built
    rows = obligations(app, at(10, 12))
    assert {k: status(r) for k, r in rows.items()} == {
        ("CB-05", "P2026000001", ""): "按时完成",
        ("CB-03", "P2026000001", ""): "正常",  # due 03-12 end, warning from 03-10 end
        ("PC-02", "P2026000001", "核实件"): "警告",  # due 03-11 end, inside the last 2 days
        ("CB-05", "P2026000002", ""): "逾期完成",  # signed 02-26, due 02-27, registered 03-02
        ("CB-03", "P2026000002", ""): "按时完成",
        ("CB-05", "P2026000003", ""): "超时",  # signed 03-01: due 03-02 by the configured lag
        ("CB-05", "P2026000004", ""): "按时完成",  # its CB-03 and 核实件 were cancelled
        ("PS-03", "P2026000005", ""): "逾期完成",  # assigned 03-02, due 03-05, created 03-06
        ("PS-04", "P2026000005", "2026-03-20"): "正常",  # report due 03-19 (premium due 03-20)
        ("PS-04", "P2026000005", "2026-04-01"): "按时完成",  # notice due 03-31, delivered 03-25
    }
    wo = rows[("PC-02", "P2026000001", "核实件")]
    assert (wo.kind.zh, wo.kind.en, wo.detail) == (
        "问题件处理时效",
        "work order handled by its deadline",
        "核实件",
    )
    (written,) = work_orders_for_policy(app, "P2026000001")
    assert (wo.subject_type, wo.subject_id, wo.agent_code) == ("work_order", written.id, "A0001")
    assert wo.started_at == at(4, 19, 30) and wo.due_at == end_of_day(date(2026, 3, 11))
    assert wo.overdue_statement and wo.overdue_reason == "客户出差" and wo.warning_lead_days == 2
    assert (wo.status.zh, wo.status.en) == ("警告", "warning")
    late_receipt = rows[("CB-05", "P2026000002", "")]
    assert late_receipt.started_at == start_of_day(date(2026, 2, 26))
    assert late_receipt.due_at == end_of_day(date(2026, 2, 27))
    assert late_receipt.done_at == at(2, 10) and late_receipt.channel == "银保"
    pending = rows[("CB-05", "P2026000003", "")]
    assert pending.due_at == end_of_day(date(2026, 3, 2)) and pending.done_at is None
    assert pending.agent_code == "A0002" and pending.kind.en == "receipt registered within the lag"
    card = rows[("PS-03", "P2026000005", "")]
    assert (card.agent_code, card.branch, card.channel) == ("S0001", "上海分公司", "个险")
    assert card.done_at == at(6, 9)

    with reading(app) as conn:
        everything = query_obligations(
            conn,
            app.settings.read_schema,
            now=at(10, 12),
            params=PARAMS,
            filters=Filters(include_cancelled=True, policy_number="P2026000005"),
        ).items
    kinds = sorted((r.kind.zh, r.detail, status(r)) for r in everything)
    assert kinds == [
        ("客户服务卡建立", "", "逾期完成"),
        ("生存金返还通知书送达", "2026-04-01", "按时完成"),
        ("疑难件报告书递交", "2026-03-20", "正常"),
    ]


def test_cancelled_obligations_are_kept_apart(built):
    app = built
    with reading(app) as conn:
        page = query_obligations(
            conn,
            app.settings.read_schema,
            now=at(10, 12),
            params=PARAMS,
            filters=Filters(policy_number="P2026000004", include_cancelled=True),
        )
    cancelled = {r.rule_id: r for r in page.items if r.cancelled_at is not None}
    assert set(cancelled) == {"CB-03", "PC-02"}  # OC-06: excluded callback, withdrawn 核实件
    assert all(r.status is None and "犹豫期撤单" in r.cancel_reason for r in cancelled.values())
    assert set(obligations(app, at(10, 12), policy_number="P2026000004")) == {("CB-05", "P2026000004", "")}


def test_status_moves_with_now_without_touching_the_tables(built):
    app = built
    later = {k: status(r) for k, r in obligations(app, at(20, 9)).items()}
    assert later[("CB-03", "P2026000001", "")] == "超时"
    assert later[("PC-02", "P2026000001", "核实件")] == "超时"
    earlier = {k: status(r) for k, r in obligations(app, at(2, 11)).items()}
    assert earlier[("CB-05", "P2026000003", "")] == "警告"  # 03-02 is its last day
    assert earlier[("CB-03", "P2026000001", "")] == "正常"


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"branch": "上海分公司"}, {"PS-03", "PS-04"}),
        ({"channel": "银保"}, {"CB-05", "CB-03"}),
        ({"agent_code": "A0002"}, {"CB-05"}),
        ({"statuses": ("超时",)}, {"CB-05"}),
        ({"statuses": ("警告", "正常"), "rule_ids": ("PC-02", "CB-03")}, {"PC-02", "CB-03"}),
        ({"due_from": date(2026, 3, 11), "due_to": date(2026, 3, 12)}, {"PC-02", "CB-03"}),
        ({"open_only": True, "kinds": ("疑难件报告书递交",)}, {"PS-04"}),
    ],
)
def test_filters(built, filters, expected):
    rows = obligations(built, at(10, 12), **filters)
    assert {rule for rule, _, _ in rows} == expected
    for row in rows.values():
        for name in ("branch", "channel", "agent_code"):
            if name in filters:
                assert getattr(row, name) == filters[name]


def test_sql_status_filters_agree_with_the_domain_function(built):
    app = built
    for now in (at(2, 11), at(10, 12), at(12, 1), at(20, 9)):
        everything = obligations(app, now)
        for row in everything.values():
            expected = (
                obligation_status(row.due_at, warning_lead(row.warning_lead_days), now, row.done_at)
                if row.due_at
                else None
            )
            assert status(row) == (expected.value if expected else None)
        for choice in ObligationStatus:
            chosen = obligations(app, now, statuses=(choice.value,))
            assert set(chosen) == {k for k, r in everything.items() if status(r) == choice.value}


def test_counts_by_status_and_paging(built):
    app = built
    with reading(app) as conn:
        counts = count_by_status(
            conn, app.settings.read_schema, now=at(10, 12), params=PARAMS, group_by="rule_id"
        )
        pages = [
            query_obligations(
                conn, app.settings.read_schema, now=at(10, 12), params=PARAMS, limit=4, offset=offset
            )
            for offset in (0, 4, 8)
        ]
    by_rule = {c.key: c for c in counts}
    assert (by_rule["CB-05"].total, by_rule["CB-05"].closed_on_time, by_rule["CB-05"].closed_late) == (
        4,
        2,
        1,
    )
    assert by_rule["CB-05"].overdue == 1
    assert (by_rule["PC-02"].warning, by_rule["PC-02"].overdue_statements) == (1, 1)
    assert sum(c.total for c in counts) == 10
    ids = [r.obligation_id for page in pages for r in page.items]
    assert len(ids) == len(set(ids)) == 10  # stable order: no overlap, nothing skipped
    assert [p.next_offset for p in pages] == [4, 8, None]
    assert [r.due_at for r in pages[0].items] == sorted(r.due_at for r in pages[0].items)


def test_rebuild_equals_live(app, actor):
    history(app, actor)
    rebuild_equals_live(app, "timeliness")


def test_changed_parameters_answer_right_at_once_and_the_service_rebuilds(database):
    """The stored effective due (CB-05's lag, the default warning lead) was computed with
    the settings of its time: other settings read correctly at once (computed from the
    settings), and the projection service rebuilds the rows with them at its start."""
    changed = PARAMS.model_copy(
        update={
            "callback": PARAMS.callback.model_copy(update={"receipt_registration_lag_days": 9}),
            "work_order": PARAMS.work_order.model_copy(update={"warning_lead_days": 5}),
        }
    )
    with private_app(database) as app:
        history(app, ACTOR)
        catch_up(app, "timeliness")
        schema = app.settings.read_schema

        def read(now: datetime, **filters: object) -> dict[str, object]:
            with reading(app) as conn:
                page = query_obligations(
                    conn, schema, now=now, params=changed, filters=Filters(**filters), limit=500
                )
            return {r.obligation_id: r for r in page.items}

        def answers() -> list[dict[str, object]]:
            found = []
            for now in (at(2, 11), at(8, 12), at(12, 1)):
                rows = read(now)
                for row in rows.values():
                    if row.due_at is not None and row.cancelled_at is None:
                        lead = warning_lead(row.warning_lead_days)
                        assert status(row) == obligation_status(row.due_at, lead, now, row.done_at).value
                for choice in ObligationStatus:
                    chosen = read(now, statuses=(choice.value,))
                    assert set(chosen) == {k for k, r in rows.items() if status(r) == choice.value}
                found.append(rows)
            return found

        with reading(app) as conn:
            assert due_sql(conn, schema, changed) is COMPUTED and due_sql(conn, schema, PARAMS) is STORED
        before = answers()
        unregistered = next(r for r in before[0].values() if r.policy_number == "P2026000003")
        assert unregistered.due_at == end_of_day(date(2026, 3, 10))  # signed 3-01 + 9 days
        catch_up(app, "timeliness", rules=changed)  # the service starts with the new settings
        with reading(app) as conn:
            assert stored_parameters(conn, schema) == DueParameters.of(changed)
            assert due_sql(conn, schema, changed) is STORED
        assert answers() == before
