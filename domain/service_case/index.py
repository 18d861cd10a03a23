"""ServiceCaseIndex aggregate (保单服务件索引): which service case of a policy is open.

One per policy number, so "at most one open case per policy" is decided on one
consistent state (like ContactPoint for phone numbers): a transfer supersedes the
open case, a lapse reclassifies it, an explicit opening is refused while one is
open. No read model is needed on the write side.
"""

from __future__ import annotations

import uuid

from domain.shared.aggregate import Context, TrailAggregate
from domain.shared.errors import AlreadyExists


class ServiceCaseIndex(TrailAggregate):
    """保单服务件索引. Id = uuid5 of the policy number."""

    id_kind = "service_case_index"
    business_object = False  # an index over cases, not a business fact (RC-01b n/a)

    class Started(TrailAggregate.Created):
        """保单服务件索引建立 First service case of a policy."""

        class_version = 1
        policy_number: str

        def apply(self, index: ServiceCaseIndex) -> None:
            index.policy_number = self.policy_number
            index.case_ids = []
            index.open_case_id = None

    class CaseLinked(TrailAggregate.Event):
        """服务件开立 A case of this policy opened (becomes the open case, PS-01)."""

        class_version = 1
        case_id: uuid.UUID
        source: str
        rule_id: str

        def apply(self, index: ServiceCaseIndex) -> None:
            index.case_ids.append(self.case_id)
            index.open_case_id = self.case_id

    class CaseUnlinked(TrailAggregate.Event):
        """服务件结束 The open case was closed or superseded."""

        class_version = 1
        case_id: uuid.UUID
        reason: str

        def apply(self, index: ServiceCaseIndex) -> None:
            index.open_case_id = None

    policy_number: str
    case_ids: list[uuid.UUID]
    open_case_id: uuid.UUID | None

    def __init__(self) -> None:
        """State comes from the events' ``apply`` (annotations above are for readers)."""

    @classmethod
    def start(cls, policy_number: str, ctx: Context) -> ServiceCaseIndex:
        return cls._start(cls.Started, ctx, id=cls.id_for(policy_number), policy_number=policy_number)

    def link(self, case_id: uuid.UUID, source: str, ctx: Context) -> None:
        """PS-01: the new case becomes the policy's open case; one at a time."""
        if self.open_case_id == case_id:
            return
        if self.open_case_id is not None:
            raise AlreadyExists(
                f"policy {self.policy_number} already has an open service case",
                f"保单 {self.policy_number} 已有未关闭的服务件",
                open_case_id=str(self.open_case_id),
            )
        self._record(self.CaseLinked, ctx, case_id=case_id, source=source, rule_id="PS-01")

    def unlink(self, case_id: uuid.UUID, reason: str, ctx: Context) -> None:
        if self.open_case_id != case_id:
            return
        self._record(self.CaseUnlinked, ctx, case_id=case_id, reason=reason)
