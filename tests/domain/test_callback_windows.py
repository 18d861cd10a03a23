"""CA-01 call windows, pure domain (no database): property tests and boundaries."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from application.adapters.calendar import ChineseWorkingDayCalendar
from domain.callback.windows import check_call_window, require_call_window
from domain.parameters import CallbackParams, CallWindow
from domain.shared.errors import RuleViolation
from domain.shared.time import SHANGHAI

CALENDAR = ChineseWorkingDayCalendar()
PARAMS = CallbackParams()

# RULES.md CA-01, written out independently of the parameters object.
WORKING_DAY = [(time(9, 30), time(12, 0)), (time(14, 30), time(17, 30)), (time(19), time(21))]
REST_DAY = [(time(10, 30), time(12, 30)), (time(14, 30), time(17, 30)), (time(19), time(21))]

days = st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 12, 31))
times = st.times()


def moment(day: date, t: time) -> datetime:
    return datetime.combine(day, t, tzinfo=SHANGHAI)


@settings(max_examples=200, deadline=None)
@given(day=days, t=times)
def test_ca01_calls_allowed_exactly_inside_the_windows_of_the_day_kind(day, t):
    """CA-01: weekday windows on working days, weekend windows on rest days, half-open."""
    spans = WORKING_DAY if CALENDAR.is_working_day(day) else REST_DAY
    expected = any(start <= t < end for start, end in spans)
    assert check_call_window(moment(day, t), PARAMS, CALENDAR).allowed is expected


@settings(max_examples=150, deadline=None)
@given(
    day=days,
    t=st.one_of(st.times(min_value=time(21, 0)), st.times(max_value=time(8, 59, 59, 999999))),
)
def test_ca01_never_a_call_between_21_and_09_even_with_windows_round_the_clock(day, t):
    """CA-01 / REG-05: the night is closed by the window check itself, not only by the
    configuration's validation: parameters built without validation (``model_copy`` /
    ``model_construct`` skip it) and open round the clock still refuse a night call."""
    whole_day = (CallWindow.model_construct(start=time(0), end=time(23, 59, 59, 999999)),)
    unchecked = PARAMS.model_copy(update={"weekday_windows": whole_day, "weekend_windows": whole_day})
    assert check_call_window(moment(day, time(12)), unchecked, CALENDAR).allowed  # the windows are open
    with pytest.raises(RuleViolation) as err:
        require_call_window(moment(day, t), unchecked, CALENDAR)
    assert err.value.rule_id == "CA-01"


def test_ca01_configuration_cannot_open_the_night():
    """CA-01 / REG-05: a window reaching into 21:00-09:00 is rejected at configuration time."""
    with pytest.raises(ValueError, match="REG-05"):
        CallWindow(start=time(8, 30), end=time(12))


MONDAY = date(2026, 3, 2)
SATURDAY = date(2026, 3, 7)


@pytest.mark.parametrize(
    ("day", "t", "allowed"),
    [
        (MONDAY, time(9, 29, 59), False),
        (MONDAY, time(9, 30), True),
        (MONDAY, time(11, 59, 59), True),
        (MONDAY, time(12, 0), False),
        (MONDAY, time(14, 30), True),
        (MONDAY, time(17, 30), False),
        (MONDAY, time(20, 59, 59), True),
        (MONDAY, time(21, 0), False),
        (SATURDAY, time(10, 29, 59), False),
        (SATURDAY, time(10, 30), True),
        (SATURDAY, time(12, 29, 59), True),
        (SATURDAY, time(12, 30), False),
        (SATURDAY, time(9, 45), False),
    ],
)
def test_ca01_window_boundaries(day, t, allowed):
    """CA-01: start inclusive, end exclusive; weekend mornings 10:30-12:30."""
    assert check_call_window(moment(day, t), PARAMS, CALENDAR).allowed is allowed


def test_ca01_make_up_saturday_and_public_holiday_follow_the_working_day_calendar():
    """CA-01 reading: a 调休 Saturday is a working day, a holiday weekday is a rest day."""
    make_up_saturday = date(2026, 2, 14)  # 春节调休上班
    national_day = date(2026, 10, 1)  # Thursday, public holiday
    assert check_call_window(moment(make_up_saturday, time(9, 45)), PARAMS, CALENDAR).allowed
    assert not check_call_window(moment(national_day, time(9, 45)), PARAMS, CALENDAR).allowed
    assert check_call_window(moment(national_day, time(10, 45)), PARAMS, CALENDAR).allowed


def test_ca01_moments_are_judged_in_shanghai_time():
    """CA-01: 02:00 UTC is 10:00 in Shanghai (allowed); 13:30 UTC is 21:30 (refused)."""
    assert check_call_window(datetime(2026, 3, 2, 2, 0, tzinfo=UTC), PARAMS, CALENDAR).allowed
    with pytest.raises(RuleViolation, match="CA-01"):
        require_call_window(datetime(2026, 3, 2, 13, 30, tzinfo=UTC), PARAMS, CALENDAR)
