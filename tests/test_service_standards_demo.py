"""The demo month's service-standard stories (SL-01..SL-04): every planned step accepted,
and the month shows every timeliness status, exclusions and 无法联系客户."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from application.calendar import ChineseWorkingDayCalendar
from application.demo import DemoConfig, build_month
from domain.parameters import RuleParameters
from domain.shared.aggregate import recording_at
from domain.shared.time import SHANGHAI
from projections.queries.timeliness import Filters, query_obligations
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
