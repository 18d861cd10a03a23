"""Owner rules: whose data a command touches, for the scope check (数据归属).

An owner rule reads the command (and, for existing aggregates, their current
state) and answers the branch and agent the data belongs to, or ``None`` when the
target does not exist yet (the command itself then answers 404).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from application.app import PolicyTrail
from application.messages import Command
from domain.agent import Agent
from domain.policy import Policy
from domain.shared.aggregate import TrailAggregate
from domain.shared.values import agent_code, policy_number
from interfaces.api.permissions import Owner

A = TypeVar("A", bound=TrailAggregate)

OwnerRule = Callable[[PolicyTrail, Command], Owner | None]


def find(app: PolicyTrail, cls: type[A], aggregate_id: UUID) -> A | None:
    try:
        return app.get(cls, aggregate_id)
    except (AggregateNotFoundError, TypeError):
        return None


def policy_owner(policy: Policy) -> Owner:
    return Owner(branch=policy.branch, agent_code=policy.agent_code)


def agent_owner(agent: Agent) -> Owner:
    return Owner(branch=agent.branch, agent_code=agent.code)


def find_policy(app: PolicyTrail, number: str) -> Policy | None:
    return find(app, Policy, Policy.id_for(policy_number(number)))


def find_agent(app: PolicyTrail, code: str) -> Agent | None:
    return find(app, Agent, Agent.id_for(agent_code(code)))


def of_policy(field: str = "policy_number") -> OwnerRule:
    """The command names an existing policy: its branch and agent."""

    def rule(app: PolicyTrail, command: Command) -> Owner | None:
        policy = find_policy(app, getattr(command, field))
        return policy_owner(policy) if policy else None

    return rule


def of_agent(field: str = "code") -> OwnerRule:
    """The command names an existing agent: its branch and code."""

    def rule(app: PolicyTrail, command: Command) -> Owner | None:
        agent = find_agent(app, getattr(command, field))
        return agent_owner(agent) if agent else None

    return rule


def from_body(branch: str | None = "branch", agent: str | None = None) -> OwnerRule:
    """A command that creates something: the owner is what the body says it will be."""

    def rule(app: PolicyTrail, command: Command) -> Owner:
        data: dict[str, Any] = {}
        if branch:
            data["branch"] = getattr(command, branch)
        if agent:
            data["agent_code"] = agent_code(getattr(command, agent))
        return Owner(**data)

    return rule


def of_aggregate(cls: type[A], field: str, owner: Callable[[A], Owner]) -> OwnerRule:
    """The command names an aggregate by its id (a generated one, e.g. a work order)."""

    def rule(app: PolicyTrail, command: Command) -> Owner | None:
        found = find(app, cls, getattr(command, field))
        return owner(found) if found is not None else None

    return rule


def nobody(app: PolicyTrail, command: Command) -> Owner:
    """Data without a branch or agent: only all-scope tokens may touch it."""
    return Owner()
