"""Business time of the synthetic month (业务时间线): call windows, office hours, cut-off.

Calls are placed inside the CA-01 windows of the day's kind (working day / rest day
from the PRC calendar, 调休 respected); on rest days the call centre runs a reduced
service, so some rest days see no calls. Branch staff work office hours on working
days. Nothing is planned after the cut-off (the end of the month): whatever is still
open then is the work queue the demo shows.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from domain.callback.windows import check_call_window, windows_on
from domain.parameters import CallbackParams, CallWindow
from domain.shared.calendar import WorkingDayCalendar
from domain.shared.time import SHANGHAI, local

#: share of rest days on which the call centre calls at all (reduced holiday service)
REST_DAY_SERVICE = 0.6
OFFICE_OPENS = time(9, 0)
OFFICE_CLOSES = time(17, 30)


class Cutoff(Exception):
    """A step would fall after the end of the simulated month: the story stops there."""


def at_time(day: date, clock: time) -> datetime:
    return datetime.combine(day, clock, tzinfo=SHANGHAI)


def hours(value: float) -> timedelta:
    return timedelta(hours=value)


class Timeline:
    def __init__(
        self,
        rng: random.Random,
        params: CallbackParams,
        calendar: WorkingDayCalendar,
        first_day: date,
        last_day: date,
    ) -> None:
        self.rng = rng
        self.params = params
        self.calendar = calendar
        self.first_day = first_day
        self.last_day = last_day
        self.cutoff = at_time(last_day, time(23, 59, 59))
        self._working: dict[date, bool] = {}
        self._served: dict[date, bool] = {}

    # ----- days ---------------------------------------------------------------------------
    def is_working(self, day: date) -> bool:
        known = self._working.get(day)
        if known is None:
            known = self._working[day] = self.calendar.is_working_day(day)
        return known

    def days(self, start: date, end: date) -> list[date]:
        return [start + timedelta(days=n) for n in range((end - start).days + 1)]

    def working_days(self, start: date, end: date) -> list[date]:
        return [d for d in self.days(start, end) if self.is_working(d)]

    def check(self, moment: datetime) -> None:
        if moment > self.cutoff:
            raise Cutoff(moment.isoformat())

    # ----- call-centre time (CA-01) -------------------------------------------------------
    def _windows(self, day: date) -> tuple[CallWindow, ...]:
        return windows_on(day, self.params, self.calendar)[1]  # CA-01's one home

    def _serves(self, day: date) -> bool:
        if self.is_working(day):
            return True
        served = self._served.get(day)
        if served is None:  # decided once per day, so every callback sees the same roster
            served = self._served[day] = self.rng.random() < REST_DAY_SERVICE
        return served

    def call_at(self, earliest: datetime) -> datetime:
        """The first moment at or after ``earliest`` inside a call window of a served day,
        plus a little queueing time when it has to wait for a window to open."""
        moment = local(earliest).replace(microsecond=0)
        day = moment.date()
        for _ in range(60):
            if self._serves(day):
                for w in self._windows(day):
                    start, end = at_time(day, w.start), at_time(day, w.end) - timedelta(minutes=2)
                    if moment < start:
                        slot = start + timedelta(
                            minutes=self.rng.randint(0, 50), seconds=self.rng.randint(0, 59)
                        )
                        slot = min(slot, end)
                    elif moment <= end:
                        slot = moment
                    else:
                        continue
                    assert check_call_window(slot, self.params, self.calendar).allowed
                    return slot
            day += timedelta(days=1)
            moment = at_time(day, time(0, 0))
        raise RuntimeError(f"no call window within 60 days of {earliest}")  # pragma: no cover

    def next_call(self, after: datetime, min_hours: float, max_hours: float) -> datetime:
        return self.call_at(after + hours(self.rng.uniform(min_hours, max_hours)))

    # ----- office time (branch staff) -----------------------------------------------------
    def office_at(self, earliest: datetime) -> datetime:
        """The first office moment (working day, 09:00-17:30) at or after ``earliest``."""
        moment = local(earliest).replace(microsecond=0)
        day = moment.date()
        for _ in range(60):
            if self.is_working(day):
                opens, closes = at_time(day, OFFICE_OPENS), at_time(day, OFFICE_CLOSES)
                if moment < opens:
                    return opens + timedelta(minutes=self.rng.randint(0, 90))
                if moment <= closes:
                    return moment
            day += timedelta(days=1)
            moment = at_time(day, time(0, 0))
        raise RuntimeError(f"no working day within 60 days of {earliest}")  # pragma: no cover

    def office_after(self, after: datetime, min_hours: float, max_hours: float) -> datetime:
        return self.office_at(after + hours(self.rng.uniform(min_hours, max_hours)))

    def office_between(self, start: datetime, end: datetime) -> datetime | None:
        """A random office moment in [start, end], or None if there is none."""
        for _ in range(8):
            span = (end - start).total_seconds()
            if span <= 0:
                break
            moment = self.office_at(start + timedelta(seconds=self.rng.uniform(0, span)))
            if moment <= end:
                return moment
        moment = self.office_at(start)
        return moment if moment <= end else None

    def day_time(self, day: date, first_hour: float = 9.0, last_hour: float = 18.0) -> datetime:
        """A random moment of ``day`` between two hours (upstream systems, any day)."""
        seconds = self.rng.uniform(first_hour * 3600, last_hour * 3600)
        return at_time(day, time(0, 0)) + timedelta(seconds=int(seconds))

    def scheduler_after(self, moment: datetime) -> datetime:
        """The scheduler's next hourly run (policytrail tick at hh:05)."""
        base = local(moment).replace(minute=5, second=0, microsecond=0)
        return base if base >= moment else base + timedelta(hours=1)
