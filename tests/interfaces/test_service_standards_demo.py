"""The demo month's service-standard stories (SL-01..SL-04): every planned step accepted,
and the month shows every timeliness status, exclusions and 无法联系客户."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from application.adapters.calendar import ChineseWorkingDayCalendar
from domain.parameters import RuleParameters
from domain.shared.aggregate import recording_at
from domain.shared.time import SHANGHAI
from interfaces.demo import DemoConfig, build_month
from projections.timeliness.queries import Filters, query_obligations
from tests.read_model_steps import catch_up, reading

PARAMS = RuleParameters()


@pytest.mark.parametrize("seed", [11, 2026])
def test_sl_demo_stories_are_accepted_and_show_every_status(app, seed):
    plan = build_month(
        DemoConfig(seed=seed, policies=3000, month="2026-09"), PARAMS, ChineseWorkingDayCalendar()
    )
    steps = sorted((s for s in plan.steps if "/sl/" in s.command_id), key=lambda s: (s.at, s.seq))
    assert len(steps) > 300
    for step in steps:  # every aggregate of these stories is their own: they run alone
        with recording_at(step.at + timedelta(minutes=1)):
            app.execute(step.command, step.actor)
    catch_up(app, "timeliness")
    now = datetime(2026, 10, 1, 0, 0, tzinfo=SHANGHAI)
    with reading(app) as conn:
        page = query_obligations(
            conn, app.settings.read_schema, now=now, params=PARAMS,
            filters=Filters(include_cancelled=True), limit=500,
        )  # fmt: skip
    rows = page.items
    statuses = {r.status.zh for r in rows if r.status}
    assert statuses >= {"超时", "按时完成", "逾期完成"}, statuses
    assert {r.rule_id for r in rows} >= {
        "SL-01b",
        "SL-01c",
        "SL-02b",
        "SL-03a",
        "SL-03b",
        "SL-03d",
        "SL-03e",
        "SL-04a",
    }
    reasons = {r.cancel_reason.split(" ")[0] for r in rows if r.cancelled_at}
    assert "无法联系客户" in reasons and "SL-02c" in reasons


def test_sl_dashboard_section_shows_what_the_api_answers(app):
    from fastapi.testclient import TestClient

    from interfaces.api import create_api
    from projections import registry
    from tests.api_support import auth, token
    from tests.read_api_support import figures

    plan = build_month(
        DemoConfig(seed=3, policies=1500, month="2026-09"), PARAMS, ChineseWorkingDayCalendar()
    )
    for step in sorted((s for s in plan.steps if "/sl/" in s.command_id), key=lambda s: (s.at, s.seq)):
        with recording_at(step.at + timedelta(minutes=1)):
            app.execute(step.command, step.actor)
    catch_up(app, *registry.names())
    c = TestClient(create_api(app))
    secret = token(app, "manager")
    page = c.get("/", params={"token": secret, "month": "2026-09"})
    assert page.status_code == 200 and "服务标准" in page.text and "Service standards" in page.text
    shown = figures(c.get("/?month=2026-09").text)
    rules = [
        ("rule", r)
        for r in ("SL-01b", "SL-01c", "SL-02b", "SL-03a", "SL-03b", "SL-03d", "SL-03e", "SL-04a", "SL-04b")
    ]
    api = c.get(
        "/timeliness/summary",
        params=[("group_by", "kind"), ("due_from", "2026-09-01"), ("due_to", "2026-09-30"), *rules],
        headers=auth(secret),
    )
    assert api.status_code == 200, api.text
    groups = api.json()["groups"]
    assert groups and all(shown[f"timeliness.kind.{g['key']}.total"] == str(g["total"]) for g in groups)
    assert shown["timeliness.kind.理赔时效.overdue"] == str(
        next(g for g in groups if g["key"] == "理赔时效")["overdue"]
    )
    assert any(k.startswith("complaints.") for k in shown) and any(k.startswith("claims.") for k in shown)
