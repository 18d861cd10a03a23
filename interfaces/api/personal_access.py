"""Unmasked personal data only with a stated reason, and every such read recorded.

A caller with ``read:personal-data`` states why in the ``X-Access-Reason`` header
(percent-encoded UTF-8 for Chinese text) or the ``access_reason`` query parameter;
without a reason the answer is masked like anyone else's. Each unmasked answer is
preceded by a ``PersonalDataRead.Recorded`` event (who, when, which subjects, why):
auditors see it in the audit trail of the policy or agent.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import unquote

from fastapi import Header, Query

from application.personal_data.access import RecordPersonalDataRead
from interfaces.api.context import ApiContext
from interfaces.api.permissions import Principal

ReasonHeader = Annotated[
    str | None,
    Header(
        alias="X-Access-Reason",
        max_length=900,
        description="why personal data is read unmasked (查阅理由); percent-encode non-ASCII",
    ),
]
ReasonQuery = Annotated[
    str | None,
    Query(alias="access_reason", max_length=300, description="same as the X-Access-Reason header"),
]


def unmasked(
    ctx: ApiContext,
    principal: Principal,
    header: str | None,
    query: str | None,
    resource: str,
    subject_ids: list[str],
    policy_number: str | None = None,
    agent_code: str | None = None,
) -> bool:
    """Whether to answer unmasked; if so the read is recorded first (no record, no data)."""
    reason = (unquote(header) if header else query or "").strip()[:300]
    if not principal.sees_personal_data or not reason:
        return False
    command = RecordPersonalDataRead(
        resource=resource,
        policy_number=policy_number,
        agent_code=agent_code,
        subject_ids=subject_ids,
        reason=reason,
    )
    ctx.app.execute(command, principal.actor)
    return True
