"""Deadline arithmetic shared by the SL obligations (pure: the caller passes every input).

- ``working_deadline``: N working days after the start day (the start day not counted,
  as PC-02), on the PRC calendar with 调休; 0 days (立等可取) is the start day itself;
  a half day ends at 12:00 of the next working day after the whole days (SL-03f).
- ``band_for``: the amount band of a table (each band includes its upper bound, SL-03f).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

from domain.service_standard.parameters import AmountBand
from domain.shared.calendar import WorkingDayCalendar, add_working_days
from domain.shared.errors import InvalidInput
from domain.shared.time import SHANGHAI, end_of_day

#: a half working day ends at noon (SL-03f)
HALF_DAY_ENDS = time(12, 0)


def working_deadline(start_day: date, days: Decimal, calendar: WorkingDayCalendar) -> datetime:
    """SL-03d/e: the instant a deadline of ``days`` working days after ``start_day`` ends."""
    whole = int(days)
    if days - whole:
        due = add_working_days(start_day, whole + 1, calendar)
        return datetime.combine(due, HALF_DAY_ENDS, tzinfo=SHANGHAI)
    return end_of_day(add_working_days(start_day, whole, calendar))


@dataclass(frozen=True)
class BandChoice:
    """Which row of a table applied (recorded in the decision event as its input)."""

    index: int
    label: str
    days: Decimal | None


def band_label(bands: tuple[AmountBand, ...], index: int) -> str:
    lower = bands[index - 1].upto if index else None
    upper = bands[index].upto
    if upper is None:
        return f">{lower}"
    return f"≤{upper}" if lower is None else f"{lower}<x≤{upper}"


def band_for(bands: tuple[AmountBand, ...], amount: Decimal) -> BandChoice:
    """SL-03f: the first band whose upper bound is at least the amount."""
    if amount < 0:
        raise InvalidInput(f"amount must be >= 0, got {amount}", f"金额不能为负：{amount}")
    for index, band in enumerate(bands):
        if band.upto is None or amount <= band.upto:
            return BandChoice(index, band_label(bands, index), band.days)
    raise InvalidInput("no band covers the amount", "金额不在任何档位内")  # unreachable: last band is open
