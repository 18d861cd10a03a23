"""Recording unmasked reads of personal data (个人信息查阅留痕, RC-03)."""

from __future__ import annotations

from pydantic import Field

from application.messages import Command
from application.unit_of_work import UnitOfWork, registry
from domain.personal_data_access import PersonalDataRead
from domain.shared.aggregate import business_id


class RecordPersonalDataRead(Command):
    """个人信息查阅 An unmasked read of personal data, with its reason."""

    importable = False  # recorded by the API on each unmasked read

    resource: str = Field(min_length=1, max_length=200)
    policy_number: str | None = None
    agent_code: str | None = None
    subject_ids: list[str] = Field(default_factory=list)
    reason: str = Field(min_length=1, max_length=300)


@registry.handles(RecordPersonalDataRead)
def record_read(cmd: RecordPersonalDataRead, uow: UnitOfWork) -> dict[str, str]:
    read = PersonalDataRead.record(
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
