"""Recording access to personal data in clear (个人信息明文访问留痕, RC-03): unmasked
reads (recorded by the API on each one) and unmasked exports (by the export itself),
one aggregate (``domain.personal_data_access.PersonalDataAccess``)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from application.messages import Command
from application.unit_of_work import UnitOfWork
from domain.personal_data_access import PersonalDataAccess
from domain.shared.aggregate import business_id


class RecordPersonalDataRead(Command):
    """个人信息查阅 An unmasked read of personal data, with its reason."""

    importable: ClassVar[bool] = False  # recorded by the API on each unmasked read

    resource: str = Field(min_length=1, max_length=200)
    policy_number: str | None = None
    agent_code: str | None = None
    subject_ids: list[str] = Field(default_factory=list)
    reason: str = Field(min_length=1, max_length=300)


def record_read(cmd: RecordPersonalDataRead, uow: UnitOfWork) -> dict[str, str]:
    read = PersonalDataAccess.record_read(
        business_id("personal-data-read", cmd.command_id),
        cmd.resource,
        cmd.policy_number,
        cmd.agent_code,
        cmd.subject_ids,
        cmd.reason,
        uow.ctx,
    )
    uow.add(read)
    return {"read_id": str(read.id)}


class RecordUnmaskedExport(Command):
    """明文导出登记 Record that an auditor exports personal data unmasked, and why (RC-03)."""

    #: only the export itself records its access: never a line of an import file
    importable: ClassVar[bool] = False

    reason: str = Field(max_length=500, description="why the auditor needs personal data in clear 理由")
    month: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", examples=["2026-03"])
    branch: str = Field("", max_length=100, description="empty: every branch")
    formats: list[str] = Field(min_length=1, max_length=3)
    log_position: int = Field(ge=0, description="the notification-log position the export reads up to")


def record_unmasked_export(cmd: RecordUnmaskedExport, uow: UnitOfWork) -> dict[str, str]:
    access = PersonalDataAccess.grant_unmasked_export(
        cmd.command_id, cmd.reason, cmd.month, cmd.branch, cmd.formats, cmd.log_position, uow.ctx
    )
    uow.add(access)
    return {"access_id": str(access.id)}
