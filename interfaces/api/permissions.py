"""Who may do what, where (权限表): the one permission table of the HTTP API.

A token carries a role and a scope. The role grants capabilities (what kind of
command or read); the scope limits the data (an agent its own policies, a branch
its branch). Routes declare the capability they need and how to find the owner of
the data they touch; nothing else decides access.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from domain.shared.actor import Actor, Role
from domain.shared.errors import InvalidInput
from domain.shared.values import agent_code


class Capability(StrEnum):
    """What a role may do (能力)."""

    READ = "read"  # read what the scope covers
    READ_PERSONAL_DATA = "read:personal-data"  # unmasked names, phones, IDs (RC-03)
    VIEW_DASHBOARD = "read:dashboard"  # the managers' dashboard page (看板)
    READ_LEDGER = "read:ledger"  # signed tree heads and proofs of the tamper-evident ledger (账本)
    POLICY_FACTS = "policy:facts"  # upstream facts: issue, lapse, reinstate
    RECEIPTS = "policy:receipts"  # receipt signed / registered (CB-03, CB-05)
    CHANGE_CONTACT = "policy:contact"  # contact-details change (DP-03)
    CANCEL_IN_COOLING_OFF = "policy:cancel"  # 犹豫期撤单
    REASSIGN_POLICY = "policy:reassign"  # orphan transfer (PS-01)
    MANAGE_AGENTS = "agent:manage"  # register, rank, phone, departure
    RECORD_CALLS = "callback:calls"  # call attempts and answers (CA-*, QN-*)
    FOLLOW_UP_CALLBACKS = "callback:follow-up"  # branch re-calls, visits, letters (CB-04)
    APPLY_SPECIAL_CALLBACK = "callback:special-apply"  # SP-02, the agent applies
    APPROVE_SPECIAL_CALLBACK = "callback:special-approve"  # SP-02, the manager decides
    HANDLE_WORK_ORDERS = "workorder:handle"  # PC-*
    HANDLE_SERVICE_CASES = "servicecase:handle"  # PS-02..06: receive, contact, serve
    MANAGE_SERVICE_CASES = "servicecase:manage"  # PS-01/03: open, assign, close
    REVIEW_SERVICE_RESULTS = "servicecase:review"  # PS-06: quality control
    PLANNER_RECORDS = "planner:records"  # SC-01/02: monthly inputs, work-log audits
    ALLOCATE_RESOURCES = "allocation:run"  # CR-01, SC-*
    RUN_SCHEDULE = "schedule:run"  # time-driven transitions (tick)
    EXPORT = "export"  # monthly regulator/auditor export package (masked by default, RC-03)
    ERASE_PERSONAL_DATA = "personal-data:erase"  # RC-02/RC-03 erasure after retention (admin)
    HANDLE_COMPLAINTS = "complaint:handle"  # SL-01
    REMIND_RENEWALS = "renewal:remind"  # SL-02
    HANDLE_CLAIMS = "claim:handle"  # SL-03 (care calls SL-04: RECORD_CALLS)


class ScopeKind(StrEnum):
    ALL = "all"
    BRANCH = "branch"
    AGENT = "agent"


@dataclass(frozen=True)
class RoleGrant:
    """A row of the permission table."""

    capabilities: frozenset[Capability]
    scopes: frozenset[ScopeKind]
    label: str

    @property
    def read_only(self) -> bool:
        return self.capabilities <= READ_CAPABILITIES


C = Capability
S = ScopeKind

#: capabilities that change nothing
READ_CAPABILITIES = frozenset({C.READ, C.READ_PERSONAL_DATA, C.VIEW_DASHBOARD, C.EXPORT, C.READ_LEDGER})

#: THE permission table (权限表). Auditors and regulators read everything, change nothing.
PERMISSIONS: dict[Role, RoleGrant] = {
    Role.CALLCENTRE: RoleGrant(
        frozenset({C.READ, C.READ_PERSONAL_DATA, C.RECORD_CALLS}),
        frozenset({S.ALL}),
        "回访中心 call centre: records attempts and answers",
    ),
    Role.BRANCH: RoleGrant(
        frozenset(
            {
                C.READ,
                C.READ_PERSONAL_DATA,
                C.RECEIPTS,
                C.CHANGE_CONTACT,
                C.CANCEL_IN_COOLING_OFF,
                C.REASSIGN_POLICY,
                C.MANAGE_AGENTS,
                C.RECORD_CALLS,
                C.FOLLOW_UP_CALLBACKS,
                C.HANDLE_WORK_ORDERS,
                C.HANDLE_SERVICE_CASES,
                C.MANAGE_SERVICE_CASES,
                C.REVIEW_SERVICE_RESULTS,
                C.PLANNER_RECORDS,
                C.HANDLE_COMPLAINTS,
                C.REMIND_RENEWALS,
                C.HANDLE_CLAIMS,
            }
        ),
        frozenset({S.BRANCH}),
        "分支机构 branch: its own branch only",
    ),
    Role.AGENT: RoleGrant(
        frozenset({C.READ, C.APPLY_SPECIAL_CALLBACK, C.REMIND_RENEWALS}),
        frozenset({S.AGENT}),
        "业务员 agent: its own policies and scorecard",
    ),
    Role.SERVICER: RoleGrant(
        frozenset({C.READ, C.READ_PERSONAL_DATA, C.CHANGE_CONTACT, C.HANDLE_SERVICE_CASES}),
        frozenset({S.AGENT, S.BRANCH, S.ALL}),
        "收展员 servicer: service cases and contact changes",
    ),
    Role.MANAGER: RoleGrant(
        frozenset(
            {
                C.READ,
                C.VIEW_DASHBOARD,
                C.REASSIGN_POLICY,
                C.MANAGE_AGENTS,
                C.APPROVE_SPECIAL_CALLBACK,
                C.ALLOCATE_RESOURCES,
                C.MANAGE_SERVICE_CASES,
                C.REVIEW_SERVICE_RESULTS,
                C.PLANNER_RECORDS,
            }
        ),
        frozenset({S.BRANCH, S.ALL}),
        "管理人员 manager: KPIs, approvals, allocation, planner records",
    ),
    Role.AUDITOR: RoleGrant(
        frozenset({C.READ, C.VIEW_DASHBOARD, C.EXPORT, C.READ_LEDGER}),
        frozenset({S.ALL}),
        "审计 auditor: reads everything, changes nothing",
    ),
    Role.REGULATOR: RoleGrant(
        frozenset({C.READ, C.VIEW_DASHBOARD, C.EXPORT, C.READ_LEDGER}),
        frozenset({S.BRANCH, S.ALL}),  # a local bureau (派出机构) may see one branch only
        "监管 regulator: reads everything (or one branch), changes nothing",
    ),
    Role.ADMIN: RoleGrant(frozenset(Capability), frozenset({S.ALL}), "管理员 admin: everything"),
    # A system's token (a scheduler or an upstream feed): the time-driven commands only.
    # The only role whose token may never expire.
    Role.SYSTEM: RoleGrant(
        frozenset({C.RUN_SCHEDULE}), frozenset({S.ALL}), "系统 system: scheduled runs only"
    ),
}

#: Roles a token may carry.
TOKEN_ROLES: tuple[Role, ...] = tuple(PERMISSIONS)

#: Which kinds of principal (``application/principals.py``) may hold a token of each role.
PRINCIPAL_KINDS: dict[Role, frozenset[str]] = {
    **{role: frozenset({"staff"}) for role in PERMISSIONS},
    Role.AGENT: frozenset({"agent"}),
    Role.SERVICER: frozenset({"agent", "staff"}),
    Role.BRANCH: frozenset({"branch", "agent", "staff"}),
    Role.SYSTEM: frozenset({"system"}),
}


@dataclass(frozen=True)
class Scope:
    """The data a token covers: everything, one branch, or one agent's policies."""

    kind: ScopeKind
    value: str = ""

    @classmethod
    def parse(cls, text: str) -> Scope:
        """``all`` | ``branch:<branch name>`` | ``agent:<agent code>``."""
        raw = (text or "").strip()
        if raw in {"all", "*"}:
            return cls(ScopeKind.ALL)
        kind, sep, value = raw.partition(":")
        value = value.strip()
        if not sep or not value or kind not in {ScopeKind.BRANCH, ScopeKind.AGENT}:
            raise InvalidInput(
                f"invalid scope {text!r}: use all, branch:<branch> or agent:<agent code>",
                f"范围 {text!r} 无效：应为 all、branch:<机构> 或 agent:<工号>",
            )
        if kind == ScopeKind.AGENT:
            value = agent_code(value)
        return cls(ScopeKind(kind), value)

    def __str__(self) -> str:
        return "all" if self.kind == ScopeKind.ALL else f"{self.kind}:{self.value}"


@dataclass(frozen=True)
class Owner:
    """Whose data a request touches: the branch and the agent of a policy, agent, case…

    ``Owner()`` (neither known) is data only an all-scope token may touch.
    """

    branch: str | None = None
    agent_code: str | None = None


def check_role_scope(role: str, scope: Scope) -> Role:
    """The role, if it exists and may carry that kind of scope; else InvalidInput."""
    try:
        the_role = Role(role)
    except ValueError:
        the_role = None
    if the_role not in PERMISSIONS:
        allowed = ", ".join(TOKEN_ROLES)
        raise InvalidInput(f"unknown role {role!r} (one of: {allowed})", f"角色 {role!r} 无效")
    grant = PERMISSIONS[the_role]
    if scope.kind not in grant.scopes:
        kinds = "/".join(sorted(grant.scopes))
        raise InvalidInput(
            f"role {role} needs a scope of kind {kinds}, not {scope}",
            f"角色 {role} 的范围应为 {kinds}，而不是 {scope}",
        )
    return the_role


@dataclass(frozen=True)
class Principal:
    """The caller, as its bearer token says (调用者)."""

    token_id: str
    role: Role
    scope: Scope
    name: str

    @property
    def grant(self) -> RoleGrant:
        return PERMISSIONS[self.role]

    def can(self, capability: Capability) -> bool:
        return capability in self.grant.capabilities

    @property
    def sees_personal_data(self) -> bool:
        return self.can(Capability.READ_PERSONAL_DATA)

    def covers(self, owner: Owner) -> bool:
        """Whether the data of ``owner`` lies inside this token's scope."""
        if self.scope.kind == ScopeKind.ALL:
            return True
        if self.scope.kind == ScopeKind.BRANCH:
            return owner.branch is not None and owner.branch == self.scope.value
        return owner.agent_code is not None and owner.agent_code == self.scope.value

    @property
    def actor(self) -> Actor:
        """The actor every event of this caller's commands records (never from the body)."""
        return Actor(id=self.name, role=self.role)
