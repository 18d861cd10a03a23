"""On-time rate (按时完成率) of a hand-computed month: overdue open items count against it.

RULES.md PC-03: an open item past its deadline is 超时; a closed one is 按时完成 when
closed at or before its deadline, else 逾期完成. So the on-time rate of what fell
due is 按时完成 / (按时完成 + 逾期完成 + 超时); an open item still before its deadline
(正常/警告) is not decided yet and is in neither part.

The month (March 2026, read on 03-31 10:00), Beijing branch, agency channel:
- A: 120 one-year policies (CB-01: no callback), receipt registered the day it was
  signed → CB-05 (due the end of the next day) 按时完成;
- B: 40 one-year policies, registered 3 days after signing → CB-05 逾期完成;
- C: 60 twenty-year policies signed 03-05, registered the same day → CB-05 按时完成,
  and the callback (CB-03: cooling-off 10 natural days from the day after signing,
  ends 03-15) never made → 超时;
- E: 20 twenty-year policies signed 03-21 → CB-05 按时完成; cooling-off ends 03-31,
  so at 03-31 10:00 the callback is inside the last 2 days (PC-03 warning) → 警告.

Hand count: 按时完成 120 + 60 + 20 = 200, 逾期完成 40, 超时 60, 警告 20, total 320.
On-time rate 200 / 300 = 66.67 % (not 200 / 240 = 83.33 %, which ignored the 60 overdue).
Overdue rate (超时 + 逾期完成) / total = 100 / 320 = 31.25 %.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from application.app import PolicyTrail
from application.clock import FixedClock
from application.policies import RegisterReceipt
from domain.shared.actor import Actor
from domain.shared.time import SHANGHAI
from interfaces.api import create_api
from projections import registry
from tests import factories
from tests.api_support import auth, token
from tests.read_api_support import figures
from tests.read_model_steps import catch_up, private_app

BJ = "北京分公司"
ACTOR = Actor(id="tester", role="admin")
NOW = datetime(2026, 3, 31, 10, 0, tzinfo=SHANGHAI)
GROUPS = {"A": 120, "B": 40, "C": 60, "E": 20}


def person(n: int) -> factories.PersonIn:
    return factories.person(id_number=f"11010119800101{n:04d}", phone=f"1371234{n:04d}")


def policy(app: PolicyTrail, n: int, *, years: int, signed: date, registered: date) -> None:
    number = f"PT2603{n:05d}"
    app.execute(
        factories.issue_policy(
            number,
            policyholder=person(n),
            term_value=years,
            agent_code="A0001",
            # issued on the underwriting day, before any receipt (RC-01b)
            occurred_at=datetime(2026, 3, 1, 9, 0, tzinfo=SHANGHAI),
        ),
        ACTOR,
    )
    app.execute(
        RegisterReceipt(
            policy_number=number,
            signed_on=signed,
            registered_on=registered,
            occurred_at=datetime.combine(registered, datetime.min.time(), SHANGHAI).replace(hour=16),
        ),
        ACTOR,
    )


@pytest.fixture(scope="module")
def month(database) -> Iterator[PolicyTrail]:
    with private_app(database) as app:
        app.execute(factories.register_agent("A0001"), ACTOR)
        n = 0
        for i in range(GROUPS["A"]):
            day = date(2026, 3, 1 + i % 20)
            policy(app, n := n + 1, years=1, signed=day, registered=day)
        for i in range(GROUPS["B"]):
            day = date(2026, 3, 1 + i % 20)
            policy(app, n := n + 1, years=1, signed=day, registered=day.replace(day=day.day + 3))
        for _ in range(GROUPS["C"]):
            policy(app, n := n + 1, years=20, signed=date(2026, 3, 5), registered=date(2026, 3, 5))
        for _ in range(GROUPS["E"]):
            policy(app, n := n + 1, years=20, signed=date(2026, 3, 21), registered=date(2026, 3, 21))
        catch_up(app, *registry.names())
        clock: FixedClock = app.clock  # type: ignore[assignment]
        clock.set(NOW)
        yield app


def summary(app: PolicyTrail, secret: str) -> dict[str, Any]:
    r = TestClient(create_api(app)).get(
        "/timeliness/summary?group_by=branch&due_from=2026-03-01&due_to=2026-03-31", headers=auth(secret)
    )
    assert r.status_code == 200, r.text
    return r.json()


def test_pc03_overdue_open_items_count_against_the_on_time_rate(month):
    (bj,) = summary(month, token(month, "manager", "all"))["groups"]
    assert bj["key"] == BJ
    counts = {s: bj[s] for s in ("total", "normal", "warning", "overdue", "closed_on_time", "closed_late")}
    assert counts == {
        "total": 320,
        "normal": 0,
        "warning": 20,
        "overdue": 60,
        "closed_on_time": 200,
        "closed_late": 40,
    }
    assert (bj["on_time_rate"]["numerator"], bj["on_time_rate"]["denominator"]) == (200, 300)
    assert bj["on_time_rate"]["value"] == "0.6667"
    assert (bj["overdue_rate"]["numerator"], bj["overdue_rate"]["denominator"]) == (100, 320)


def test_the_dashboard_shows_the_same_on_time_rate(month):
    c = TestClient(create_api(month))
    r = c.get("/", params={"token": token(month, "manager", "all"), "month": "2026-03"})
    assert r.status_code == 200
    shown = figures(r.text)
    assert shown[f"timeliness.branch.{BJ}.on_time_rate"] == "66.67%"
    assert shown[f"timeliness.branch.{BJ}.overdue_rate"] == "31.25%"
    assert shown[f"timeliness.branch.{BJ}.overdue"] == "60"
