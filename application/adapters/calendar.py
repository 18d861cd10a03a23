"""The PRC business calendar (中国法定节假日及调休), from the ``chinesecalendar`` package.

The package is maintained yearly from the State Council's holiday notices and
knows make-up working days (调休). Years it does not cover are an explicit error:
guessing would silently move deadlines.
"""

from __future__ import annotations

from datetime import date

import chinese_calendar

from domain.shared.errors import InvalidInput


class ChineseWorkingDayCalendar:
    def is_working_day(self, day: date) -> bool:
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:
            raise InvalidInput(
                f"the holiday calendar does not cover {day.year} yet; upgrade chinesecalendar",
                f"节假日日历尚未包含 {day.year} 年，请升级 chinesecalendar",
            ) from None
