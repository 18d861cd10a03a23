"""PC-02 deadlines (natural / working days) and PC-03 status, pure domain (no database)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from application.adapters.calendar import ChineseWorkingDayCalendar
from domain.parameters import WorkOrderParams
from domain.shared.time import SHANGHAI, end_of_day
from domain.work_order import ObligationStatus, deadline_for, obligation_status

CALENDAR = ChineseWorkingDayCalendar()
PARAMS = WorkOrderParams()


@pytest.mark.parametrize("kind", ["核实件", "人工亲访件", "一次沟通解释件", "二次沟通解释件", "代签字"])
def test_pc02_seven_natural_days_for_every_type_but_misleading(kind):
    """PC-02: 7 natural days from creation (creation day not counted), the whole last day."""
    deadline = deadline_for(kind, date(2026, 9, 29), PARAMS, CALENDAR)
    assert (deadline.due_on, deadline.basis, deadline.days) == (date(2026, 10, 6), "自然日", 7)
    assert deadline.due_at == end_of_day(date(2026, 10, 6))


@pytest.mark.parametrize(
    ("created", "due"),
    [
        (date(2025, 9, 26), date(2025, 10, 23)),  # 国庆: make-up Sun 09-28 and Sat 10-11 count
        (date(2026, 9, 25), date(2026, 10, 22)),  # 中秋 + 国庆 2026
        (date(2026, 2, 13), date(2026, 3, 12)),  # make-up Sat 02-14, then 春节
        (date(2026, 3, 4), date(2026, 3, 25)),  # an ordinary month
    ],
)
def test_pc02_sales_misleading_deadline_is_15_working_days_on_the_prc_calendar(created, due):
    """PC-02 / REG-03: 销售误导件 = 15 working days, honouring 调休 and the National Day week."""
    deadline = deadline_for("销售误导件", created, PARAMS, CALENDAR)
    assert (deadline.due_on, deadline.basis, deadline.days) == (due, "工作日", 15)


@settings(max_examples=150, deadline=None)
@given(created=st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 11, 30)))
def test_pc02_misleading_deadline_property_over_the_working_day_calendar(created):
    """PC-02: the deadline is a working day with exactly 15 working days after creation."""
    due = deadline_for("销售误导件", created, PARAMS, CALENDAR).due_on
    assert chinese_calendar.is_workday(due)
    assert len(chinese_calendar.get_workdays(created + timedelta(days=1), due)) == 15
    later = deadline_for("销售误导件", created + timedelta(days=1), PARAMS, CALENDAR).due_on
    assert later >= due


def test_pc02_deadlines_are_configurable():
    """PC-02: the natural-day numbers and the working-day number are config."""
    params = WorkOrderParams(natural_day_deadlines={"核实件": 5}, misleading_working_days=10)
    assert deadline_for("核实件", date(2026, 3, 2), params, CALENDAR).due_on == date(2026, 3, 7)
    assert deadline_for("代签字", date(2026, 3, 2), params, CALENDAR).due_on == date(2026, 3, 9)
    assert deadline_for("销售误导件", date(2026, 3, 2), params, CALENDAR).due_on == date(2026, 3, 16)


# ----- PC-03 ----------------------------------------------------------------------------
DEADLINE = end_of_day(date(2026, 3, 11))
LEAD = timedelta(days=2)


def at(day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("now", "status"),
    [
        (at(9, 12), ObligationStatus.NORMAL),
        (at(10, 0), ObligationStatus.WARNING),  # the last 2 days: 03-10 and 03-11
        (at(11, 23, 59), ObligationStatus.WARNING),
        (at(12, 0), ObligationStatus.OVERDUE),
    ],
)
def test_pc03_open_status_normal_warning_overdue(now, status):
    """PC-03: 正常, then 警告 inside the last 2 days, then 超时 after the deadline."""
    assert obligation_status(DEADLINE, LEAD, now) == status


def test_pc03_closed_late_stays_closed_late():
    """PC-03: a work order closed after its deadline stays "closed late" for reports."""
    assert obligation_status(DEADLINE, LEAD, at(30), at(11, 23)) == ObligationStatus.CLOSED_ON_TIME
    assert obligation_status(DEADLINE, LEAD, at(30), at(12, 9)) == ObligationStatus.CLOSED_LATE


@settings(max_examples=200, deadline=None)
@given(
    offset=st.timedeltas(min_value=timedelta(days=-20), max_value=timedelta(days=20)),
    lead_days=st.integers(min_value=0, max_value=10),
)
def test_pc03_status_is_a_pure_ordered_function_of_time(offset, lead_days):
    """PC-03: as time passes an open obligation only moves 正常 → 警告 → 超时."""
    order = [ObligationStatus.NORMAL, ObligationStatus.WARNING, ObligationStatus.OVERDUE]
    lead = timedelta(days=lead_days)
    now = DEADLINE + offset
    status = obligation_status(DEADLINE, lead, now)
    assert status == obligation_status(DEADLINE, lead, now)
    later = obligation_status(DEADLINE, lead, now + timedelta(hours=1))
    assert order.index(later) >= order.index(status)
    assert (status == ObligationStatus.OVERDUE) is (now > DEADLINE)
