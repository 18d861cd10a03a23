"""The managers' dashboard: login, scope, content (TestClient), and a headless-Chromium run
whose displayed figures must equal the JSON API's answers."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from interfaces.api import create_api
from interfaces.web.pages import COOKIE
from tests.api_support import auth, token
from tests.read_api_support import BJ, MONTH, PREVIOUS, SH, demo_world, figures, num, pct
from tests.web_support import CHROMIUM, dump_dom


@pytest.fixture(scope="module")
def world(database) -> Iterator[Any]:
    with demo_world(database) as app:
        yield app


def logged_in(app: Any, role: str = "manager", scope: str = "all") -> TestClient:
    c = TestClient(create_api(app))
    r = c.get("/", params={"token": token(app, role, scope)}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"
    cookie = r.headers["set-cookie"]
    assert f"{COOKIE}=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
    return c


def test_without_a_token_the_login_form(world):
    c = TestClient(create_api(world))
    r = c.get("/")
    assert r.status_code == 401 and 'name="token"' in r.text and "登录 Log in" in r.text
    r = c.get("/", params={"token": "pt_nonsense"}, follow_redirects=False)
    assert r.status_code == 401 and "unknown, expired or revoked token" in r.text
    r = c.post("/login", data={"token": token(world, "auditor")}, follow_redirects=False)
    assert r.status_code == 303 and COOKIE in r.headers["set-cookie"]
    assert c.get("/").status_code == 200
    assert c.get("/logout", follow_redirects=False).status_code == 303


@pytest.mark.parametrize(
    ("role", "scope"), [("agent", "agent:BJ0002"), ("callcentre", "all"), ("branch", f"branch:{BJ}")]
)
def test_roles_without_the_dashboard_get_403(world, role, scope):
    c = logged_in(world, role, scope)
    r = c.get("/")
    assert r.status_code == 403 and "may not view the dashboard" in r.text


def test_the_page_shows_every_section_in_chinese_and_english(world):
    r = logged_in(world).get("/")
    assert r.status_code == 200
    html = r.text
    for text in ("回访成功率", "callback success rate", "问题件处理完成率", "时效", "by channel",
                 "风险工单", "Work orders at risk", "业务员考核", "Agent scorecards", "<svg"):  # fmt: skip
        assert text in html, text
    shown = figures(html)
    assert shown[f"branch.{BJ}.due"] and shown[f"branch.{SH}.due"]
    assert int(shown["at_risk.total"]) > 0
    assert "/ui/audit-trail?aggregate_id=" in html and "/ui/static/dashboard.css" in html
    assert 'src="http' not in html and 'href="http' not in html  # nothing from the internet


def test_a_branch_manager_sees_only_the_branch(world):
    shown = figures(logged_in(world, "manager", f"branch:{BJ}").get("/").text)
    branches = {k.split(".")[1] for k in shown if k.startswith("branch.")}
    assert branches == {BJ}
    assert {k.split(".")[2] for k in shown if k.startswith("timeliness.branch.")} == {BJ, "*"}


def test_agents_sort_by_any_column(world):
    c = logged_in(world)
    rates = [
        v
        for k, v in figures(c.get("/?sort=success_rate&order=desc").text).items()
        if k.endswith(".success_rate") and k.startswith("agent.")
    ]
    values = [float(v.rstrip("%")) for v in rates if v != "—"]
    assert values == sorted(values, reverse=True) and len(set(values)) > 1


def test_audit_trail_page_of_a_policy_and_scope(world):
    c = logged_in(world, "manager", f"branch:{BJ}")
    r = c.get("/ui/audit-trail", params={"policy_number": "PBJ261000009"})
    assert r.status_code == 200 and "PBJ261000009" in r.text and "Issued" in r.text
    r = c.get("/ui/audit-trail", params={"policy_number": "PSH260900008"})
    assert r.status_code == 403 and "超出令牌的数据范围" in r.text
    assert c.get("/?month=2026-13").status_code == 400


# ----- the browser ------------------------------------------------------------------------------
@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium installed (CI installs Debian's chromium)")
def test_the_browser_shows_the_numbers_the_api_answers(world, served):
    secret = token(world, "manager", "all")
    dom = dump_dom(f"{served}/?token={secret}")
    shown = figures(dom)
    assert shown, "the dashboard did not render in Chromium:\n" + dom[:2000]
    api = TestClient(create_api(world))
    h = auth(secret)

    def get(path: str) -> Any:
        r = api.get(path, headers=h)
        assert r.status_code == 200, r.text
        return r.json()

    expected: dict[str, str] = {}
    cards = get(f"/kpis?by=branch&month_from={PREVIOUS}&month_to={MONTH}&limit=500")["items"]
    current = [c for c in cards if c["month"] == MONTH]
    for c in current:
        k, cb, wo = f"branch.{c['key']}", c["callbacks"], c["work_orders"]
        expected |= {
            f"{k}.due": num(cb["due"]),
            f"{k}.successful": num(cb["successful"]),
            f"{k}.success_rate": pct(cb["success_rate"]["value"]),
            f"{k}.success_rate_within_cooling_off": pct(cb["success_rate_within_cooling_off"]["value"]),
            f"{k}.problem_ratio": pct(cb["problem_ratio"]["value"]),
            f"{k}.work_orders_due": num(wo["due"]),
            f"{k}.handling_rate": pct(wo["handling_rate"]["value"]),
        }
    successful, due = (sum(c["callbacks"][n] for c in current) for n in ("successful", "due"))
    expected |= {"kpi.success_rate.numerator": num(successful), "kpi.success_rate.denominator": num(due)}
    rate = (Decimal(successful) / Decimal(due)).quantize(Decimal("0.0001"), ROUND_HALF_UP)
    expected["kpi.success_rate.value"] = pct(str(rate))
    for dim in ("branch", "channel"):
        summary = get(f"/timeliness/summary?group_by={dim}&due_from={MONTH}-01&due_to={MONTH}-31")
        for g in summary["groups"]:
            k = f"timeliness.{dim}.{g['key'] or ''}"  # a null key (no channel: SL rows) as the page marks it
            for n in ("total", "normal", "warning", "overdue", "closed_on_time", "closed_late"):
                expected[f"{k}.{n}"] = num(g[n])
            expected[f"{k}.overdue_rate"] = pct(g["overdue_rate"]["value"])
            expected[f"{k}.on_time_rate"] = pct(g["on_time_rate"]["value"])
        expected[f"timeliness.{dim}.*.total"] = num(summary["total"]["total"])
    at_risk = get("/timeliness?kind=work_order&status=warning&status=overdue&limit=1")
    expected["at_risk.total"] = num(at_risk["total"])
    for a in get(f"/scorecards/agents?month={MONTH}&limit=500")["items"]:
        k = f"agent.{a['key']}"
        expected[f"{k}.due"] = num(a["callbacks"]["due"])
        expected[f"{k}.success_rate"] = pct(a["callbacks"]["success_rate"]["value"])
        expected[f"{k}.handling_rate"] = pct(a["work_orders"]["handling_rate"]["value"])

    # agents' names (staff data) as their records say; SC-01 of the month before (the inputs this
    # month's allocation uses) where inputs exist, else "no inputs"; the partial month marked
    admin = auth(token(world, "admin"))
    previous_scores = get(f"/scorecards/agents?month={PREVIOUS}&limit=500")["items"]
    scored = {a["key"]: a["planner_score"] for a in previous_scores if a["planner_score"]}
    for a in get(f"/scorecards/agents?month={MONTH}&limit=500")["items"]:
        k = f"agent.{a['key']}"
        # the API unmasks an agent's record only with a stated reason (RC-03); the dashboard
        # shows managers their agents' names as staff data (业务员姓名)
        record = api.get(f"/agents/{a['key']}", params={"access_reason": "核对看板 check"}, headers=admin)
        assert record.status_code == 200
        expected[f"{k}.name"] = record.json()["name"]
        expected[f"{k}.score"] = str(scored[a["key"]]["total"]) if a["key"] in scored else "无输入 no inputs"
    assert scored, "the demo month records SC-01 inputs for the month before"
    expected["kpi.success_rate.trend"] = "不完整 partial"  # the demo's data start mid-September

    assert len(expected) > 50 and at_risk["total"] > 0
    assert {k: shown.get(k) for k in expected} == expected
