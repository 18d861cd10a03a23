"""Service-standard worklist pages (SL-01..SL-04): scoped like their GETs, and in headless
Chromium showing the rows the API's JSON answers for the same token, in the same order."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from application.claims import DispatchClaim, ReportClaim
from domain.shared.time import local
from interfaces.api import create_api
from tests.api_support import auth, token
from tests.read_api_support import BJ, SH, demo_world, figures
from tests.read_model_steps import ACTOR, catch_up
from tests.web_support import CHROMIUM, dump_dom

PAGES = {
    "/ui/worklists/complaints": "/worklists/complaints",
    "/ui/worklists/claims": "/worklists/claims",
    "/ui/worklists/care-callbacks": "/worklists/care-callbacks",
    "/ui/worklists/renewal-reminders": "/worklists/renewal-reminders",
}


@pytest.fixture(scope="module")
def world(database) -> Iterator[Any]:
    with demo_world(database) as app:
        # the demo's claims are all handled by its "now": two dispatched in 北京 whose steps are due
        now = app.clock.now()
        for no in ("CLW1", "CLW2"):
            app.execute(
                ReportClaim(claim_no=no, line="车险", branch=BJ, customer="客户", occurred_at=now), ACTOR
            )
            app.execute(DispatchClaim(claim_no=no, handler_id="SV01", occurred_at=now), ACTOR)
        catch_up(app, "timeliness", "scorecards")
        yield app


def rows(html: str) -> list[str]:
    return re.findall(r'data-row="([^"]+)"', html)


def reminding_agent(app: Any) -> str:
    """An agent of the demo month with renewal reminders due and not made (from the admin's view)."""
    api = TestClient(create_api(app))
    today = local(app.clock.now()).date().isoformat()
    r = api.get(
        f"/timeliness?kind=renewal_reminder&open_only=true&due_to={today}&limit=500",
        headers=auth(token(app, "admin")),
    )
    codes = sorted({i["agent_code"] for i in r.json()["items"]})
    assert codes, "the demo month has renewal reminders due"
    return codes[0]


def test_the_pages_are_scoped_like_the_api(world):
    c = TestClient(create_api(world))
    for page in PAGES:
        assert c.get(page).status_code == 401  # the login form
    c.get("/ui/worklists/complaints", params={"token": token(world, "branch", f"branch:{BJ}")})
    for page in list(PAGES)[:3]:
        own = c.get(page)
        assert own.status_code == 200 and SH not in own.text.split('id="worklist"')[1], page
        assert c.get(page, params={"branch": SH}).status_code == 403, page
    agent = TestClient(create_api(world))
    code = reminding_agent(world)
    agent.get("/ui/worklists/renewal-reminders", params={"token": token(world, "agent", f"agent:{code}")})
    assert agent.get("/ui/worklists/complaints").status_code == 403
    mine = agent.get("/ui/worklists/renewal-reminders")
    assert mine.status_code == 200 and rows(mine.text)
    assert agent.get("/ui/worklists/renewal-reminders", params={"agent_code": "ZZ9999"}).status_code == 403


def when(value: str | None) -> str:
    return "—" if value is None else local(datetime.fromisoformat(value)).strftime("%Y-%m-%d %H:%M")


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium installed (CI installs Debian's chromium)")
@pytest.mark.parametrize("page", list(PAGES))
def test_the_browser_shows_the_rows_the_api_answers(world, served, page):
    if page.endswith("renewal-reminders"):
        secret = token(world, "agent", f"agent:{reminding_agent(world)}")
    else:  # a branch with rows in this queue (the demo's claims may sit in one branch only)
        everyone = TestClient(create_api(world)).get(PAGES[page], headers=auth(token(world, "admin")))
        branches = sorted({i["branch"] for i in everyone.json()["items"]})
        assert branches, f"the demo month has rows in {page}"
        secret = token(world, "branch", f"branch:{branches[0]}")
    dom = dump_dom(f"{served}{page}?token={secret}")
    shown = figures(dom)
    assert "total" in shown, "the page did not render in Chromium:\n" + dom[:2000]
    r = TestClient(create_api(world)).get(f"{PAGES[page]}?limit=100", headers=auth(secret))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["items"], f"the demo month has rows in {page}"
    expected: dict[str, str] = {"total": str(body["total"])}
    for i in body["items"]:
        k = f"row.{i['obligation_id']}"
        expected |= {
            f"{k}.rule": i["rule_id"],
            f"{k}.detail": i["detail"],
            f"{k}.who": i["agent_code"] or "—",
            f"{k}.due": when(i["due_at"]),
            f"{k}.status": f"{i['status']['zh']} {i['status']['en']}" if i["status"] else "—",
        }
    assert rows(dom) == [i["obligation_id"] for i in body["items"]]  # same rows, same order
    assert {k: shown.get(k) for k in expected} == expected
