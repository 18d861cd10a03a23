"""Unmasked personal data only with a stated reason, and every such read recorded.

A caller with ``read:personal-data`` states why in the ``X-Access-Reason`` header
(percent-encoded UTF-8 for Chinese text) or the ``access_reason`` query parameter;
without a reason the answer is masked like anyone else's. Each unmasked answer is
preceded by a ``PersonalDataAccess.UnmaskedReadRecorded`` event (who, when, which
subjects, why, RC-03): auditors see it in the audit trail of the policy or agent, and
with every other unmasked access (exports too) under aggregate type PersonalDataAccess.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import unquote

from fastapi import Depends, Header, Query

from application.app import PolicyTrail
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


def access_reason(header: ReasonHeader = None, query: ReasonQuery = None) -> str | None:
    """The stated reason of the header or the query parameter, if any."""
    reason = (unquote(header) if header else query or "").strip()[:300]
    return reason or None


#: a route parameter: the caller's stated reason for an unmasked read (or None)
AccessReason = Annotated[str | None, Depends(access_reason)]


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
    reason = access_reason(header, query)
    return recorded_unmasking(ctx.app, principal, reason, resource, subject_ids, policy_number, agent_code)


def recorded_unmasking(
    app: PolicyTrail,
    principal: Principal,
    reason: str | None,
    resource: str,
    subject_ids: list[str],
    policy_number: str | None = None,
    agent_code: str | None = None,
) -> bool:
    """``unmasked`` for a reason already read (the ``AccessReason`` parameter)."""
    if not principal.sees_personal_data or not reason:
        return False
    command = RecordPersonalDataRead(
        resource=resource,
        policy_number=policy_number,
        agent_code=agent_code,
        subject_ids=subject_ids,
        reason=reason,
    )
    app.execute(command, principal.actor)
    return True
