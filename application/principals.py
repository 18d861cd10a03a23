"""Principals (主体): the real parties a token may name, checked against the record.

A token names exactly one principal, and the actor recorded on its commands' events
is that principal's id, so rules that compare people (PC-06: a 销售误导件 is never
resolved by the selling agent) compare principals, not free-form labels:

- ``agent:<工号>``   a registered agent who has not left (离司);
- ``branch:<机构>``  a branch some registered agent belongs to;
- ``staff:<员工号>`` a staff id (no staff register exists yet: its form is checked, and
  it may not be a registered agent's code — an agent is named as an agent);
- ``system:<name>``  a system (imports, the scheduler): only for role ``system``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic
from psycopg.sql import SQL, Identifier

from application.branches import known_branches as branch_registry
from domain.agent import Agent, AgentStatus
from domain.shared.errors import InvalidInput
from domain.shared.values import agent_code

if TYPE_CHECKING:
    from application.app import PolicyTrail

_STAFF_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class PrincipalKind(StrEnum):
    AGENT = "agent"
    BRANCH = "branch"
    STAFF = "staff"
    SYSTEM = "system"


@dataclass(frozen=True)
class PrincipalRef:
    """``kind:id``; ``id`` is the actor id recorded on the principal's events."""

    kind: PrincipalKind
    id: str

    @classmethod
    def of(cls, kind: str, raw_id: str) -> PrincipalRef:
        """A well-formed principal (its existence is checked by ``check_exists``)."""
        try:
            the_kind = PrincipalKind(kind)
        except ValueError:
            raise InvalidInput(f"unknown principal kind {kind!r}", f"主体类型 {kind!r} 无效") from None
        value = (raw_id or "").strip()
        if the_kind == PrincipalKind.AGENT:
            value = agent_code(value)
        elif the_kind in (PrincipalKind.STAFF, PrincipalKind.SYSTEM) and not _STAFF_ID.match(value):
            raise InvalidInput(
                f"invalid {the_kind} id {raw_id!r}: 1-64 letters, digits, '.', '_' or '-'",
                f"{the_kind} 编号 {raw_id!r} 无效：应为 1–64 位字母、数字、'.'、'_' 或 '-'",
            )
        elif not value or len(value) > 100:
            raise InvalidInput(f"invalid {the_kind} name {raw_id!r}", f"{the_kind} 名称 {raw_id!r} 无效")
        return cls(the_kind, value)

    @classmethod
    def parse(cls, text: str) -> PrincipalRef:
        kind, _, value = (text or "").partition(":")
        return cls.of(kind, value)

    def __str__(self) -> str:
        return f"{self.kind}:{self.id}"


def check_exists(app: PolicyTrail, principal: PrincipalRef) -> None:
    """InvalidInput unless the principal is a real, current party of the record."""
    if principal.kind == PrincipalKind.AGENT:
        agent = registered_agent(app, principal.id)
        if agent is None:
            raise InvalidInput(
                f"no registered agent {principal.id}",
                f"业务员 {principal.id} 未登记",
                agent_code=principal.id,
            )
        if agent.status != AgentStatus.ACTIVE:
            raise InvalidInput(f"agent {principal.id} has left", f"业务员 {principal.id} 已离司")
    elif principal.kind == PrincipalKind.BRANCH:
        if principal.id not in known_branches(app):
            raise InvalidInput(f"no branch {principal.id!r} is known", f"机构 {principal.id!r} 不存在")
    elif principal.kind == PrincipalKind.STAFF:
        try:
            code = agent_code(principal.id)
        except InvalidInput:
            code = None
        if code is not None and registered_agent(app, code) is not None:
            raise InvalidInput(
                f"{principal.id} is a registered agent: name agents as agents (--agent {code})",
                f"{principal.id} 是已登记的业务员，请以业务员身份签发（--agent {code}）",
            )


def registered_agent(app: PolicyTrail, code: str) -> Agent | None:
    try:
        agent = app.repository.get(Agent.id_for(code))
    except AggregateNotFoundError:
        return None
    return agent if isinstance(agent, Agent) else None


def known_branches(app: PolicyTrail) -> set[str]:
    """The registered branches (the branch registry), or — for a store that has none yet —
    the branches of the registered agents, read from their registration events."""
    registered = branch_registry(app)
    if registered is not None:
        return set(registered)
    recorder = app.trail_recorder
    table = SQL("{}.{}").format(Identifier(recorder.datastore.schema), Identifier(recorder.events_table_name))
    with app.database.connect() as conn:
        rows = conn.execute(
            SQL("SELECT originator_id, originator_version, topic, state FROM {} WHERE topic = %s").format(
                table
            ),
            (get_topic(Agent.Registered),),
        ).fetchall()
    branches = set()
    for originator_id, version, topic, state in rows:
        event = app.mapper.to_domain_event(StoredEvent(originator_id, version, topic, bytes(state)))
        branches.add(event.branch)
    return branches
