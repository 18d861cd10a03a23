"""Unmasked reads of personal data (个人信息查阅留痕, RC-03).

A role with the personal-data permission sees names, phones and ID numbers unmasked
only when it states why; every such read is an event (who — the actor —, when, which
subjects, why, what), so auditors find it in the audit trail of the policy or agent.
"""

from __future__ import annotations

from uuid import UUID

from domain.shared.aggregate import Context, TrailAggregate
from domain.shared.errors import InvalidInput


class PersonalDataRead(TrailAggregate):
    """个人信息查阅. Generated id: one aggregate per read."""

    class Recorded(TrailAggregate.Created):
        """个人信息查阅 Personal data read unmasked, with the stated reason (RC-03)."""

        class_version = 1
        resource: str
        policy_number: str | None
        agent_code: str | None
        subject_ids: list[str]
        reason: str

        def apply(self, read: PersonalDataRead) -> None:
            read.reason = self.reason

    def __init__(self) -> None:
        """State comes from the events' ``apply``."""

    @classmethod
    def record(
        cls,
        id: UUID,
        resource: str,
        policy_number: str | None,
        agent_code: str | None,
        subject_ids: list[str],
        reason: str,
        ctx: Context,
    ) -> PersonalDataRead:
        if not reason.strip():
            raise InvalidInput("an unmasked read needs a reason", "查阅个人信息须说明理由")
        return cls._start(
            cls.Recorded,
            ctx,
            id=id,
            resource=resource,
            policy_number=policy_number,
            agent_code=agent_code,
            subject_ids=sorted(subject_ids),
            reason=reason.strip(),
        )
