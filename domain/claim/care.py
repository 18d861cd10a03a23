"""Care-callback periods (关怀回访), SL-04 (pure date arithmetic)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from domain.service_standard.parameters import ServiceStandardParams
from domain.shared.time import SHANGHAI, end_of_day, local, start_of_day

#: REG-05: no call ever between 21:00 and 09:00 (as CA-01's ``NIGHT_STARTS`` / ``NIGHT_ENDS``)
NIGHT_ENDS, NIGHT_STARTS = time(9, 0), time(21, 0)


def is_night(moment: datetime) -> bool:
    """REG-05: 21:00 (inclusive) to 09:00 (exclusive), Shanghai time."""
    t = local(moment).time()
    return not NIGHT_ENDS <= t < NIGHT_STARTS


def incident_care_window(reported_at: datetime, params: ServiceStandardParams) -> tuple[datetime, datetime]:
    """SL-04a: from 30 minutes after the report, done within the half-hour batch; a start
    in the night (REG-05) moves to 09:00 of the morning after, the batch with it."""
    start = reported_at + timedelta(minutes=params.care_incident_after_minutes)
    if is_night(start):
        at = local(start)
        day = at.date() if at.time() < NIGHT_ENDS else at.date() + timedelta(days=1)
        start = datetime.combine(day, NIGHT_ENDS, tzinfo=SHANGHAI)
    return start, start + timedelta(minutes=params.care_incident_batch_minutes)


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
