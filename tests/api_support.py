"""Helpers of the API tests: tokens per role and scope, a client, two branches of data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient

from application.app import PolicyTrail
from domain.shared.actor import Actor
from interfaces.api import create_api
from interfaces.api.permissions import Scope
from interfaces.api.tokens import TokenStore
from tests import factories

BJ = "北京分公司"
SH = "上海分公司"

#: (role, scope) of a caller whose scope is Beijing / agent A0001, or all where the role
#: only takes all. Each is tried against Shanghai's data (another's scope).
CALLERS: list[tuple[str, str]] = [
    ("callcentre", "all"),
    ("branch", f"branch:{BJ}"),
    ("agent", "agent:A0001"),
    ("servicer", "agent:A0001"),
    ("servicer", f"branch:{BJ}"),
    ("servicer", "all"),
    ("manager", f"branch:{BJ}"),
    ("manager", "all"),
    ("auditor", "all"),
    ("regulator", "all"),
    ("admin", "all"),
]


def token(app: PolicyTrail, role: str, scope: str = "all", name: str = "") -> str:
    """A token of a role and scope; staff roles name the staff id ``name`` (default S-<role>),
    agent and branch roles their agent or branch (which must exist)."""
    staff = name or ("" if role in ("agent", "branch") or scope.startswith("agent:") else f"S-{role}")
    return TokenStore.for_app(app).create(role, Scope.parse(scope), name=staff).secret


def auth(secret: str, **headers: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}", **headers}


def client(app: PolicyTrail, **kwargs: Any) -> TestClient:
    return TestClient(create_api(app, **kwargs))


@dataclass(frozen=True)
class TwoBranches:
    """Beijing: agent A0001, policy P2026000001. Shanghai: agent B0001, policy P2026000002."""

    bj_policy: str = "P2026000001"
    sh_policy: str = "P2026000002"
    bj_agent: str = "A0001"
    sh_agent: str = "B0001"


def seed_two_branches(app: PolicyTrail) -> TwoBranches:
    actor = Actor("seed", "admin")
    data = TwoBranches()
    app.execute(factories.register_agent(data.bj_agent, branch=BJ), actor)
    app.execute(
        factories.register_agent(
            data.sh_agent, branch=SH, phone="13700001111", id_number="310101198001011111"
        ),
        actor,
    )
    app.execute(factories.issue_policy(data.bj_policy, agent_code=data.bj_agent, branch=BJ), actor)
    app.execute(
        factories.issue_policy(
            data.sh_policy,
            agent_code=data.sh_agent,
            branch=SH,
            policyholder=factories.person(name="黄磊", id_number="310101198111113213", phone="13764321234"),
        ),
        actor,
    )
    return data


def body(command: Any, *drop: str) -> dict[str, Any]:
    """A command as a JSON body, without the fields the path or the server provides."""
    return command.model_dump(mode="json", exclude={"command_id", "occurred_at", *drop})
