"""Every role against its own and another's scope; auditors and regulators change nothing."""

from __future__ import annotations

import pytest

from domain.shared.errors import InvalidInput
from interfaces.api.commands import example_for
from interfaces.api.permissions import PERMISSIONS, Scope
from interfaces.api.routes import COMMAND_TABLES
from interfaces.api.tokens import TokenStore
from tests.api_support import CALLERS, auth, client, seed_two_branches, token

ROUTES = [route for _, table in COMMAND_TABLES for route in table]
ALL_SCOPE = {(role, scope) for role, scope in CALLERS if scope == "all"}


@pytest.fixture
def world(app):
    return client(app), seed_two_branches(app)


def _kind(r) -> str:
    return r.json()["type"].rsplit(":", 1)[1] if r.status_code >= 400 else "ok"


@pytest.mark.parametrize(("role", "scope"), CALLERS)
def test_reads_stay_inside_the_scope(app, world, role, scope):
    c, data = world
    h = auth(token(app, role, scope))
    own = [f"/policies/{data.bj_policy}", f"/policies/{data.bj_policy}/history", f"/agents/{data.bj_agent}"]
    other = [f"/policies/{data.sh_policy}", f"/policies/{data.sh_policy}/history", f"/agents/{data.sh_agent}"]
    for path in own:
        assert c.get(path, headers=h).status_code == 200, path
    for path in other:
        r = c.get(path, headers=h)
        if (role, scope) in ALL_SCOPE:
            assert r.status_code == 200, path
        else:
            assert (r.status_code, _kind(r)) == (403, "out-of-scope"), path


#: ChangeContact (policy:contact) against Beijing's and Shanghai's policy, per caller.
CONTACT_CHANGE = {
    ("callcentre", "all"): ("forbidden", "forbidden"),
    ("branch", "branch:北京分公司"): ("ok", "out-of-scope"),
    ("agent", "agent:A0001"): ("forbidden", "forbidden"),
    ("servicer", "agent:A0001"): ("ok", "out-of-scope"),
    ("servicer", "branch:北京分公司"): ("ok", "out-of-scope"),
    ("servicer", "all"): ("ok", "ok"),
    ("manager", "branch:北京分公司"): ("forbidden", "forbidden"),
    ("manager", "all"): ("forbidden", "forbidden"),
    ("auditor", "all"): ("forbidden", "forbidden"),
    ("regulator", "all"): ("forbidden", "forbidden"),
    ("admin", "all"): ("ok", "ok"),
}

#: RecordAgentDeparture (agent:manage) of Beijing's and Shanghai's agent, per caller.
AGENT_DEPARTURE = {
    ("callcentre", "all"): ("forbidden", "forbidden"),
    ("branch", "branch:北京分公司"): ("ok", "out-of-scope"),
    ("agent", "agent:A0001"): ("forbidden", "forbidden"),
    ("servicer", "agent:A0001"): ("forbidden", "forbidden"),
    ("servicer", "branch:北京分公司"): ("forbidden", "forbidden"),
    ("servicer", "all"): ("forbidden", "forbidden"),
    ("manager", "branch:北京分公司"): ("ok", "out-of-scope"),
    ("manager", "all"): ("ok", "ok"),
    ("auditor", "all"): ("forbidden", "forbidden"),
    ("regulator", "all"): ("forbidden", "forbidden"),
    ("admin", "all"): ("ok", "ok"),
}


@pytest.mark.parametrize(("role", "scope"), CALLERS)
def test_a_contact_change_needs_the_role_and_the_scope(app, world, role, scope):
    c, data = world
    h = auth(token(app, role, scope))
    expected = CONTACT_CHANGE[(role, scope)]
    got = []
    for number, phone in ((data.bj_policy, "13911112222"), (data.sh_policy, "13911113333")):
        before = app.max_position()
        r = c.post(f"/policies/{number}/contact-changes", json={"phone": phone}, headers=h)
        got.append(_kind(r))
        if r.status_code != 200:
            assert app.max_position() == before  # a refusal stores nothing
    assert tuple(got) == expected


@pytest.mark.parametrize(("role", "scope"), CALLERS)
def test_an_agent_departure_needs_the_role_and_the_scope(app, world, role, scope):
    c, data = world
    h = auth(token(app, role, scope))
    got = tuple(
        _kind(c.post(f"/agents/{code}/departure", json={"departed_on": "2026-03-01"}, headers=h))
        for code in (data.bj_agent, data.sh_agent)
    )
    assert got == AGENT_DEPARTURE[(role, scope)]


def test_a_branch_cannot_create_in_another_branch(app, world):
    c, _ = world
    h = auth(token(app, "branch", "branch:北京分公司"))
    r = c.post(
        "/agents",
        json={
            "code": "B0009",
            "name": "周杰",
            "id_number": "310112199712014418",
            "rank_series": "销售",
            "rank_level": "见习",
            "branch": "上海分公司",
            "phone": "13700002222",
            "joined_on": "2026-01-05",
        },
        headers=h,
    )
    assert (r.status_code, _kind(r)) == (403, "out-of-scope")


@pytest.mark.parametrize("role", ["auditor", "regulator"])
def test_auditors_and_regulators_change_nothing(app, world, role):
    c, data = world
    h = auth(token(app, role))
    before = app.max_position()
    for route in ROUTES:  # every command endpoint, with its documented example
        path = route.path
        for field in route.path_fields:
            key = data.bj_policy if "policy" in field else data.bj_agent
            path = path.replace("{" + field + "}", key)
        r = c.post(path, json=example_for(route), headers=h)
        assert (r.status_code, _kind(r)) == (403, "forbidden"), route.path
    assert app.max_position() == before


@pytest.mark.parametrize(
    ("role", "sees"), [(r, g.capabilities) for r, g in PERMISSIONS.items() if "read" in g.capabilities]
)
def test_personal_data_is_masked_for_roles_that_should_not_see_it(app, world, role, sees):
    c, data = world
    scope = {"branch": "branch:北京分公司", "agent": "agent:A0001"}.get(role, "all")
    reason = {"X-Access-Reason": "callback%20%E5%9B%9E%E8%AE%BF"}  # a stated reason: unmasked if allowed
    policy = c.get(f"/policies/{data.bj_policy}", headers=auth(token(app, role, scope), **reason)).json()
    holder = policy["policyholder"]
    if "read:personal-data" in sees:
        assert (holder["phone"]["number"], holder["id_number"]) == ("13812346138", "110101199001011234")
        assert holder["name"] == "张三" and not policy["personal_data_masked"]
    else:
        assert (holder["phone"]["number"], holder["id_number"]) == ("138****6138", "110***********1234")
        assert holder["name"] == "张*" and holder["birthday"] is None
        assert policy["personal_data_masked"]


@pytest.mark.parametrize(
    ("role", "scope"),
    [
        ("agent", "all"),
        ("branch", "all"),
        ("agent", "branch:北京分公司"),
        ("auditor", "branch:北京分公司"),
        ("nobody", "all"),
    ],
)
def test_a_token_needs_a_scope_its_role_can_carry(app, role, scope):
    with pytest.raises(InvalidInput):
        TokenStore.for_app(app).create(role, Scope.parse(scope))
