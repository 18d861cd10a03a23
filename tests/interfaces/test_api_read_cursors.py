"""Keyset cursors of the big lists (#17): complete, and no way out of the caller's rows.

A cursor is the last row's sort key plus a fingerprint of the query it was made for
(the filters after the caller's scope narrowed them). The server applies the request's
filters and scope again on every page, so a cursor can only choose where to continue
within those rows; a cursor of other filters or another scope, an altered one or
garbage is a 400 problem+json.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from interfaces.api import create_api
from tests.api_support import auth, token
from tests.read_api_support import BJ, SH, demo_world

BJ_AGENT = "BJ0002"
BJ_POLICY = "PBJ261000009"
#: the lists that page by key, and the id that tells their rows apart
KEYSET_LISTS = [
    ("/timeliness", "obligation_id"),
    ("/timeliness?open_only=true", "obligation_id"),
    (f"/timeliness?branch={BJ}", "obligation_id"),
    ("/audit-trail", "position"),
    (f"/policies/{BJ_POLICY}/audit-trail", "position"),
    (f"/agents/{BJ_AGENT}/audit-trail", "position"),
    ("/worklists/calls", "callback_id"),
]
#: the service-standard queues page like /timeliness (they are its rows)
SERVICE_QUEUES = ["/worklists/complaints", "/worklists/claims", "/worklists/care-callbacks"]


@pytest.fixture(scope="module")
def world(database) -> Iterator[tuple[Any, TestClient]]:
    with demo_world(database) as app:
        yield app, TestClient(create_api(app))


@pytest.fixture(scope="module")
def admin(world) -> dict[str, str]:
    return auth(token(world[0], "admin"))


def kind(r: Any) -> str:
    assert r.headers["content-type"] == "application/problem+json", r.text
    return str(r.json()["type"].rsplit(":", 1)[1])


def join(path: str, query: str) -> str:
    return f"{path}{'&' if '?' in path else '?'}{query}"


def walk(
    c: TestClient, path: str, headers: dict[str, str], limit: int, rows_wanted: int
) -> list[dict[str, Any]]:
    """The first ``rows_wanted`` rows of a list (or all) by following ``next_cursor``."""
    rows: list[dict[str, Any]] = []
    page = c.get(join(path, f"limit={limit}"), headers=headers).json()
    while True:
        rows += page["items"]
        if page["next_cursor"] is None or len(rows) >= rows_wanted:
            return rows[:rows_wanted]
        r = c.get(join(path, f"limit={limit}&cursor={page['next_cursor']}"), headers=headers)
        assert r.status_code == 200, r.text
        page = r.json()
        assert page["next_offset"] is None and page["offset"] == 0  # no offset after a cursor


def forge(cursor: str, **changes: Any) -> str:
    """A cursor with its parts changed (what an attacker can do: it is not secret)."""
    raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    version, bound, key = raw
    parts = {"version": version, "bound": bound, "key": key} | changes
    text = json.dumps([parts["version"], parts["bound"], parts["key"]])
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize(("path", "key"), KEYSET_LISTS)
def test_following_the_cursor_lists_every_row_once_in_order(world, admin, path, key):
    _, c = world
    whole = c.get(join(path, "limit=500"), headers=admin).json()
    rows = whole["items"]
    assert whole["total"] >= len(rows) > 1, path
    limit = 7 if len(rows) > 14 else 1  # several pages, the last one short when it can be
    walked = walk(c, path, admin, limit, len(rows))
    assert [r[key] for r in walked] == [r[key] for r in rows]
    if whole["total"] == len(rows):  # the whole list: the last page says so
        assert len(walk(c, path, admin, limit, len(rows) + 1)) == len(rows)


@pytest.mark.parametrize(
    "cursor",
    [
        "not-a-cursor!",
        "e30",  # {} in base64
        base64.urlsafe_b64encode(b'[1, "x", ["2026-10-01", "a"]]').decode(),  # another query's
        base64.urlsafe_b64encode(b"[2, 1]").decode(),
    ],
)
def test_garbage_cursors_are_400_problem_json(world, admin, cursor):
    for path in [p for p, _ in KEYSET_LISTS] + SERVICE_QUEUES:
        r = world[1].get(join(path, f"cursor={cursor}"), headers=admin)
        assert (r.status_code, kind(r)) == (400, "invalid-input"), (path, r.text)


def test_a_cursor_of_other_filters_is_refused(world, admin):
    _, c = world
    cursor = c.get(f"/timeliness?branch={BJ}&limit=3", headers=admin).json()["next_cursor"]
    r = c.get(f"/timeliness?branch={SH}&limit=3&cursor={cursor}", headers=admin)
    assert (r.status_code, kind(r)) == (400, "invalid-input")
    calls = c.get("/worklists/calls?limit=3", headers=admin).json()["next_cursor"]
    r = c.get(f"/timeliness?limit=3&cursor={calls}", headers=admin)  # another list's
    assert (r.status_code, kind(r)) == (400, "invalid-input")


def test_a_cursor_never_leads_out_of_the_callers_scope(world, admin):
    app, c = world
    agent = auth(token(app, "agent", f"agent:{BJ_AGENT}"))
    branch = auth(token(app, "branch", f"branch:{BJ}"))
    everyone = c.get("/timeliness?limit=3", headers=admin).json()["next_cursor"]
    # the admin's cursor (no scope filter) is not the agent's or the branch's query
    for h in (agent, branch):
        r = c.get(f"/timeliness?limit=3&cursor={everyone}", headers=h)
        assert (r.status_code, kind(r)) == (400, "invalid-input")
    # the agent's own cursor with its key moved back to the very start: still only its rows
    own = c.get("/timeliness?limit=2", headers=agent).json()
    assert own["next_cursor"] and {i["agent_code"] for i in own["items"]} == {BJ_AGENT}
    rewound = forge(own["next_cursor"], key=["1970-01-01T00:00:00+00:00", ""])
    r = c.get(f"/timeliness?limit=500&cursor={rewound}", headers=agent)
    assert r.status_code == 200 and {i["agent_code"] for i in r.json()["items"]} == {BJ_AGENT}
    # the branch's audit trail from position 0 on: still only the branch's
    mine = c.get("/audit-trail?limit=2", headers=branch).json()
    rewound = forge(mine["next_cursor"], key=[0])
    items = c.get(f"/audit-trail?limit=500&cursor={rewound}", headers=branch).json()["items"]
    assert items and all(k.startswith("BJ") for a in items for k in a["agent_codes"])
    # a key of the wrong type is refused, not cast
    r = c.get(f"/audit-trail?limit=2&cursor={forge(mine['next_cursor'], key=['0'])}", headers=branch)
    assert (r.status_code, kind(r)) == (400, "invalid-input")


def test_cursor_and_offset_do_not_mix_and_offsets_stay_small(world, admin):
    _, c = world
    cursor = c.get("/timeliness?limit=3", headers=admin).json()["next_cursor"]
    r = c.get(f"/timeliness?limit=3&offset=3&cursor={cursor}", headers=admin)
    assert (r.status_code, kind(r)) == (400, "invalid-input")
    for path, _ in KEYSET_LISTS:
        r = c.get(join(path, "offset=10001"), headers=admin)
        assert (r.status_code, kind(r)) == (400, "invalid-input"), path
        assert c.get(join(path, "offset=10000"), headers=admin).status_code == 200


def test_openapi_documents_the_cursor(world):
    spec = world[1].get("/openapi.json").json()
    for path in ("/timeliness", "/audit-trail", "/worklists/calls", "/policies/{policy_number}/audit-trail"):
        params = {p["name"]: p for p in spec["paths"][path]["get"]["parameters"]}
        assert "next_cursor" in params["cursor"]["description"], path
