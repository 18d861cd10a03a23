"""BranchRegistry (分支机构名录): the branches this store knows, as registered facts.

A branch is known once registered (``RegisterBranch``); the first registration starts
the registry with the branches of the agents stored before, so an older store keeps
working. Once the registry exists, every place that names a branch — an agent's or a
policy's branch, an allocation round, a work-order assignment, a token's ``branch:``
scope — must name a known one: a typo is refused instead of creating a branch no
queue or scorecard will ever show. A store that never registered a branch is not
checked (branches are not known there).

One aggregate per store (branches are few and rarely added), so "is this branch
known?" is one consistent load and needs no read model.
"""

from __future__ import annotations

from domain.shared.aggregate import Context, TrailAggregate
from domain.shared.errors import InvalidInput

REGISTRY_KEY = "all"


class BranchRegistry(TrailAggregate):
    """分支机构名录. Id = uuid5 of ``branches:all``."""

    id_kind = "branches"
    business_object = False  # a directory; its entries arrive in any business-time order

    class Started(TrailAggregate.Created):
        """分支机构名录建立 Branch registry started (from the agents registered so far)."""

        class_version = 1
        branches: list[str]
        source: str

        def apply(self, registry: BranchRegistry) -> None:
            registry.branches = list(self.branches)

    class BranchRegistered(TrailAggregate.Event):
        """分支机构登记 Branch registered."""

        class_version = 1
        branch: str

        def apply(self, registry: BranchRegistry) -> None:
            registry.branches = [*registry.branches, self.branch]

    branches: list[str]

    def __init__(self) -> None:
        """State comes from the events' ``apply``."""

    @classmethod
    def registry_id(cls) -> object:
        return cls.id_for(REGISTRY_KEY)

    @classmethod
    def start(cls, branches: list[str], source: str, ctx: Context) -> BranchRegistry:
        return cls._start(
            cls.Started, ctx, id=cls.id_for(REGISTRY_KEY), branches=sorted(set(branches)), source=source
        )

    def knows(self, branch: str) -> bool:
        return branch in self.branches

    def register(self, branch: str, ctx: Context) -> bool:
        """Record a new branch; False (nothing recorded) when it is known already."""
        if self.knows(branch):
            return False
        self._record(self.BranchRegistered, ctx, branch=branch)
        return True

    def require_known(self, branch: str, field: str = "branch") -> None:
        """Refuse an unknown branch name (the known names are not revealed here: the
        caller may be scoped to one branch)."""
        if not self.knows(branch):
            raise InvalidInput(
                f"{field}: unknown branch {branch!r} (not a registered branch)",
                f"{field}：分支机构 {branch!r} 未登记",
                field=field,
            )
