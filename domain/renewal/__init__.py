"""Renewal reminder series (续保提醒), SL-02."""

from domain.renewal.series import RenewalReminderSeries, SeriesEnd, reminder_due_days

__all__ = ["RenewalReminderSeries", "SeriesEnd", "reminder_due_days"]
