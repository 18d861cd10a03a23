"""Branches are registered facts (分支机构): ``RegisterBranch``, then checked wherever a
command or a token names one (``domain/branch.py``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.utils import get_topic
from pydantic import Field

from application.messages import Command
from application.unit_of_work import UnitOfWork
from domain.agent import Agent
from domain.branch import BranchRegistry

if TYPE_CHECKING:
    from application.engine import TrailApplication


def require_known_branch(uow: UnitOfWork, branch: str, field: str = "branch") -> None:
    """Refuse an unknown branch once the store knows its branches (a store where no
    branch was ever registered has no registry: nothing to check against)."""
    known = uow.find(BranchRegistry, BranchRegistry.registry_id())  # type: ignore[arg-type]
    if known is not None:
        known.require_known(branch, field)


def known_branches(app: TrailApplication) -> list[str] | None:
    """The registered branch names, or None while the store has no registry."""
    try:
        found = app.repository.get(BranchRegistry.registry_id())
    except AggregateNotFoundError:
        return None
    assert isinstance(found, BranchRegistry)
    return list(found.branches)


class RegisterBranch(Command):
    """分支机构登记 Register a branch: from then on, every branch a command or a token
    names must be a registered one."""

    name: str = Field(min_length=1, max_length=100, examples=["北京分公司"])


def register_branch(cmd: RegisterBranch, uow: UnitOfWork) -> dict[str, object]:
    known = uow.find(BranchRegistry, BranchRegistry.registry_id())  # type: ignore[arg-type]
    if known is None:
        # The first registration starts the registry with the branches of the agents
        # already stored, so that a store older than the registry keeps working.
        earlier = _branches_of_stored_agents(uow)
        known = BranchRegistry.start(earlier, f"branches of {len(earlier)} agents' registrations", uow.ctx)
        uow.add(known)
    added = known.register(cmd.name, uow.ctx)
    return {"branch": cmd.name, "registered": added, "branches": len(known.branches)}


def _branches_of_stored_agents(uow: UnitOfWork) -> list[str]:
    """One pass over the stored agent registrations (once per store: the registry's start)."""
    app = uow.app
    with app.database.connect() as conn:
        rows = conn.execute(
            f"SELECT DISTINCT originator_id FROM {app.events_table} WHERE topic = %s",
            (get_topic(Agent.Registered),),
        ).fetchall()
    branches = set()
    for (originator_id,) in rows:
        agent = uow.find(Agent, originator_id)
        if agent is not None:
            branches.add(agent.branch)
    return sorted(branches)
