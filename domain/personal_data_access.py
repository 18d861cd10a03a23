"""Access to personal data in clear (个人信息明文访问留痕, RC-03): one aggregate, one
event family, so auditors see every unmasked access the same way.

Personal data is masked by default. A role with the personal-data permission sees it
in clear only with a stated reason, and each such access is itself a business fact,
kept forever: who (the actor), when, why, what — and the rule (RC-03):

- ``UnmaskedReadRecorded``: an API read answered unmasked (which resource, which
  subjects, the policy or agent it is about);
- ``UnmaskedExportGranted``: an auditor's unmasked export (month, branch, formats,
  the log position the export reads up to).

In the audit trail both are events of aggregate type ``PersonalDataAccess`` citing
RC-03; a read about a policy or agent is in that policy's or agent's trail too.
"""

from __future__ import annotations

from uuid import UUID

from domain.shared.actor import Role
from domain.shared.aggregate import Context, TrailAggregate
from domain.shared.errors import InvalidInput, RuleViolation

RULE_ID = "RC-03"
#: shortest reason accepted for an export: "audit" alone says nothing an auditor can be held to
MIN_REASON_LENGTH = 5


class PersonalDataAccess(TrailAggregate):
    """明文访问记录 One access to personal data in clear (a read or an export)."""

    id_kind = "personal-data-access"

    class UnmaskedReadRecorded(TrailAggregate.Created):
        """个人信息查阅 Personal data read unmasked, with the stated reason (RC-03)."""

        class_version = 1
        rule_id: str
        purpose: str
        reason: str
        resource: str
        policy_number: str | None
        agent_code: str | None
        subject_ids: list[str]

        def apply(self, access: PersonalDataAccess) -> None:
            access.purpose = self.purpose
            access.reason = self.reason

    class UnmaskedExportGranted(TrailAggregate.Created):
        """明文导出 Unmasked export granted to an auditor, with the reason (RC-03)."""

        class_version = 1
        rule_id: str
        purpose: str
        reason: str
        month: str
        branch: str
        formats: list[str]
        log_position: int

        def apply(self, access: PersonalDataAccess) -> None:
            access.purpose = self.purpose
            access.reason = self.reason

    def __init__(self) -> None:
        """State comes from the events' ``apply``."""

    purpose: str
    reason: str

    @classmethod
    def record_read(
        cls,
        id: UUID,
        resource: str,
        policy_number: str | None,
        agent_code: str | None,
        subject_ids: list[str],
        reason: str,
        ctx: Context,
    ) -> PersonalDataAccess:
        """RC-03: an unmasked read is answered only with a stated reason, recorded first."""
        if not reason.strip():
            raise InvalidInput("an unmasked read needs a reason", "查阅个人信息须说明理由")
        return cls._start(
            cls.UnmaskedReadRecorded,
            ctx,
            id=id,
            rule_id=RULE_ID,
            purpose="read",
            reason=reason.strip(),
            resource=resource,
            policy_number=policy_number,
            agent_code=agent_code,
            subject_ids=sorted(subject_ids),
        )

    @classmethod
    def grant_unmasked_export(
        cls,
        access_key: str,
        reason: str,
        month: str,
        branch: str,
        formats: list[str],
        log_position: int,
        ctx: Context,
    ) -> PersonalDataAccess:
        """RC-03: only an auditor, and only with a stated reason, exports personal data in
        clear. Id = uuid5 of ``access_key`` (the command id): a retried request records once."""
        if ctx.actor.role != Role.AUDITOR:
            raise RuleViolation(
                RULE_ID,
                f"only the auditor role may export personal data unmasked (role {ctx.actor.role})",
                f"仅审计角色可导出明文个人信息（当前角色 {ctx.actor.role}）",
            )
        reason = reason.strip()
        if len(reason) < MIN_REASON_LENGTH:
            raise InvalidInput(
                f"an unmasked export needs a reason of at least {MIN_REASON_LENGTH} characters",
                f"明文导出须说明理由（至少 {MIN_REASON_LENGTH} 个字符）",
            )
        return cls._start(
            cls.UnmaskedExportGranted,
            ctx,
            id=cls.id_for(access_key),
            rule_id=RULE_ID,
            purpose="export",
            reason=reason,
            month=month,
            branch=branch,
            formats=list(formats),
            log_position=log_position,
        )
