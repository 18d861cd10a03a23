"""Personal-data access use cases (个人信息访问): record an unmasked export (RC-03)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from application.messages import Command
from application.unit_of_work import UnitOfWork, registry
from domain.data_access import PersonalDataAccess


class RecordUnmaskedExport(Command):
    """明文导出登记 Record that an auditor exports personal data unmasked, and why (RC-03)."""

    #: only the export itself records its access: never a line of an import file
    importable: ClassVar[bool] = False

    reason: str = Field(max_length=500, description="why the auditor needs personal data in clear 理由")
    month: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", examples=["2026-03"])
    branch: str = Field("", max_length=100, description="empty: every branch")
    formats: list[str] = Field(min_length=1, max_length=3)
    log_position: int = Field(ge=0, description="the notification-log position the export reads up to")


@registry.handles(RecordUnmaskedExport)
def record_unmasked_export(cmd: RecordUnmaskedExport, uow: UnitOfWork) -> dict[str, str]:
    access = PersonalDataAccess.grant_unmasked_export(
        cmd.command_id, cmd.reason, cmd.month, cmd.branch, cmd.formats, cmd.log_position, uow.ctx
    )
    uow.add(access)
    return {"access_id": str(access.id)}
