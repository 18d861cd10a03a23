"""Business time (业务时间). All business dates are in Asia/Shanghai (RULES.md, Time)."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from domain.shared.errors import InvalidInput

SHANGHAI = ZoneInfo("Asia/Shanghai")


def require_aware(moment: datetime, what: str = "time") -> datetime:
    """Business times must carry a timezone; a naive one is ambiguous in the record."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidInput(
            f"{what} must be timezone-aware (e.g. 2026-03-01T10:00:00+08:00)",
            f"{what} 必须带时区（例如 2026-03-01T10:00:00+08:00）",
        )
    return moment


def local(moment: datetime) -> datetime:
    """The instant as Shanghai wall-clock time."""
    return require_aware(moment).astimezone(SHANGHAI)


def business_date(moment: datetime) -> date:
    """The Shanghai calendar date of an instant."""
    return local(moment).date()


def start_of_day(day: date) -> datetime:
    """00:00 Shanghai time of a business date."""
    return datetime.combine(day, time.min, tzinfo=SHANGHAI)


def end_of_day(day: date) -> datetime:
    """23:59:59.999999 Shanghai time: a deadline "by day D" lasts the whole day."""
    return datetime.combine(day, time.max, tzinfo=SHANGHAI)
