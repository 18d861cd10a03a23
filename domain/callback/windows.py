"""Call windows (呼出时段), CA-01 / REG-05.

Calls only inside 09:30–12:00 (rest days 10:30–12:30), 14:30–17:30, 19:00–21:00
*(config)*; never between 21:00 and 09:00 (REG-05, also guarded by
``CallWindow`` itself so no configuration can open the night).

Reading of "weekends" (S4: 周末为10:30-12:30): the later morning window exists
because customers are off work that day, so we follow the PRC working-day
calendar rather than the weekday number: a 调休 make-up Saturday is a working day
(weekday windows), and a public holiday on a Monday-Friday is a rest day (rest-day
windows). The calendar is passed in; the domain never looks dates up itself.

Windows are half-open, [start, end): a call placed at 12:00:00 is outside
09:30–12:00, one at 11:59:59 is inside, and 21:00:00 is already night (REG-05).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from domain.parameters import CallbackParams, CallWindow
from domain.shared.calendar import WorkingDayCalendar
from domain.shared.errors import RuleViolation
from domain.shared.labels import LabelledEnum
from domain.shared.time import SHANGHAI, local, require_aware

#: REG-05: no call ever between 21:00 and 09:00, whatever the configuration says.
NIGHT_ENDS = time(9, 0)
NIGHT_STARTS = time(21, 0)


class DayKind(LabelledEnum):
    WORKING_DAY = "工作日", "working day"
    REST_DAY = "休息日", "rest day (weekend / holiday)"


@dataclass(frozen=True)
class WindowCheck:
    """Which windows applied to a moment and whether it fell inside one (CA-01)."""

    local_time: time
    day_kind: str
    windows: list[str]
    window: str | None

    @property
    def allowed(self) -> bool:
        return self.window is not None


def _label(w: CallWindow) -> str:
    return f"{w.start:%H:%M}-{w.end:%H:%M}"


def windows_on(
    day: date, params: CallbackParams, calendar: WorkingDayCalendar
) -> tuple[DayKind, tuple[CallWindow, ...]]:
    """CA-01: the kind of a Shanghai day and the call windows configured for it.

    The one place that says which windows apply on a day; the write-side check, the
    call-centre worklist and the demo month all ask it.
    """
    if calendar.is_working_day(day):
        return DayKind.WORKING_DAY, params.weekday_windows
    return DayKind.REST_DAY, params.weekend_windows


def check_call_window(moment: datetime, params: CallbackParams, calendar: WorkingDayCalendar) -> WindowCheck:
    """CA-01: the windows of the moment's Shanghai day and the one it falls in, if any."""
    at = local(moment)
    day_kind, windows = windows_on(at.date(), params, calendar)
    t = at.time()
    inside = None
    if NIGHT_ENDS <= t < NIGHT_STARTS:  # REG-05 first, whatever the windows say
        inside = next((w for w in windows if w.start <= t < w.end), None)
    return WindowCheck(
        local_time=t.replace(tzinfo=None),
        day_kind=day_kind.value,
        windows=[_label(w) for w in windows],
        window=_label(inside) if inside else None,
    )


def require_call_window(
    moment: datetime, params: CallbackParams, calendar: WorkingDayCalendar
) -> WindowCheck:
    """CA-01: refuse an attempt recorded outside the call windows."""
    check = check_call_window(moment, params, calendar)
    if not check.allowed:
        shown = f"{check.local_time:%H:%M:%S}"
        raise RuleViolation(
            "CA-01",
            f"calls are allowed only within {', '.join(check.windows)} on a "
            f"{DayKind(check.day_kind).en}; {shown} Asia/Shanghai is outside (REG-05: never "
            "between 21:00 and 09:00)",
            f"{check.day_kind}仅可在 {'、'.join(check.windows)} 呼出；{shown}（北京时间）不在呼出时段内"
            "（21:00 至次日 09:00 禁止呼出）",
            local_time=shown,
            day_kind=check.day_kind,
            windows=check.windows,
        )
    return check


#: days ahead searched for the next call window (a holiday week has windows every day)
WINDOW_SEARCH_DAYS = 14


@dataclass(frozen=True)
class CallSlot:
    """The next moment calls are allowed (``start`` may be "now") and when that window ends."""

    start: datetime
    end: datetime
    day_kind: str  # 工作日 / 休息日


def next_call_window(
    after: datetime, params: CallbackParams, calendar: WorkingDayCalendar
) -> CallSlot | None:
    """CA-01: the first instant at or after ``after`` inside a call window, with its end.

    Candidates are the windows of each Shanghai day (``windows_on``); ``check_call_window``
    (REG-05 night guard included) decides each one. None: no window in the next
    ``WINDOW_SEARCH_DAYS`` days.
    """
    moment = local(require_aware(after, "after"))
    for offset in range(WINDOW_SEARCH_DAYS + 1):
        day = moment.date() + timedelta(days=offset)
        for window in windows_on(day, params, calendar)[1]:
            start = datetime.combine(day, window.start, tzinfo=SHANGHAI)
            end = datetime.combine(day, window.end, tzinfo=SHANGHAI)
            if end <= moment:
                continue
            candidate = max(start, moment)
            check = check_call_window(candidate, params, calendar)
            if check.allowed:
                return CallSlot(start=candidate, end=end, day_kind=check.day_kind)
    return None
