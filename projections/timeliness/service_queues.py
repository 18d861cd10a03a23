"""Service-standard worklists (服务标准待办, SL-01..SL-04): who must act next.

Each queue is the open rows of the timeliness read model of one kind, earliest due
first, with their PC-03 status at "now" (cancelled rows — excluded steps, ended
series, 无法联系客户 — are not work and are left out):

- complaints (branch): to acknowledge within 24 h (SL-01b) and to decide (SL-01c);
- renewal reminders (the agent's own list): reminders due by today not made (SL-02b);
- claims (handler): contact, on site, 定损, 核赔 steps not done (SL-03a/b/d/e);
- care callbacks (call centre): 出险 / 结案关怀回访 not reached yet (SL-04a/b).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from psycopg import Connection

from domain.parameters import RuleParameters
from domain.shared.time import business_date
from projections.querying import DEFAULT_LIMIT, ResultPage
from projections.timeliness.obligations import ObligationKind
from projections.timeliness.queries import Filters, ObligationRow, query_obligations


class ServiceQueue(StrEnum):
    COMPLAINTS = "complaints"
    RENEWAL_REMINDERS = "renewal-reminders"
    CLAIMS = "claims"
    CARE_CALLBACKS = "care-callbacks"


_KINDS: dict[ServiceQueue, tuple[str, ...]] = {
    ServiceQueue.COMPLAINTS: (ObligationKind.COMPLAINT_ACK.value, ObligationKind.COMPLAINT_DECISION.value),
    ServiceQueue.RENEWAL_REMINDERS: (ObligationKind.RENEWAL_REMINDER.value,),
    ServiceQueue.CLAIMS: (ObligationKind.CLAIM_STEP.value,),
    ServiceQueue.CARE_CALLBACKS: (ObligationKind.CARE_CALLBACK.value,),
}


def service_queue(
    conn: Connection[Any],
    schema: str,
    queue: ServiceQueue,
    *,
    now: datetime,
    params: RuleParameters,
    branch: str | None = None,
    agent_code: str | None = None,
    limit: int = DEFAULT_LIMIT,
    offset: int = 0,
    cursor: str | None = None,
) -> ResultPage[ObligationRow]:
    """The open obligations of ``queue``; ``agent_code`` is the reminding agent or the claim's
    handler (the person who must act). Renewal reminders only once due (by today). Keyset
    paging as ``query_obligations`` (``cursor``)."""
    filters = Filters(
        branch=branch,
        agent_code=agent_code,
        kinds=_KINDS[queue],
        open_only=True,
        due_to=business_date(now) if queue is ServiceQueue.RENEWAL_REMINDERS else None,
    )
    return query_obligations(
        conn, schema, now=now, params=params, filters=filters, limit=limit, offset=offset, cursor=cursor
    )
