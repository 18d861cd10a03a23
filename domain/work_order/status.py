"""Timeliness status of any deadline-type obligation (时效状态), PC-03.

One pure function, reused by the read models for every obligation with a deadline
(CB-03 callback before cooling-off end, CB-05 receipt registration, PS-03/PS-04
service-case deadlines, work orders): no clock, the caller says what "now" is.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from domain.shared.time import end_of_day, require_aware
from domain.work_order.types import ObligationStatus


def obligation_status(
    deadline: datetime,
    warning_lead: timedelta,
    now: datetime,
    closed_at: datetime | None = None,
) -> ObligationStatus:
    """PC-03: 正常 / 警告 / 超时 while open; 按时完成 / 逾期完成 once closed.

    - closed: on time if closed at or before the deadline, else closed late (a late
      closure stays visible as such in reports);
    - open and past the deadline: 超时;
    - open within ``warning_lead`` before the deadline (inclusive): 警告;
    - otherwise 正常.
    """
    require_aware(deadline, "deadline")
    require_aware(now, "now")
    if closed_at is not None:
        require_aware(closed_at, "closed_at")
        return ObligationStatus.CLOSED_ON_TIME if closed_at <= deadline else ObligationStatus.CLOSED_LATE
    if now > deadline:
        return ObligationStatus.OVERDUE
    if now >= deadline - warning_lead:
        return ObligationStatus.WARNING
    return ObligationStatus.NORMAL


def deadline_at(day: date) -> datetime:
    """A deadline "by day D" lasts the whole Shanghai day D."""
    return end_of_day(day)


def warning_lead(days: int) -> timedelta:
    """PC-03: the warning period, "the last N days before the deadline"."""
    return timedelta(days=days)
