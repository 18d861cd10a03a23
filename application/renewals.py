"""Renewal reminder use cases (续保提醒), SL-02: open a series, record reminders, end it."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import Field

from application.messages import Command
from application.unit_of_work import UnitOfWork
from domain.renewal import RenewalReminderSeries
from domain.shared.errors import AlreadyExists
from domain.shared.values import policy_number as normal_policy_number


class OpenRenewalReminders(Command):
    """续保提醒开始 Open the reminder series of a policy's expiry (SL-02a/b)."""

    policy_number: str = Field(min_length=1, max_length=64)
    expiry_on: date = Field(description="保险止期 the last day in force")
    agent_code: str = Field(min_length=1, max_length=20, description="the agent who reminds")
    branch: str = Field(min_length=1, max_length=100)
    line: str = Field("车险", max_length=20, description="险种 (S4: 个人车险与财产险)")


class RecordRenewalReminder(Command):
    """续保提醒 Record a reminder made on its due day or later (SL-02b)."""

    policy_number: str = Field(min_length=1, max_length=64)
    expiry_on: date
    method: str = Field("电话", max_length=20, description="电话/短信/上门")
    note: str = Field("", max_length=1000)


class EndRenewalReminders(Command):
    """续保提醒结束 Renewed, lapsed or expired (SL-02c)."""

    policy_number: str = Field(min_length=1, max_length=64)
    expiry_on: date
    reason: str = Field(description="已续保/已失效/已到期")


def _series_id(number: str, expiry_on: date) -> Any:
    return RenewalReminderSeries.id_for(RenewalReminderSeries.key(normal_policy_number(number), expiry_on))


def load_series(uow: UnitOfWork, number: str, expiry_on: date) -> RenewalReminderSeries:
    return uow.get(
        RenewalReminderSeries, _series_id(number, expiry_on), f"renewal reminders of {number} 续保提醒"
    )


def series_summary(s: RenewalReminderSeries, uow: UnitOfWork) -> dict[str, Any]:
    return {
        "series_id": str(s.id),
        "policy_number": s.policy_number,
        "expiry_on": s.expiry_on.isoformat(),
        "ended": s.ended or None,
        "reminders": [
            {"reminder_no": no, "due_on": day.isoformat(), "status": st.value if st else None}
            for no, day, st in s.reminder_statuses(uow.now)
        ],
    }


def open_renewal_reminders(cmd: OpenRenewalReminders, uow: UnitOfWork) -> dict[str, Any]:
    number = normal_policy_number(cmd.policy_number)
    if uow.find(RenewalReminderSeries, _series_id(number, cmd.expiry_on)) is not None:
        raise AlreadyExists(
            f"renewal reminders of {number} expiring {cmd.expiry_on} already exist",
            f"保单 {number}（{cmd.expiry_on} 到期）的续保提醒已存在",
        )
    s = RenewalReminderSeries.open(
        number, cmd.expiry_on, cmd.agent_code, cmd.branch, cmd.line, uow.params.service_standards, uow.ctx
    )
    uow.add(s)
    return series_summary(s, uow)


def record_renewal_reminder(cmd: RecordRenewalReminder, uow: UnitOfWork) -> dict[str, Any]:
    s = load_series(uow, cmd.policy_number, cmd.expiry_on)
    s.make_reminder(cmd.method, cmd.note, uow.ctx)
    return series_summary(s, uow)


def end_renewal_reminders(cmd: EndRenewalReminders, uow: UnitOfWork) -> dict[str, Any]:
    s = load_series(uow, cmd.policy_number, cmd.expiry_on)
    s.end(cmd.reason, uow.ctx)
    return series_summary(s, uow)
