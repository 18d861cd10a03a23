"""Working days (工作日) as the domain sees them: a protocol, implemented outside.

Natural days count every calendar day; working days skip weekends and PRC public
holidays and honour make-up working days (调休). The domain only needs "is this a
working day"; ``application/adapters/calendar.py`` answers it from a maintained library.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Protocol


class WorkingDayCalendar(Protocol):
    def is_working_day(self, day: date) -> bool: ...


def add_working_days(start: date, days: int, calendar: WorkingDayCalendar) -> date:
    """The date ``days`` working days after ``start`` (start itself not counted)."""
    if days < 0:
        raise ValueError("days must be >= 0")
    current = start
    remaining = days
    while remaining:
        current += timedelta(days=1)
        if calendar.is_working_day(current):
            remaining -= 1
    return current


def is_weekend(day: date) -> bool:
    return day.weekday() >= 5
