"""Access to personal data in clear (个人信息明文访问, RC-03).

Exports mask personal data by default. An auditor may ask for an unmasked export
with a reason; that access is itself a business fact, kept forever like every other
event: who (actor), when, why, and what (month, branch, formats, the log position
the export read up to). One aggregate per access, id = uuid5 of the command id, so
a retried request records it once.
"""

from __future__ import annotations

from domain.shared.actor import Role
from domain.shared.aggregate import Context, TrailAggregate
from domain.shared.errors import InvalidInput, RuleViolation

#: shortest reason accepted: "audit" alone says nothing an auditor can be held to
MIN_REASON_LENGTH = 5


class PersonalDataAccess(TrailAggregate):
    """明文访问记录 An access to personal data in clear. Id = uuid5 of the command id."""

    id_kind = "personal-data-access"

    class UnmaskedExportGranted(TrailAggregate.Created):
        """明文导出 Unmasked export granted to an auditor, with the reason (RC-03)."""

        class_version = 1
        purpose: str
        reason: str
        month: str
        branch: str
        formats: list[str]
        log_position: int
        rule_id: str

        def apply(self, access: PersonalDataAccess) -> None:
            access.purpose = self.purpose
            access.reason = self.reason
            access.month = self.month
            access.branch = self.branch

    def __init__(self) -> None:
        pass

    purpose: str
    reason: str
    month: str
    branch: str

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
        """RC-03: only an auditor, and only with a stated reason, sees personal data in clear."""
        if ctx.actor.role != Role.AUDITOR:
            raise RuleViolation(
                "RC-03",
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
            purpose="export",
            reason=reason,
            month=month,
            branch=branch,
            formats=list(formats),
            log_position=log_position,
            rule_id="RC-03",
        )
