"""A branch is a registered fact: once a store registers its branches, an unknown branch
name in a command or in a token's scope is refused; a store older than the registry
keeps its agents' branches."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from typer.testing import CliRunner

from application.allocation import RegisterCustomerResources, ResourceIn
from application.branches import RegisterBranch, known_branches
from application.work_orders import AssignWorkOrder
from domain.shared.errors import InvalidInput
from interfaces.cli import cli
from tests import factories
from tests.api_support import BJ, SH, auth, body, client, token

TYPO = "北京分公司x"


def test_register_branch_is_idempotent_by_name(app, actor):
    assert known_branches(app) is None  # nothing registered: branches are not known here
    first = app.execute(RegisterBranch(name=BJ), actor)
    assert first.result == {"branch": BJ, "registered": True, "branches": 1}
    again = app.execute(RegisterBranch(name=BJ), actor)
    assert again.result["registered"] is False and not again.positions
    assert known_branches(app) == [BJ]


@pytest.fixture
def registered(app, actor) -> Any:
    app.execute(RegisterBranch(name=BJ), actor)
    app.execute(RegisterBranch(name=SH), actor)
    return app


@pytest.mark.parametrize(
    "command",
    [
        factories.register_agent(branch=TYPO),
        factories.issue_policy(branch=TYPO),
        RegisterCustomerResources(
            branch=TYPO,
            month="2026-03",
            resources=[
                ResourceIn(
                    resource_id="R1", resource_class="满期", policy_number="P1", key_date=date(2026, 3, 9)
                )
            ],
        ),
    ],
    ids=["RegisterAgent", "IssuePolicy", "RegisterCustomerResources"],
)
def test_an_unknown_branch_in_a_command_is_refused_and_nothing_stored(registered, actor, command):
    before = registered.max_position()
    with pytest.raises(InvalidInput) as exc:
        registered.execute(command, actor)
    assert "unknown branch" in exc.value.message_en and TYPO in exc.value.message_en
    assert exc.value.details["field"] == "branch"
    assert registered.max_position() == before
    fixed = command.model_copy(update={"branch": BJ})
    assert registered.execute(fixed, actor).positions  # the registered name is fine


def test_an_unknown_branch_in_a_work_order_assignment_is_refused(registered, actor):
    from application.work_orders import work_orders_for_policy
    from tests.callback_steps import at, attempt, open_callback

    registered.execute(factories.register_agent(), actor)
    open_callback(registered, actor)
    for when in (at(2, 10, 30), at(3, 15), at(4, 19, 30)):
        attempt(registered, when, "无人接听")
    (wo,) = work_orders_for_policy(registered, "P2026000001")
    with pytest.raises(InvalidInput, match="unknown branch"):
        registered.execute(
            AssignWorkOrder(work_order_id=wo.id, handler_id="H1", branch=TYPO, occurred_at=at(5, 9)), actor
        )
    registered.execute(
        AssignWorkOrder(work_order_id=wo.id, handler_id="H1", branch=BJ, occurred_at=at(5, 9)), actor
    )


def test_over_http_an_unknown_branch_is_400_problem_without_listing_the_known_ones(registered):
    c, h = client(registered), auth(token(registered, "admin"))
    r = c.post("/policies", json=body(factories.issue_policy(branch=TYPO)), headers=h)
    assert r.status_code == 400 and r.headers["content-type"] == "application/problem+json"
    assert "unknown branch" in r.json()["detail"]
    assert SH not in r.text  # another branch's name is not revealed
    r = c.post("/branches", json={"name": "广东分公司"}, headers=h)
    assert r.status_code == 200 and r.json()["result"]["registered"] is True


def test_a_store_older_than_the_registry_keeps_its_agents_branches(app, actor):
    app.execute(factories.register_agent("A0001", branch=SH), actor)
    app.execute(RegisterBranch(name=BJ), actor)  # starts the registry: SH comes from the agent
    assert sorted(known_branches(app) or []) == sorted([BJ, SH])
    assert app.execute(factories.issue_policy(branch=SH, agent_code="A0001"), actor).positions


def test_a_store_without_registered_branches_checks_nothing(app, actor):
    assert app.execute(factories.issue_policy(branch="任意机构"), actor).positions


@pytest.fixture
def env(database: Any, settings: Any) -> Iterator[dict[str, str]]:
    yield {
        "POLICYTRAIL_DATABASE_URL": database.url,
        "POLICYTRAIL_DATA_DIR": str(settings.data_dir),  # its cipher key
        "POLICYTRAIL_EVENTS_SCHEMA": settings.events_schema,
        "POLICYTRAIL_READ_SCHEMA": settings.read_schema,
        "COLUMNS": "200",
    }


def test_token_create_refuses_a_scope_with_an_unknown_branch(registered, env):
    bad = CliRunner().invoke(
        cli,
        ["token", "create", "--role", "manager", "--staff", "BJ-MGR-01", "--scope", f"branch:{TYPO}"],
        env=env,
    )
    assert bad.exit_code == 1 and "Traceback" not in bad.output
    assert f"unknown branch '{TYPO}'" in bad.output and BJ in bad.output  # the admin is told the known ones
    good = CliRunner().invoke(
        cli,
        ["token", "create", "--role", "manager", "--staff", "BJ-MGR-01", "--scope", f"branch:{BJ}"],
        env=env,
    )
    assert good.exit_code == 0, good.output
    assert re.search(r"pt_\S+", good.stdout)
