"""The timeliness rows and what every handler of the read model shares (时效事项).

An obligation row (``timeliness``) and its subject row (``timeliness_subjects``), the
batch's two row caches (``Tables``), a handler with the keys it reads (``Handler``,
for one prefetch per batch), and the steps handlers take on a row: open, update,
complete, cancel. The handlers are in ``projection`` (CB-03, CB-05, PC-02, PS-03,
PS-04) and ``service_standards`` (SL-01..SL-04).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from domain.shared.labels import LabelledEnum
from domain.shared.time import business_date, start_of_day
from projections.rows import Row, RowCache


class ObligationKind(LabelledEnum):
    """What an obligation is (时效事项)."""

    CALLBACK = "犹豫期内回访成功", "callback succeeded before cooling-off end"  # CB-03
    RECEIPT_REGISTRATION = "回执回销时效", "receipt registered within the lag"  # CB-05
    WORK_ORDER = "问题件处理时效", "work order handled by its deadline"  # PC-02
    SERVICE_CARD = "客户服务卡建立", "customer service card created"  # PS-03
    DIFFICULT_CASE_REPORT = "疑难件报告书递交", "difficult-case report filed"  # PS-04
    SURVIVAL_BENEFIT_NOTICE = "生存金返还通知书送达", "survival-benefit notice delivered"  # PS-04
    COMPLAINT_ACK = "投诉24小时响应", "complaint acknowledged within 24 h"  # SL-01b
    COMPLAINT_DECISION = "投诉处理时效", "complaint decided in time"  # SL-01c
    RENEWAL_REMINDER = "续保提醒", "renewal reminder made"  # SL-02b
    CLAIM_STEP = "理赔时效", "claim step in time"  # SL-03a/b/d/e (detail: the step)
    CARE_CALLBACK = "理赔关怀回访", "claim care callback"  # SL-04a/b (detail: which)


@dataclass
class Tables:
    """The two tables, cached for one batch."""

    subjects: RowCache
    obligations: RowCache


Apply = Callable[[Tables, Any], None]
Keys = Callable[[Any], Iterable[Any]]


def _none(_: Any) -> tuple[()]:
    return ()


@dataclass(frozen=True)
class Handler:
    """One event's handler and the keys it reads, prefetched for the whole batch."""

    apply: Apply
    subjects: Keys = _none  # subject ids the handler reads
    obligations: Keys = _none  # obligation ids it reads
    subject_obligations: Keys = _none  # subjects whose every obligation it reads


def obligation_id(rule_id: str, subject_id: uuid.UUID, detail: str = "") -> str:
    return f"{rule_id}:{subject_id}" + (f":{detail}" if detail else "")


def done_at(occurred_at: datetime, day: date) -> datetime:
    """When a date-stamped completion happened: the event's time if it was recorded that
    day, else the start of that day (a backdated record; on time iff day ≤ due day)."""
    return occurred_at if business_date(occurred_at) == day else start_of_day(day)


def new_obligation(
    ob_id: str,
    rule_id: str,
    kind: ObligationKind,
    subject_type: str,
    subject_id: uuid.UUID,
    subject: Row,
    started_at: datetime,
    due_at: datetime | None,
    detail: str = "",
    warning_lead_days: int | None = None,
) -> Row:
    return {
        "obligation_id": ob_id,
        "rule_id": rule_id,
        "kind": kind.value,
        "detail": detail,
        "subject_type": subject_type,
        "subject_id": subject_id,
        "policy_number": subject.get("policy_number"),
        "branch": subject.get("branch"),
        "channel": subject.get("channel"),
        "product_type": subject.get("product_type"),
        "agent_code": subject.get("agent_code"),
        "started_at": started_at,
        "due_at": due_at,
        "done_at": None,
        "warning_lead_days": warning_lead_days,
        "overdue_statement": False,
        "overdue_reason": "",
        "cancelled_at": None,
        "cancel_reason": "",
        "due_eff": None,  # derived on put (ObligationCache)
        "warn_at": None,
    }


def update(t: Tables, ob_id: str, **changes: Any) -> None:
    row = t.obligations.get(ob_id)
    if row is not None:
        t.obligations.put({**row, **changes})


def complete(t: Tables, ob_id: str, when: datetime) -> None:
    row = t.obligations.get(ob_id)
    if row is not None and row["done_at"] is None:
        t.obligations.put({**row, "done_at": when})


def cancel(t: Tables, ob_id: str, when: datetime, reason: str) -> None:
    """An obligation that no longer applies (cancelled policy, withdrawn order…)."""
    row = t.obligations.get(ob_id)
    if row is not None and row["done_at"] is None and row["cancelled_at"] is None:
        t.obligations.put({**row, "cancelled_at": when, "cancel_reason": reason})


def subject_row(t: Tables, subject_id: uuid.UUID, what: str) -> Row:
    row = t.subjects.get(subject_id)
    if row is None:
        raise LookupError(f"timeliness: {what} {subject_id} was never opened")
    return row


def own(e: Any) -> tuple[uuid.UUID]:
    return (e.originator_id,)
