"""Care-callback periods (关怀回访), SL-04 (pure date arithmetic)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from domain.service_standard.parameters import ServiceStandardParams
from domain.shared.time import end_of_day, start_of_day


def closure_care_window(closed_on: date, params: ServiceStandardParams) -> tuple[datetime, datetime] | None:
    """SL-04b: the weekly extraction (Tuesday) that picks claims closed 14–20 days before,
    and the end of its one-week batch. None when the configured span misses every weekday."""
    day = closed_on + timedelta(days=params.care_closure_min_days)
    last = closed_on + timedelta(days=params.care_closure_max_days)
    while day <= last:
        if day.weekday() == params.care_closure_weekday:
            return start_of_day(day), end_of_day(day + timedelta(days=params.care_closure_batch_days - 1))
        day += timedelta(days=1)
    return None
