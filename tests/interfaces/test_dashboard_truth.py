"""The dashboard tells the truth: SC-01 scores with their breakdown (or "no inputs"),
agents' names for managers, and month-over-month against a partial month marked as such.

World (Beijing unless said): three agents, callbacks registered from 02-12 on only.
- A0001 李四 销售/中级, A0002 王五 管理/高级, A0003 赵六 销售/初级 (no SC-01 inputs);
  上海 B0001 孙七 (another branch, for scope).
- SC-01 inputs of performance month 2026-02 (used by March's allocation):
  A0001: premium task 75 % → 70 % step → 14; attendance 85 % → 80 % → 8;
         work log 95 % → 90 % → 18; discretion 7; rank 销售中级 26 → total 73.
  A0002: premium 29 % (< 30 %) → 0; attendance 49 % (< 50 %) → 0; work log 100 % → 20;
         discretion 10; rank 管理高级 40 → total 70.
- February: its first callback was registered on 02-12, so February is partial;
  March is whole (recorded since before 03-01, and over by ``NOW`` 04-02).
  February's callback succeeded (100 %), March's were not reached (0 %): without the
  partial mark the page would show a 100-point "drop".
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from application.app import PolicyTrail
from application.clock import FixedClock
from application.planners import RecordPlannerMonthlyInputs
from domain.shared.actor import Actor
from domain.shared.time import SHANGHAI
from interfaces.api import create_api
from projections import registry
from projections.scorecards.coverage import month_coverage
from tests import factories
from tests.api_support import auth, token
from tests.callback_steps import answer_all, open_callback, reach
from tests.read_api_support import figures
from tests.read_model_steps import catch_up, private_app, reading

ACTOR = Actor(id="tester", role="admin")
BJ, SH = "北京分公司", "上海分公司"
NOW = datetime(2026, 4, 2, 10, 0, tzinfo=SHANGHAI)
AGENTS = {
    "A0001": ("李四", "销售", "中级", BJ),
    "A0002": ("王五", "管理", "高级", BJ),
    "A0003": ("赵六", "销售", "初级", BJ),
    "B0001": ("孙七", "销售", "中级", SH),
}


def t(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=SHANGHAI)


@pytest.fixture(scope="module")
def world(database) -> Iterator[PolicyTrail]:
    with private_app(database) as app:
        for n, (code, (name, series, level, branch)) in enumerate(AGENTS.items()):
            app.execute(
                factories.register_agent(
                    code, name=name, rank_series=series, rank_level=level, branch=branch,
                    id_number=f"11010119850101{n:04d}", phone=f"1390000{n:04d}",
                ),
                ACTOR,
            )  # fmt: skip
        for code, premium, attendance, log, discretion in (
            ("A0001", "0.75", "0.85", "0.95", 7),
            ("A0002", "0.29", "0.49", "1", 10),
        ):
            app.execute(
                RecordPlannerMonthlyInputs(
                    agent_code=code, month="2026-02", premium_task_rate=Decimal(premium),
                    attendance_rate=Decimal(attendance), work_log_pass_rate=Decimal(log),
                    discretion_points=discretion, occurred_at=t(3, 2),
                ),
                ACTOR,
            )  # fmt: skip
        n = 0
        # February: one callback (signed and registered 02-12, due 02-22), succeeded
        holder = factories.person(id_number="110101199001010001", phone="13812340001")
        open_callback(
            app, ACTOR, "PT0001", signed_on=date(2026, 2, 12), registered_on=date(2026, 2, 12),
            registered_at=t(2, 12), policyholder=holder, underwritten_on=date(2026, 2, 10),
        )  # fmt: skip
        reach(app, t(2, 13), "PT0001")
        answer_all(app, t(2, 13, 11), "PT0001")
        # March: every agent of both branches has callbacks due (signed 03-02 → due 03-12), none reached
        for code, (_, _, _, branch) in AGENTS.items():
            for _ in range(3):
                n += 1
                holder = factories.person(id_number=f"11010119900202{n:04d}", phone=f"1371111{n:04d}")
                open_callback(
                    app, ACTOR, f"PT1{n:04d}", registered_at=t(3, 2), policyholder=holder,
                    agent_code=code, branch=branch,
                )  # fmt: skip
        catch_up(app, *registry.names())
        clock: FixedClock = app.clock  # type: ignore[assignment]
        clock.set(NOW)
        yield app


def page(app: PolicyTrail, role: str = "manager", scope: str = "all", **params: str) -> str:
    c = TestClient(create_api(app))
    login = c.get("/", params={"token": token(app, role, scope)}, follow_redirects=False)
    assert login.status_code == 303  # the token goes into the cookie; then the page with its parameters
    r = c.get("/", params={"month": "2026-03", **params})
    assert r.status_code == 200, r.text
    assert f'<span id="month">{params.get("month", "2026-03")}</span>' in r.text
    return r.text


def test_sc01_score_and_breakdown_where_inputs_exist_and_no_inputs_where_not(world):
    html = page(world)
    shown = figures(html)
    assert shown["agent.A0001.score"] == "73"
    assert {k.rsplit(".", 1)[1]: v for k, v in shown.items() if k.startswith("agent.A0001.score.")} == {
        "rank": "26",
        "premium_task": "14",
        "attendance": "8",
        "work_log": "18",
        "discretion": "7",
    }
    assert shown["agent.A0002.score"] == "70" and shown["agent.A0002.score.rank"] == "40"
    assert (shown["agent.A0002.score.premium_task"], shown["agent.A0002.score.attendance"]) == ("0", "0")
    assert shown["agent.A0003.score"] == "无输入 no inputs"
    assert "2026-02 考核 inputs" in html  # the performance month the score belongs to


def test_score_sorting_puts_agents_without_inputs_last(world):
    html = page(world, sort="score", order="desc")
    order = [k.split(".")[1] for k in figures(html) if k.endswith(".score") and k.startswith("agent.")]
    assert order[:2] == ["A0001", "A0002"] and set(order[2:]) == {"A0003", "B0001"}
    ascending = page(world, sort="score", order="asc")
    order = [k.split(".")[1] for k in figures(ascending) if k.endswith(".score") and k.startswith("agent.")]
    assert order[:2] == ["A0002", "A0001"]  # 70 before 73; no inputs still last


def test_managers_see_agents_names_within_their_scope(world):
    shown = figures(page(world))
    names = {k.split(".")[1]: v for k, v in shown.items() if k.endswith(".name")}
    assert names == {code: name for code, (name, *_) in AGENTS.items()}
    # the names are what the agents' records say (GET /agents/{code}, unmasked for an admin
    # who states a reason, RC-03)
    admin = auth(token(world, "admin"))
    api = TestClient(create_api(world))
    for code, name in names.items():
        record = api.get(f"/agents/{code}", params={"access_reason": "核对看板 check"}, headers=admin)
        assert record.json()["name"] == name
    branch = figures(page(world, scope=f"branch:{BJ}"))
    assert {k.split(".")[1] for k in branch if k.endswith(".name")} == {"A0001", "A0002", "A0003"}
    assert "孙七" not in page(world, scope=f"branch:{BJ}")


def test_a_partial_previous_month_is_marked_not_shown_as_a_drop(world):
    html = page(world)
    shown = figures(html)
    assert shown["kpi.success_rate.previous"] == "100.00%"  # February: 1 of 1
    assert shown["kpi.success_rate.value"] == "0.00%"  # March: 0 of 12
    assert shown["kpi.success_rate.trend"] == "不完整 partial"
    assert "▼" not in html.split('id="kpis"')[1].split("</section>")[0]
    assert "数据自 2026-02-12 起" in html and "data only from 2026-02-12" in html
    assert 'id="month-coverage"' not in html  # March itself is whole


def test_a_whole_previous_month_keeps_its_trend(world):
    html = page(world, month="2026-04")  # April against March (whole): April has nothing due
    assert 'id="previous-coverage"' not in html
    assert 'id="month-coverage"' in html  # April is not over on 04-02


def test_month_coverage(world):
    schema = world.settings.read_schema
    with reading(world) as conn:
        feb = month_coverage(conn, schema, "2026-02", now=NOW)
        march = month_coverage(conn, schema, "2026-03", now=NOW)
        april = month_coverage(conn, schema, "2026-04", now=NOW)
        in_march = month_coverage(conn, schema, "2026-03", now=t(3, 31, 23))
        shanghai = month_coverage(conn, schema, "2026-02", now=NOW, branch=SH)
    assert (feb.partial, feb.data_from, feb.in_progress) == (True, date(2026, 2, 12), False)
    assert (march.partial, march.in_progress) == (False, False)
    assert (april.partial, april.in_progress) == (True, True)
    assert in_march.partial and in_march.in_progress  # the last day is still in progress
    assert (shanghai.partial, shanghai.data_from) == (True, date(2026, 3, 2))
