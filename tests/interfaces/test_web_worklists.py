"""Worklist pages (工作队列页面): the call queue, a branch's work orders in OC-05 order, the
servicers' queue — scoped like the API (TestClient) and showing, in headless Chromium,
the rows the API's JSON answers for the same token, in the same order."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient

from domain.shared.time import local
from interfaces.api import create_api
from interfaces.web.pages import COOKIE
from tests.api_support import auth, token
from tests.read_api_support import BJ, SH, demo_world, figures
from tests.web_support import CHROMIUM, dump_dom

PAGES = ("/ui/worklists/calls", "/ui/worklists/work-orders", "/ui/worklists/service-cases")


@pytest.fixture(scope="module")
def world(database) -> Iterator[Any]:
    with demo_world(database) as app:
        yield app


def logged_in(app: Any, role: str, scope: str) -> TestClient:
    c = TestClient(create_api(app))
    r = c.get(PAGES[0], params={"token": token(app, role, scope)}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == PAGES[0]
    assert f"{COOKIE}=" in r.headers["set-cookie"] and "HttpOnly" in r.headers["set-cookie"]
    return c


def rows(html: str) -> list[str]:
    return re.findall(r'data-row="([^"]+)"', html)


def test_without_a_token_the_login_form_and_a_bad_token_is_refused(world):
    c = TestClient(create_api(world))
    for path in PAGES:
        r = c.get(path)
        assert r.status_code == 401 and 'name="token"' in r.text
    r = c.get(PAGES[0], params={"token": "pt_nonsense"}, follow_redirects=False)
    assert r.status_code == 401 and "unknown or revoked token" in r.text
    assert COOKIE not in r.headers.get("set-cookie", "")


def test_the_call_centre_works_the_queues_but_has_no_dashboard(world):
    c = logged_in(world, "callcentre", "all")
    assert c.get("/").status_code == 403
    r = c.get(PAGES[0])
    assert r.status_code == 200 and "回访待呼" in r.text and "Call queue" in r.text
    api = TestClient(create_api(world)).get(
        "/worklists/calls?limit=100", headers=auth(token(world, "callcentre"))
    )
    assert rows(r.text) == [i["policy_number"] for i in api.json()["items"]] != []


def test_a_branch_token_sees_its_branch_only_and_is_refused_another(world):
    c = logged_in(world, "branch", f"branch:{BJ}")
    html = c.get(PAGES[0]).text
    assert 'id="worklist"' in html and SH not in html.split('id="worklist"')[1]
    orders = c.get(PAGES[1])  # its own branch by default
    assert orders.status_code == 200 and rows(orders.text)
    for path in PAGES:
        r = c.get(path, params={"branch": SH})
        assert r.status_code == 403 and "超出令牌的数据范围" in r.text, path


def test_an_agent_token_gets_its_own_rows_and_no_branch_queue(world):
    c = logged_in(world, "agent", "agent:BJ0002")
    r = c.get(PAGES[1], params={"branch": BJ})
    assert r.status_code == 403
    calls = c.get(PAGES[0])
    api = TestClient(create_api(world)).get(
        "/worklists/calls?limit=100", headers=auth(token(world, "agent", "agent:BJ0002"))
    )
    assert calls.status_code == 200 and rows(calls.text) == [i["policy_number"] for i in api.json()["items"]]


def test_a_manager_must_name_the_branch_of_a_work_order_queue(world):
    c = logged_in(world, "manager", "all")
    r = c.get(PAGES[1])  # the API answers 400 without a branch; the page offers the branches
    assert r.status_code == 200 and "choose one" in r.text
    api = TestClient(create_api(world)).get("/worklists/work-orders", headers=auth(token(world, "manager")))
    assert api.status_code == 400
    listed = re.findall(r'href="/ui/worklists/work-orders\?branch=([^"]+)"', r.text)
    assert len(listed) >= 2 and all(
        c.get(PAGES[1], params={"branch": unquote(b)}).status_code == 200 for b in listed
    )
    assert c.get(PAGES[1], params={"branch": BJ}).status_code == 200
    assert c.get(PAGES[0], params={"branch": "x" * 61}).status_code in (400, 422)


def test_a_cycle_that_ran_out_stays_listed_until_decided(world):
    c = logged_in(world, "callcentre", "all")
    before = c.get(PAGES[0]).text
    api = TestClient(create_api(world)).get(
        "/worklists/calls?limit=100", headers=auth(token(world, "callcentre"))
    )
    ends = [datetime.fromisoformat(i["cycle_ends_at"]) for i in api.json()["items"]]
    assert not any(i["cycle_expired"] for i in api.json()["items"])
    clock = world.clock
    saved = clock.now()
    clock.set(max(ends) + timedelta(minutes=1))  # every running cycle (CA-02) has run out; no tick here
    try:
        after = c.get(PAGES[0]).text
    finally:
        clock.set(saved)
    assert rows(after) == rows(before) != []
    shown = figures(after)
    for number in rows(after):
        assert shown[f"row.{number}.status"] == "周期已满待关闭 cycle ended, closing"
        assert shown[f"row.{number}.callable_now"] == "否 no"


# ----- the browser ------------------------------------------------------------------------------
def when(value: str | None) -> str:
    return "—" if value is None else local(datetime.fromisoformat(value)).strftime("%Y-%m-%d %H:%M")


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium installed (CI installs Debian's chromium)")
@pytest.mark.parametrize(
    ("page", "api", "role", "scope"),
    [
        (PAGES[0], "/worklists/calls", "callcentre", "all"),
        (PAGES[1], "/worklists/work-orders", "branch", f"branch:{BJ}"),
        (PAGES[2], "/worklists/service-cases", "servicer", "all"),
    ],
)
def test_the_browser_shows_the_rows_the_api_answers(world, served, page, api, role, scope):
    secret = token(world, role, scope)
    dom = dump_dom(f"{served}{page}?token={secret}")
    shown = figures(dom)
    assert "total" in shown, "the page did not render in Chromium:\n" + dom[:2000]
    r = TestClient(create_api(world)).get(f"{api}?limit=100", headers=auth(secret))
    assert r.status_code == 200, r.text
    body = r.json()
    items = body["items"]
    assert items, "the demo month has rows in every queue"
    expected: dict[str, str] = {"total": str(body["total"])}
    if page == PAGES[0]:
        ids = [i["policy_number"] for i in items]
        for i in items:
            k = f"row.{i['policy_number']}"
            expected |= {
                f"{k}.due_on": i["due_on"],
                f"{k}.days_left": str(i["days_left"]),
                f"{k}.attempts": f"{i['attempts_made']} / {i['attempts_left']}",
                f"{k}.next_window": when(i["next_window"]["start"] if i["next_window"] else None),
                f"{k}.callable_now": "是 yes" if i["callable_now"] else "否 no",
            }
    elif page == PAGES[1]:
        ids = [i["work_order_id"] for i in items]
        for i in items:
            k = f"row.{i['work_order_id']}"
            expected |= {
                f"{k}.rank": str(i["rank"]),
                f"{k}.type": i["work_order_type"]["zh"],
                f"{k}.deadline": when(i["deadline_at"]),
                f"{k}.status": f"{i['status']['zh']} {i['status']['en']}",
                f"{k}.sent_on": i["sent_on"],
            }
    else:
        ids = [i["case_id"] for i in items]
        for i in items:
            k = f"row.{i['case_id']}"
            expected |= {
                f"{k}.rank": str(i["rank"]),
                f"{k}.premium_due_on": i["premium_due_on"] or "—",
                f"{k}.contacts": str(i["contact_attempts"]),
            }
    assert rows(dom) == ids  # same rows, same order (OC-05 / PS-04 / cooling-off end)
    assert {k: shown.get(k) for k in expected} == expected
