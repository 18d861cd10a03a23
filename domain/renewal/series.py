"""Renewal reminder series (续保提醒), SL-02 (docs/service-standards.md).

One series per policy and expiry date: reminders due 30 days before expiry, then every
10 days, the expiry day included (SL-02a/b). A reminder made on day d fulfils the latest
reminder due on or before d; earlier ones never made stay missed (超时). Renewal, lapse
or expiry ends the series (SL-02c): reminders not yet due are cancelled.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from domain.service_standard.parameters import ServiceStandardParams
from domain.shared.aggregate import Context, TrailAggregate
from domain.shared.errors import InvalidInput, RuleViolation
from domain.shared.labels import LabelledEnum
from domain.shared.time import business_date, end_of_day
from domain.work_order.status import obligation_status
from domain.work_order.types import ObligationStatus


class SeriesEnd(LabelledEnum):
    RENEWED = "已续保", "renewed"
    LAPSED = "已失效", "lapsed"
    EXPIRED = "已到期", "expired"


def reminder_due_days(expiry_on: date, params: ServiceStandardParams) -> list[date]:
    """SL-02a/b: expiry − 30, then every 10 days while on or before the expiry day."""
    days = []
    due = expiry_on - timedelta(days=params.renewal_first_days_before)
    while due <= expiry_on:
        days.append(due)
        due += timedelta(days=params.renewal_every_days)
    return days


class RenewalReminderSeries(TrailAggregate):
    """续保提醒序列. Id = uuid5 of "policy number/expiry date"."""

    id_kind = "renewal-series"

    def __init__(self) -> None:
        pass

    @classmethod
    def key(cls, policy_number: str, expiry_on: date) -> str:
        return f"{policy_number}/{expiry_on.isoformat()}"

    class Opened(TrailAggregate.Created):
        """续保提醒开始 Series opened with every reminder's due day (SL-02a, SL-02b)."""

        class_version = 1
        policy_number: str
        expiry_on: date
        agent_code: str
        branch: str
        line: str
        due_days: list[date]
        first_days_before: int
        every_days: int
        rule_ids: list[str]

        def apply(self, s: RenewalReminderSeries) -> None:
            s.policy_number = self.policy_number
            s.expiry_on = self.expiry_on
            s.agent_code = self.agent_code
            s.branch = self.branch
            s.line = self.line
            s.due_days = list(self.due_days)
            s.made_at = {}
            s.ended = ""
            s.ended_at = None
            s.cancelled = []

    class ReminderMade(TrailAggregate.Event):
        """续保提醒 A reminder made (phone / SMS), on time on its due day or late (SL-02b)."""

        class_version = 1
        reminder_no: int
        due_on: date
        on_time: bool
        method: str
        note: str
        rule_id: str

        def apply(self, s: RenewalReminderSeries) -> None:
            s.made_at[self.reminder_no] = self.occurred_at

    class Ended(TrailAggregate.Event):
        """续保提醒结束 Renewed, lapsed or expired: later reminders cancelled (SL-02c)."""

        class_version = 1
        reason: str
        cancelled: list[int]
        missed: list[int]
        rule_id: str

        def apply(self, s: RenewalReminderSeries) -> None:
            s.ended = self.reason
            s.ended_at = self.occurred_at
            s.cancelled = list(self.cancelled)

    # ----- commands ------------------------------------------------------------------------
    @classmethod
    def open(
        cls,
        policy_number: str,
        expiry_on: date,
        agent_code: str,
        branch: str,
        line: str,
        params: ServiceStandardParams,
        ctx: Context,
    ) -> RenewalReminderSeries:
        """SL-02a: a series for a policy with an expiry date, opened before the expiry day."""
        if business_date(ctx.occurred_at) > expiry_on:
            raise InvalidInput(
                f"the policy expired on {expiry_on}: no reminders to send",
                f"保单已于 {expiry_on} 到期，无需续保提醒",
            )
        return cls._start(
            cls.Opened,
            ctx,
            id=cls.id_for(cls.key(policy_number, expiry_on)),
            policy_number=policy_number,
            expiry_on=expiry_on,
            agent_code=agent_code,
            branch=branch,
            line=line,
            due_days=reminder_due_days(expiry_on, params),
            first_days_before=params.renewal_first_days_before,
            every_days=params.renewal_every_days,
            rule_ids=["SL-02a", "SL-02b"],
        )

    def make_reminder(self, method: str, note: str, ctx: Context) -> int:
        """SL-02b: fulfil the latest reminder due on or before today; refuse an early one."""
        if self.ended:
            raise InvalidInput(
                f"the reminder series has ended ({self.ended})", f"续保提醒已结束（{self.ended}）"
            )
        today = business_date(ctx.occurred_at)
        due = [(no, day) for no, day in enumerate(self.due_days, start=1) if day <= today]
        if not due:
            raise RuleViolation(
                "SL-02a",
                f"the first reminder is due on {self.due_days[0]} "
                f"({(self.expiry_on - self.due_days[0]).days} days before expiry), not earlier",
                f"首次续保提醒应在 {self.due_days[0]}"
                f"（到期前 {(self.expiry_on - self.due_days[0]).days} 天）",
                due_on=self.due_days[0].isoformat(),
            )
        no, due_on = due[-1]
        if no in self.made_at:
            following = self.due_days[no] if no < len(self.due_days) else None
            raise RuleViolation(
                "SL-02b",
                f"reminder {no} (due {due_on}) is already made; the next is due on {following}",
                f"第 {no} 次续保提醒（{due_on}）已完成；下次应在 {following}",
            )
        self._record(
            self.ReminderMade,
            ctx,
            reminder_no=no,
            due_on=due_on,
            on_time=ctx.occurred_at <= end_of_day(due_on),
            method=(method or "电话").strip()[:20],
            note=(note or "").strip()[:1000],
            rule_id="SL-02b",
        )
        return no

    def end(self, reason: str, ctx: Context) -> None:
        """SL-02c: renewal, lapse or expiry ends the series."""
        if self.ended:
            raise InvalidInput(
                f"the reminder series has already ended ({self.ended})", f"续保提醒已结束（{self.ended}）"
            )
        try:
            reason = SeriesEnd(reason).value
        except ValueError:
            raise InvalidInput(
                f"unknown end {reason!r}; one of {', '.join(SeriesEnd)}", f"未知结束原因 {reason!r}"
            ) from None
        today = business_date(ctx.occurred_at)
        if reason == SeriesEnd.EXPIRED and today <= self.expiry_on:
            raise InvalidInput(
                f"the policy expires at the end of {self.expiry_on}; it cannot be expired yet",
                f"保单 {self.expiry_on} 日终到期，尚未到期",
            )
        numbered = list(enumerate(self.due_days, start=1))
        self._record(
            self.Ended,
            ctx,
            reason=reason,
            cancelled=[no for no, day in numbered if day > today and no not in self.made_at],
            missed=[no for no, day in numbered if day <= today and no not in self.made_at],
            rule_id="SL-02c",
        )

    # ----- queries -------------------------------------------------------------------------
    def reminder_statuses(self, now: datetime) -> list[tuple[int, date, ObligationStatus | None]]:
        """Each reminder with its status; None: cancelled, or not yet due (not an obligation yet)."""
        today = business_date(now)
        rows = []
        for no, day in enumerate(self.due_days, start=1):
            if no in self.cancelled or (day > today and no not in self.made_at):
                rows.append((no, day, None))
            else:
                rows.append(
                    (no, day, obligation_status(end_of_day(day), timedelta(0), now, self.made_at.get(no)))
                )
        return rows
